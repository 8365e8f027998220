//! Answers remembered for the session: "yes to this exact command from now
//! on", "yes to anything starting with these words", "yes to writing this
//! file". They only ever turn an `ask` into an `allow`; denials never move.

use std::collections::BTreeSet;

use serde::Serialize;

/// How far an approval reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantScope {
    /// This call only.
    Once,
    /// The same command line (or the same file) for the rest of the session.
    Exact,
    /// Any command starting with the same words for the rest of the session.
    Prefix,
}

impl GrantScope {
    /// Lowercase name for events.
    pub fn as_str(self) -> &'static str {
        match self {
            GrantScope::Once => "once",
            GrantScope::Exact => "session_exact",
            GrantScope::Prefix => "session_prefix",
        }
    }
}

/// The remembered approvals of one session (one run, or one server session).
#[derive(Debug, Clone, Default)]
pub struct Grants {
    commands: BTreeSet<String>,
    prefixes: BTreeSet<Vec<String>>,
    paths: BTreeSet<String>,
    tools: BTreeSet<String>,
}

/// How many leading words of a command make its prefix grant (`cargo test`,
/// `npm run lint`): the program and its subcommand, not its arguments.
pub const PREFIX_WORDS: usize = 2;

impl Grants {
    /// Remembers an approval of `command` at `scope`.
    pub fn grant_command(&mut self, command: &str, scope: GrantScope) {
        match scope {
            GrantScope::Once => {}
            GrantScope::Exact => {
                self.commands.insert(command.trim().to_string());
            }
            GrantScope::Prefix => {
                self.prefixes.insert(prefix_of(command));
            }
        }
    }

    /// Remembers an approval of writing `path` (any scope but once).
    pub fn grant_path(&mut self, path: &str, scope: GrantScope) {
        if scope != GrantScope::Once {
            self.paths.insert(path.to_string());
        }
    }

    /// Remembers an approval of a tool that has no command or paths.
    pub fn grant_tool(&mut self, tool: &str, scope: GrantScope) {
        if scope != GrantScope::Once {
            self.tools.insert(tool.to_string());
        }
    }

    /// The grant covering `command`, if any, described for the trace.
    pub fn covers_command(&self, command: &str) -> Option<String> {
        let line = command.trim();
        if self.commands.contains(line) {
            return Some(format!("approved earlier this session: `{line}`"));
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        // Compound lines never ride on a prefix grant: `cargo test && rm -rf x`
        // starts with `cargo test` too.
        if line.contains(['&', '|', ';', '`', '$', '(', ')', '<', '>', '\n']) {
            return None;
        }
        self.prefixes
            .iter()
            .find(|p| words.len() >= p.len() && p.iter().zip(&words).all(|(a, b)| a == b))
            .map(|p| format!("approved earlier this session: `{} …`", p.join(" ")))
    }

    /// Whether this exact command line was approved earlier (prefix grants
    /// do not count).
    pub fn covers_exact(&self, command: &str) -> bool {
        self.commands.contains(command.trim())
    }

    /// Whether every one of `paths` was approved earlier.
    pub fn covers_paths(&self, paths: &[String]) -> bool {
        !paths.is_empty() && paths.iter().all(|p| self.paths.contains(p))
    }

    /// Whether `tool` was approved for the session.
    pub fn covers_tool(&self, tool: &str) -> bool {
        self.tools.contains(tool)
    }
}

/// The first [`PREFIX_WORDS`] words of a command.
pub fn prefix_of(command: &str) -> Vec<String> {
    command
        .split_whitespace()
        .take(PREFIX_WORDS)
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_and_prefix_grants_cover_what_they_should() {
        let mut g = Grants::default();
        g.grant_command("make lint", GrantScope::Once);
        assert!(g.covers_command("make lint").is_none());
        g.grant_command("make lint", GrantScope::Exact);
        assert!(g.covers_command("  make lint ").is_some());
        assert!(g.covers_command("make lint --fix").is_none());
        g.grant_command("cargo test -p x", GrantScope::Prefix);
        assert!(g.covers_command("cargo test --all").is_some());
        assert!(g.covers_command("cargo build").is_none());
        assert!(g.covers_command("cargo test && rm -rf x").is_none());
        assert!(g.covers_command("cargo test $(rm -rf x)").is_none());
    }

    #[test]
    fn path_grants_need_every_path() {
        let mut g = Grants::default();
        g.grant_path("a.txt", GrantScope::Exact);
        assert!(g.covers_paths(&["a.txt".into()]));
        assert!(!g.covers_paths(&["a.txt".into(), "b.txt".into()]));
        assert!(!g.covers_paths(&[]));
    }
}
