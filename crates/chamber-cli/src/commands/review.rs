//! `chamber review`: static checks over a diff (the working tree against
//! HEAD, the staged changes, a run's branch against its base, or a diff
//! file), then a model review whose line comments must point into the diff.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chamber_llm::{ChatRequest, Message, ResponseFormat};
use chamber_verify::review::{
    Finding, ReviewOptions, Severity, StaticReview, model, parse_diff, review_diff, sort_findings,
};
use serde_json::json;

use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::setup::Setup;

/// What to review.
#[derive(Debug, Clone)]
pub enum Source {
    /// Uncommitted changes against HEAD, untracked files included.
    WorkingTree,
    /// The staged changes.
    Staged,
    /// A run's branch against the branch it started from.
    Run(String),
    /// A unified diff file.
    File(PathBuf),
}

/// Reviews the change; the payload is `{source, files, added, removed,
/// findings, counts, model}` and the exit status 0 without error findings,
/// 14 (`REVIEW_FINDINGS`) with some.
pub async fn review(
    setup: &Setup,
    source: Source,
    no_model: bool,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let (diff, label) = read_diff(setup, &source).await?;
    let section = &setup.loaded.config.review;
    let options = ReviewOptions {
        max_files: section.max_files,
        max_lines: section.max_lines,
        protected_paths: section.protected_paths.clone(),
        require_tests: section.require_tests,
    };
    let StaticReview {
        files,
        added,
        removed,
        mut findings,
    } = review_diff(&diff, &options);
    let model_status = if files == 0 {
        json!({"ran": false, "note": "nothing to review"})
    } else if no_model || !section.model {
        let why = if no_model {
            "--no-model"
        } else {
            "[review] model = false"
        };
        json!({"ran": false, "note": format!("model review skipped ({why})")})
    } else {
        let (status, comments) = model_review(setup, &diff, section.max_diff_chars, out).await;
        findings.extend(comments);
        status
    };
    sort_findings(&mut findings);
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let counts = json!({
        "error": count(Severity::Error),
        "warning": count(Severity::Warning),
        "info": count(Severity::Info),
    });
    print_text(
        &label,
        (files, added, removed),
        &findings,
        &model_status,
        out,
    );
    let code = if count(Severity::Error) > 0 {
        status::REVIEW_FINDINGS
    } else {
        status::OK
    };
    let payload = json!({
        "source": label,
        "files": files,
        "added": added,
        "removed": removed,
        "findings": findings,
        "counts": counts,
        "model": model_status,
    });
    Ok((payload, code))
}

/// Asks the model for line comments; never fails the review: problems
/// become a note in the returned status.
async fn model_review(
    setup: &Setup,
    diff: &str,
    max_chars: u32,
    out: &Output,
) -> (serde_json::Value, Vec<Finding>) {
    let config = &setup.loaded.config;
    let model_access = match setup.one_shot_model(&crate::setup::notice_for(out)).await {
        Ok(m) => m,
        Err(e) => {
            let note = format!("model review skipped: no usable provider ({e})");
            return (json!({"ran": false, "note": note}), Vec::new());
        }
    };
    let messages = vec![
        Message::system(model::SYSTEM),
        Message::user(model::user_prompt(diff, max_chars as usize)),
    ];
    // The chain names the model of each attempt.
    let mut request = ChatRequest::new(String::new(), messages);
    request.temperature = Some(0.0);
    if config.provider.structured_plan {
        request.response_format = Some(ResponseFormat {
            name: model::SCHEMA_NAME.into(),
            schema: model::comments_schema(),
        });
    }
    // Retried, failed over and recorded under the phase `review` like a
    // run's turns; the diff may hold secrets (the static check reports
    // them masked), so the model gets placeholders.
    match model_access.ask("review", &request, &mut |_| {}).await {
        Ok(answer) => {
            let files = parse_diff(diff);
            let (comments, dropped) = model::parse_comments(&answer.response.content, &files);
            let status = json!({
                "ran": true,
                "provider": answer.provider,
                "model": answer.model,
                "cost_usd": answer.cost_usd,
                "comments": comments.len(),
                "dropped": dropped,
            });
            (status, comments)
        }
        Err(e) => {
            let note = format!("model review failed: {e}");
            (json!({"ran": false, "note": note}), Vec::new())
        }
    }
}

