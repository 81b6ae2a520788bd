//! A block's body: Markdown text with org-style `#+BEGIN_X … #+END_X` blocks cut out.
//!
//! Fenced code stays inside the Markdown (pulldown-cmark handles it); an org
//! block found outside a fence becomes its own node, so `#+BEGIN_QUOTE` nests
//! parsed content and `#+BEGIN_SRC` keeps raw code.

use std::collections::HashSet;

/// Deeper org-block nesting than this is kept as text.
const MAX_DEPTH: usize = 16;

/// One piece of a block's body.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum BodyNode {
    /// Markdown (CommonMark + GFM) with Logseq inline syntax.
    Markdown(String),
    /// `#+BEGIN_NAME args … #+END_NAME` whose content is parsed (QUOTE, NOTE, TIP, …).
    Container {
        /// Lower-case block name (`quote`, `note`, `center`, …).
        kind: Box<str>,
        /// Whatever follows the name on the opening line.
        args: Box<str>,
        /// The parsed content.
        children: Box<[BodyNode]>,
    },
    /// `#+BEGIN_NAME … #+END_NAME` whose content is kept verbatim (SRC, EXAMPLE, QUERY, …).
    Verbatim {
        /// Lower-case block name (`src`, `example`, `export`, `comment`, `query`).
        kind: String,
        /// Whatever follows the name on the opening line (a language for SRC).
        args: Box<str>,
        /// The content, indentation of the first line removed from every line.
        text: Box<str>,
    },
}

fn is_verbatim(kind: &str) -> bool {
    matches!(kind, "src" | "example" | "export" | "comment" | "query" | "verse")
}

/// Splits block text into body nodes.
pub fn parse_body(text: &str) -> Vec<BodyNode> {
    parse_at_depth(text, 0)
}

fn parse_at_depth(text: &str, depth: usize) -> Vec<BodyNode> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut nodes = Vec::new();
    let mut markdown: Vec<&str> = Vec::new();
    // Closing lines known to be absent from the rest of the text: a text of
    // many unclosed openers is then read once, not once per opener.
    let mut unclosed: HashSet<String> = HashSet::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim_start();
        let marker = fence_marker(trimmed);
        let fence = match marker.filter(|m| !unclosed.contains(*m)) {
            Some(m) => fence_extent(&lines, i).or_else(|| {
                unclosed.insert(m.to_string());
                None
            }),
            None => None,
        };
        if let Some(fence_len) = fence {
            markdown.extend_from_slice(&lines[i..i + fence_len]);
            i += fence_len;
            continue;
        }
        if depth < MAX_DEPTH {
            if let Some((kind, args, end)) = org_block(&lines, i, trimmed, &mut unclosed) {
                flush(&mut markdown, &mut nodes);
                let inner = dedent(&lines[i + 1..end]);
                let args = args.into_boxed_str();
                nodes.push(if is_verbatim(&kind) {
                    BodyNode::Verbatim { kind, args, text: inner.into_boxed_str() }
                } else {
                    let children = parse_at_depth(&inner, depth + 1).into_boxed_slice();
                    BodyNode::Container { kind: kind.into_boxed_str(), args, children }
                });
                i = end + 1;
                continue;
            }
        }
        markdown.push(line);
        i += 1;
    }
    flush(&mut markdown, &mut nodes);
    nodes
}

fn flush(markdown: &mut Vec<&str>, nodes: &mut Vec<BodyNode>) {
    if !markdown.is_empty() {
        let text = markdown.join("\n");
        if !text.trim().is_empty() {
            nodes.push(BodyNode::Markdown(text));
        }
        markdown.clear();
    }
}

fn fence_marker(trimmed: &str) -> Option<&'static str> {
    ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m))
}

/// Lines taken by a closed fence starting at `i` (opener to closer), if any.
pub fn fence_extent(lines: &[&str], i: usize) -> Option<usize> {
    let marker = fence_marker(lines[i].trim_start())?;
    lines[i + 1..].iter().position(|l| l.trim_start().starts_with(marker)).map(|offset| offset + 2)
}

/// `#+BEGIN_NAME args` at line `i` with its closing line index.
fn org_block(
    lines: &[&str],
    i: usize,
    trimmed: &str,
    unclosed: &mut HashSet<String>,
) -> Option<(String, String, usize)> {
    let head = trimmed.get(..8)?;
    if !head.eq_ignore_ascii_case("#+begin_") {
        return None;
    }
    let rest = &trimmed[8..];
    let name_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let kind = rest[..name_len].to_ascii_lowercase();
    if kind.is_empty() {
        return None;
    }
    let end_marker = format!("#+end_{kind}");
    if unclosed.contains(&end_marker) {
        return None;
    }
    let end = lines[i + 1..].iter().position(|l| {
        let t = l.trim();
        t.get(..end_marker.len()).is_some_and(|head| head.eq_ignore_ascii_case(&end_marker))
    });
    let Some(end) = end else {
        unclosed.insert(end_marker);
        return None;
    };
    Some((kind, rest[name_len..].trim().to_string(), i + 1 + end))
}

/// Removes the first line's indentation from every line that has it.
fn dedent(lines: &[&str]) -> String {
    let indent =
        lines.iter().find(|l| !l.trim().is_empty()).map_or(0, |l| l.len() - l.trim_start().len());
    lines
        .iter()
        .map(|l| {
            let ws = l.len() - l.trim_start().len();
            &l[ws.min(indent)..]
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_becomes_a_container_with_parsed_content() {
        let nodes = parse_body(". github\n#+BEGIN_QUOTE\nImportant : no discord\n#+END_QUOTE");
        assert_eq!(
            nodes,
            vec![
                BodyNode::Markdown(". github".into()),
                BodyNode::Container {
                    kind: "quote".into(),
                    args: "".into(),
                    children: [BodyNode::Markdown("Important : no discord".into())].into()
                }
            ]
        );
    }

    #[test]
    fn src_is_verbatim_and_keeps_its_language() {
        let nodes = parse_body("#+begin_src rust\nfn main() {}\n#+end_src");
        assert_eq!(
            nodes,
            vec![BodyNode::Verbatim {
                kind: "src".into(),
                args: "rust".into(),
                text: "fn main() {}".into()
            }]
        );
    }

    #[test]
    fn org_markers_inside_fences_are_code() {
        let nodes = parse_body("```\n#+BEGIN_QUOTE\nx\n#+END_QUOTE\n```");
        assert!(matches!(&nodes[..], [BodyNode::Markdown(_)]));
    }

    #[test]
    fn unclosed_org_block_stays_text() {
        assert_eq!(
            parse_body("#+BEGIN_NOTE\nnever closed"),
            vec![BodyNode::Markdown("#+BEGIN_NOTE\nnever closed".into())]
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let text = "#+BEGIN_QUOTE\n".repeat(100) + &"#+END_QUOTE\n".repeat(100);
        let _ = parse_body(&text);
    }
}
