//! A small GitHub REST client for `chamber pr`: the token, the API base URL
//! and the `owner/repo` come from the environment (`GITHUB_TOKEN`,
//! `GITHUB_API_URL`, `GITHUB_REPOSITORY`) or the remote's URL.

use chamber_tools::Git;
use serde_json::json;

use crate::commands::commit::git_error;
use crate::commands::pr_body::repo_slug;
use crate::exit::{CliError, status};

/// The public GitHub API.
const DEFAULT_API: &str = "https://api.github.com";

/// Where and as whom `chamber pr` talks to GitHub.
pub struct GitHub {
    /// API base URL, without a trailing slash.
    pub api: String,
    /// The bearer token.
    token: String,
    /// `owner/repo`.
    pub slug: String,
}

impl GitHub {
    /// Reads the token and API URL from the environment and the repository
    /// from `GITHUB_REPOSITORY` or the URL of `remote`.
    pub fn from_env(git: &Git, remote: &str) -> Result<Self, CliError> {
        let token = env_var("GITHUB_TOKEN").ok_or_else(|| {
            CliError::new(
                "no_github_token",
                "GITHUB_TOKEN is not set",
                Some("export GITHUB_TOKEN with a token that may push and open pull requests"),
                status::CONFIG,
            )
        })?;
        let slug = match env_var("GITHUB_REPOSITORY") {
            Some(s) => s,
            None => {
                let url = git.remote_url(remote).map_err(git_error)?;
                repo_slug(&url).ok_or_else(|| {
                    CliError::new(
                        "unknown_repository",
                        format!("cannot tell owner/repo from the {remote} URL {url}"),
                        Some("set GITHUB_REPOSITORY=owner/repo"),
                        status::CONFIG,
                    )
                })?
            }
        };
        let api = env_var("GITHUB_API_URL").unwrap_or_else(|| DEFAULT_API.into());
        Ok(Self {
            api: api.trim_end_matches('/').to_string(),
            token,
            slug,
        })
    }

    /// The repository owner (the part of the slug before `/`).
    pub fn owner(&self) -> &str {
        self.slug.split('/').next().unwrap_or_default()
    }

    /// The URL of `path` (starting with `/`) under `/repos/{owner}/{repo}`.
    pub fn repo_url(&self, path: &str) -> String {
        format!("{}/repos/{}{path}", self.api, self.slug)
    }

    /// POSTs `body` and returns the JSON answer; a non-2xx status becomes an
    /// error carrying GitHub's message.
    pub async fn post(
        &self,
        url: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, CliError> {
        self.send(reqwest::Method::POST, url, Some(body)).await
    }

    /// GETs `url` and returns the JSON answer.
    pub async fn get(&self, url: &str) -> Result<serde_json::Value, CliError> {
        self.send(reqwest::Method::GET, url, None).await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, CliError> {
        let failed = |message: String| CliError::new("github_failed", message, None, status::GIT);
        let mut request = reqwest::Client::new()
            .request(method.clone(), url)
            .bearer_auth(&self.token)
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .header("User-Agent", concat!("chamber/", env!("CARGO_PKG_VERSION")));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| failed(format!("{method} {url}: {e}")))?;
        let code = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| failed(format!("{method} {url}: reading the answer: {e}")))?;
        let value: serde_json::Value = serde_json::from_str(&text).unwrap_or(json!({}));
        if !code.is_success() {
            let why = value["message"].as_str().unwrap_or(text.as_str());
            return Err(failed(format!("{method} {url}: {code}: {why}")));
        }
        Ok(value)
    }
}

/// A set, non-empty environment variable.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}
