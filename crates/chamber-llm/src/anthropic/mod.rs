//! The Anthropic Messages adapter: `POST {base}/v1/messages` with
//! `x-api-key` and `anthropic-version` headers.
//!
//! Anthropic's classic Messages API has no JSON-schema output mode, so a
//! request's `response_format` becomes an instruction at the end of the
//! system prompt asking for JSON matching the schema; callers already parse
//! such answers leniently.

mod request;
pub(crate) mod stream;
#[cfg(test)]
mod tests;

use crate::http::{self, Http};
use crate::wire::HttpSettings;
use crate::{ChatRequest, EventStream, LlmError, Provider};

/// The API version this adapter speaks.
pub(crate) const API_VERSION: &str = "2023-06-01";

/// Talks to the Anthropic Messages API.
pub(crate) struct Anthropic {
    name: String,
    endpoint: String,
    url: String,
    http: Http,
}

impl Anthropic {
    /// Builds the adapter named `name`.
    pub(crate) fn new(name: &str, settings: HttpSettings) -> Result<Self, LlmError> {
        let mut own = vec![("anthropic-version", API_VERSION)];
        if let Some(key) = settings.key() {
            own.push(("x-api-key", key));
        }
        let http = Http::new(&settings, &own)?;
        Ok(Self {
            name: name.to_string(),
            endpoint: settings.base_url.clone(),
            url: http::versioned(&http.base_url, "v1", "messages"),
            http,
        })
    }
}

#[async_trait::async_trait]
impl Provider for Anthropic {
    fn name(&self) -> &str {
        &self.name
    }

    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
        let body = request::body(request, self.http.stream);
        self.http
            .exchange(
                &self.url,
                &body,
                stream::AnthropicParser::default(),
                stream::reply_events,
            )
            .await
    }
}
