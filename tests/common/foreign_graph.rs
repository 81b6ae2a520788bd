//! A deterministic generator of a large Logseq graph in the style of real
//! ones nobody here wrote: namespaces 4–6 deep, file names in triple-lowbar
//! form, some `%2F`-escaped, some legacy dotted files carrying `title::`,
//! names with `.`, `?` and `:`, aliases, tags, links to namespace parents and
//! to pages that have no file, block references, embeds, journals and assets.
//!
//! `tests/foreign.rs` builds it into a temporary folder at test time.

use std::fmt::Write as _;
use std::path::Path;

/// A small deterministic generator (SplitMix64): the same graph on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const AREAS: &[&str] = &["Engineering", "Research", "Reading Notes", "Projects", "People", "Ops"];
const WORDS: &[&str] = &[
    "Kernel",
    "Scheduler",
    "Raft",
    "Consensus",
    "Storage",
    "Indexes",
    "B-Trees",
    "Caching",
    "Networking",
    "TLS 1.3",
    "Queues",
    "Backpressure",
    "Observability",
    "Tracing",
    "Compilers",
    "Parsing",
    "Type Systems",
    "Ownership",
    "Lifetimes",
    "Async",
    "Futures",
    "Channels",
    "Deploys",
    "Rollbacks",
    "Incidents",
    "Postmortems",
    "Hiring",
    "Onboarding",
    "Roadmap",
    "Budget",
    "What is it?",
    "Q&A: Basics",
    "v1.2 notes",
    "Node.js",
    "C++",
    "Ünïcode",
];

/// One generated page.
struct GenPage {
    name: String,
    /// How its file is named.
    file: FileStyle,
    alias: Option<String>,
    /// Block ids of the page (`id::`), for references from other pages.
    uuids: Vec<String>,
}

#[derive(Clone, Copy)]
enum FileStyle {
    /// `a___b___c.md`, `?` as `%3F`, `:` as `%3A`.
    TripleLowbar,
    /// `a%2Fb%2Fc.md`, as legacy graphs wrote them (also decoded by triple-lowbar).
    Escaped,
    /// `a.b.c.md` with `title:: a/b/c`, as Logseq wrote for legacy dotted names.
    DottedWithTitle,
}

fn encode_segment(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        match c {
            '?' => out.push_str("%3F"),
            ':' => out.push_str("%3A"),
            '#' => out.push_str("%23"),
            '%' => out.push_str("%25"),
            _ => out.push(c),
        }
    }
    out
}

fn file_name(page: &GenPage) -> String {
    let segments: Vec<String> = page.name.split('/').map(encode_segment).collect();
    match page.file {
        FileStyle::TripleLowbar => segments.join("___"),
        FileStyle::Escaped => segments.join("%2F"),
        FileStyle::DottedWithTitle => {
            segments.iter().map(|s| s.replace('.', "_")).collect::<Vec<_>>().join(".")
        }
    }
}

fn uuid(page: usize, block: usize) -> String {
    format!("6a000000-0000-4000-8000-{:06x}{:06x}", page, block)
}

