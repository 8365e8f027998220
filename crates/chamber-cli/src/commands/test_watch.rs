//! `chamber test --watch`: run the tests, then poll the project's files
//! (gitignore-aware) every 500 ms and re-run on a change, the previously
//! failing tests first when the runner can select them, then the whole
//! suite. Ctrl-C stops it; the exit status is the last run's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chamber_verify::{Detected, TestRun, only_failing};
use serde_json::json;

use super::test::{exit_code, run_once};
use crate::exit::{CliError, status};
use crate::output::{Output, style};

/// How often the files are polled.
const POLL: Duration = Duration::from_millis(500);

/// Directories never watched: VCS and Chamber state, build outputs, caches.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".chamber",
    "target",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".venv",
];

/// Each watched file's modification time and size.
type Fingerprint = BTreeMap<PathBuf, (Option<SystemTime>, u64)>;

/// Runs the tests, then re-runs them on every (debounced) change until
/// Ctrl-C. With `--json` each run's payload is printed as one JSON line with
/// `type: "test_result"`, the cycle number and its `scope` (`failing` or
/// `all`). Returns a summary payload and 0 when the last run was green,
/// else 13.
pub async fn watch(
    root: &Path,
    detected: &Detected,
    timeout_secs: u64,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let mut cycle = 0u32;
    let mut last: Option<(serde_json::Value, TestRun)> = None;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let runs = cycle_runs(
            root,
            detected,
            last.as_ref().map(|l| &l.1),
            timeout_secs,
            out,
        );
        let outcome = tokio::select! {
            result = runs => Some(result),
            _ = &mut ctrl_c => None,
        };
        let Some(result) = outcome else { break };
        let (scope, payload, run) = result?;
        cycle += 1;
        if out.is_json() {
            let mut line = json!({"type": "test_result", "cycle": cycle, "scope": scope});
            if let (Some(line), Some(fields)) = (line.as_object_mut(), payload.as_object()) {
                line.extend(fields.clone());
            }
            out.json_line(&line);
        }
        last = Some((payload, run));
        out.line(Output::styled(
            style::DIM,
            "watching for changes (Ctrl-C stops)…",
        ));
        let baseline = fingerprint(root);
        tokio::select! {
            () = wait_for_change(root, baseline) => {}
            _ = &mut ctrl_c => break,
        }
    }
    let code = last
        .as_ref()
        .map_or(status::TESTS_FAILED, |l| exit_code(&l.1));
    let passed = last.as_ref().is_some_and(|l| l.1.passed());
    let payload = json!({
        "watch": true,
        "cycles": cycle,
        "passed": passed,
        "last": last.map(|l| l.0),
    });
    Ok((payload, code))
}

/// One cycle: the failing tests alone when `previous` failed and the runner
/// can select them; if those pass (or cannot be selected), the whole suite.
async fn cycle_runs(
    root: &Path,
    detected: &Detected,
    previous: Option<&TestRun>,
    timeout_secs: u64,
    out: &Output,
) -> Result<(&'static str, serde_json::Value, TestRun), CliError> {
    let failing = previous
        .filter(|p| !p.passed())
        .map(|p| {
            p.report
                .failures
                .iter()
                .map(|f| f.name.clone())
                .collect::<Vec<_>>()
        })
        .and_then(|names| only_failing(detected, &names));
    if let Some(subset) = failing {
        let (payload, run) = run_once(root, &subset, &[], timeout_secs, out).await?;
        if !run.passed() {
            return Ok(("failing", payload, run));
        }
    }
    let (payload, run) = run_once(root, detected, &[], timeout_secs, out).await?;
    Ok(("all", payload, run))
}

/// Polls until the files differ from `baseline` and then stay unchanged
/// for one more poll (so a burst of saves triggers one run).
async fn wait_for_change(root: &Path, baseline: Fingerprint) {
    let mut seen = baseline;
    let mut changed = false;
    loop {
        tokio::time::sleep(POLL).await;
        let root_owned = root.to_path_buf();
        let now = tokio::task::spawn_blocking(move || fingerprint(&root_owned))
            .await
            .unwrap_or_default();
        if now != seen {
            changed = true;
            seen = now;
        } else if changed {
            return;
        }
    }
}

/// Every watched file under `root`: hidden files included, `.gitignore`d
/// ones and [`SKIPPED_DIRS`] left out.
fn fingerprint(root: &Path) -> Fingerprint {
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .filter_entry(|e| {
            let dir = e.file_type().is_some_and(|t| t.is_dir());
            !(dir && SKIPPED_DIRS.iter().any(|s| e.file_name() == *s))
        })
        .build();
    walker
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some((e.into_path(), (meta.modified().ok(), meta.len())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_skips_ignored_and_state_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (path, text) in [
            ("src/a.py", "a"),
            (".gitignore", "out/\n"),
            ("out/x.log", "x"),
            (".chamber/config.toml", ""),
            ("target/debug/y", "y"),
            ("__pycache__/a.pyc", "c"),
        ] {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let names: Vec<String> = fingerprint(root)
            .keys()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(names, vec![".gitignore", "src/a.py"]);
        let before = fingerprint(root);
        std::fs::write(root.join("src/a.py"), "ab").unwrap();
        assert_ne!(before, fingerprint(root));
    }

    #[tokio::test]
    async fn waits_for_a_change_then_settles() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "1").unwrap();
        let baseline = fingerprint(dir.path());
        let root = dir.path().to_path_buf();
        let writer = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            std::fs::write(root.join("b.txt"), "2").unwrap();
        });
        let waited = tokio::time::timeout(
            Duration::from_secs(10),
            wait_for_change(dir.path(), baseline),
        )
        .await;
        assert!(waited.is_ok());
        writer.await.unwrap();
    }
}
