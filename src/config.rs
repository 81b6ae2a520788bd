//! CONFIG: `site.toml` → [`SiteConfig`].
//!
//! Every key is optional; a bare Logseq graph builds on defaults. Unknown keys
//! are an error (a typo should not be silently ignored). Relative paths are
//! taken relative to the folder that holds `site.toml`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// The configuration of one site, as read from `site.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    /// The site's title, shown in every page header and `<title>`.
    pub title: String,
    /// A one-line description for the home page's metadata.
    pub description: String,
    /// Absolute URL the site is published at (e.g. `https://example.org/notes/`).
    /// Used only for canonical URLs and feeds; every internal link is relative.
    pub base_url: String,
    /// The Logseq graph folder (holds `pages/`, `journals/`, `logseq/config.edn`).
    pub notes_dir: PathBuf,
    /// Where the site is written.
    pub output_dir: PathBuf,
    /// Theme name: a folder under `themes_dir`; `default` is built in.
    pub theme: String,
    /// Folder holding user themes.
    pub themes_dir: PathBuf,
    /// Page shown as the home page; when empty, Logseq's `:default-home`, else a generated overview.
    pub home_page: String,
    /// The `lang` attribute of every page.
    pub language: String,
    /// Which pages are published.
    pub publish: PublishMode,
    /// Keep raw HTML in notes as written instead of sanitising it.
    pub allow_html: bool,
    /// Write an Atom feed of the journals (`journals.xml`; needs `base_url`).
    pub feed: bool,
    /// Options the theme reads.
    pub theme_options: ThemeOptions,
}

/// Options of the theme, under `[theme_options]` in `site.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ThemeOptions {
    /// Accent colour of links and highlights (any CSS colour); empty keeps the theme's.
    pub accent_color: String,
    /// How many pages the sidebar lists (favorites first, then the most referenced).
    pub sidebar_pages: usize,
    /// How many recent journal days the sidebar lists.
    pub sidebar_journals: usize,
    /// A page shows a table of contents when it has at least this many headings (0: never).
    pub toc_min_headings: usize,
}

impl Default for ThemeOptions {
    fn default() -> Self {
        ThemeOptions {
            accent_color: String::new(),
            sidebar_pages: 20,
            sidebar_journals: 10,
            toc_min_headings: 3,
        }
    }
}

/// Which pages of the graph are published, as in Logseq's own export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PublishMode {
    /// Every page except those with `public:: false` or hidden by `config.edn`.
    All,
    /// Only pages with `public:: true`.
    PublicOnly,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            title: String::new(),
            description: String::new(),
            base_url: String::new(),
            notes_dir: PathBuf::from("notes"),
            output_dir: PathBuf::from("public"),
            theme: "default".into(),
            themes_dir: PathBuf::from("themes"),
            home_page: String::new(),
            language: "en".into(),
            publish: PublishMode::All,
            allow_html: false,
            feed: true,
            theme_options: ThemeOptions::default(),
        }
    }
}

impl SiteConfig {
    /// Reads `site.toml` at `path`; relative paths become relative to its folder.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut config =
            Self::parse(&text).map_err(|message| Error::Config { path: path.into(), message })?;
        let base = path.parent().unwrap_or(Path::new(""));
        config.rebase(base);
        Ok(config)
    }

    /// Parses the text of a `site.toml`; the error names the line.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let config: SiteConfig = toml::from_str(text).map_err(|e| describe_toml_error(text, &e))?;
        config.validate()?;
        Ok(config)
    }

    /// The configuration for a bare graph folder with no `site.toml`.
    pub fn for_graph(graph_dir: &Path) -> Self {
        SiteConfig {
            notes_dir: graph_dir.to_path_buf(),
            output_dir: graph_dir.join("public"),
            ..Self::default()
        }
    }

    fn validate(&self) -> std::result::Result<(), String> {
        if !self.base_url.is_empty() && !self.base_url.contains("://") {
            return Err(format!("base_url must be an absolute URL, got {:?}", self.base_url));
        }
        let accent = &self.theme_options.accent_color;
        if accent.contains(['<', '>', ';', '{', '}', '"', '\'', '\\']) {
            return Err(format!("theme_options.accent_color must be a CSS colour, got {accent:?}"));
        }
        if self.theme.is_empty() || self.theme.contains(['/', '\\']) || self.theme.starts_with('.')
        {
            return Err(format!("theme must be a plain folder name, got {:?}", self.theme));
        }
        Ok(())
    }

    fn rebase(&mut self, base: &Path) {
        for dir in [&mut self.notes_dir, &mut self.output_dir, &mut self.themes_dir] {
            if dir.is_relative() {
                *dir = base.join(&*dir);
            }
        }
    }

    /// The site title, falling back to the graph folder's name.
    pub fn display_title(&self) -> String {
        if !self.title.is_empty() {
            return self.title.clone();
        }
        let name = self
            .notes_dir
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        name.unwrap_or_else(|| "Notes".into())
    }
}

