//! `chamber pr update`: reads the new review and issue comments on a run
//! branch's pull request, runs Chamber on that same branch to address them,
//! pushes the branch again and posts a summary comment. Chamber's own
//! comments carry [`MARKER`] and list the comments they addressed, so each
//! comment is handled once.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::cli::RunFlags;
use crate::commands::commit::git_error;
use crate::commands::github::GitHub;
use crate::commands::pr::{repository, run_with_branch};
use crate::commands::run::{self, Act};
use crate::exit::{CliError, status};
use crate::output::Output;
use crate::setup::Setup;

/// Hidden marker on the comments Chamber posts.
pub const MARKER: &str = "<!-- chamber -->";

/// Opens the hidden list of addressed comment keys in Chamber's comments.
const ADDRESSED: &str = "<!-- chamber-addressed:";

/// What `chamber pr update` was asked.
pub struct PrUpdateArgs {
    /// The run (id or prefix) whose branch the PR is for; default: the most
    /// recent run with a branch.
    pub run: Option<String>,
    /// Remote to push to.
    pub remote: String,
    /// How the run behaves (`--yes` and the other run flags).
    pub flags: RunFlags,
}

/// One comment left on the pull request by someone else.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    /// `review:<id>` or `issue:<id>`.
    pub key: String,
    /// The file a review comment is on.
    pub path: Option<String>,
    /// The line a review comment is on.
    pub line: Option<u64>,
    /// The text.
    pub body: String,
    /// Who wrote it.
    pub user: String,
}

impl Comment {
    /// `file:line: comment (by user)`, for the task and the summary.
    pub fn task_line(&self) -> String {
        let body = self.body.trim().replace('\n', " ");
        match (&self.path, self.line) {
            (Some(p), Some(l)) => format!("{p}:{l}: {body} (by {})", self.user),
            (Some(p), None) => format!("{p}: {body} (by {})", self.user),
            _ => format!("{body} (by {})", self.user),
        }
    }
}

/// The comments of `review` (pull-request review comments) and `issue`
/// (conversation comments) that Chamber neither wrote nor addressed yet.
pub fn new_comments(review: &Value, issue: &Value) -> Vec<Comment> {
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let mut addressed = HashSet::new();
    for c in list(issue) {
        let body = c["body"].as_str().unwrap_or_default();
        if !body.contains(MARKER) {
            continue;
        }
        for line in body.lines() {
            if let Some(rest) = line.trim().strip_prefix(ADDRESSED) {
                let keys = rest.trim_end_matches("-->").split_whitespace();
                addressed.extend(keys.map(String::from));
            }
        }
    }
    let parse = |kind: &str, c: &Value| Comment {
        key: format!("{kind}:{}", c["id"]),
        path: c["path"].as_str().map(String::from),
        line: c["line"].as_u64().or_else(|| c["original_line"].as_u64()),
        body: c["body"].as_str().unwrap_or_default().to_string(),
        user: c["user"]["login"].as_str().unwrap_or("someone").to_string(),
    };
    let review = list(review).into_iter().map(|c| parse("review", &c));
    let issue = list(issue).into_iter().map(|c| parse("issue", &c));
    review
        .chain(issue)
        .filter(|c| !c.body.contains(MARKER) && !addressed.contains(&c.key))
        .collect()
}

/// The task given to the run.
pub fn task_text(number: u64, branch: &str, comments: &[Comment]) -> String {
    let mut task =
        format!("Address the review comments on pull request #{number} (branch {branch}):\n");
    for c in comments {
        task.push_str(&format!("- {}\n", c.task_line()));
    }
    task
}

/// The summary comment posted after the run.
pub fn summary_comment(comments: &[Comment], outcome: &Value) -> String {
    let keys: Vec<&str> = comments.iter().map(|c| c.key.as_str()).collect();
    let mut body = format!("{MARKER}\n{ADDRESSED} {} -->\n", keys.join(" "));
    body.push_str("### Chamber addressed the review\n\n");
    for c in comments {
        body.push_str(&format!("- {}\n", c.task_line()));
    }
    let summary = outcome["summary"].as_str().unwrap_or_default();
    let run_id = outcome["run_id"].as_str().unwrap_or_default();
    body.push_str(&format!("\n**Run** `{run_id}`: {summary}\n\n"));
    match outcome["commit"].as_str() {
        Some(c) => body.push_str(&format!("**Commit** `{c}`\n\n")),
        None => body.push_str("**Commit**: none (nothing changed)\n\n"),
    }
    body.push_str(&format!(
        "**Cost** ${:.4} · {} tokens in / {} out\n",
        outcome["cost_usd"].as_f64().unwrap_or_default(),
        outcome["usage"]["prompt_tokens"]
            .as_u64()
            .unwrap_or_default(),
        outcome["usage"]["completion_tokens"]
            .as_u64()
            .unwrap_or_default(),
    ));
    body
}

