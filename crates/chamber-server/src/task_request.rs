//! The body of `POST /v1/tasks` and `POST /v1/plans`: what a client may
//! ask for, checked before anything is queued (repository roots, known
//! modes, sane limits).

use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::http::StatusCode;
use chamber_runtime::{RuntimeError, remote_repo};
use serde::{Deserialize, Serialize};

use crate::api_error::ApiError;
use crate::state::ServerSettings;

/// Limits and approval settings for one task; absent values fall back to
/// the repository's configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[schemars(rename = "TaskRequestConstraints")]
#[serde(deny_unknown_fields)]
pub struct TaskConstraints {
    /// Stop once models cost this many USD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_cost_usd: Option<f64>,
    /// Stop after this many seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_time_secs: Option<u64>,
    /// Stop once this many tokens are used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_tokens: Option<u64>,
    /// Approval mode: `read-only`, `ask`, `auto-edit` or `full-auto`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_mode: Option<String>,
    /// Approve the plan and every action the policy allows without asking.
    #[serde(default)]
    pub auto_approve: bool,
    /// Confine writes to this lane's globs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lane: Option<String>,
    /// Stage the change as a patch instead of committing it.
    #[serde(default)]
    pub guarded: bool,
    /// The tests must pass at the end.
    #[serde(default)]
    pub verify: bool,
    /// Model turns per plan step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_turns: Option<u32>,
    /// `auto`, `loop` or `direct`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    /// Stop after planning (set by `POST /v1/plans`).
    #[serde(default)]
    pub plan_only: bool,
    /// Complete without a run: for queue benchmarks and smoke checks of a
    /// deployment (submit → claim → complete, nothing else).
    #[serde(default)]
    pub noop: bool,
    /// Run this saved plan (set by `POST /v1/plans/{id}/execute`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_plan: Option<String>,
}

/// How urgent a task is: a name or a number (higher runs first).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Priority {
    /// `low`, `normal`, `high` or `urgent`.
    Named(String),
    /// Any integer.
    Number(i32),
}

impl Priority {
    /// The number stored.
    pub fn value(&self) -> Result<i32, ApiError> {
        match self {
            Priority::Number(n) => Ok(*n),
            Priority::Named(name) => match name.as_str() {
                "low" => Ok(-10),
                "normal" => Ok(0),
                "high" => Ok(10),
                "urgent" => Ok(20),
                other => Err(unprocessable(format!(
                    "priority {other:?}: expected low, normal, high, urgent or a number"
                ))),
            },
        }
    }
}

/// `POST /v1/tasks`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitTask {
    /// What to do.
    pub prompt: String,
    /// A local repository path under the server's roots, or a git URL
    /// under one of `[server] allowed_remotes` (cloned by the worker).
    pub repo: String,
    /// The branch (or tag, or commit) the task's branch starts from; the
    /// repository's checked-out HEAD when absent. It must exist in the
    /// repository when the task is submitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_branch: Option<String>,
    /// Limits and approval settings.
    #[serde(default)]
    pub constraints: TaskConstraints,
    /// Higher runs first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// Named queue (`default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Free-form labels, for filtering.
    #[serde(default)]
    pub labels: Vec<String>,
    /// While a task with this key is unfinished, submitting another returns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_key: Option<String>,
    /// Attempts before the task is dead-lettered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
}

fn unprocessable(message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", message)
}

