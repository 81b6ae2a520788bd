//! RENDER, code without a language: which language an untagged fence is
//! written in (JSON, YAML, shell), guessed from its text, so that it is
//! highlighted as Logseq users expect.

/// Commands that start a shell line (for untagged fences).
const SHELL_COMMANDS: &[&str] = &[
    "kubectl",
    "kubeadm",
    "minikube",
    "helm",
    "k9s",
    "sudo",
    "su",
    "apt",
    "apt-get",
    "yum",
    "dnf",
    "brew",
    "snap",
    "pacman",
    "apk",
    "docker",
    "podman",
    "crictl",
    "ctr",
    "nerdctl",
    "cd",
    "ls",
    "export",
    "curl",
    "wget",
    "git",
    "systemctl",
    "journalctl",
    "service",
    "cat",
    "echo",
    "mkdir",
    "rm",
    "cp",
    "mv",
    "chmod",
    "chown",
    "ssh",
    "scp",
    "rsync",
    "npm",
    "npx",
    "yarn",
    "pnpm",
    "pip",
    "pip3",
    "python",
    "python3",
    "cargo",
    "rustup",
    "make",
    "go",
    "terraform",
    "ansible",
    "ansible-playbook",
    "grep",
    "find",
    "tar",
    "source",
    "touch",
    "vim",
    "nano",
    "tail",
    "head",
    "sed",
    "awk",
    "ln",
    "etcdctl",
    "openssl",
    "aws",
    "gcloud",
    "az",
    "ps",
    "kill",
    "env",
    "which",
    "ping",
    "dig",
    "nslookup",
    "useradd",
    "usermod",
    "swapoff",
    "modprobe",
    "sysctl",
    "tee",
    "xargs",
    "unzip",
    "ip",
    "ifconfig",
    "netstat",
    "lsof",
    "mount",
    "umount",
    "df",
    "du",
    "hostnamectl",
    "ufw",
    "iptables",
    "watch",
    "alias",
    "unset",
    "set",
    "node",
    "deno",
    "mvn",
    "gradle",
    "dotnet",
    "chsh",
    "wsl",
    "nc",
    "telnet",
    "base64",
    "jq",
    "yq",
    "kustomize",
    "vagrant",
];

/// Small words that give prose away when a "command" line has no shell syntax.
const PROSE_WORDS: &[&str] = &[
    "the", "a", "an", "is", "are", "to", "of", "into", "for", "with", "and", "or", "you", "your",
    "this", "that", "it", "in", "on", "then", "sure", "be", "will", "can",
];

/// The language of an untagged fence when it is recognisable: `"json"`,
/// `"yaml"` (e.g. Kubernetes manifests) or `"bash"`; `None` otherwise.
pub fn guess_language(code: &str) -> Option<&'static str> {
    let trimmed = code.trim();
    if trimmed.is_empty() {
        None
    } else if looks_like_json(trimmed) {
        Some("json")
    } else if looks_like_yaml(code) {
        Some("yaml")
    } else if looks_like_shell(code) {
        Some("bash")
    } else {
        None
    }
}

/// A JSON object or array (validated, not built).
fn looks_like_json(trimmed: &str) -> bool {
    (trimmed.starts_with('{') || trimmed.starts_with('['))
        && serde_json::from_str::<serde::de::IgnoredAny>(trimmed).is_ok()
}

/// Tally of the lines of a candidate YAML document.
#[derive(Default)]
struct YamlTally {
    /// Non-blank lines that do not read as YAML.
    odd: usize,
    /// `key: value` / `key:` lines.
    keys: usize,
    /// A `key:` line followed by a deeper or list line.
    nested: bool,
    /// A typical manifest key (apiVersion, kind, metadata, spec…).
    known_key: bool,
    /// Indentation of the last `key:` line with an empty value, until the next line.
    open_key: Option<usize>,
    /// Indentation of the key owning the current `|`/`>` block scalar.
    block: Option<usize>,
}

/// Keys that mark configuration files (Kubernetes, Compose, CI).
const KNOWN_YAML_KEYS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "spec",
    "services",
    "volumes",
    "jobs",
    "steps",
    "stages",
    "containers",
    "image",
    "version",
    "dependencies",
    "env",
    "data",
];

impl YamlTally {
    /// Tallies one non-blank line.
    fn add(&mut self, line: &str) {
        let indent = line.len() - line.trim_start().len();
        let text = line.trim();
        if self.block.is_some_and(|b| indent > b) {
            return;
        }
        self.block = None;
        if self.open_key.take().is_some_and(|k| indent > k || text.starts_with('-')) {
            self.nested = true;
        }
        match yaml_line(text) {
            None => self.odd += 1,
            Some(YamlLine::Other) => {}
            Some(YamlLine::Key { name, open, block }) => {
                self.keys += 1;
                self.known_key |= KNOWN_YAML_KEYS.contains(&name);
                self.open_key = open.then_some(indent);
                self.block = block.then_some(indent);
            }
        }
    }
}

/// Mostly `key: value`, `key:`, `- item` and comment lines, with structure
/// (nesting or a typical manifest key); up to a fifth of stray lines (a title,
/// a shell prompt) are tolerated.
fn looks_like_yaml(code: &str) -> bool {
    let lines = || code.lines().filter(|l| !l.trim().is_empty());
    let max_odd = lines().count() / 5;
    let mut tally = YamlTally::default();
    for line in lines() {
        tally.add(line);
        if tally.odd > max_odd {
            return false;
        }
    }
    tally.keys >= 2 && (tally.nested || tally.known_key)
}

