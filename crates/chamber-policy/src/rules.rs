//! The policy: built-in denials and guards, the user's rules, built-in
//! allowances, and the verdict for actions and command lines.

use serde::Deserialize;

use crate::command::CommandContext;
use crate::command::eval::{Part, evaluate};
use crate::known::{read_only, test_command};
use crate::user_rules::{self, UserRule};
pub use crate::user_rules::{PolicyError, RuleSpec};

/// What the policy says about an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Run it.
    Allow,
    /// Run it only after a person (or `--yes`) approves.
    Ask,
    /// Never run it.
    Deny,
}

impl Decision {
    /// Lowercase name for events and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Ask => "ask",
            Decision::Deny => "deny",
        }
    }
}

/// A decision and the rule behind it, for the trace and for `policy check`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verdict {
    /// The decision.
    pub decision: Decision,
    /// Why, in words a user can act on.
    pub reason: String,
    /// The rule that decided: `builtin:<name>` for built-in rules, the
    /// rule's `name` (or `<file> rules[i]`) for user rules, `None` when no
    /// rule matched (the default, ask).
    pub rule: Option<String>,
}

/// The verdict on one simple command of a line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PartVerdict {
    /// The simple command, its wrappers removed.
    pub command: String,
    /// Its verdict.
    pub verdict: Verdict,
    /// When the verdict is `ask` and one of the command's built-in findings
    /// is in [`UNREADABLE_RULES`]: that finding (it may differ from the
    /// verdict's rule, as in `sudo python3 -c …`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<Verdict>,
}

impl PartVerdict {
    /// The built-in rule that makes this command one Chamber cannot read
    /// or bound (one of [`UNREADABLE_RULES`]), when its decision is `ask`.
    pub fn unreadable(&self) -> Option<&Verdict> {
        self.unreadable.as_ref()
    }
}

/// A command line's verdict and the verdict on each simple command in it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CommandReport {
    /// The verdict for the whole line: the strictest of its parts.
    pub verdict: Verdict,
    /// Every simple command, in the order a shell meets them.
    pub parts: Vec<PartVerdict>,
}

impl CommandReport {
    /// The first simple command Chamber cannot read or bound (see
    /// [`UNREADABLE_RULES`]): its finding.
    pub fn unreadable(&self) -> Option<&Verdict> {
        self.parts.iter().find_map(PartVerdict::unreadable)
    }

    /// Whether every simple command is allowed or is an ordinary test
    /// command (`builtin:test-command`), and at least one is the latter.
    pub fn tests_only(&self) -> bool {
        let is_test = |p: &PartVerdict| p.verdict.rule.as_deref() == Some(TEST_COMMAND_RULE);
        self.parts.iter().any(is_test)
            && self
                .parts
                .iter()
                .all(|p| p.verdict.decision == Decision::Allow || is_test(p))
    }
}

/// The rule an ordinary test command's `ask` carries.
pub const TEST_COMMAND_RULE: &str = "builtin:test-command";

/// Built-in `ask` rules for commands whose effect Chamber cannot read or
/// bound: a name or script known only at run time, code in another
/// language, deletes and writes it cannot place inside the workspace,
/// archives sent off the machine. With a sandbox, `--yes` may answer them;
/// without one (`sandbox.mode = "off"`, or the sandbox cannot be set up),
/// only a person can.
pub const UNREADABLE_RULES: &[&str] = &[
    "dynamic-command",
    "inline-code",
    "piped-script",
    "unparseable",
    "rm-unknown-target",
    "write-unknown-target",
    "write-outside-workspace",
    "sync-delete",
    "archive-to-network",
];

/// An action to judge. Tools map onto these by their risk.
#[derive(Debug, Clone)]
pub enum Action<'a> {
    /// Reading or searching files.
    Read,
    /// Writing files inside the workspace.
    Write {
        /// Target paths, relative to the workspace.
        paths: &'a [String],
    },
    /// Running a shell command.
    Exec {
        /// The command line.
        command: &'a str,
    },
}

