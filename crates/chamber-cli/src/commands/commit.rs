//! `chamber commit`: commits the staged changes (or, with `--run`, a run's
//! uncommitted changes on its branch) with the message given, or one the
//! model writes from the diff and the run's plan, or, when the model fails,
//! one made from the file names and diff stats.

use chamber_agent::shape_message;
use chamber_llm::{ChatRequest, Message, ResponseFormat};
use chamber_protocol::Plan;
use chamber_tools::{Git, GitError};
use serde_json::json;

use crate::exit::{CliError, status};
use crate::output::Output;
use crate::setup::Setup;

/// The most diff text sent to the model.
const DIFF_LIMIT: usize = 16_000;

/// What `chamber commit` was asked.
pub struct CommitArgs {
    /// The message, when given with `-m`.
    pub message: Option<String>,
    /// Add a `Signed-off-by:` trailer.
    pub signoff: bool,
    /// Commit this run's uncommitted changes on its branch.
    pub run: Option<String>,
}

/// Commits and reports the commit id and where its message came from.
pub async fn commit(
    setup: &Setup,
    args: CommitArgs,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let git = Git::discover(&setup.root).ok_or_else(|| {
        CliError::new(
            "not_a_repository",
            format!("{} is not in a git repository", setup.root.display()),
            None,
            status::GIT,
        )
    })?;
    let mut plan = None;
    if let Some(id) = &args.run {
        let run = setup.store().await?.get_run(id).await?;
        let branch = run.branch.clone().unwrap_or_else(|| {
            let short: String = run.id.chars().take(8).collect();
            format!("{}{short}", setup.loaded.config.git.branch_prefix)
        });
        if git.current_branch().ok().as_deref() != Some(branch.as_str()) {
            git.switch(&branch).map_err(git_error)?;
        }
        git.stage_all().map_err(git_error)?;
        plan = run.plan;
    }
    let (diff, stat, files) = git.staged_diff().map_err(git_error)?;
    if files.is_empty() {
        return Err(CliError::new(
            "nothing_to_commit",
            "nothing is staged",
            Some("stage changes with `git add`, or name a run with --run <id>"),
            status::INVALID_STATE,
        ));
    }
    let (message, source, note) = match args.message {
        Some(m) => (m, "given", None),
        None => match model_message(setup, plan.as_ref(), &diff, out).await {
            Ok(m) => (m, "model", None),
            Err(why) => (fallback_message(&files, &stat), "fallback", Some(why)),
        },
    };
    if let Some(why) = &note {
        out.line(format!(
            "note: the model did not write the message ({why}); using one made from the diff"
        ));
    }
    let info = git
        .commit_staged(&message, args.signoff)
        .map_err(git_error)?
        .ok_or_else(|| {
            CliError::new(
                "nothing_to_commit",
                "nothing is staged",
                None,
                status::INVALID_STATE,
            )
        })?;
    let branch = git.current_branch().ok();
    out.line(format!("committed {}", info.id));
    Ok(json!({
        "commit": info.id,
        "branch": branch,
        "files": info.files,
        "message": message,
        "message_source": source,
        "note": note,
    }))
}

/// A git failure as a CLI error.
pub fn git_error(e: GitError) -> CliError {
    CliError::new("git_failed", e.to_string(), None, status::GIT)
}

const SYSTEM: &str = "You write git commit messages. Answer with JSON {\"subject\", \"body\"}. \
The subject is an imperative summary of at most 72 characters with no trailing period. \
The body explains why the change was made and what it does, in plain sentences; \
do not repeat the diff line by line.";

/// Asks the main provider for `{subject, body}` and shapes it; the error
/// says why no usable message came back.
async fn model_message(
    setup: &Setup,
    plan: Option<&Plan>,
    diff: &str,
    out: &Output,
) -> Result<String, String> {
    let model = setup
        .one_shot_model(&crate::setup::notice_for(out))
        .await
        .map_err(|e| e.to_string())?;
    let mut prompt = String::new();
    if let Some(plan) = plan {
        prompt.push_str(&format!(
            "The change carries out this plan: {}\n",
            plan.title
        ));
        for s in &plan.steps {
            prompt.push_str(&format!("- {}: {}\n", s.title, s.detail));
        }
        prompt.push('\n');
    }
    let cut: String = diff.chars().take(DIFF_LIMIT).collect();
    prompt.push_str("The staged diff:\n```diff\n");
    prompt.push_str(&cut);
    if cut.len() < diff.len() {
        prompt.push_str("\n… (diff cut)");
    }
    prompt.push_str("\n```\n");
    // The chain names the model of each attempt.
    let mut request = ChatRequest::new(
        String::new(),
        vec![Message::system(SYSTEM), Message::user(prompt)],
    );
    request.response_format = Some(ResponseFormat {
        name: "commit_message".into(),
        schema: json!({
            "type": "object",
            "properties": {
                "subject": {"type": "string"},
                "body": {"type": "string"}
            },
            "required": ["subject", "body"],
            "additionalProperties": false
        }),
    });
    request.temperature = Some(0.2);
    // Retried, failed over, redacted (the diff may hold secrets) and
    // recorded under the phase `commit`, like a run's turns.
    let answer = model
        .ask("commit", &request, &mut |_| {})
        .await
        .map_err(|e| e.to_string())?;
    let response = answer.response;
    parse_draft(&response.content)
}

/// The model's `{subject, body}` answer as a shaped message.
fn parse_draft(text: &str) -> Result<String, String> {
    let t = text.trim();
    let t = t
        .strip_prefix("```json")
        .or_else(|| t.strip_prefix("```"))
        .and_then(|r| r.strip_suffix("```"))
        .unwrap_or(t);
    let v: serde_json::Value =
        serde_json::from_str(t.trim()).map_err(|e| format!("answer is not JSON: {e}"))?;
    let subject = v["subject"].as_str().unwrap_or_default();
    if subject.trim().is_empty() {
        return Err("answer has no subject".into());
    }
    Ok(shape_message(
        subject,
        v["body"].as_str().unwrap_or_default(),
    ))
}

/// A message made without a model: the files named in the subject, the
/// diff stats in the body.
fn fallback_message(files: &[String], stat: &str) -> String {
    let name = |f: &String| f.rsplit('/').next().unwrap_or(f).to_string();
    let subject = match files {
        [one] => format!("Update {}", name(one)),
        [a, b] => format!("Update {} and {}", name(a), name(b)),
        [a, b, rest @ ..] => format!("Update {}, {} and {} more", name(a), name(b), rest.len()),
        [] => "Update files".into(),
    };
    let subject = chamber_agent::trim_subject(&subject);
    format!("{subject}\n\nChanged files:\n{}\n", stat.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_parse_and_garbage_does_not() {
        let msg = parse_draft("```json\n{\"subject\": \"Add x.\", \"body\": \"Because.\"}\n```");
        assert_eq!(msg.as_deref(), Ok("Add x\n\nBecause.\n"));
        assert!(parse_draft("sure! here it is").is_err());
        assert!(parse_draft("{\"subject\": \" \", \"body\": \"b\"}").is_err());
    }

    #[test]
    fn fallback_names_files() {
        let files = vec!["src/a.rs".to_string(), "b.rs".into(), "c.rs".into()];
        let msg = fallback_message(&files, " 3 files changed\n");
        assert!(msg.starts_with("Update a.rs, b.rs and 1 more\n\nChanged files:\n"));
    }
}
