//! Applying a case in a fresh directory, with Chamber's edit engine or a
//! peer tool on the same unified diff, and judging the result.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use chamber_edit::{ChangeSet, EditError, FileChange};
use serde::Serialize;

use super::kinds::Format;
use super::perturb::Case;

/// What came of applying a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The file is exactly the expected one.
    Correct,
    /// Something was written, but the file is not the expected one.
    WrongPlace,
    /// Refused; the file is unchanged.
    Rejected,
}

/// One applier's result on one case.
#[derive(Debug, Clone)]
pub struct Trial {
    /// What came of it.
    pub outcome: Outcome,
    /// For a refusal: whether the message points at a place (a line
    /// number, candidates or the closest region).
    pub useful: bool,
    /// For a wrong result: whether it differs from the expected file only
    /// in whitespace (indentation, trailing spaces, line endings).
    pub whitespace_only: bool,
    /// Time to apply, in microseconds.
    pub micros: f64,
    /// Of that, the time to plan (parse and match, in memory), for
    /// Chamber.
    pub plan_micros: Option<f64>,
    /// The error message, if any.
    pub message: Option<String>,
}

/// A tool the unified diffs are also given to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// `git apply`.
    GitApply,
    /// `git apply --recount -C1`.
    GitApplyLoose,
    /// `patch -p1 --batch --forward` (GNU patch).
    Patch,
}

impl Peer {
    /// Every peer.
    pub const ALL: [Peer; 3] = [Peer::GitApply, Peer::GitApplyLoose, Peer::Patch];

    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Peer::GitApply => "git apply",
            Peer::GitApplyLoose => "git apply --recount -C1",
            Peer::Patch => "patch -p1",
        }
    }

    /// Whether the tool runs here.
    pub fn available(self) -> bool {
        let (program, arg) = match self {
            Peer::GitApply | Peer::GitApplyLoose => ("git", "--version"),
            Peer::Patch => ("patch", "--version"),
        };
        Command::new(program)
            .arg(arg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn command(self) -> Command {
        let mut cmd = match self {
            Peer::GitApply => {
                let mut c = Command::new("git");
                c.arg("apply");
                c
            }
            Peer::GitApplyLoose => {
                let mut c = Command::new("git");
                c.args(["apply", "--recount", "-C1"]);
                c
            }
            Peer::Patch => {
                let mut c = Command::new("patch");
                c.args([
                    "-p1",
                    "--batch",
                    "--forward",
                    "--no-backup-if-mismatch",
                    "--reject-file=-",
                ]);
                c
            }
        };
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }
}

/// Writes the case's starting file under `dir` (a fresh, empty directory).
pub fn prepare(dir: &Path, case: &Case) -> std::io::Result<()> {
    let target = dir.join(&case.path);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(target, &case.start)
}

/// Applies `case` under `dir` with Chamber's edit engine.
pub fn chamber(dir: &Path, case: &Case) -> Trial {
    let started = Instant::now();
    let planned = plan(dir, case);
    let plan_micros = started.elapsed().as_secs_f64() * 1e6;
    let result = planned.and_then(|set| set.apply(dir));
    let micros = started.elapsed().as_secs_f64() * 1e6;
    let mut trial = match result {
        Ok(()) => judge(dir, case, true, micros, None),
        Err(e) => {
            let useful = points_somewhere(&e);
            let mut trial = judge(dir, case, false, micros, Some(e.to_string()));
            trial.useful = useful;
            trial
        }
    };
    trial.plan_micros = Some(plan_micros);
    trial
}

fn plan(dir: &Path, case: &Case) -> Result<ChangeSet, EditError> {
    match case.format {
        Format::ApplyPatch => chamber_edit::plan_apply_patch(dir, &case.patch),
        Format::SearchReplace => {
            let blocks = chamber_edit::parse_search_replace(&case.patch)?;
            chamber_edit::plan_search_replace(dir, &blocks)
        }
        Format::UnifiedDiff => chamber_edit::plan_unified_diff(dir, &case.patch),
        Format::WholeFile => Ok(ChangeSet::new(vec![FileChange::Update {
            path: case.path.clone().into(),
            move_to: None,
            previous: case.start.clone(),
            content: case.patch.clone(),
        }])),
    }
}

/// Whether Chamber's error says where to look: a parse error's line, the
/// candidates of an ambiguous match, the closest region of a failed one,
/// a missing `@@` context line, or overlapping hunks' lines.
fn points_somewhere(e: &EditError) -> bool {
    match e.root_cause() {
        EditError::Parse { .. }
        | EditError::Ambiguous { .. }
        | EditError::AnchorNotFound { .. }
        | EditError::Overlap { .. } => true,
        EditError::NotFound { closest, .. } => closest.is_some(),
        _ => false,
    }
}

/// Applies `case` (a unified diff) under `dir` with `peer`.
pub fn peer(dir: &Path, case: &Case, peer: Peer) -> Trial {
    let mut cmd = peer.command();
    cmd.current_dir(dir);
    if let Some(parent) = dir.parent() {
        // Never let git find a repository above the temp directory.
        cmd.env("GIT_CEILING_DIRECTORIES", parent);
    }
    let started = Instant::now();
    let output = cmd.spawn().and_then(|mut child| {
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(case.patch.as_bytes())?;
        }
        child.wait_with_output()
    });
    let micros = started.elapsed().as_secs_f64() * 1e6;
    match output {
        Ok(out) => {
            let ok = out.status.success();
            let mut message = String::from_utf8_lossy(&out.stderr).into_owned();
            message.push_str(&String::from_utf8_lossy(&out.stdout));
            let message = (!ok).then(|| message.trim().to_owned());
            let useful = message.as_deref().is_some_and(names_a_line);
            let mut trial = judge(dir, case, ok, micros, message);
            trial.useful = useful;
            trial
        }
        Err(e) => Trial {
            outcome: Outcome::Rejected,
            useful: false,
            whitespace_only: false,
            micros,
            plan_micros: None,
            message: Some(format!("cannot run {}: {e}", peer.name())),
        },
    }
}