/// Writes a graph of at least `pages` page files (plus journals) under `dir`.
/// Returns each page file written: (page name, path in the graph).
pub fn write_deep_namespace_graph(dir: &Path, pages: usize) -> Vec<(String, String)> {
    let mut rng = Rng(0x5EED_F00D);
    std::fs::create_dir_all(dir.join("pages")).unwrap();
    std::fs::create_dir_all(dir.join("journals")).unwrap();
    std::fs::create_dir_all(dir.join("logseq")).unwrap();
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(
        dir.join("logseq/config.edn"),
        "{:meta/version 1\n :file/name-format :triple-lowbar\n :journal/page-title-format \"MMM do, yyyy\"\n :hidden []}\n",
    )
    .unwrap();
    std::fs::write(dir.join("assets/diagram.png"), b"\x89PNG\r\n\x1a\n").unwrap();

    // Names: unique paths 4–6 deep.
    let mut specs: Vec<GenPage> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    while specs.len() < pages {
        let depth = 4 + rng.below(3);
        let mut segments = vec![rng.pick(AREAS).to_string()];
        for level in 1..depth {
            let word = rng.pick(WORDS);
            let n = rng.below(4 + level);
            segments.push(if n == 0 { word.to_string() } else { format!("{word} {n}") });
        }
        let name = segments.join("/");
        if !seen.insert(name.to_lowercase()) {
            continue;
        }
        let i = specs.len();
        let file = match i % 17 {
            3 => FileStyle::Escaped,
            7 if !name.contains('.') => FileStyle::DottedWithTitle,
            _ => FileStyle::TripleLowbar,
        };
        let alias = (i % 11 == 5).then(|| format!("Alias {i}"));
        let uuids = (0..2).map(|b| uuid(i, b)).collect();
        specs.push(GenPage { name, file, alias, uuids });
    }

    let count = specs.len();
    let mut written = Vec::new();
    for i in 0..count {
        let mut text = String::new();
        let page = &specs[i];
        if matches!(page.file, FileStyle::DottedWithTitle) {
            writeln!(text, "title:: {}", page.name).unwrap();
        }
        if let Some(alias) = &page.alias {
            writeln!(text, "alias:: {alias}").unwrap();
        }
        if i % 9 == 0 {
            writeln!(text, "tags:: [[Topic {}]], status-{}", i % 23, i % 3).unwrap();
        }
        if i % 13 == 0 {
            writeln!(text, "type:: [[{}]]", rng.pick(&["Book", "Paper", "Talk"])).unwrap();
        }
        if !text.is_empty() {
            text.push('\n');
        }
        let name = page.name.clone();
        let parent = name.rsplit_once('/').map(|(p, _)| p.to_string()).unwrap_or_default();
        writeln!(text, "- Notes on [[{name}]]'s parent [[{parent}]]").unwrap();
        writeln!(text, "  id:: {}", specs[i].uuids[0]).unwrap();
        let blocks = 2 + rng.below(5);
        for b in 0..blocks {
            let other = &specs[rng.below(count)];
            let target = match rng.below(6) {
                0 => other.name.to_lowercase(),
                1 => other.alias.clone().unwrap_or_else(|| other.name.clone()),
                2 => other.name.rsplit_once('/').map_or(other.name.clone(), |(p, _)| p.into()),
                _ => other.name.clone(),
            };
            match b % 7 {
                0 => writeln!(text, "- See [[{target}]] and #[[Topic {}]]", rng.below(23)),
                1 => writeln!(text, "- TODO Follow up on [[{target}]] #todo-{}", rng.below(5)),
                2 => writeln!(
                    text,
                    "- Quoting (({})) from elsewhere\n\t- child links [[{target}]]",
                    other.uuids[0]
                ),
                3 => writeln!(text, "- Missing page [[Missing/Deep/Page {}]]", rng.below(40)),
                4 => writeln!(text, "- related:: [[{target}]]\n\t- under a property block"),
                5 => writeln!(text, "- {{{{embed (({}))}}}}", other.uuids[0]),
                _ => writeln!(text, "- A [label]([[{target}]]) and ![d](../assets/diagram.png)"),
            }
            .unwrap();
        }
        writeln!(text, "- Last block\n  id:: {}\n\t- nested [[{parent}]]", specs[i].uuids[1])
            .unwrap();
        let rel = format!("pages/{}.md", file_name(&specs[i]));
        std::fs::write(dir.join(&rel), text).unwrap();
        written.push((specs[i].name.clone(), rel));
    }

    // The areas have files of their own, read after their children's
    // `%2F` files (`Ops%2F….md` sorts before `Ops.md`).
    for area in AREAS {
        let text = format!(
            "alias:: Area {area}\n\n- The {area} area. Its pages: {{{{namespace {area}}}}}\n\t- Start at [[{}]]\n",
            specs.iter().find(|p| p.name.starts_with(&format!("{area}/"))).map_or("", |p| &p.name)
        );
        let rel = format!("pages/{area}.md");
        std::fs::write(dir.join(&rel), text).unwrap();
        written.push((area.to_string(), rel));
    }
    // Templates: page properties with the template's blocks under them.
    for t in 0..5 {
        let other = &specs[rng.below(count)];
        let text = format!(
            "template:: tpl-{t}\ntemplate-including-parent:: false\n\t- ## Morning {{{{cards [[{}]]}}}}\n\t\t- Plan [[Dec {}th, 2026]] and [[{}]]\n\t- property-1:: x\n\t\t- Review `{{{{embed}}}}` [[{}]]\n",
            other.name,
            10 + t,
            other.name,
            other.name
        );
        let rel = format!("pages/Templates___Template {t}.md");
        std::fs::write(dir.join(&rel), text).unwrap();
        written.push((format!("Templates/Template {t}"), rel));
    }

    // A month of journals linking pages, days and the generated names' parents.
    let months = ["Nov", "Dec"];
    for day in 1..=30u32 {
        let mut text = String::new();
        let other = &specs[rng.below(count)];
        let (month, prev) = if day == 1 { (months[0], 30) } else { (months[1], day - 1) };
        let suffix = match prev {
            1 | 21 => "st",
            2 | 22 => "nd",
            3 | 23 => "rd",
            _ => "th",
        };
        writeln!(text, "- Worked on [[{}]]", other.name).unwrap();
        writeln!(text, "- Yesterday was [[{month} {prev}{suffix}, 2026]]").unwrap();
        writeln!(text, "\t- ref (({}))", other.uuids[1]).unwrap();
        writeln!(text, "- #[[Topic {}]] review", day % 23).unwrap();
        // The same days in the other formats Logseq reads.
        writeln!(text, "- Also [[2026-11-{:02}]] and [[2026_11_{:02}]]", day, 31 - day).unwrap();
        let search = other.name.rsplit('/').next().unwrap_or("").to_lowercase().replace(' ', "-");
        writeln!(text, "- A search link [see]({search}) and [x](./export/old.html) [top](#top)")
            .unwrap();
        std::fs::write(dir.join(format!("journals/2026_12_{day:02}.md")), text).unwrap();
    }
    written
}