impl SubmitTask {
    /// The queue record for this request: its body hash makes the
    /// `Idempotency-Key` check exact.
    pub fn new_task(
        &self,
        repo: &str,
        idempotency_key: Option<String>,
        origin: &str,
        settings: &ServerSettings,
    ) -> Result<chamber_store::NewTask, ApiError> {
        use sha2::{Digest, Sha256};
        let canonical =
            serde_json::to_string(self).map_err(|e| ApiError::internal(e.to_string()))?;
        let hash: String = Sha256::digest(canonical.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let constraints = serde_json::to_value(&self.constraints)
            .map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(chamber_store::NewTask {
            prompt: self.prompt.clone(),
            repo: repo.to_string(),
            base_branch: self.base_branch.clone(),
            constraints,
            priority: self.priority.as_ref().map_or(Ok(0), Priority::value)?,
            queue: self.queue.clone().unwrap_or_else(|| "default".into()),
            labels: self.labels.clone(),
            idempotency_key,
            request_hash: Some(hash),
            unique_key: self.unique_key.clone(),
            max_attempts: self.max_attempts.unwrap_or(settings.max_attempts),
            origin: origin.to_string(),
        })
    }

    /// Checks the request and resolves its repository (a canonical local
    /// path, or a remote URL the remote answered for); nothing is queued
    /// when this fails.
    pub async fn validate(&self, settings: &ServerSettings) -> Result<String, ApiError> {
        if self.prompt.trim().is_empty() {
            return Err(unprocessable("prompt is empty".into()));
        }
        if self.prompt.len() > 100_000 {
            return Err(unprocessable("prompt is longer than 100,000 bytes".into()));
        }
        let c = &self.constraints;
        if let Some(mode) = &c.approval_mode {
            mode.parse::<chamber_policy::ApprovalMode>()
                .map_err(|e| unprocessable(format!("constraints.approval_mode: {e}")))?;
        }
        if let Some(s) = &c.strategy
            && !["auto", "loop", "direct"].contains(&s.as_str())
        {
            return Err(unprocessable(format!(
                "constraints.strategy {s:?}: expected auto, loop or direct"
            )));
        }
        if let Some(cost) = c.budget_cost_usd
            && !(cost > 0.0 && cost.is_finite())
        {
            return Err(unprocessable(
                "constraints.budget_cost_usd must be a positive amount".into(),
            ));
        }
        if let Some(q) = &self.queue
            && (q.is_empty() || q.len() > 64)
        {
            return Err(unprocessable("queue must be 1 to 64 characters".into()));
        }
        if let Some(p) = &self.priority {
            p.value()?;
        }
        if let Some(base) = &self.base_branch
            && c.guarded
        {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unsupported",
                format!(
                    "base_branch {base:?} with constraints.guarded: a guarded run works on a copy of the checkout as it is"
                ),
            ));
        }
        if remote_repo::is_remote(&self.repo) {
            if c.guarded {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unsupported",
                    "constraints.guarded with a remote repo: guarded changes are applied by a person in the checkout, and the server's clone is not one",
                )
                .hint("name a local checkout under the repository roots for a guarded task"));
            }
            return self.check_remote(settings).await;
        }
        let repo = repo_under_roots(&self.repo, settings)?;
        if let Some(base) = &self.base_branch {
            let known = chamber_tools::Git::discover(&repo).is_some_and(|g| g.is_valid_base(base));
            if !known {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown_base_branch",
                    format!("base_branch {base:?} is not a branch, tag or commit of {}", repo.display()),
                )
                .hint("push or create the branch in that repository first, or leave base_branch out to start from its HEAD"));
            }
        }
        Ok(repo.display().to_string())
    }

    /// A remote URL: allowed by `[server] allowed_remotes`, readable, and
    /// holding the base branch (`git ls-remote`, at most 30 s).
    async fn check_remote(&self, settings: &ServerSettings) -> Result<String, ApiError> {
        let url = self.repo.trim().to_string();
        let rule = remote_repo::allowed_by(&url, &settings.allowed_remotes).map_err(|why| {
            // The entries themselves are not echoed: one may carry a token.
            ApiError::new(
                StatusCode::FORBIDDEN,
                "repo_not_allowed",
                format!("{why}; refused by rule [server] allowed_remotes"),
            )
            .hint("add its URL prefix to [server] allowed_remotes, or name a local checkout under the repository roots")
        })?;
        tracing::debug!(%rule, %url, "remote allowed");
        let base = self.base_branch.clone();
        let limit = settings.remote_timeout.min(Duration::from_secs(30));
        let checked = {
            let url = url.clone();
            tokio::task::spawn_blocking(move || {
                remote_repo::check_remote(&url, base.as_deref(), limit)
            })
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?
        };
        checked.map_err(|e| match e {
            RuntimeError::Setting {
                code,
                message,
                hint,
                ..
            } => {
                let err = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message);
                match hint {
                    Some(h) => err.hint(h),
                    None => err,
                }
            }
            other => ApiError::internal(other.to_string()),
        })?;
        Ok(url)
    }
}

/// The repository path, if it is a git checkout under one of the roots.
pub fn repo_under_roots(repo: &str, settings: &ServerSettings) -> Result<PathBuf, ApiError> {
    let forbidden = |why: String| {
        ApiError::new(StatusCode::FORBIDDEN, "repo_not_allowed", why)
            .hint("name a repository under one of the server's roots (chamber serve --repo-root, [server] repo_roots)")
    };
    if repo.contains("://") || repo.starts_with("git@") {
        return Err(forbidden(format!(
            "{repo}: remote URLs are not cloned by this server; name a local checkout"
        )));
    }
    let path = Path::new(repo);
    if !path.is_absolute() {
        return Err(unprocessable(format!(
            "repo {repo:?} must be an absolute path"
        )));
    }
    let canonical = path
        .canonicalize()
        .map_err(|e| unprocessable(format!("repo {repo}: {e}")))?;
    let Some(root) = settings
        .repo_roots
        .iter()
        .find(|root| canonical.starts_with(root))
    else {
        let roots: Vec<String> = settings
            .repo_roots
            .iter()
            .map(|r| r.display().to_string())
            .collect();
        return Err(forbidden(format!(
            "{} is outside the repository roots ({}); refused by rule [server] repo_roots",
            canonical.display(),
            if roots.is_empty() {
                "none configured".to_string()
            } else {
                roots.join(", ")
            }
        )));
    };
    tracing::debug!(root = %root.display(), repo = %canonical.display(), "repo allowed");
    if !canonical.join(".git").exists() {
        return Err(unprocessable(format!(
            "{} is not a git repository (tasks commit to a branch)",
            canonical.display()
        )));
    }
    Ok(canonical)
}