/// Classifies the file left under `dir`. A failure that still changed the
/// file counts as a wrong result.
fn judge(dir: &Path, case: &Case, ok: bool, micros: f64, message: Option<String>) -> Trial {
    let now = std::fs::read(dir.join(&case.path)).unwrap_or_default();
    let outcome = if now == case.expected.as_bytes() {
        if ok {
            Outcome::Correct
        } else {
            // Reported failure yet wrote the right file: not to be trusted.
            Outcome::WrongPlace
        }
    } else if !ok && now == case.start.as_bytes() {
        Outcome::Rejected
    } else {
        Outcome::WrongPlace
    };
    let whitespace_only =
        outcome == Outcome::WrongPlace && squeeze(&now) == squeeze(case.expected.as_bytes());
    Trial {
        outcome,
        useful: false,
        whitespace_only,
        micros,
        plan_micros: None,
        message,
    }
}

/// The text with all whitespace removed, to compare results that differ
/// only in whitespace.
fn squeeze(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect()
}

/// Whether a peer's message names a line: `line 12`, `at 12`, `:12`.
fn names_a_line(message: &str) -> bool {
    let bytes = message.as_bytes();
    (0..bytes.len()).any(|i| {
        bytes[i].is_ascii_digit()
            && (i == 0 || !bytes[i - 1].is_ascii_digit())
            && ["line ", "lines ", "at ", ":"]
                .iter()
                .any(|p| message[..i].ends_with(p))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_references_are_recognised() {
        assert!(names_a_line("error: patch failed: src/a.rs:12"));
        assert!(names_a_line("Hunk #1 FAILED at 40."));
        assert!(!names_a_line("error: a.rs: patch does not apply"));
    }
}
