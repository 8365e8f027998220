//! Reading a successful (2xx) reply safely: its size is capped
//! (`provider.max_response_bytes`), its text must be UTF-8, and a page that
//! is not the API (an HTML login portal or proxy page) is told apart from a
//! malformed answer.

use reqwest::header::CONTENT_TYPE;
use serde_json::Value;

use crate::collect::human_bytes;
use crate::{ErrorKind, LlmError};

/// Longest stretch of a bad payload quoted in an error message.
pub(crate) const QUOTE: usize = 200;

/// At most `QUOTE` chars of `text`, with runs of whitespace folded to one space.
pub(crate) fn quote(text: &str) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    folded.chars().take(QUOTE).collect()
}

/// The reply's `Content-Type`, or an empty string.
fn content_type(resp: &reqwest::Response) -> String {
    resp.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Whether `text` reads as an HTML (or XML) page rather than JSON or events.
fn looks_like_a_page(text: &str) -> bool {
    let start = text.trim_start().as_bytes();
    start.first() == Some(&b'<')
}

/// The error for a 2xx reply that is a page, not the API.
fn page_error(status: u16, content_type: &str, text: &str) -> LlmError {
    let kind = if content_type.is_empty() {
        String::from("a page")
    } else {
        format!("`{content_type}`")
    };
    LlmError {
        status: Some(status),
        ..LlmError::new(
            ErrorKind::UnexpectedReply,
            format!(
                "the server answered with {kind}, not the provider's API: {}",
                quote(text)
            ),
        )
    }
}

/// Fails with `unexpected_reply` when a 2xx reply is an HTML page, reading
/// at most a little of it for the message; otherwise hands the reply back.
pub(crate) async fn not_a_page(resp: reqwest::Response) -> Result<reqwest::Response, LlmError> {
    let content_type = content_type(&resp);
    if !content_type.to_ascii_lowercase().contains("html") {
        return Ok(resp);
    }
    let status = resp.status().as_u16();
    let head = read_body(resp, 4 * QUOTE, true).await.unwrap_or_default();
    Err(page_error(
        status,
        &content_type,
        &String::from_utf8_lossy(&head),
    ))
}

/// Reads a whole body, at most `max` bytes of it: a longer one is cut there
/// when `cut`, and an error otherwise.
async fn read_body(
    mut resp: reqwest::Response,
    max: usize,
    cut: bool,
) -> Result<Vec<u8>, LlmError> {
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| LlmError::from_transport(&e))?
    {
        if body.len().saturating_add(chunk.len()) > max {
            if cut {
                body.extend_from_slice(&chunk[..max - body.len()]);
                return Ok(body);
            }
            return Err(LlmError::new(
                ErrorKind::TooLarge,
                format!(
                    "the reply passed {} (provider.max_response_bytes)",
                    human_bytes(max)
                ),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads a whole (non-streamed) JSON reply of at most `max` bytes.
pub(crate) async fn read_json(resp: reqwest::Response, max: usize) -> Result<Value, LlmError> {
    let status = resp.status().as_u16();
    let content_type = content_type(&resp);
    let bytes = read_body(resp, max, false).await?;
    parse_json(bytes, status, &content_type)
}

/// Parses a whole reply's bytes as JSON: strict UTF-8, and an HTML page (a
/// proxy's or a login page) is named as such rather than as bad JSON.
pub(crate) fn parse_json(
    bytes: Vec<u8>,
    status: u16,
    content_type: &str,
) -> Result<Value, LlmError> {
    let text = String::from_utf8(bytes).map_err(|e| {
        LlmError::new(
            ErrorKind::MalformedStream,
            format!(
                "the reply is not valid UTF-8 (at byte {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        if looks_like_a_page(&text) {
            page_error(status, content_type, &text)
        } else {
            LlmError::new(
                ErrorKind::MalformedStream,
                format!("the reply is not JSON: {e}: {}", quote(&text)),
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(content_type: &str, body: &'static [u8]) -> reqwest::Response {
        let reply = axum::http::Response::builder()
            .status(200)
            .header("content-type", content_type)
            .body(body.to_vec())
            .unwrap();
        reqwest::Response::from(reply)
    }

    #[tokio::test]
    async fn pages_bad_text_and_big_bodies_are_told_apart() {
        let page = b"<!DOCTYPE html>\n<html>  <title>Sign in</title></html>";
        let err = not_a_page(response("text/html; charset=utf-8", page))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::UnexpectedReply);
        assert_eq!(err.status, Some(200));
        assert!(
            err.message.contains("`text/html; charset=utf-8`")
                && err.message.contains("<html> <title>Sign in"),
            "{}",
            err.message
        );
        // A page sent as JSON is still a page.
        let err = read_json(response("application/json", page), 1024)
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::UnexpectedReply);
        let ok = not_a_page(response("text/event-stream", b"data: 1\n\n")).await;
        assert!(ok.is_ok());

        let err = read_json(response("application/json", b"{\"a\":\"\xff\"}"), 1024)
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::MalformedStream);
        assert!(
            err.message.contains("not valid UTF-8 (at byte 6)"),
            "{}",
            err.message
        );

        let err = read_json(response("application/json", b"{\"a\": \"0123456789\"}"), 10)
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::TooLarge);
        assert!(err.message.contains("10 bytes"), "{}", err.message);
        let v = read_json(response("application/json", b"{\"a\":1}"), 10).await;
        assert_eq!(v.unwrap()["a"], 1);
    }
}
