//! LEAF (any stage): HTML escaping for text and attribute values (render,
//! the graph's SVG and the search files all escape).

/// Escapes `&`, `<`, `>`, `"` and `'` so text is safe in element content and
/// in quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    push_escaped(&mut out, text);
    out
}

/// Appends `text` to `out`, escaped.
pub fn push_escaped(out: &mut String, text: &str) {
    // The five are ASCII, so the runs between them are whole characters.
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        out.push_str(entity);
        start = i + 1;
    }
    out.push_str(&text[start..]);
}

/// Percent-encodes what must not appear raw in an `href` (spaces, quotes, …),
/// keeping `/`, `#`, `?`, `&`, `=` and existing `%XX` escapes.
pub fn escape_href(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for b in url.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => out.push(char::from(b)),
            b'-' | b'_' | b'.' | b'~' | b'/' | b'#' | b'?' | b'&' | b'=' | b'%' | b':' | b'+'
            | b',' | b';' | b'@' | b'!' | b'(' | b')' | b'*' | b'$' => out.push(char::from(b)),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out.replace('&', "&amp;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_html("é<中>😀&"), "é&lt;中&gt;😀&amp;");
        assert_eq!(escape_html("plain"), "plain");
    }

    #[test]
    fn hrefs_cannot_break_out_of_the_attribute() {
        assert_eq!(escape_href("a b\"<c>.html#x"), "a%20b%22%3Cc%3E.html#x");
        assert_eq!(escape_href("中.html"), "%E4%B8%AD.html");
    }
}
