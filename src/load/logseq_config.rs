//! The few keys of `logseq/config.edn` a publisher needs.

use super::edn::{self, Edn};

/// How file names encode page names (`:file/name-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameFormat {
    /// `a___b.md` is `a/b`; `%XX` escapes decoded one by one.
    TripleLowbar,
    /// Every `.` is a namespace separator; the whole name is URL-decoded.
    Legacy,
}

/// Settings read from `logseq/config.edn`, with Logseq's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct LogseqConfig {
    /// `:file/name-format`; absent means legacy, as in Logseq.
    pub name_format: NameFormat,
    /// `:journal/page-title-format` (or the legacy `:date-formatter`).
    pub journal_title_format: String,
    /// `:journal/file-name-format`.
    pub journal_file_format: String,
    /// `:hidden` path prefixes, each starting with `/`.
    pub hidden: Vec<String>,
    /// `:default-home {:page ...}`.
    pub default_home: Option<String>,
    /// `:publishing/all-pages-public?` (or the legacy key).
    pub all_pages_public: bool,
    /// `:feature/enable-journals?`.
    pub journals_enabled: bool,
    /// `:macros`: name → template with `$1`, `$2`, ...
    pub macros: Vec<(String, String)>,
    /// `:favorites` page names.
    pub favorites: Vec<String>,
    /// `:property-pages/enabled?`.
    pub property_pages: bool,
}

impl Default for LogseqConfig {
    fn default() -> Self {
        LogseqConfig {
            name_format: NameFormat::Legacy,
            journal_title_format: "MMM do, yyyy".into(),
            journal_file_format: "yyyy_MM_dd".into(),
            hidden: Vec::new(),
            default_home: None,
            all_pages_public: false,
            journals_enabled: true,
            macros: Vec::new(),
            favorites: Vec::new(),
            property_pages: true,
        }
    }
}

impl LogseqConfig {
    /// The defaults Logseq uses for a graph with no `config.edn` at all
    /// (a new graph, whose file names are triple-lowbar).
    pub fn without_file() -> Self {
        LogseqConfig { name_format: NameFormat::TripleLowbar, ..Self::default() }
    }

    /// Reads the settings from the text of `config.edn`.
    pub fn parse(text: &str) -> Self {
        let edn = edn::parse(text);
        let defaults = Self::default();
        let string = |key: &str| edn.get(key).and_then(Edn::as_str).map(str::to_string);
        let boolean = |key: &str| match edn.get(key) {
            Some(Edn::Bool(b)) => Some(*b),
            _ => None,
        };
        let name_format = match string("file/name-format").as_deref() {
            Some("triple-lowbar") => NameFormat::TripleLowbar,
            _ => NameFormat::Legacy,
        };
        let hidden = edn
            .get("hidden")
            .map(|h| h.as_list().iter().filter_map(Edn::as_str).map(normalize_hidden).collect())
            .unwrap_or_default();
        let default_home = edn
            .get("default-home")
            .and_then(|h| h.get("page"))
            .and_then(Edn::as_str)
            .map(str::to_string);
        let macros = match edn.get("macros") {
            Some(Edn::Map(entries)) => entries
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
                .collect(),
            _ => Vec::new(),
        };
        let favorites = edn
            .get("favorites")
            .map(|f| f.as_list().iter().filter_map(Edn::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        LogseqConfig {
            name_format,
            journal_title_format: string("journal/page-title-format")
                .or_else(|| string("date-formatter"))
                .unwrap_or(defaults.journal_title_format),
            journal_file_format: string("journal/file-name-format")
                .unwrap_or(defaults.journal_file_format),
            hidden,
            default_home,
            all_pages_public: boolean("publishing/all-pages-public?")
                .filter(|b| *b)
                .or_else(|| boolean("all-pages-public?"))
                .unwrap_or(false),
            journals_enabled: boolean("feature/enable-journals?").unwrap_or(true),
            macros,
            favorites,
            property_pages: boolean("property-pages/enabled?").unwrap_or(true),
        }
    }

    /// Whether a graph-relative path (`pages/x.md`) is hidden by `:hidden`.
    pub fn is_hidden(&self, rel_path: &str) -> bool {
        let path = format!("/{}", rel_path.trim_start_matches('/'));
        self.hidden.iter().any(|prefix| path.starts_with(prefix.as_str()))
    }
}

fn normalize_hidden(pattern: &str) -> String {
    format!("/{}", pattern.trim_start_matches("./").trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_name_format_means_legacy() {
        assert_eq!(LogseqConfig::parse("{}").name_format, NameFormat::Legacy);
        assert_eq!(
            LogseqConfig::parse("{:file/name-format :triple-lowbar}").name_format,
            NameFormat::TripleLowbar
        );
    }

    #[test]
    fn hidden_is_a_plain_prefix_match() {
        let config = LogseqConfig::parse(r#"{:hidden ["/archived" "README.md"]}"#);
        assert!(config.is_hidden("archived/old.md"));
        assert!(config.is_hidden("archived-pages/x.md"), "prefix, not a folder match");
        assert!(config.is_hidden("README.md"));
        assert!(!config.is_hidden("pages/README.md"));
    }

    #[test]
    fn legacy_public_key_is_used_when_new_key_is_false() {
        let config =
            LogseqConfig::parse("{:publishing/all-pages-public? false :all-pages-public? true}");
        assert!(config.all_pages_public);
    }

    #[test]
    fn journal_formats_and_macros() {
        let config = LogseqConfig::parse(
            r#"{:journal/page-title-format "yyyy-MM-dd" :macros {"poem" "Rose is $1"} :default-home {:page "K8s"}}"#,
        );
        assert_eq!(config.journal_title_format, "yyyy-MM-dd");
        assert_eq!(config.macros, vec![("poem".to_string(), "Rose is $1".to_string())]);
        assert_eq!(config.default_home.as_deref(), Some("K8s"));
    }
}