/// The diff to review and a label saying where it came from.
async fn read_diff(setup: &Setup, source: &Source) -> Result<(String, String), CliError> {
    match source {
        Source::File(path) => {
            let full = if path.is_absolute() {
                path.clone()
            } else {
                setup.root.join(path)
            };
            let text = std::fs::read_to_string(&full).map_err(|e| {
                CliError::new(
                    "io_failed",
                    format!("cannot read {}: {e}", full.display()),
                    Some("give the path of a unified diff file"),
                    status::NOT_FOUND,
                )
            })?;
            Ok((text, path.display().to_string()))
        }
        Source::Staged => Ok((
            git(&setup.root, &["diff", "--cached"])?,
            "staged changes".into(),
        )),
        Source::WorkingTree => {
            let mut text = git(&setup.root, &["diff", "HEAD"])?;
            let untracked = git(
                &setup.root,
                &["ls-files", "--others", "--exclude-standard", "-z"],
            )?;
            for path in untracked.split('\0').filter(|p| !p.is_empty()) {
                text.push_str(&git_any(
                    &setup.root,
                    &["diff", "--no-index", "--", "/dev/null", path],
                )?);
            }
            Ok((text, "working tree vs HEAD".into()))
        }
        Source::Run(id) => {
            let run = setup.store().await?.get_run(id).await?;
            let (Some(branch), Some(base)) = (run.branch.clone(), run.base_branch.clone()) else {
                return Err(CliError::new(
                    "no_run_branch",
                    format!("run {} has no branch to review", run.id),
                    Some("review the working tree instead (`chamber review`)"),
                    status::INVALID_STATE,
                ));
            };
            let range = format!("{base}...{branch}");
            let text = git(&setup.root, &["diff", &range])?;
            Ok((text, format!("run {} ({range})", run.id)))
        }
    }
}

/// `git <args>` with fixed diff settings; stdout, or a git error.
fn git(root: &Path, args: &[&str]) -> Result<String, CliError> {
    let out = git_command(root, args)?;
    if !out.status.success() {
        return Err(CliError::new(
            "git_failed",
            format!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Some(git_hint(&out.stderr)),
            status::GIT,
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// What to do about a failed git command, from what git said.
fn git_hint(stderr: &[u8]) -> &'static str {
    let text = String::from_utf8_lossy(stderr);
    if text.contains("not a git repository") {
        "run it inside a git repository, or pass a unified diff file (`chamber review change.diff`)"
    } else if text.contains("unknown revision") || text.contains("bad revision") {
        "the repository has no commit yet: commit once, or review the staged changes with --staged"
    } else {
        "git's message above says what failed; `git status` shows the repository's state"
    }
}

/// Like [`git`], accepting exit status 1 (`diff --no-index` found changes).
fn git_any(root: &Path, args: &[&str]) -> Result<String, CliError> {
    let out = git_command(root, args)?;
    match out.status.code() {
        Some(0 | 1) => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        _ => git(root, args),
    }
}

/// `git <args>` with fixed settings. For `git diff`, `--no-ext-diff` goes
/// right after the subcommand: options after the paths (`-- /dev/null FILE`)
/// are taken as paths, and `diff --no-index` then fails with its usage text.
fn git_command(root: &Path, args: &[&str]) -> Result<std::process::Output, CliError> {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(root)
        .args(["-c", "core.quotepath=off", "-c", "color.ui=never"]);
    match args.split_first() {
        Some((&"diff", rest)) => command.arg("diff").arg("--no-ext-diff").args(rest),
        _ => command.args(args),
    };
    command
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            CliError::new(
                "git_failed",
                format!("cannot run git: {e}"),
                Some("install git"),
                status::GIT,
            )
        })
}

fn print_text(
    label: &str,
    (files, added, removed): (u32, u32, u32),
    findings: &[Finding],
    model_status: &serde_json::Value,
    out: &Output,
) {
    out.line(format!(
        "{} {label}: {files} files, +{added} −{removed}",
        Output::styled(style::HEAD, "review")
    ));
    let mut last_file: Option<&str> = None;
    for f in findings {
        if last_file != Some(f.file.as_str()) {
            let head = if f.file.is_empty() {
                "(whole change)"
            } else {
                &f.file
            };
            out.line(Output::styled(style::HEAD, head));
            last_file = Some(&f.file);
        }
        let place = match (f.file.is_empty(), f.line) {
            (true, _) => String::new(),
            (false, Some(line)) => format!("{}:{line} ", f.file),
            (false, None) => format!("{} ", f.file),
        };
        let sev = match f.severity {
            Severity::Error => Output::styled(style::BAD, "[error]"),
            Severity::Warning => Output::styled(style::WARN, "[warning]"),
            Severity::Info => Output::styled(style::DIM, "[info]"),
        };
        out.line(format!("  {place}{sev} {}: {}", f.check, f.message));
    }
    if let Some(note) = model_status["note"].as_str() {
        out.line(Output::styled(style::DIM, note));
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let verdict = if errors > 0 {
        Output::styled(style::BAD, format!("{errors} error(s): fix before merging"))
    } else if findings.is_empty() {
        Output::styled(style::OK, "no findings")
    } else {
        Output::styled(style::OK, "no errors")
    };
    out.line(verdict);
}
