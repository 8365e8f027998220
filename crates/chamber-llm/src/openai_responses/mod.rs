//! The OpenAI Responses adapter: `POST {base}/responses`, stateless
//! (`store: false`), the whole conversation sent as input items each turn.

mod request;
pub(crate) mod stream;
#[cfg(test)]
mod tests;

use crate::http::Http;
use crate::wire::HttpSettings;
use crate::{ChatRequest, EventStream, LlmError, Provider};

/// Talks to the OpenAI Responses API.
pub(crate) struct OpenAiResponses {
    name: String,
    endpoint: String,
    url: String,
    http: Http,
}

impl OpenAiResponses {
    /// Builds the adapter named `name`; the key goes in a bearer token.
    pub(crate) fn new(name: &str, settings: HttpSettings) -> Result<Self, LlmError> {
        let auth = settings.key().map(|k| format!("Bearer {k}"));
        let own: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
        let http = Http::new(&settings, &own)?;
        Ok(Self {
            name: name.to_string(),
            endpoint: settings.base_url.clone(),
            url: format!("{}/responses", http.base_url),
            http,
        })
    }
}

#[async_trait::async_trait]
impl Provider for OpenAiResponses {
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
                stream::ResponsesParser::default(),
                stream::reply_events,
            )
            .await
    }
}
