//! SEARCH (beside RENDER): the resolved [`Site`] → an offline full-text index,
//! written as plain scripts under `search/` that `static/search.js` loads on
//! demand, from `file://` as well as from a server.
//!
//! [`tokenize`] turns text into terms, [`index`] builds the inverted index of
//! every published page and block, [`shards`] cuts it into small script files
//! by term range (and the result table by page), and [`query`] holds the
//! matching and ranking rules the browser applies, for tests. [`preview`]
//! reuses the index's text for the hover previews of links, under `preview/`.

mod document;
pub mod index;
pub mod preview;
pub mod query;
pub mod shards;
pub mod stored;
mod terms;
pub mod tokenize;

use std::time::Instant;

use crate::files::OutputFile;
use crate::resolve::Site;

/// The search index of the published pages, as files under `search/`, and
/// the hover previews of links, under `preview/`.
pub fn search_files(site: &Site) -> Vec<OutputFile> {
    crate::files::collect_files(|mut emit| each_search_file(site, &mut emit))
}

/// Hands the files of [`search_files`], in the same order, to `emit` as
/// soon as each is made (a large graph's index files are larger than the
/// index): stops at the first error of `emit`.
pub fn each_search_file<E>(
    site: &Site,
    emit: &mut impl FnMut(OutputFile) -> Result<(), E>,
) -> Result<(), E> {
    each_search_file_cached(site, None, emit)
}

