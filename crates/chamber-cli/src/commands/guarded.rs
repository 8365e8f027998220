//! `chamber apply-guarded` and `chamber reject`: what a guarded run staged
//! is shown, approved (by two people where the two-person rule says so),
//! applied on a branch and committed, or discarded.

use chamber_agent::{ActionQuestion, Approver, Recorder, StagedChange, find_staged, unstage};
use chamber_config::Config;
use chamber_policy::{PathRules, PathSpec};
use chamber_protocol::{EventKind, RunStatus};
use chamber_store::Store;
use serde_json::json;

use crate::approver::TerminalApprover;
use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::setup::Setup;

fn not_found(message: String) -> CliError {
    CliError::new(
        "not_found",
        message,
        Some("`chamber runs list` shows runs; guarded runs stage with --guarded"),
        status::NOT_FOUND,
    )
}

/// Appends an event to a finished run's log through the run's recorder:
/// numbered, redacted like the run's own events, and copied to the run's
/// `events.jsonl` (in the project, or in the data dir for runs that worked
/// in a copy).
async fn record(
    setup: &Setup,
    store: &Store,
    run_id: &str,
    kind: EventKind,
) -> Result<(), CliError> {
    let dirs = [
        setup.root.join(".chamber/runs").join(run_id),
        setup.dirs.data.join("runs").join(run_id),
    ];
    let mut rec = Recorder::continue_log(store.clone(), run_id, &dirs)
        .await?
        .redacting(setup.redactor()?);
    rec.emit(kind).await?;
    Ok(())
}

/// How many approvers the staged files need, and whether `--yes` may answer.
fn approval_needs(config: &Config, staged: &StagedChange) -> Result<(u8, bool, String), CliError> {
    let rules = PathRules::new(&PathSpec::from_config(&config.paths))
        .map_err(|e| CliError::new("config_invalid", e.message, None, status::CONFIG))?;
    let mut approvers = 1;
    let mut explicit = false;
    let mut why = "apply the staged changes of a guarded run".to_string();
    for f in &staged.files {
        let facts = rules.write_facts(f);
        if let Some(p) = facts.two_person {
            approvers = 2;
            explicit = true;
            why = format!("{f} is under the two-person rule ({p})");
        } else if let Some(p) = facts.protected
            && approvers < 2
        {
            explicit = true;
            why = format!("{f} is a protected path ({p})");
        }
    }
    Ok((approvers, explicit, why))
}

