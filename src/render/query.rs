//! `{{query …}}`: Logseq's simple queries, evaluated at build time into a static list.
//!
//! Supported: `[[page]]` / `#tag` (blocks referring to the page, through their
//! own or their parents' references), `"full text"`, `(and …)`, `(or …)`,
//! `(not …)`, `(task TODO DOING)`, `(priority A)`, `(property key value)`,
//! `(page-property key value)`, `(page-tags tag …)`, `(page "name")`,
//! `(between [[date]] [[date]])` on journal days (also `today`, `yesterday`,
//! `-7d`, `+2w`, relative to the day of the build). Anything else is reported and
//! shown as a static note.

use std::collections::HashSet;

use super::escape::{escape_href, escape_html};
use super::markdown::Links;
use super::page::PageLinks;
use crate::load::journal_date::{self, Date};
use crate::resolve::{BlockLoc, Page, PageId, Site, identity};

/// At most this many results are listed.
pub const MAX_RESULTS: usize = 200;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// Blocks whose references (or their parents') include the page.
    Page(String),
    /// Blocks whose text contains the words.
    Text(String),
    /// All of them.
    And(Vec<Query>),
    /// Any of them.
    Or(Vec<Query>),
    /// Not this.
    Not(Box<Query>),
    /// Task blocks with one of these markers.
    Task(Vec<String>),
    /// Blocks with this priority.
    Priority(Vec<String>),
    /// Blocks with a property (and value).
    Property(String, Option<String>),
    /// Blocks of pages with a page property (and value).
    PageProperty(String, Option<String>),
    /// Blocks of pages tagged with one of these.
    PageTags(Vec<String>),
    /// Blocks of this page.
    OnPage(String),
    /// Blocks of journal days in this range.
    Between(Date, Date),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Atom(String),
    Page(String),
    Quoted(String),
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = text.trim();
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = rest.trim_start();
            continue;
        }
        let (token, len) = match c {
            '(' => (Token::Open, 1),
            ')' => (Token::Close, 1),
            '"' => {
                let end = rest[1..].find('"').map_or(rest.len(), |e| e + 2);
                (Token::Quoted(rest[1..end.saturating_sub(1).max(1)].to_string()), end)
            }
            '[' if rest.starts_with("[[") => match crate::parse::inline::page_ref_at(rest, 0) {
                Some((end, name)) => (Token::Page(name.trim().to_string()), end),
                None => (Token::Atom("[[".into()), 2),
            },
            '#' if rest.starts_with("#[[") => match crate::parse::inline::page_ref_at(rest, 1) {
                Some((end, name)) => (Token::Page(name.trim().to_string()), end),
                None => (Token::Atom("#".into()), 1),
            },
            _ => {
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '(' || c == ')')
                    .unwrap_or(rest.len());
                let atom = &rest[..end];
                match atom.strip_prefix('#') {
                    Some(tag) if !tag.is_empty() => (Token::Page(tag.to_string()), end),
                    _ => (Token::Atom(atom.to_string()), end),
                }
            }
        };
        tokens.push(token);
        rest = &rest[len.max(1).min(rest.len())..];
    }
    tokens
}

/// Parses a simple query; `today` anchors relative dates.
pub fn parse(text: &str, today: Date, title_format: &str) -> Result<Query, String> {
    let tokens = tokenize(text);
    let mut pos = 0;
    let mut terms = Vec::new();
    while pos < tokens.len() {
        terms.push(parse_expr(&tokens, &mut pos, today, title_format, 0)?);
    }
    match terms.len() {
        0 => Err("empty query".into()),
        1 => Ok(terms.remove(0)),
        _ => Ok(Query::And(terms)),
    }
}