/// Every built-in rule: name, decision, what it covers. User rules cannot
/// lift these (a `deny` stays denied; an `ask` needs a person or `--yes`).
pub const BUILTIN_RULES: &[(&str, Decision, &str)] = &[
    (
        "rm-root-or-home",
        Decision::Deny,
        "recursive delete (rm -r, find -delete, shred, mv away) of /, /*, a top-level system directory, ~ or ~/*",
    ),
    (
        "rm-outside-workspace",
        Decision::Deny,
        "recursive delete of any path outside the workspace (without a known workspace: any absolute, ~ or .. path)",
    ),
    (
        "rm-unknown-target",
        Decision::Ask,
        "recursive delete of a path only known at run time ($VAR, $(…), xargs input)",
    ),
    (
        "format-disk",
        Decision::Deny,
        "mkfs*, mke2fs, mkswap, wipefs, blkdiscard",
    ),
    (
        "partition-disk",
        Decision::Deny,
        "fdisk, sfdisk, parted, sgdisk, gdisk (except listing)",
    ),
    (
        "write-device",
        Decision::Deny,
        "writing a disk or memory device (dd of=/dev/sda, > /dev/nvme0n1)",
    ),
    (
        "protected-write",
        Decision::Deny,
        "writing, deleting or moving ~/.ssh, ~/.gnupg, shell start-up files, /etc, system directories, kernel settings",
    ),
    (
        "read-credentials",
        Decision::Deny,
        "reading ~/.ssh, ~/.gnupg, ~/.aws, ~/.netrc, ~/.git-credentials, ~/.docker, ~/.kube, ~/.npmrc, ~/.pypirc, ~/.config/gh, ~/.config/gcloud (any home), /etc/shadow, /etc/sudoers",
    ),
    (
        "write-outside-workspace",
        Decision::Ask,
        "writing or deleting a single file outside the workspace",
    ),
    (
        "write-unknown-target",
        Decision::Ask,
        "writing a path only known at run time",
    ),
    (
        "fork-bomb",
        Decision::Deny,
        "a function that calls itself in a pipe or in the background; fork in a loop",
    ),
    (
        "power-off",
        Decision::Deny,
        "shutdown, reboot, halt, poweroff, init 0/6, systemctl poweroff/reboot/suspend",
    ),
    (
        "kill-everything",
        Decision::Deny,
        "kill -1 (every process), kill 1 (init), killall5",
    ),
    (
        "chmod-system",
        Decision::Deny,
        "chmod/chown/chgrp of /, a system directory or the home directory",
    ),
    (
        "chmod-recursive-outside-workspace",
        Decision::Deny,
        "chmod/chown -R outside the workspace",
    ),
    (
        "pipe-to-shell",
        Decision::Deny,
        "a download or decoded text run by an interpreter (curl | sh, base64 -d | bash, sh -c \"$(curl …)\", bash <(wget …))",
    ),
    (
        "piped-script",
        Decision::Ask,
        "an interpreter running a script from a pipe or file Chamber cannot read",
    ),
    (
        "git-force-push",
        Decision::Deny,
        "git push --force / -f / --force-with-lease / --mirror / +refspec / --delete",
    ),
    (
        "git-discard-outside-run-branch",
        Decision::Deny,
        "git reset --hard, git clean -f on a branch other than the run's, or in another repository",
    ),
    (
        "git-discard-unknown-branch",
        Decision::Ask,
        "git reset --hard, git clean -f when the branch cannot be told",
    ),
    ("crontab-remove", Decision::Deny, "crontab -r"),
    (
        "sudo",
        Decision::Ask,
        "sudo, doas, su, chroot: the inner command is judged too",
    ),
    (
        "dynamic-command",
        Decision::Ask,
        "a command name or script only known at run time ($CMD, $(…), eval \"$X\")",
    ),
    (
        "inline-code",
        Decision::Ask,
        "python -c, perl -e, node -e and the like (their string literals are judged as commands too)",
    ),
    (
        "unparseable",
        Decision::Ask,
        "a line that cannot be parsed (unclosed quote, unbalanced parentheses, case, a here-document without end, too deep)",
    ),
    (
        "sync-delete",
        Decision::Ask,
        "rsync --delete (--del, --delete-*, --remove-source-files): deletes files the command line does not name",
    ),
    (
        "archive-to-network",
        Decision::Ask,
        "an archive (tar, zip, cpio, gzip…) piped to a network tool (nc, ssh, curl…) or written to /dev/tcp",
    ),
    (
        "test-command",
        Decision::Ask,
        "the ordinary test commands (pytest, python3 -m pytest, npm test, go test, make test, cargo test): they run without asking in auto-edit mode when the sandbox is on",
    ),
    (
        "read-only",
        Decision::Allow,
        "read-only and inert commands (ls, cat, grep, find, echo, git status/diff/log…)",
    ),
];

/// The policy file `chamber init` writes: documented, with examples.
pub const DEFAULT_POLICY_TOML: &str = include_str!("default_policy.toml");

/// The rules in force: built-in denials and guards (which user rules cannot
/// lift), then the user's rules (deny > ask > allow), then built-in
/// allowances, then the default (ask).
pub struct Policy {
    user: Vec<UserRule>,
}

impl Policy {
    /// The built-in rules only.
    pub fn builtin() -> Self {
        Self { user: Vec::new() }
    }

    /// The built-in rules plus those in a `policy.toml` text; `source_name`
    /// (usually the path) is named in errors and rule labels.
    pub fn from_toml(text: &str, source_name: &str) -> Result<Self, PolicyError> {
        Ok(Self {
            user: user_rules::parse(text, source_name)?,
        })
    }

    /// Judges an action without context. `auto_approve` (`--yes`) turns
    /// every `ask` into `allow`; denials stay denials.
    pub fn decide(&self, action: &Action<'_>, auto_approve: bool) -> Verdict {
        self.decide_in(action, auto_approve, &CommandContext::default())
    }

