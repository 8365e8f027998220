//! `chamber pr open`: pushes a run's branch and opens a pull request for it
//! through the GitHub REST API (`GITHUB_TOKEN`; `GITHUB_API_URL` for
//! Enterprise servers and tests; `GITHUB_REPOSITORY=owner/repo` when the
//! remote URL does not name the repository).

use chamber_store::RunRecord;
use chamber_tools::Git;
use serde_json::json;

use crate::commands::commit::git_error;
use crate::commands::github::GitHub;
use crate::commands::pr_body::pr_body;
use crate::exit::{CliError, status};
use crate::output::Output;
use crate::setup::Setup;

/// What `chamber pr open` was asked.
pub struct PrOpenArgs {
    /// The run (id or prefix); default: the most recent run with a branch.
    pub run: Option<String>,
    /// PR title; default: the plan's title.
    pub title: Option<String>,
    /// Open it as a draft.
    pub draft: bool,
    /// Branch to merge into; default: the branch the run started from.
    pub base: Option<String>,
    /// Remote to push to.
    pub remote: String,
    /// A description written for the pull request (the `create-pr`
    /// recipe's answer), put above the run's report.
    pub description: Option<String>,
}

/// Pushes the branch, creates the pull request, reports its number and URL.
pub async fn open(
    setup: &Setup,
    args: PrOpenArgs,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let store = setup.store().await?;
    let (run, branch) = run_with_branch(&store, args.run.as_deref()).await?;
    let git = repository(setup)?;
    let github = GitHub::from_env(&git, &args.remote)?;
    let slug = github.slug.clone();
    git.push_branch(&args.remote, &branch).map_err(git_error)?;
    out.line(format!("pushed {branch} to {}", args.remote));

    let events = store.events(&run.id).await?;
    let title = args
        .title
        .or_else(|| run.plan.as_ref().map(|p| p.title.clone()))
        .unwrap_or_else(|| run.prompt.clone());
    let base = args
        .base
        .or_else(|| run.base_branch.clone())
        .unwrap_or_else(|| "main".into());
    let request = json!({
        "title": chamber_agent::trim_subject(&title),
        "head": branch,
        "base": base,
        "body": match &args.description {
            Some(text) => format!("{}\n\n{}", text.trim(), pr_body(&run, &events)),
            None => pr_body(&run, &events),
        },
        "draft": args.draft,
    });
    let pr = github.post(&github.repo_url("/pulls"), &request).await?;
    let number = pr["number"].as_u64();
    let html_url = pr["html_url"].as_str().unwrap_or_default().to_string();
    match number {
        Some(n) => out.line(format!("opened pull request #{n}: {html_url}")),
        None => out.line(format!("opened pull request: {html_url}")),
    }
    Ok(json!({
        "run_id": run.id,
        "branch": branch,
        "base": base,
        "repository": slug,
        "number": number,
        "html_url": html_url,
        "draft": args.draft,
    }))
}

/// The run named by `id` (default: the newest one with a branch) and its
/// branch.
pub(crate) async fn run_with_branch(
    store: &chamber_store::Store,
    id: Option<&str>,
) -> Result<(RunRecord, String), CliError> {
    let run = match id {
        Some(id) => store.get_run(id).await?,
        None => latest_with_branch(store.list_runs(50).await?)?,
    };
    let branch = run.branch.clone().ok_or_else(|| {
        CliError::new(
            "no_branch",
            format!("run {} has no branch to push", run.id),
            Some("only runs in a git repository (not dry runs) have a branch"),
            status::INVALID_STATE,
        )
    })?;
    Ok((run, branch))
}

/// The git repository the project is in.
pub(crate) fn repository(setup: &Setup) -> Result<Git, CliError> {
    Git::discover(&setup.root).ok_or_else(|| {
        CliError::new(
            "not_a_repository",
            format!("{} is not in a git repository", setup.root.display()),
            None,
            status::GIT,
        )
    })
}

/// The newest run that has a branch.
fn latest_with_branch(runs: Vec<RunRecord>) -> Result<RunRecord, CliError> {
    runs.into_iter()
        .find(|r| r.branch.is_some() && !r.dry_run)
        .ok_or_else(|| {
            CliError::new(
                "no_run",
                "no run with a branch here",
                Some("name one with --run <id>"),
                status::NOT_FOUND,
            )
        })
}