fn parse_expr(
    tokens: &[Token],
    pos: &mut usize,
    today: Date,
    fmt: &str,
    depth: usize,
) -> Result<Query, String> {
    if depth > 32 {
        return Err("query nested too deep".into());
    }
    let token = tokens.get(*pos).ok_or("unexpected end of query")?.clone();
    *pos += 1;
    match token {
        Token::Page(name) => Ok(Query::Page(name)),
        Token::Quoted(text) => Ok(Query::Text(text)),
        Token::Atom(word) => Ok(Query::Text(word)),
        Token::Close => Err("unexpected `)`".into()),
        Token::Open => {
            let Some(Token::Atom(op)) = tokens.get(*pos).cloned() else {
                return Err("expected an operator after `(`".into());
            };
            *pos += 1;
            let mut args = Vec::new();
            while tokens.get(*pos).is_some_and(|t| *t != Token::Close) {
                args.push(*pos);
                skip_expr(tokens, pos);
            }
            *pos += 1;
            build(&op.to_ascii_lowercase(), tokens, &args, today, fmt, depth)
        }
    }
}

fn skip_expr(tokens: &[Token], pos: &mut usize) {
    let mut depth = 0usize;
    loop {
        match tokens.get(*pos) {
            None => return,
            Some(Token::Open) => depth += 1,
            Some(Token::Close) => {
                if depth == 0 {
                    return;
                }
                depth -= 1;
            }
            _ => {}
        }
        *pos += 1;
        if depth == 0 {
            return;
        }
    }
}

fn words(tokens: &[Token], args: &[usize]) -> Vec<String> {
    args.iter()
        .filter_map(|&i| match &tokens[i] {
            Token::Atom(w) | Token::Quoted(w) | Token::Page(w) => Some(w.clone()),
            _ => None,
        })
        .collect()
}

fn build(
    op: &str,
    tokens: &[Token],
    args: &[usize],
    today: Date,
    fmt: &str,
    depth: usize,
) -> Result<Query, String> {
    let sub = |i: usize| parse_expr(tokens, &mut { i }, today, fmt, depth + 1);
    let values = words(tokens, args);
    let key_value = || -> Result<(String, Option<String>), String> {
        let key = values.first().ok_or(format!("({op}) needs a property name"))?;
        Ok((key.trim_start_matches(':').to_lowercase(), values.get(1).cloned()))
    };
    match op {
        "and" => Ok(Query::And(args.iter().map(|&i| sub(i)).collect::<Result<_, _>>()?)),
        "or" => Ok(Query::Or(args.iter().map(|&i| sub(i)).collect::<Result<_, _>>()?)),
        "not" => Ok(Query::Not(Box::new(sub(*args.first().ok_or("(not) needs a filter")?)?))),
        "task" | "todo" => Ok(Query::Task(values.iter().map(|v| v.to_ascii_uppercase()).collect())),
        "priority" => Ok(Query::Priority(values.iter().map(|v| v.to_ascii_uppercase()).collect())),
        "property" => key_value().map(|(k, v)| Query::Property(k, v)),
        "page-property" => key_value().map(|(k, v)| Query::PageProperty(k, v)),
        "page-tags" => Ok(Query::PageTags(values)),
        "page" => Ok(Query::OnPage(values.first().cloned().ok_or("(page) needs a name")?)),
        "between" => {
            let date = |w: Option<&String>| {
                w.and_then(|w| parse_date(w, today, fmt)).ok_or("(between) needs two dates")
            };
            Ok(Query::Between(date(values.first())?, date(values.get(1))?))
        }
        other => Err(format!("the query filter ({other}) is not supported in a static site")),
    }
}

fn parse_date(word: &str, today: Date, fmt: &str) -> Option<Date> {
    match word.to_ascii_lowercase().as_str() {
        "today" | "now" => return Some(today),
        "yesterday" => return add_days(today, -1),
        "tomorrow" => return add_days(today, 1),
        _ => {}
    }
    let (sign, rest) = match word.as_bytes().first()? {
        b'-' => (-1, &word[1..]),
        b'+' => (1, &word[1..]),
        _ => (0, word),
    };
    if sign != 0 && rest.len() > 1 {
        let (n, unit) = rest.split_at(rest.len() - 1);
        let n: i64 = n.parse().ok()?;
        let days = match unit {
            "d" => n,
            "w" => n * 7,
            "m" => n * 30,
            "y" => n * 365,
            _ => return None,
        };
        return add_days(today, sign * days);
    }
    std::iter::once(fmt)
        .chain(journal_date::BUILTIN_FORMATS)
        .find_map(|f| journal_date::parse(word, f))
}

