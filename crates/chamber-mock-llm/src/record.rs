//! What the server remembers about each chat request, for test assertions.

use axum::http::{HeaderMap, Uri, header};
use serde_json::Value;

use crate::formats::WireFormat;

/// One request the server received on a chat route, kept for test assertions.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// Parsed JSON body (a JSON string holding the raw text if the body was not valid JSON).
    pub body: Value,
    /// The `Authorization` header verbatim (e.g. `Bearer sk-…`), if sent.
    pub authorization: Option<String>,
    /// Request path without the query, e.g. `/v1/chat/completions` or
    /// `/v1beta/models/gemini-2.5-flash:streamGenerateContent`.
    pub path: String,
    /// The raw query string without `?` (e.g. `alt=sse&key=…`), if any.
    pub query: Option<String>,
    /// Every header, in arrival order, as (lowercased name, value) pairs; values that are not
    /// UTF-8 are converted lossily.
    pub headers: Vec<(String, String)>,
    /// The wire format of the route that received the request.
    pub format: WireFormat,
}

impl RecordedRequest {
    /// Captures a request as received.
    pub(crate) fn new(format: WireFormat, uri: &Uri, headers: &HeaderMap, raw: &[u8]) -> Self {
        let body = serde_json::from_slice(raw)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(raw).into_owned()));
        let text = |v: &header::HeaderValue| String::from_utf8_lossy(v.as_bytes()).into_owned();
        RecordedRequest {
            body,
            authorization: headers.get(header::AUTHORIZATION).map(text),
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            headers: headers
                .iter()
                .map(|(name, value)| (name.as_str().to_ascii_lowercase(), text(value)))
                .collect(),
            format,
        }
    }

    /// The first value of a header, looked up case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The value of a query parameter, as sent (not percent-decoded).
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.as_deref()?.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key == name).then_some(value)
        })
    }

    /// The API key however the client sent it: a `Bearer` token, `x-api-key` (Anthropic),
    /// `x-goog-api-key` or the `key` query parameter (Gemini).
    pub fn api_key(&self) -> Option<&str> {
        self.authorization
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "))
            .or_else(|| self.header("x-api-key"))
            .or_else(|| self.header("x-goog-api-key"))
            .or_else(|| self.query_param("key"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking
mod tests {
    use super::*;

    #[test]
    fn captures_query_headers_and_keys() {
        let uri: Uri = "/v1beta/models/m:streamGenerateContent?alt=sse&key=k1"
            .parse()
            .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("X-Goog-Api-Key", "k2".parse().unwrap());
        let r = RecordedRequest::new(WireFormat::Gemini, &uri, &headers, b"{\"a\":1}");
        assert_eq!(r.path, "/v1beta/models/m:streamGenerateContent");
        assert_eq!(r.query.as_deref(), Some("alt=sse&key=k1"));
        assert_eq!(r.query_param("alt"), Some("sse"));
        assert_eq!(r.headers, vec![("x-goog-api-key".into(), "k2".into())]);
        assert_eq!(r.header("X-GOOG-API-KEY"), Some("k2"));
        assert_eq!(r.api_key(), Some("k2"));
        assert_eq!(r.body["a"], 1);
        let r = RecordedRequest::new(WireFormat::Gemini, &uri, &HeaderMap::new(), b"x");
        assert_eq!(r.api_key(), Some("k1"));
        assert_eq!(r.body, "x");
    }
}
