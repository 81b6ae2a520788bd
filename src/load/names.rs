//! File name → page name, as Logseq decodes it (`:file/name-format`).

use percent_encoding::percent_decode_str;

use super::logseq_config::NameFormat;

/// The page name a file stem (file name without extension) stands for.
pub fn page_name_from_stem(stem: &str, format: NameFormat) -> String {
    let name = match format {
        NameFormat::TripleLowbar => decode_triple_lowbar(stem),
        NameFormat::Legacy => decode_legacy(stem),
    };
    if name.trim().is_empty() { stem.to_string() } else { name }
}

fn decode_triple_lowbar(stem: &str) -> String {
    let replaced = stem.replace("___", "/");
    let decoded = decode_each_escape(&replaced);
    decoded.split('/').filter(|segment| !segment.is_empty()).collect::<Vec<_>>().join("/")
}

/// Decodes `%XX` escapes one at a time, keeping any that do not form valid UTF-8.
fn decode_each_escape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some(len) = escape_run_len(&bytes[i..]) {
            let run = &text[i..i + len];
            match percent_decode_str(run).decode_utf8() {
                Ok(decoded) => out.push_str(&decoded),
                Err(_) => out.push_str(run),
            }
            i += len;
        } else {
            let ch = text[i..].chars().next().unwrap_or('\u{FFFD}');
            out.push(ch);
            i += ch.len_utf8().max(1);
        }
    }
    out
}

/// Length of the `%XX%XX...` run at the start of `bytes` that decodes as one
/// UTF-8 character (1 to 4 escapes), or `None`.
fn escape_run_len(bytes: &[u8]) -> Option<usize> {
    let first = hex_byte(bytes)?;
    let count = match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    };
    let whole = (0..count).all(|k| bytes.get(k * 3..).and_then(hex_byte).is_some());
    Some(if whole { count * 3 } else { 3 })
}

fn hex_byte(bytes: &[u8]) -> Option<u8> {
    if bytes.len() < 3 || bytes[0] != b'%' {
        return None;
    }
    let hex = std::str::from_utf8(&bytes[1..3]).ok()?;
    u8::from_str_radix(hex, 16).ok()
}

fn decode_legacy(stem: &str) -> String {
    let replaced = stem.replace('.', "/");
    match percent_decode_str(&replaced).decode_utf8() {
        Ok(decoded) => decoded.into_owned(),
        Err(_) => replaced,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tri(stem: &str) -> String {
        page_name_from_stem(stem, NameFormat::TripleLowbar)
    }

    #[test]
    fn triple_lowbar_examples_from_logseq() {
        assert_eq!(tri("Capacitor___Keyboard"), "Capacitor/Keyboard");
        assert_eq!(tri("CLJS%3A Helix"), "CLJS: Helix");
        assert_eq!(tri("%3ABOUNDS"), ":BOUNDS");
        assert_eq!(tri("abc%2Fdef%2Fghi"), "abc/def/ghi");
        assert_eq!(tri("abc%25%2Fdef"), "abc%/def");
        assert_eq!(tri("abc.def.ghi"), "abc.def.ghi");
        assert_eq!(tri("aa%3F%23___bbb___ccc"), "aa?#/bbb/ccc");
        assert_eq!(tri("a%5F%5F%5Fb"), "a___b");
        assert_eq!(tri("CON___"), "CON");
        assert_eq!(tri("abc.___"), "abc.");
        assert_eq!(tri("%2ENET.___"), ".NET.");
        assert_eq!(tri("New to Logseq%3F"), "New to Logseq?");
    }

    #[test]
    fn triple_lowbar_keeps_broken_escapes() {
        assert_eq!(tri("a%E4b"), "a%E4b");
        assert_eq!(tri("%E4%B8%AD文"), "中文");
        assert_eq!(tri("100%"), "100%");
        assert_eq!(tri("%zz"), "%zz");
    }

    #[test]
    fn legacy_dots_are_namespaces() {
        let legacy = |s| page_name_from_stem(s, NameFormat::Legacy);
        assert_eq!(legacy("Logseq%2FFeatures"), "Logseq/Features");
        assert_eq!(legacy("Logseq.Features"), "Logseq/Features");
        assert_eq!(legacy("v1.2 notes"), "v1/2 notes");
    }

    #[test]
    fn empty_names_fall_back_to_the_stem() {
        assert_eq!(tri("___"), "___");
    }
}