fn add_days(date: Date, days: i64) -> Option<Date> {
    let epoch = days_from_civil(date) + days;
    Some(civil_from_days(epoch))
}

fn days_from_civil(d: Date) -> i64 {
    let (y, m, day) = (i64::from(d.year), i64::from(d.month), i64::from(d.day));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + day - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

fn civil_from_days(z: i64) -> Date {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    Date { year, month, day }
}

/// Today's date (UTC), for relative dates in queries.
pub fn today() -> Date {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_from_days((secs / 86_400) as i64)
}

struct Matcher<'a> {
    site: &'a Site,
}

impl Matcher<'_> {
    fn page_id(&self, name: &str) -> Option<PageId> {
        self.site.lookup_id(name)
    }

    /// Pages a block refers to, through itself and its parents.
    fn path_refs(&self, page: &Page, block: usize) -> HashSet<PageId> {
        let mut refs = HashSet::new();
        let Some(note) = &page.note else { return refs };
        let mut current = Some(block);
        while let Some(i) = current {
            for name in &note.blocks[i].page_refs {
                if let Some(id) = self.site.by_identity.get(&identity(name)) {
                    refs.insert(*id);
                    refs.extend(self.site.pages[*id].namespace.iter().copied());
                }
            }
            current = note.blocks[i].parent();
        }
        refs
    }

    fn matches(&self, query: &Query, loc: BlockLoc) -> bool {
        let page = &self.site.pages[loc.page()];
        let Some(note) = &page.note else { return false };
        let block = &note.blocks[loc.block()];
        match query {
            Query::Page(name) => {
                self.page_id(name).is_some_and(|id| self.path_refs(page, loc.block()).contains(&id))
            }
            Query::Text(text) => block.text().to_lowercase().contains(&text.to_lowercase()),
            Query::And(all) => all.iter().all(|q| self.matches(q, loc)),
            Query::Or(any) => any.iter().any(|q| self.matches(q, loc)),
            Query::Not(q) => !self.matches(q, loc),
            Query::Task(markers) => block.marker().is_some_and(|m| markers.iter().any(|x| x == m)),
            Query::Priority(ps) => {
                block.priority().is_some_and(|p| ps.contains(&p.to_ascii_uppercase().to_string()))
            }
            Query::Property(key, value) => has_property(&block.properties, key, value.as_deref()),
            Query::PageProperty(key, value) => {
                has_property(&note.properties, key, value.as_deref())
            }
            Query::PageTags(tags) => {
                tags.iter().filter_map(|t| self.page_id(t)).any(|t| page.tags.contains(&t))
            }
            Query::OnPage(name) => {
                self.site.lookup(name).is_some_and(|p| p.identity == page.identity)
            }
            Query::Between(from, to) => page.journal.is_some_and(|d| d >= *from && d <= *to),
        }
    }
}

fn has_property(properties: &[crate::parse::Property], key: &str, value: Option<&str>) -> bool {
    properties.iter().any(|p| {
        p.key == key
            && value.is_none_or(|v| {
                p.value.eq_ignore_ascii_case(v)
                    || p.refs.iter().any(|r| r.eq_ignore_ascii_case(v.trim_matches(['[', ']'])))
            })
    })
}

/// The published blocks a query matches, in site order, at most [`MAX_RESULTS`].
pub fn evaluate(site: &Site, query: &Query) -> Vec<BlockLoc> {
    let matcher = Matcher { site };
    let mut found = Vec::new();
    for (page_id, page) in site.published() {
        let Some(note) = &page.note else { continue };
        for block in 0..note.blocks.len() {
            let loc = BlockLoc::new(page_id, block);
            if !note.blocks[block].pre_block && matcher.matches(query, loc) {
                found.push(loc);
                if found.len() >= MAX_RESULTS {
                    return found;
                }
            }
        }
    }
    found
}