/// What one trimmed YAML line is.
enum YamlLine<'a> {
    /// A comment, list item or document marker.
    Other,
    /// `name: value`; `open` when the value is empty (a nested block follows),
    /// `block` when it is a `|`/`>` block scalar.
    Key { name: &'a str, open: bool, block: bool },
}

/// Classifies a trimmed line; `None` when it does not read as YAML.
fn yaml_line(text: &str) -> Option<YamlLine<'_>> {
    if text.starts_with('#') || text == "---" || text == "..." || text == "-" {
        return Some(YamlLine::Other);
    }
    let item = text.strip_prefix("- ").map(str::trim_start);
    let entry = item.unwrap_or(text);
    if let Some(key) = yaml_key(entry) {
        return Some(key);
    }
    item.map(|_| YamlLine::Other)
}

/// `name: value` or `name:` with a plain (or quoted) one-word key.
fn yaml_key(entry: &str) -> Option<YamlLine<'_>> {
    let (name, value) = match entry.split_once(": ") {
        Some((name, value)) => (name, value.trim()),
        None => (entry.strip_suffix(':')?, ""),
    };
    let name = name.trim_matches(|c| c == '"' || c == '\'');
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/');
    let first_ok = name.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
    if !first_ok || !name.chars().all(plain) {
        return None;
    }
    let block = matches!(value, "|" | ">" | "|-" | ">-" | "|+" | ">+");
    Some(YamlLine::Key { name, open: value.is_empty(), block })
}

/// Shell session or script: a prompt on the first line, or mostly lines that
/// start with a well-known command and do not read as prose.
fn looks_like_shell(code: &str) -> bool {
    let mut lines = code.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
    let Some(first) = lines.next() else { return false };
    if prompt_command(first).is_some() {
        return true;
    }
    let (mut total, mut commands, mut continued) = (1, usize::from(is_command(first)), false);
    continued |= first.ends_with('\\');
    for line in lines {
        total += 1;
        if continued || is_command(line) {
            commands += 1;
        }
        continued = line.ends_with('\\');
    }
    commands > 0 && commands * 10 >= total * 7
}

/// The command after a `$ ` or `user@host:~$ ` prompt.
fn prompt_command(line: &str) -> Option<&str> {
    if let Some(rest) = line.strip_prefix("$ ") {
        return Some(rest);
    }
    let (prompt, rest) = line.split_once("$ ")?;
    let user_host = prompt.contains('@') && prompt.contains(':') && !prompt.contains(' ');
    user_host.then_some(rest)
}

/// Starts with a known command and is not a sentence.
fn is_command(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let Some(first) = words.next() else { return false };
    if !SHELL_COMMANDS.contains(&first) {
        return false;
    }
    let has_shell_syntax = line.contains(['-', '/', '=', '|', '$', '>', '.', '~', '"', '\'']);
    has_shell_syntax || !words.any(|w| PROSE_WORDS.contains(&w.to_ascii_lowercase().as_str()))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    // Sample manifests, also highlighted by `highlight`'s tests.
    pub(crate) const EXAMPLE2: &str = include_str!("../../tests/fixtures/code/yaml_example2.yaml");
    pub(crate) const SELECTORS: &str =
        include_str!("../../tests/fixtures/code/yaml_selector_examples.yaml");
    pub(crate) const AFFINITY: &str =
        include_str!("../../tests/fixtures/code/yaml_affinity_tabs.yaml");
    pub(crate) const REDIS: &str = include_str!("../../tests/fixtures/code/yaml_redis_marked.yaml");

    #[test]
    fn guesses_json() {
        assert_eq!(guess_language("{\"a\": [1, 2]}"), Some("json"));
        assert_eq!(guess_language("[1, 2, 3]\n"), Some("json"));
        assert_eq!(guess_language("{not json}"), None);
    }

    #[test]
    fn guesses_sample_manifests_as_yaml() {
        for code in [EXAMPLE2, SELECTORS, AFFINITY, REDIS] {
            assert_eq!(guess_language(code), Some("yaml"), "{code}");
        }
    }

    #[test]
    fn guesses_compose_file_as_yaml() {
        let code = "services:\n  web:\n    image: nginx\n    ports:\n      - \"80:80\"\n";
        assert_eq!(guess_language(code), Some("yaml"));
    }

    #[test]
    fn guesses_shell() {
        assert_eq!(guess_language("$ kubectl get pods\nNAME   READY\nnginx  1/1\n"), Some("bash"));
        assert_eq!(guess_language("sudo apt install etcd-client\n"), Some("bash"));
        let script = "export KUBECONFIG=~/.kube/config\nkubectl apply -f x.yaml \\\n  --dry-run\n";
        assert_eq!(guess_language(script), Some("bash"));
        assert_eq!(guess_language("ubuntu@control1:~$ cat cka/selector-pod.yaml\n"), Some("bash"));
    }

    #[test]
    fn prose_is_not_guessed() {
        for code in [
            "Remember to drain the node first.\nThen upgrade kubeadm.",
            "cd into the directory and run make",
            "make sure the pods are running",
            "Note: this is important\nWarning: really",
            "Step 1: install\nStep 2: configure",
            "just some words",
            "fn main() {\n    println!(\"hi\");\n}",
        ] {
            assert_eq!(guess_language(code), None, "{code}");
        }
    }
}
