//! A small client of Chamber's own HTTP API, for `chamber task --server`
//! and `chamber ui --server`.

use serde_json::Value;

use crate::exit::{CliError, status};

/// A client of Chamber's HTTP API: base URL and bearer token.
pub(crate) struct Api {
    http: reqwest::Client,
    /// The server's base URL, without a trailing slash.
    pub(crate) base: String,
    token: Option<String>,
}

/// A transport failure, naming the server.
pub(crate) fn net_error(base: &str) -> impl FnOnce(reqwest::Error) -> CliError + '_ {
    move |e| {
        CliError::new(
            "server_unreachable",
            format!("cannot reach the server at {base}: {e}"),
            Some("check --server and that `chamber serve` runs there"),
            status::INTERNAL,
        )
    }
}

impl Api {
    /// A client of the server at `base`, with `token` when auth is on.
    pub(crate) fn new(base: &str, token: Option<&str>) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_string(),
            token: token.map(String::from),
        }
    }

    /// A request to `path` with the token.
    pub(crate) fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        r
    }

    /// Sends and unwraps the envelope's payload; an error envelope becomes
    /// the CLI error with the server's code, message and hint.
    pub(crate) async fn call(&self, r: reqwest::RequestBuilder) -> Result<Value, CliError> {
        let response = r.send().await.map_err(net_error(&self.base))?;
        let code = response.status();
        let body: Value = response.json().await.map_err(net_error(&self.base))?;
        if body["ok"].as_bool() == Some(true) {
            return Ok(body["payload"].clone());
        }
        let err = &body["error"];
        let exit = match code.as_u16() {
            404 => status::NOT_FOUND,
            409 => status::INVALID_STATE,
            400..=499 => status::CONFIG,
            _ => status::INTERNAL,
        };
        Err(CliError {
            code: "server_refused",
            message: format!(
                "{} ({}): {}",
                code,
                err["code"].as_str().unwrap_or("error"),
                err["message"].as_str().unwrap_or("no message")
            ),
            hint: err["hint"].as_str().map(String::from),
            exit,
        })
    }
}