/// HTML for `{{query …}}`: the matching blocks as a list of links to them.
pub fn render_query(links: &PageLinks<'_>, text: &str) -> String {
    let site = links.site;
    let query = match parse(text, today(), &site.logseq.journal_title_format) {
        Ok(query) => query,
        Err(error) => {
            links.warn(format!("query {text:?}: {error}"));
            return format!(
                "<div class=\"query query-error\" role=\"note\"><p class=\"query-title\">Query</p><p>{}</p></div>",
                escape_html(&format!("This query cannot be evaluated here: {error}"))
            );
        }
    };
    let results = evaluate(site, &query);
    let mut html = format!(
        "<div class=\"query\"><p class=\"query-title\">Query <code>{}</code> · {} result{}</p>",
        escape_html(text),
        results.len(),
        if results.len() == 1 { "" } else { "s" }
    );
    if !results.is_empty() {
        html.push_str("<ul class=\"query-results\">");
        for loc in &results {
            let page = &site.pages[loc.page()];
            let block = page.note.as_ref().map(|n| &n.blocks[loc.block()]);
            let title = block
                .map(|b| b.text().lines().next().unwrap_or("").to_string())
                .unwrap_or_default();
            let title: String = if title.trim().is_empty() {
                "(block)".into()
            } else {
                title.chars().take(160).collect()
            };
            let marker = block
                .and_then(|b| b.marker())
                .map(|m| {
                    format!("<span class=\"marker marker-{}\">{m}</span> ", m.to_ascii_lowercase())
                })
                .unwrap_or_default();
            html.push_str(&format!(
                "<li><a class=\"page-ref\" href=\"{}\">{}</a> › {marker}<a class=\"block-ref\" href=\"{}\">{}</a></li>",
                escape_href(&page.file_name()),
                escape_html(&page.name),
                escape_href(&page.block_url(loc.block())),
                escape_html(&title)
            ));
        }
        html.push_str("</ul>");
    }
    html.push_str("</div>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today_fixed() -> Date {
        Date::new(2024, 1, 10).expect("date")
    }

    fn q(text: &str) -> Query {
        parse(text, today_fixed(), "MMM do, yyyy").expect(text)
    }

    #[test]
    fn parses_nested_filters() {
        assert_eq!(
            q("(and [[tag1]] (task TODO DOING))"),
            Query::And(vec![
                Query::Page("tag1".into()),
                Query::Task(vec!["TODO".into(), "DOING".into()])
            ])
        );
        assert_eq!(
            q("(or #a #[[b c]])"),
            Query::Or(vec![Query::Page("a".into()), Query::Page("b c".into())])
        );
        assert_eq!(q("(not [[x]])"), Query::Not(Box::new(Query::Page("x".into()))));
        assert_eq!(q("(property type book)"), Query::Property("type".into(), Some("book".into())));
        assert_eq!(q("\"full text\""), Query::Text("full text".into()));
    }

    #[test]
    fn dates_absolute_and_relative() {
        assert_eq!(
            q("(between [[Jan 1st, 2024]] today)"),
            Query::Between(Date::new(2024, 1, 1).expect("d"), today_fixed())
        );
        assert_eq!(
            q("(between -7d today)"),
            Query::Between(Date::new(2024, 1, 3).expect("d"), today_fixed())
        );
        assert_eq!(add_days(Date::new(2024, 3, 1).expect("d"), -1), Date::new(2024, 2, 29));
    }

    #[test]
    fn unsupported_and_broken_queries_are_errors() {
        assert!(parse("(sort-by created-at)", today_fixed(), "MMM do, yyyy").is_err());
        assert!(
            parse("(and", today_fixed(), "MMM do, yyyy").is_ok()
                || parse("(and", today_fixed(), "x").is_err()
        );
        assert!(parse("", today_fixed(), "MMM do, yyyy").is_err());
        assert!(parse(&"(not ".repeat(100), today_fixed(), "MMM do, yyyy").is_err());
    }
}