/// [`each_search_file`], taking each page's share of the index from `store`
/// where it holds it, and keeping it there for the next build.
pub fn each_search_file_cached<E>(
    site: &Site,
    store: Option<&dyn stored::RunStore>,
    emit: &mut impl FnMut(OutputFile) -> Result<(), E>,
) -> Result<(), E> {
    let start = Instant::now();
    // What the index hands out of the pages is written a run of pages at a
    // time (document shards) or kept small (preview pieces).
    let mut previews = Vec::new();
    let mut writer = shards::Writer::default();
    let (mut count, mut bytes) = (0, 0);
    let mut counted = |file: OutputFile| {
        count += 1;
        bytes += file.bytes.len();
        emit(file)
    };
    let index = index::build_each_cached(site, store, false, |_, outs| {
        let mut docs = Vec::with_capacity(outs.len());
        for out in outs {
            previews.push(out.preview);
            docs.push(out.doc);
        }
        writer.pages(docs, &mut counted)
    })?;
    let indexed = start.elapsed();
    let (terms, docs, text_bytes) = (index.terms.len(), index.docs, index.text_bytes);
    preview::files_of(&previews, &mut counted)?;
    drop(previews);
    writer.finish(index.terms, docs, &mut counted)?;
    log::debug!(
        "search index and previews: {terms} terms, {docs} documents, {text_bytes} bytes of \
         text, indexed (documents and previews written) in {indexed:.2?} → {count} files, \
         {bytes} bytes, in {:.2?} in all",
        start.elapsed()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::index::Index;
    use super::*;
    use crate::resolve::test_site as site;

    /// (page title, block text) of the hits, best first.
    fn found(index: &Index, q: &str) -> Vec<(String, String)> {
        query::search(index, q)
            .into_iter()
            .map(|h| {
                let page = &index.pages[h.page as usize];
                let text = match h.block {
                    0 => String::new(),
                    b => page.blocks[b as usize - 1].text.clone(),
                };
                (page.title.clone(), text)
            })
            .collect()
    }

    fn sample() -> Index {
        index::build(&site(&[
            (
                "pages/K8s.md",
                "alias:: Kubernetes\n\n- Workloads\n\t- StatefulSet :\n\t\t- When a StatefulSet is deleted, volumes stay\n\t- Deployments roll out pods\n- Runtime: cri-o, etcd and kubectl\n- ```sh\nkubectl get statefulsets\n```",
            ),
            ("pages/Storage.md", "tags:: k8s\n\n- Volumes for a StatefulSet\n- Café crème"),
            ("pages/Secret.md", "public:: false\n\n- statefulset secrets"),
        ]))
    }

    #[test]
    fn prefix_finds_the_heading_block_first() {
        let hits = found(&sample(), "statefu");
        assert_eq!(hits[0], ("K8s".into(), "StatefulSet :".into()));
        assert!(hits.iter().all(|(page, _)| page != "Secret"), "unpublished pages stay out");
    }

    #[test]
    fn title_beats_alias_beats_text() {
        let hits = found(&sample(), "kubernetes");
        assert_eq!(hits[0], ("K8s".into(), String::new()), "the alias finds the page");
        let hits = found(&sample(), "k8s");
        assert_eq!(hits[0].0, "K8s");
        assert_eq!(hits[1], ("Storage".into(), String::new()), "a tag ranks below the title");
    }

    #[test]
    fn text_beats_code() {
        let hits = found(&sample(), "kubectl");
        assert_eq!(hits[0].1, "Runtime: cri-o, etcd and kubectl");
        assert_eq!(hits.len(), 2, "the code block is found too");
    }

    #[test]
    fn all_words_must_match_and_the_page_title_counts() {
        let hits = found(&sample(), "volumes deleted");
        assert_eq!(hits.len(), 1);
        let hits = found(&sample(), "storage volume");
        assert_eq!(hits, [("Storage".into(), "Volumes for a StatefulSet".into())]);
    }

    #[test]
    fn technical_words_and_diacritics() {
        for q in ["cri-o", "etcd", "CRI-O ", "k8s"] {
            assert!(!found(&sample(), q).is_empty(), "{q}");
        }
        assert_eq!(found(&sample(), "cafe creme")[0].1, "Café crème");
    }

    #[test]
    fn plurals_and_typos() {
        assert_eq!(found(&sample(), "deployment ")[0].1, "Deployments roll out pods");
        assert_eq!(found(&sample(), "statfulset")[0].1, "StatefulSet :");
    }

    #[test]
    fn exact_phrase_is_boosted() {
        let sample = sample();
        let phrase = query::search(&sample, "statefulset is deleted");
        assert_eq!(phrase.len(), 1);
        let mixed = query::search(&sample, "deleted is statefulset");
        assert!(phrase[0].score > mixed[0].score * 1.5);
    }

    #[test]
    fn previews_hold_the_page_start_and_referenced_blocks() {
        let site = site(&[
            (
                "pages/K8s.md",
                "alias:: Kubernetes\ntags:: cloud\n\n- Workloads\n\t- StatefulSet keeps volumes\n\t  id:: 64c1a1b2-0000-4000-8000-000000000001\n\t\t- one child\n- Unreferenced block",
            ),
            ("pages/Notes.md", "- see ((64c1a1b2-0000-4000-8000-000000000001)) and [[K8s]]"),
            (
                "pages/Secret.md",
                "public:: false\n\n- [[K8s]] ((64c1a1b2-0000-4000-8000-000000000001))",
            ),
            ("pages/Code.md", "- ```yaml\n  kind: Pod\n  ```"),
        ]);
        let previews = preview::build(&site, &index::build(&site));
        let k8s = previews.iter().find(|p| p.file == "k8s.html").expect("K8s preview");
        assert_eq!(k8s.title, "K8s");
        assert_eq!(k8s.text, "Workloads\nStatefulSet keeps volumes\none child\nUnreferenced block");
        assert_eq!(
            (k8s.aliases.as_slice(), k8s.tags.as_slice()),
            (&["Kubernetes".to_string()][..], &["cloud".to_string()][..])
        );
        assert_eq!(k8s.references, 1, "the unpublished page's reference does not count");
        let block: Vec<(&str, &str)> =
            k8s.blocks.iter().map(|(a, t)| (a.as_str(), t.as_str())).collect();
        assert_eq!(
            block,
            [("b-64c1a1b2-0000-4000-8000-000000000001", "StatefulSet keeps volumes\none child")]
        );
        assert!(
            previews.iter().all(|p| p.file != "secret.html"),
            "unpublished pages have no preview"
        );
        let missing = previews.iter().find(|p| p.file == "cloud.html").expect("tag page");
        assert!(!missing.has_notes && missing.text.is_empty() && missing.blocks.is_empty());
        assert!(k8s.has_notes);
        let code = previews.iter().find(|p| p.file == "code.html").expect("code page");
        assert_eq!(code.text, "kind: Pod", "a page of code only previews its code");
    }

    #[test]
    fn streamed_files_are_those_of_the_whole_index() {
        // More pages than one run of the index, with references between
        // runs, so that entries, previews and documents must stay aligned.
        let mut files: Vec<(String, String)> = (0..1200)
            .map(|i| {
                let text = format!(
                    "- page {i} links [[p{}]]\n\t- child ((64c1a1b2-0000-4000-8000-{:012}))\n- ```sh\necho {i}\n```",
                    (i * 7) % 1200,
                    (i * 13) % 1200
                );
                (format!("pages/p{i}.md"), text)
            })
            .collect();
        files.push(("pages/ids.md".into(), {
            let ids =
                (0..1200).map(|i| format!("- block {i}\n  id:: 64c1a1b2-0000-4000-8000-{i:012}"));
            ids.collect::<Vec<_>>().join("\n")
        }));
        let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let site = site(&refs);
        let streamed = search_files(&site);
        let index = index::build(&site);
        let mut whole = preview::files(&preview::build(&site, &index));
        whole.extend(shards::files(index));
        let sorted = |mut files: Vec<OutputFile>| {
            files.sort_by(|a, b| a.path.cmp(&b.path));
            files
        };
        let (streamed, whole) = (sorted(streamed), sorted(whole));
        assert!(streamed.iter().filter(|f| f.path.starts_with("search/d/")).count() > 1);
        assert_eq!(streamed.len(), whole.len());
        for (a, b) in streamed.iter().zip(&whole) {
            assert_eq!(a.path, b.path);
            assert!(a.bytes == b.bytes, "{} differs", a.path);
        }
    }

    #[test]
    fn files_are_scripts_under_search_and_preview() {
        let files = search_files(&site(&[("pages/a.md", "- hello </script>")]));
        let under = |f: &OutputFile, dir: &str| f.path.starts_with(dir) && f.path.ends_with(".js");
        assert!(files.iter().all(|f| under(f, "search/") || under(f, "preview/")));
        assert!(files.iter().any(|f| f.path == "preview/manifest.js"));
        let manifest = files.iter().find(|f| f.path == "search/manifest.js").expect("manifest");
        assert!(manifest.bytes.starts_with(b"__bpSearch.manifest({"));
        let all: Vec<u8> = files.iter().flat_map(|f| f.bytes.clone()).collect();
        assert!(!String::from_utf8_lossy(&all).contains("</script>"));
    }
}
