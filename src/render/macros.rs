//! `{{macros}}`: embeds, media links, cloze, queries and the user's own macros.
//!
//! Everything renders statically: a macro that needs Logseq's app (`{{renderer}}`,
//! `{{cards}}`, `{{function}}`) becomes a short note with its name, never raw braces.

use super::embed;
use super::escape::{escape_href, escape_html};
use super::markdown::{Links, render_inline};
use super::page::PageLinks;
use crate::parse::inline::Macro;

/// Macro nesting deeper than this (user macros expanding to macros, embeds of embeds) stops.
pub const MAX_DEPTH: usize = 5;

/// Whether a macro renders as inline text only (safe inside block-ref titles).
pub fn is_inline_macro(call: &Macro<'_>) -> bool {
    !matches!(call.name.to_ascii_lowercase().as_str(), "embed" | "query")
}

/// HTML for a macro call, or `None` for the generic static note.
pub fn render_macro(links: &PageLinks<'_>, call: &Macro<'_>) -> Option<String> {
    let arg = call.args.first().copied().unwrap_or("").trim();
    match call.name.to_ascii_lowercase().as_str() {
        "embed" => Some(embed::render_embed(links, arg)),
        "query" => {
            Some(super::query::render_query(links, call.raw.trim_start_matches("query").trim()))
        }
        "video" | "youtube" | "vimeo" | "bilibili" | "tweet" | "twitter" => {
            Some(media_link(call.name, arg))
        }
        "cloze" => {
            // `{{cloze answer \\ cue}}`: Markdown has already turned `\\` into one backslash.
            let answer = arg.rsplit_once('\\').map_or(arg, |(answer, _)| answer).trim();
            Some(format!("<span class=\"cloze\">{}</span>", escape_html(answer)))
        }
        "namespace" => Some(embed::namespace_tree(links, arg)),
        "renderer" | "cards" | "function" | "zotero-imported-file" | "zotero-linked-file" => {
            Some(app_only(call))
        }
        name => user_macro(links, name, &call.args),
    }
}

fn media_link(name: &str, arg: &str) -> String {
    let url = if arg.starts_with("http://") || arg.starts_with("https://") {
        arg.to_string()
    } else if name == "youtube" || name == "video" {
        format!("https://www.youtube.com/watch?v={arg}")
    } else {
        // Only web links become links: `{{vimeo javascript:…}}` must not be clickable.
        return format!("<span class=\"macro media\">{}</span>", escape_html(arg));
    };
    format!(
        "<a class=\"external media\" href=\"{}\">▶ {}</a>",
        escape_href(&url),
        escape_html(&url)
    )
}

fn app_only(call: &Macro<'_>) -> String {
    format!(
        "<span class=\"macro app-only\" title=\"Shown in Logseq only\">{}</span>",
        escape_html(&format!("Logseq {}", call.name))
    )
}

/// A macro from `:macros` in `config.edn` (or the page's `macros::`): `$1`, `$2`, … replaced
/// by the arguments, the result rendered as inline Markdown.
fn user_macro(links: &PageLinks<'_>, name: &str, args: &[&str]) -> Option<String> {
    let template =
        links.site.logseq.macros.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone())?;
    let mut expanded = template;
    for (i, arg) in args.iter().enumerate().rev() {
        expanded = expanded.replace(&format!("${}", i + 1), arg.trim());
    }
    let key = format!("macro:{name}");
    if links.stack.borrow().iter().filter(|k| **k == key).count() >= 1
        || links.stack.borrow().len() >= MAX_DEPTH
    {
        links.warn(format!("macro {{{{{name}}}}} expands into itself; stopped"));
        return Some(format!("<span class=\"macro macro-cycle\">{}</span>", escape_html(name)));
    }
    links.stack.borrow_mut().push(key);
    let html = render_inline(&expanded, links, links.options);
    links.stack.borrow_mut().pop();
    Some(format!("<span class=\"macro-expansion\">{html}</span>"))
}