/// Finds the pull request, and when it has new comments runs Chamber on its
/// branch, pushes, and posts a summary comment.
pub async fn update(
    setup: &Setup,
    args: PrUpdateArgs,
    out: &Output,
) -> Result<(Value, i32), CliError> {
    if args.flags.worktree || args.flags.keep_worktree {
        return Err(CliError::new(
            "bad_flag",
            "pr update works in the checkout, on the pull request's branch",
            Some("drop --worktree / --keep-worktree"),
            status::CONFIG,
        ));
    }
    let store = setup.store().await?;
    let (run, branch) = run_with_branch(&store, args.run.as_deref()).await?;
    let git = repository(setup)?;
    let github = GitHub::from_env(&git, &args.remote)?;
    let pulls = github
        .get(&github.repo_url(&format!(
            "/pulls?head={}:{branch}&state=open",
            github.owner()
        )))
        .await?;
    let number = pulls
        .as_array()
        .and_then(|a| a.first())
        .and_then(|pr| pr["number"].as_u64())
        .ok_or_else(|| {
            CliError::new(
                "no_pull_request",
                format!("no open pull request for {branch} in {}", github.slug),
                Some("open one with `chamber pr open`"),
                status::NOT_FOUND,
            )
        })?;
    let review = github
        .get(&github.repo_url(&format!("/pulls/{number}/comments?per_page=100")))
        .await?;
    let issue_url = github.repo_url(&format!("/issues/{number}/comments"));
    let issue = github.get(&format!("{issue_url}?per_page=100")).await?;
    let comments = new_comments(&review, &issue);
    let base = json!({
        "run_id": run.id, "branch": branch, "repository": github.slug, "number": number,
    });
    if comments.is_empty() {
        out.line(format!(
            "no new comments on pull request #{number} since Chamber's last update; nothing to do"
        ));
        return Ok((json!({"pr": base, "comments": [], "run": null}), status::OK));
    }
    out.line(format!(
        "pull request #{number}: {} new comment(s) to address",
        comments.len()
    ));
    let mut engine = setup.engine(&crate::setup::notice_for(out)).await?;
    let act = Act::OnBranch {
        prompt: task_text(number, &branch, &comments),
        branch: branch.clone(),
    };
    let (outcome, code) = run::act(&mut engine, act, &args.flags, out).await?;
    let addressed: Vec<String> = comments.iter().map(Comment::task_line).collect();
    if code != status::OK {
        return Ok((
            json!({"pr": base, "comments": addressed, "run": outcome}),
            code,
        ));
    }
    git.push_branch(&args.remote, &branch).map_err(git_error)?;
    out.line(format!("pushed {branch} to {}", args.remote));
    let posted = github
        .post(
            &issue_url,
            &json!({"body": summary_comment(&comments, &outcome)}),
        )
        .await?;
    let comment_url = posted["html_url"].as_str().unwrap_or_default().to_string();
    out.line(format!(
        "commented on pull request #{number}: {comment_url}"
    ));
    Ok((
        json!({"pr": base, "comments": addressed, "run": outcome, "comment_url": comment_url}),
        status::OK,
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{MARKER, new_comments, summary_comment};

    #[test]
    fn comments_chamber_addressed_are_skipped() {
        let review = json!([
            {"id": 1, "path": "calc.py", "line": null, "original_line": 2,
             "body": "use a + b", "user": {"login": "alice"}}
        ]);
        let issue = json!([{"id": 7, "body": "also a docstring", "user": {"login": "bob"}}]);
        let fresh = new_comments(&review, &issue);
        assert_eq!(fresh.len(), 2);
        assert_eq!(fresh[0].task_line(), "calc.py:2: use a + b (by alice)");
        assert_eq!(fresh[1].task_line(), "also a docstring (by bob)");

        let body = summary_comment(&fresh, &json!({"run_id": "r1", "summary": "done"}));
        assert!(body.starts_with(MARKER));
        let mut issue = issue.as_array().cloned().unwrap_or_default();
        issue.push(json!({"id": 8, "body": body, "user": {"login": "bot"}}));
        assert!(new_comments(&review, &json!(issue)).is_empty());
    }
}
