//! Asking a provider which models it serves (`GET …/models` in each wire
//! format's dialect), for `chamber doctor`.

use serde_json::Value;

use crate::http::{self, Http};
use crate::{HttpSettings, LlmError, Wire};

/// The model ids the provider lists, in its order. The same reachability
/// and auth problems a chat request would hit come back classified.
pub async fn list_models(wire: Wire, settings: &HttpSettings) -> Result<Vec<String>, LlmError> {
    let bearer = settings.key().map(|k| format!("Bearer {k}"));
    let mut own: Vec<(&str, &str)> = Vec::new();
    match wire {
        Wire::OpenAiChat | Wire::OpenAiResponses => {
            if let Some(b) = &bearer {
                own.push(("authorization", b));
            }
        }
        Wire::Anthropic => {
            own.push(("anthropic-version", crate::anthropic::API_VERSION));
            if let Some(k) = settings.key() {
                own.push(("x-api-key", k));
            }
        }
        Wire::Gemini => {
            if let Some(k) = settings.key() {
                own.push(("x-goog-api-key", k));
            }
        }
    }
    let client = Http::new(settings, &own)?;
    let (url, list_key, id_key) = match wire {
        Wire::OpenAiChat | Wire::OpenAiResponses => {
            (format!("{}/models", client.base_url), "data", "id")
        }
        Wire::Anthropic => (
            http::versioned(&client.base_url, "v1", "models"),
            "data",
            "id",
        ),
        Wire::Gemini => (
            format!("{}/models", crate::gemini::api_root(&client.base_url)),
            "models",
            "name",
        ),
    };
    let body = client.get_json(&url).await?;
    Ok(body
        .get(list_key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|m| m.get(id_key).and_then(Value::as_str))
                .map(|id| id.trim_start_matches("models/").to_string())
                .collect()
        })
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chamber_mock_llm::MockServer;
    use std::time::Duration;

    fn settings(base: String) -> HttpSettings {
        HttpSettings {
            base_url: base,
            api_key: Some("k".into()),
            headers: Vec::new(),
            request_timeout: Duration::from_secs(5),
            stream: true,
            max_response_bytes: crate::AnswerLimits::DEFAULT_MAX_BYTES,
        }
    }

    #[tokio::test]
    async fn lists_models_in_each_dialect() {
        let server = MockServer::start(vec![]).await.unwrap();
        for (wire, base) in [
            (Wire::OpenAiChat, server.base_url()),
            (Wire::OpenAiResponses, server.base_url()),
            (Wire::Anthropic, server.root_url()),
            (Wire::Gemini, server.root_url()),
        ] {
            let models = list_models(wire, &settings(base)).await.unwrap();
            assert_eq!(models, ["mock-model"], "{wire}");
        }
        let err = list_models(Wire::OpenAiChat, &settings("http://127.0.0.1:9/v1".into()))
            .await
            .unwrap_err();
        assert_eq!(err.kind, crate::ErrorKind::Network);
    }
}
