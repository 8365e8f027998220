//! `chamber pr open`: pushes a run's branch and opens a pull request for it
//! through the GitHub REST API (`GITHUB_TOKEN`; `GITHUB_API_URL` for
//! Enterprise servers and tests; `GITHUB_REPOSITORY=owner/repo` when the
//! remote URL does not name the repository).

use chamber_store::RunRecord;
use chamber_tools::Git;
use serde_json::json;

use crate::commands::commit::git_error;
use crate::commands::pr_body::{pr_body, repo_slug};
use crate::exit::{CliError, status};
use crate::output::Output;
use crate::setup::Setup;

/// The public GitHub API.
const DEFAULT_API: &str = "https://api.github.com";

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
}

/// Pushes the branch, creates the pull request, reports its number and URL.
pub async fn open(
    setup: &Setup,
    args: PrOpenArgs,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let store = setup.store().await?;
    let run = match &args.run {
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
    let token = std::env::var("GITHUB_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            CliError::new(
                "no_github_token",
                "GITHUB_TOKEN is not set",
                Some("export GITHUB_TOKEN with a token that may push and open pull requests"),
                status::CONFIG,
            )
        })?;
    let git = Git::discover(&setup.root).ok_or_else(|| {
        CliError::new(
            "not_a_repository",
            format!("{} is not in a git repository", setup.root.display()),
            None,
            status::GIT,
        )
    })?;
    let slug = match std::env::var("GITHUB_REPOSITORY")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(s) => s,
        None => {
            let url = git.remote_url(&args.remote).map_err(git_error)?;
            repo_slug(&url).ok_or_else(|| {
                CliError::new(
                    "unknown_repository",
                    format!("cannot tell owner/repo from the {} URL {url}", args.remote),
                    Some("set GITHUB_REPOSITORY=owner/repo"),
                    status::CONFIG,
                )
            })?
        }
    };
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
        "body": pr_body(&run, &events),
        "draft": args.draft,
    });
    let api = std::env::var("GITHUB_API_URL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_API.into());
    let url = format!("{}/repos/{slug}/pulls", api.trim_end_matches('/'));
    let pr = post_json(&url, &token, &request).await?;
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

/// POSTs `body` to the GitHub API and returns the JSON answer; a non-2xx
/// status becomes an error carrying GitHub's message.
async fn post_json(
    url: &str,
    token: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, CliError> {
    let failed = |message: String| CliError::new("github_failed", message, None, status::GIT);
    let response = reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .header("Accept", "application/vnd.github+json")
        .header("X-GitHub-Api-Version", "2022-11-28")
        .header("User-Agent", concat!("chamber/", env!("CARGO_PKG_VERSION")))
        .json(body)
        .send()
        .await
        .map_err(|e| failed(format!("POST {url}: {e}")))?;
    let code = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| failed(format!("POST {url}: reading the answer: {e}")))?;
    let value: serde_json::Value = serde_json::from_str(&text).unwrap_or(json!({}));
    if !code.is_success() {
        let why = value["message"].as_str().unwrap_or(text.as_str());
        return Err(failed(format!("POST {url}: {code}: {why}")));
    }
    Ok(value)
}