    /// Judges an action; commands are judged in `ctx` (workspace, home,
    /// branches).
    pub fn decide_in(
        &self,
        action: &Action<'_>,
        auto_approve: bool,
        ctx: &CommandContext<'_>,
    ) -> Verdict {
        let verdict = match action {
            Action::Read => Verdict {
                decision: Decision::Allow,
                reason: "reading is always allowed".into(),
                rule: None,
            },
            Action::Write { .. } => Verdict {
                decision: Decision::Ask,
                reason: "file writes ask first in ask mode".into(),
                rule: None,
            },
            Action::Exec { command } => self.check_command_in(command, ctx),
        };
        if auto_approve && verdict.decision == Decision::Ask {
            return Verdict {
                decision: Decision::Allow,
                reason: format!("approved in advance (--yes); would ask: {}", verdict.reason),
                rule: verdict.rule,
            };
        }
        verdict
    }

    /// Judges a command line with no context: the workspace is the working
    /// directory, but its absolute path is unknown, so every absolute path
    /// counts as outside it.
    pub fn check_command(&self, line: &str) -> Verdict {
        self.check_command_in(line, &CommandContext::default())
    }

    /// Judges a command line: every simple command inside must pass; the
    /// strictest decision wins.
    pub fn check_command_in(&self, line: &str, ctx: &CommandContext<'_>) -> Verdict {
        self.explain(line, ctx).verdict
    }

    /// Judges a command line and reports the verdict on each simple command.
    pub fn explain(&self, line: &str, ctx: &CommandContext<'_>) -> CommandReport {
        let parts: Vec<PartVerdict> = evaluate(line, ctx)
            .into_iter()
            .map(|p| {
                let verdict = self.judge(&p);
                let unreadable = (verdict.decision == Decision::Ask)
                    .then(|| {
                        p.findings
                            .iter()
                            .find(|f| {
                                f.decision == Decision::Ask && UNREADABLE_RULES.contains(&f.rule)
                            })
                            .map(|f| Verdict {
                                decision: Decision::Ask,
                                reason: f.reason.clone(),
                                rule: Some(format!("builtin:{}", f.rule)),
                            })
                    })
                    .flatten();
                PartVerdict {
                    command: p.command.clone(),
                    verdict,
                    unreadable,
                }
            })
            .collect();
        let mut worst: Option<&PartVerdict> = None;
        for p in &parts {
            // A named rule says more than the default; a test command's
            // ask says least, so `pytest && make x` reports `make x`.
            let rank = |v: &Verdict| {
                let weight = match v.rule.as_deref() {
                    Some(TEST_COMMAND_RULE) => 0,
                    None => 1,
                    Some(_) => 2,
                };
                (v.decision, weight)
            };
            if worst.is_none_or(|w| rank(&p.verdict) > rank(&w.verdict)) {
                worst = Some(p);
            }
        }
        let verdict = match worst {
            None => Verdict {
                decision: Decision::Allow,
                reason: "empty command".into(),
                rule: None,
            },
            Some(w) if w.verdict.decision == Decision::Allow && parts.len() > 1 => Verdict {
                decision: Decision::Allow,
                reason: format!("all {} commands are allowed", parts.len()),
                rule: w.verdict.rule.clone(),
            },
            Some(w) => w.verdict.clone(),
        };
        CommandReport { verdict, parts }
    }

    fn judge(&self, part: &Part) -> Verdict {
        let builtin = |decision: Decision| {
            part.findings
                .iter()
                .find(|f| f.decision == decision)
                .map(|f| Verdict {
                    decision,
                    reason: f.reason.clone(),
                    rule: Some(format!("builtin:{}", f.rule)),
                })
        };
        let user = |decision: Decision, layers: &[Vec<String>]| {
            self.user
                .iter()
                .filter(|r| r.decision == decision)
                .find(|r| layers.iter().any(|l| r.matches(l)))
                .map(|r| Verdict {
                    decision,
                    reason: r.reason.clone(),
                    rule: Some(r.label.clone()),
                })
        };
        let inner = part
            .layers
            .last()
            .map(std::slice::from_ref)
            .unwrap_or_default();
        if let Some(v) = builtin(Decision::Deny)
            .or_else(|| user(Decision::Deny, &part.layers))
            .or_else(|| builtin(Decision::Ask))
            .or_else(|| user(Decision::Ask, &part.layers))
            .or_else(|| user(Decision::Allow, inner))
        {
            return v;
        }
        if part.delegated || inner.first().is_none_or(|w| w.is_empty() || read_only(w)) {
            return Verdict {
                decision: Decision::Allow,
                reason: if part.delegated {
                    "its inner commands are judged on their own".into()
                } else {
                    "a read-only or inert command".into()
                },
                rule: Some("builtin:read-only".into()),
            };
        }
        if inner.first().is_some_and(|w| test_command(w)) {
            return Verdict {
                decision: Decision::Ask,
                reason: format!(
                    "`{}` runs the project's tests: auto-edit mode runs it without asking when the sandbox is on",
                    part.command
                ),
                rule: Some(TEST_COMMAND_RULE.into()),
            };
        }
        Verdict {
            decision: Decision::Ask,
            reason: format!("no rule allows `{}`", part.command),
            rule: None,
        }
    }
}
