//! The Google Gemini adapter: `POST {base}/v1beta/models/{model}:streamGenerateContent?alt=sse`
//! (or `:generateContent` when not streaming) with an `x-goog-api-key` header.

mod request;
mod schema;
pub(crate) mod stream;
#[cfg(test)]
mod tests;

use crate::http::Http;
use crate::wire::HttpSettings;
use crate::{ChatRequest, EventStream, LlmError, Provider};

/// Talks to the Gemini API.
pub(crate) struct Gemini {
    name: String,
    endpoint: String,
    /// The versioned API root, such as `https://…/v1beta`.
    root: String,
    http: Http,
}

impl Gemini {
    /// Builds the adapter named `name`.
    pub(crate) fn new(name: &str, settings: HttpSettings) -> Result<Self, LlmError> {
        let own: Vec<(&str, &str)> = settings
            .key()
            .map(|k| ("x-goog-api-key", k))
            .into_iter()
            .collect();
        let http = Http::new(&settings, &own)?;
        Ok(Self {
            name: name.to_string(),
            endpoint: settings.base_url.clone(),
            root: api_root(&http.base_url),
            http,
        })
    }

    /// The URL for `model`, streamed or not.
    fn url(&self, model: &str) -> String {
        let model = model.trim_start_matches("models/");
        if self.http.stream {
            format!("{}/models/{model}:streamGenerateContent?alt=sse", self.root)
        } else {
            format!("{}/models/{model}:generateContent", self.root)
        }
    }
}

/// The base URL with an API version: kept when it names one, else `/v1beta`.
pub(crate) fn api_root(base: &str) -> String {
    if base.ends_with("/v1beta") || base.ends_with("/v1") {
        base.to_string()
    } else {
        format!("{base}/v1beta")
    }
}

#[async_trait::async_trait]
impl Provider for Gemini {
    fn name(&self) -> &str {
        &self.name
    }

    fn endpoint(&self) -> &str {
        &self.endpoint
    }

    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
        let body = request::body(request);
        self.http
            .exchange(
                &self.url(&request.model),
                &body,
                stream::GeminiParser::default(),
                stream::reply_events,
            )
            .await
    }
}
