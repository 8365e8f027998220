//! The learning loop: `.chamber/playbook.md` holds notes for runs in this
//! repository (the test command that worked, the files that matter, the
//! conventions people add). A completed run appends what it learned; every
//! run reads the file into its context like an instruction file. Chamber
//! never commits it: people review and commit it like `config.toml`.

mod notes;

use chamber_config::{AgentConfig, Config};
use chamber_protocol::{EventKind, Plan};

use crate::engine::Engine;
use crate::options::RunOptions;
use crate::workspace::Workspace;
use notes::{Entry, FILES_HEADING, TEST_HEADING};

/// Where the playbook lives, relative to the project root.
pub const PLAYBOOK_PATH: &str = ".chamber/playbook.md";

/// Most files one run adds to the playbook.
const FILES_PER_RUN: usize = 8;

/// The instruction files read into the context: the configured ones, and
/// the playbook unless `[agent] playbook` is off.
pub fn instruction_files(config: &AgentConfig) -> Vec<String> {
    let mut files = config.instruction_files.clone();
    if config.playbook && !files.iter().any(|f| f == PLAYBOOK_PATH) {
        files.push(PLAYBOOK_PATH.to_string());
    }
    files
}

/// Whether `command` runs tests: a runner Chamber knows, the configured
/// `[test] command`, or a `test` word (`npm test`, `make test`) that is not
/// the shell's `test` builtin.
fn runs_tests(command: &str, configured: &str) -> bool {
    let command = command.trim();
    if !configured.trim().is_empty() && command == configured.trim() {
        return true;
    }
    if chamber_verify::Runner::infer(command) != chamber_verify::Runner::Generic {
        return true;
    }
    let mut words = command.split_whitespace();
    words.next().is_some_and(|first| first != "test") && words.any(|w| w == "test")
}

/// What a completed run learned, as playbook entries: the test commands
/// that passed (`verified` is the fix loop's, green when the run completed)
/// and the files its commits changed.
fn learned(
    config: &Config,
    run_id: &str,
    plan: &Plan,
    commands: &[(String, Option<i32>)],
    verified: Option<&str>,
    files: &[String],
) -> Vec<Entry> {
    let run = &run_id[..run_id.len().min(8)];
    let mut tests: Vec<&str> = commands
        .iter()
        .filter(|(c, code)| *code == Some(0) && runs_tests(c, &config.test.command))
        .map(|(c, _)| c.trim())
        .collect();
    tests.extend(verified.map(str::trim));
    let mut entries: Vec<Entry> = Vec::new();
    for command in tests {
        if !entries.iter().any(|e| e.key == command) {
            entries.push(Entry {
                heading: TEST_HEADING,
                key: command.to_string(),
                note: format!("passed in run {run}"),
            });
        }
    }
    let title: String = plan.title.chars().take(80).collect();
    for path in files.iter().take(FILES_PER_RUN) {
        entries.push(Entry {
            heading: FILES_HEADING,
            key: path.clone(),
            note: format!("changed for “{}”, run {run}", title.trim()),
        });
    }
    entries
}

impl Engine {
    /// After a completed run in the project itself (not a dry run or a
    /// worktree run, which leave the checkout alone): appends what it
    /// learned to the playbook, capped at `[agent] playbook_max_bytes`. A
    /// playbook that cannot be written is logged; the run stays completed.
    pub(crate) async fn learn(
        &self,
        run_id: &str,
        ws: &Workspace,
        plan: &Plan,
        commands: &[(String, Option<i32>)],
        opts: &RunOptions,
    ) {
        if !self.config.agent.playbook || opts.dry_run || ws.dir != ws.project {
            return;
        }
        let mut files: Vec<String> = Vec::new();
        match self.store.events_of(run_id, &["committed"]).await {
            Ok(events) => {
                for e in events {
                    if let EventKind::Committed { files: f, .. } = e.kind {
                        for path in f {
                            if !files.contains(&path) {
                                files.push(path);
                            }
                        }
                    }
                }
            }
            Err(e) => tracing::warn!("playbook: cannot read the run's events: {e}"),
        }
        let verified = opts.verify.as_ref().map(|v| v.detected.command.as_str());
        let entries = learned(&self.config, run_id, plan, commands, verified, &files);
        let path = ws.project.join(PLAYBOOK_PATH);
        let existing = std::fs::read_to_string(&path).ok();
        let stamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let Some(text) = notes::append(existing.as_deref(), &entries, &stamp) else {
            return;
        };
        let text = notes::cap(&text, self.config.agent.playbook_max_bytes);
        if let Err(e) = chamber_tools::atomic::write_atomic(&path, text.as_bytes()) {
            tracing::warn!("playbook: cannot write {}: {e}", path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_commands_are_told_apart() {
        assert!(runs_tests("cargo test -q", ""));
        assert!(runs_tests("python3 -m unittest", ""));
        assert!(runs_tests("npm test", ""));
        assert!(runs_tests("./ci.sh", "./ci.sh"));
        assert!(!runs_tests("test -f a.txt", ""));
        assert!(!runs_tests("python3 hello.py", ""));
    }

    #[test]
    fn only_passing_test_commands_are_learned_once() {
        let plan = Plan {
            title: "Add greet".into(),
            steps: Vec::new(),
        };
        let commands = vec![
            ("pytest -q".to_string(), Some(1)),
            ("cargo test".to_string(), Some(0)),
            ("cargo test".to_string(), Some(0)),
            ("ls".to_string(), Some(0)),
        ];
        let entries = learned(
            &Config::default(),
            "abcdef123456",
            &plan,
            &commands,
            Some("cargo test"),
            &["src/lib.rs".to_string()],
        );
        let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["cargo test", "src/lib.rs"]);
        assert_eq!(entries[1].note, "changed for “Add greet”, run abcdef12");
    }
}