/// `chamber apply-guarded RUN`.
pub async fn apply_guarded(
    setup: &Setup,
    store: &Store,
    run: &str,
    yes: bool,
    prompt: bool,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let (root, config) = (setup.root.as_path(), &setup.loaded.config);
    let staged = find_staged(root, run).map_err(not_found)?;
    if !out.json {
        out.line(format!(
            "{} {} — {} file(s) staged by run {}",
            Output::styled(style::HEAD, "Staged:"),
            staged.title,
            staged.files.len(),
            &staged.run_id[..staged.run_id.len().min(8)]
        ));
        out.line(crate::diff_view::colored(&staged.diff));
    }
    let (approvers, explicit, why) = approval_needs(config, &staged)?;
    let approver = TerminalApprover::new(&config.approval.approver, prompt);
    let (approved, names, by) = if yes && !explicit {
        (true, vec![approver.name()], "flag")
    } else if approver.interactive() {
        let answer = approver
            .approve_action(&ActionQuestion {
                description: format!(
                    "apply {} staged file(s): {}",
                    staged.files.len(),
                    staged.files.join(", ")
                ),
                reason: why.clone(),
                tier: if explicit { "high" } else { "medium" }.into(),
                approvers,
                prefix: None,
                rememberable: false,
            })
            .await;
        let mut distinct = answer.approvers.clone();
        distinct.sort();
        distinct.dedup();
        (
            answer.approved && distinct.len() >= usize::from(approvers),
            answer.approvers,
            "user",
        )
    } else {
        let how = if explicit {
            "a person must approve it: run in a terminal, or with --prompt answering on stdin"
        } else {
            "rerun with --yes, in a terminal, or with --prompt"
        };
        return Err(CliError::new(
            "needs_approval",
            format!("{why}: {how}"),
            None,
            status::NEEDS_APPROVAL,
        ));
    };
    record(
        setup,
        store,
        &staged.run_id,
        EventKind::PolicyDecision {
            call_id: "apply-guarded".into(),
            decision: if approved { "allow" } else { "deny" }.into(),
            reason: why.clone(),
            by: by.into(),
            tool: "apply-guarded".into(),
            what: format!("apply {}", staged.files.join(", ")),
            tier: if explicit { "high" } else { "medium" }.into(),
            mode: String::new(),
            approvers: names.clone(),
            scope: if approved && by == "user" {
                "once".into()
            } else {
                String::new()
            },
        },
    )
    .await?;
    if !approved {
        return Err(CliError::new(
            "rejected",
            format!("not applied: {why}; approval was not given"),
            Some("the change stays staged; `chamber reject` discards it"),
            status::REJECTED,
        ));
    }
    let git = chamber_tools::Git::discover(root);
    if let Some(git) = &git {
        let dirty: Vec<String> = git
            .dirty_paths()
            .map_err(chamber_agent::AgentError::from)?
            .into_iter()
            .filter(|p| !p.starts_with(".chamber"))
            .collect();
        if !dirty.is_empty() {
            return Err(CliError::new(
                "dirty_tree",
                format!(
                    "the tree has uncommitted changes ({}); nothing was applied",
                    dirty.join(", ")
                ),
                Some("commit or stash them, then apply again"),
                status::GIT,
            ));
        }
    }
    let branch = format!(
        "{}{}",
        config.git.branch_prefix,
        &staged.run_id[..staged.run_id.len().min(8)]
    );
    if let Some(git) = &git {
        git.create_branch_and_switch(&branch)
            .map_err(chamber_agent::AgentError::from)?;
    }
    let changes = match crate::commands::patch_apply::apply_diff(root, &staged.diff) {
        Ok(c) => c,
        Err(e) => {
            if let Some(git) = &git {
                let _ = git.switch("-");
            }
            return Err(e);
        }
    };
    let mut commit = None;
    if let Some(git) = &git {
        let message = format!(
            "{}\n\nApplied from guarded run {} (approved by {}).",
            staged.title,
            staged.run_id,
            names.join(" and ")
        );
        if let Some(c) = git
            .commit_all(&message)
            .map_err(chamber_agent::AgentError::from)?
        {
            record(
                setup,
                store,
                &staged.run_id,
                EventKind::Committed {
                    branch: branch.clone(),
                    commit: c.id.clone(),
                    files: c.files.clone(),
                },
            )
            .await?;
            commit = Some(c.id);
        }
    }
    unstage(root, &staged.run_id)?;
    let files: Vec<String> = changes.iter().map(|c| c.path.clone()).collect();
    out.line(format!(
        "{} {} file(s){}",
        Output::styled(style::OK, "applied:"),
        files.len(),
        match &commit {
            Some(c) => format!(", committed {} on {branch}", &c[..c.len().min(10)]),
            None => String::new(),
        }
    ));
    Ok((
        json!({"run_id": staged.run_id, "files": files, "branch": git.as_ref().map(|_| branch), "commit": commit, "approvers": names}),
        status::OK,
    ))
}

/// `chamber reject RUN`.
pub async fn reject(
    setup: &Setup,
    store: &Store,
    run: &str,
    reason: Option<&str>,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let staged = find_staged(&setup.root, run).map_err(not_found)?;
    unstage(&setup.root, &staged.run_id)?;
    let why = reason.unwrap_or("staged changes rejected").to_string();
    record(
        setup,
        store,
        &staged.run_id,
        EventKind::PlanRejected {
            reason: why.clone(),
        },
    )
    .await?;
    store
        .set_status(&staged.run_id, RunStatus::Rejected, Some(&why))
        .await?;
    out.line(format!(
        "{} the staged changes of run {} ({} file(s)); nothing was applied",
        Output::styled(style::OK, "discarded:"),
        &staged.run_id[..staged.run_id.len().min(8)],
        staged.files.len()
    ));
    Ok(json!({"run_id": staged.run_id, "files": staged.files, "rejected": true}))
}
