//! `chamber policy guard`: the path rules made visible and enforced outside
//! runs. It lists what the protected, two-person, read-denied and guarded
//! patterns cover in the repository, checks a staged change against them
//! (exit 15 when it touches one without approval), and installs that check
//! as git's pre-commit hook, so a person's own commits meet the same rules
//! a run's do.

use std::path::{Path, PathBuf};
use std::process::Command;

use chamber_policy::{PathRules, PathSpec};
use serde_json::json;

use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::setup::Setup;

/// What `policy guard` does.
pub enum Mode {
    /// List the patterns and the tracked files each covers.
    List,
    /// Check the staged change (pre-commit).
    Check,
    /// Install the pre-commit hook.
    InstallHook {
        /// Replace a hook Chamber did not write.
        force: bool,
    },
}

/// The line that marks a hook as Chamber's.
const HOOK_MARK: &str = "# chamber policy guard pre-commit hook";

/// The environment variable that approves one commit.
const APPROVE_VAR: &str = "CHAMBER_GUARD_APPROVED";

/// Runs `policy guard` in `mode`.
pub fn guard(
    setup: &Setup,
    mode: Mode,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let spec = PathSpec::from_config(&setup.loaded.config.paths);
    let rules = PathRules::new(&spec).map_err(|e| {
        CliError::new(
            "invalid_config",
            e.to_string(),
            Some("fix [paths] in the config"),
            status::CONFIG,
        )
    })?;
    match mode {
        Mode::List => Ok((list(setup, &spec, &rules, out)?, status::OK)),
        Mode::Check => check(setup, &rules, out),
        Mode::InstallHook { force } => Ok((install_hook(setup, force, out)?, status::OK)),
    }
}

fn git(root: &Path, args: &[&str]) -> Result<String, CliError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .map_err(|e| {
            CliError::new(
                "git_failed",
                format!("cannot run git: {e}"),
                None,
                status::GIT,
            )
        })?;
    if !output.status.success() {
        return Err(CliError::new(
            "git_failed",
            format!(
                "git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            Some("`policy guard` works in a git repository"),
            status::GIT,
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

fn list(
    setup: &Setup,
    spec: &PathSpec,
    rules: &PathRules,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let files = git(&setup.root, &["ls-files", "-z"])?;
    let files: Vec<&str> = files.split('\0').filter(|f| !f.is_empty()).collect();
    let mut sections = serde_json::Map::new();
    let kinds: [(&str, &[String], &str); 4] = [
        (
            "protected",
            &spec.protected,
            "writes need a person's approval in every mode",
        ),
        (
            "two_person",
            &spec.two_person,
            "writes need two different approvers",
        ),
        ("read_deny", &spec.read_deny, "never read by a run"),
        (
            "guarded",
            &spec.guarded,
            "a run's writes are staged, never applied",
        ),
    ];
    for (kind, patterns, meaning) in kinds {
        let covered: Vec<&str> = files
            .iter()
            .copied()
            .filter(|f| {
                let facts = rules.write_facts(f);
                match kind {
                    "protected" => facts.protected.is_some(),
                    "two_person" => facts.two_person.is_some(),
                    "guarded" => facts.guarded.is_some(),
                    _ => rules.read_denied(f).is_some(),
                }
            })
            .collect();
        out.line(Output::styled(style::HEAD, format!("{kind}: {meaning}")));
        if patterns.is_empty() {
            out.line("  (no patterns)");
        } else {
            out.line(format!("  patterns: {}", patterns.join(", ")));
        }
        out.line(format!(
            "  covers {} tracked file(s){}",
            covered.len(),
            if covered.is_empty() {
                String::new()
            } else {
                format!(
                    ": {}",
                    covered
                        .iter()
                        .take(10)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ));
        sections.insert(
            kind.into(),
            json!({ "patterns": patterns, "meaning": meaning, "files": covered }),
        );
    }
    Ok(serde_json::Value::Object(sections))
}

fn check(
    setup: &Setup,
    rules: &PathRules,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let staged = git(
        &setup.root,
        &["diff", "--cached", "--name-only", "-z", "--relative"],
    )?;
    let mut hits = Vec::new();
    for path in staged.split('\0').filter(|f| !f.is_empty()) {
        let facts = rules.write_facts(path);
        let rule = [
            ("protected", facts.protected),
            ("two_person", facts.two_person),
            ("guarded", facts.guarded),
        ]
        .into_iter()
        .find_map(|(kind, pattern)| pattern.map(|p| (kind, p)));
        if let Some((kind, pattern)) = rule {
            hits.push(json!({ "path": path, "rule": kind, "pattern": pattern }));
        }
    }
    let approved = std::env::var(APPROVE_VAR).is_ok_and(|v| v == "1");
    for h in &hits {
        out.line(format!(
            "{} {} ({} by {})",
            Output::styled(style::WARN, "guarded:"),
            h["path"].as_str().unwrap_or_default(),
            h["rule"].as_str().unwrap_or_default(),
            h["pattern"].as_str().unwrap_or_default()
        ));
    }
    let payload = json!({ "touched": hits, "approved": approved });
    if hits.is_empty() {
        out.line("the staged change touches no guarded path");
        return Ok((payload, status::OK));
    }
    if approved {
        out.line(format!("approved by {APPROVE_VAR}=1"));
        return Ok((payload, status::OK));
    }
    out.line(format!(
        "the staged change touches {} guarded path(s); have it reviewed, then commit with {APPROVE_VAR}=1",
        hits.len()
    ));
    Ok((payload, status::POLICY_DENIED))
}

fn install_hook(setup: &Setup, force: bool, out: &Output) -> Result<serde_json::Value, CliError> {
    let hooks = git(
        &setup.root,
        &["rev-parse", "--path-format=absolute", "--git-path", "hooks"],
    )?;
    let hook = PathBuf::from(hooks.trim()).join("pre-commit");
    if let Ok(existing) = std::fs::read_to_string(&hook)
        && !existing.contains(HOOK_MARK)
        && !force
    {
        return Err(CliError::new(
            "hook_exists",
            format!("{} exists and is not Chamber's", hook.display()),
            Some(
                "add `chamber policy guard --check` to it yourself, or pass --force to replace it",
            ),
            status::INVALID_STATE,
        ));
    }
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "chamber".into());
    let script = format!(
        "#!/bin/sh\n{HOOK_MARK}\n# Refuses commits that touch protected, two-person or guarded paths;\n# {APPROVE_VAR}=1 git commit … approves one.\nif command -v chamber >/dev/null 2>&1; then exec chamber policy guard --check; fi\nexec '{}' policy guard --check\n",
        exe.replace('\'', "'\\''")
    );
    if let Some(dir) = hook.parent() {
        std::fs::create_dir_all(dir).map_err(|e| CliError::write_failed(dir, &e))?;
    }
    chamber_tools::atomic::write_atomic(&hook, script.as_bytes())
        .map_err(|e| CliError::write_failed(&hook, &e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| CliError::write_failed(&hook, &e))?;
    }
    out.line(format!("installed {}", hook.display()));
    Ok(json!({ "hook": hook.display().to_string() }))
}