fn describe_toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim_end();
    match error.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message.to_string(),
    }
}

/// Where a command finds its graph and configuration, as the command line
/// gives them; [`ConfigSource::resolve`] reads the configuration from them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigSource {
    /// The Logseq graph folder (overrides `notes_dir` of the config).
    pub graph_dir: Option<PathBuf>,
    /// The site configuration file.
    pub config: Option<PathBuf>,
    /// The output folder (overrides `output_dir` of the config).
    pub output: Option<PathBuf>,
}

impl ConfigSource {
    /// Finds and reads the configuration the way the README describes:
    /// `--config`, else `site.toml` in the current folder (unless a graph folder
    /// is given that has none), else defaults for the graph folder.
    pub fn resolve(&self) -> Result<SiteConfig> {
        let mut config = match (&self.config, &self.graph_dir) {
            (Some(path), _) => SiteConfig::from_file(path)?,
            (None, Some(graph)) if graph.join("site.toml").is_file() => {
                SiteConfig::from_file(&graph.join("site.toml"))?
            }
            (None, Some(graph)) => SiteConfig::for_graph(graph),
            (None, None) if Path::new("site.toml").is_file() => {
                SiteConfig::from_file(Path::new("site.toml"))?
            }
            (None, None) => SiteConfig::for_graph(Path::new(".")),
        };
        if let Some(graph) = &self.graph_dir {
            if self.config.is_some() || !graph.join("site.toml").is_file() {
                config.notes_dir = graph.clone();
            }
        }
        if let Some(output) = &self.output {
            config.output_dir = output.clone();
        }
        Ok(config)
    }

    /// `site.toml` as [`ConfigSource::resolve`] finds it, when there is one.
    pub fn file(&self) -> Option<PathBuf> {
        match (&self.config, &self.graph_dir) {
            (Some(path), _) => Some(path.clone()),
            (None, Some(graph)) => Some(graph.join("site.toml")).filter(|p| p.is_file()),
            (None, None) => Some(PathBuf::from("site.toml")).filter(|p| p.is_file()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_round_trip_through_toml() {
        let text = toml::to_string(&SiteConfig::default()).expect("serialises");
        assert_eq!(SiteConfig::parse(&text).expect("parses"), SiteConfig::default());
    }

    #[test]
    fn empty_file_gives_defaults() {
        assert_eq!(SiteConfig::parse("").unwrap(), SiteConfig::default());
    }

    #[test]
    fn unknown_key_is_an_error_naming_the_line() {
        let err = SiteConfig::parse("title = \"x\"\ntitel = \"y\"\n").unwrap_err();
        assert!(err.starts_with("line 2:"), "{err}");
        assert!(err.contains("titel"), "{err}");
    }

    #[test]
    fn publish_mode_is_kebab_case() {
        let config = SiteConfig::parse("publish = \"public-only\"").unwrap();
        assert_eq!(config.publish, PublishMode::PublicOnly);
    }

    #[test]
    fn theme_options_are_a_strict_table() {
        let config =
            SiteConfig::parse("[theme_options]\naccent_color = \"#c04\"\nsidebar_pages = 5")
                .unwrap();
        assert_eq!(config.theme_options.accent_color, "#c04");
        assert_eq!(config.theme_options.sidebar_journals, 10);
        assert!(SiteConfig::parse("[theme_options]\nsidebar = 1").is_err());
        assert!(SiteConfig::parse("[theme_options]\naccent_color = \"red;}body{\"").is_err());
    }

    #[test]
    fn relative_base_url_is_rejected() {
        assert!(SiteConfig::parse("base_url = \"notes/\"").is_err());
    }

    #[test]
    fn paths_are_relative_to_the_config_file() {
        let mut config = SiteConfig::default();
        config.rebase(Path::new("/srv/site"));
        assert_eq!(config.notes_dir, Path::new("/srv/site/notes"));
        assert_eq!(config.output_dir, Path::new("/srv/site/public"));
    }
}
