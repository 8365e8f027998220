//! Applying the redactor where text leaves the run: events before they are
//! stored or shown, and model requests before any provider sees them.

use chamber_llm::ChatRequest;
use chamber_policy::Redactor;
use chamber_protocol::EventKind;

use crate::AgentError;

/// `kind` with every string in it redacted (through its JSON form, so new
/// event fields are covered without listing them here).
pub(crate) fn redact_event(redactor: &Redactor, kind: EventKind) -> Result<EventKind, AgentError> {
    if !redactor.is_enabled() {
        return Ok(kind);
    }
    let mut value = serde_json::to_value(&kind)
        .map_err(|e| AgentError::InvalidState(format!("cannot redact an event: {e}")))?;
    let before = value.clone();
    redactor.redact_json(&mut value);
    if value == before {
        return Ok(kind);
    }
    serde_json::from_value(value)
        .map_err(|e| AgentError::InvalidState(format!("cannot redact an event: {e}")))
}

/// Redacts what a request sends: every message's text, reasoning and tool
/// call arguments (tool results are messages too). Tool definitions and
/// the response schema are Chamber's own text and stay as they are; the
/// reasoning signature is opaque and must round-trip unchanged.
pub fn redact_request(redactor: &Redactor, request: &mut ChatRequest) {
    if !redactor.is_enabled() {
        return;
    }
    for m in &mut request.messages {
        redactor.redact_string(&mut m.content);
        redactor.redact_string(&mut m.reasoning);
        for call in &mut m.tool_calls {
            redact_arguments(redactor, &mut call.arguments);
        }
    }
}

/// Tool call arguments are JSON text: redacted as JSON when they parse (so
/// `"api_key": "…"` is caught by its key), as text otherwise.
fn redact_arguments(redactor: &Redactor, arguments: &mut String) {
    match serde_json::from_str::<serde_json::Value>(arguments) {
        Ok(mut v) => {
            let before = v.clone();
            redactor.redact_json(&mut v);
            if v != before
                && let Ok(text) = serde_json::to_string(&v)
            {
                *arguments = text;
            }
        }
        Err(_) => {
            redactor.redact_string(arguments);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chamber_llm::Message;
    use chamber_protocol::ToolCall;

    const KEY: &str = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";

    #[test]
    fn requests_lose_secrets_in_every_message_part() {
        let r = Redactor::builtin();
        let call = ToolCall {
            id: "c1".into(),
            name: "write_file".into(),
            arguments: format!("{{\"path\":\"a\",\"content\":\"t={KEY}\"}}"),
        };
        let mut assistant = Message::assistant(format!("using {KEY}"), vec![call]);
        assistant.reasoning = format!("the token is {KEY}");
        let mut req = ChatRequest::new(
            "m",
            vec![
                Message::user(format!("task {KEY}")),
                assistant,
                Message::tool("c1", format!("out {KEY}")),
            ],
        );
        redact_request(&r, &mut req);
        let text = serde_json::to_string(&req.messages).unwrap();
        assert!(!text.contains(KEY), "{text}");
        assert_eq!(text.matches("[REDACTED:github-token]").count(), 5);
    }

    #[test]
    fn events_lose_secrets_and_keep_their_shape() {
        let r = Redactor::builtin();
        let kind = EventKind::PlanRejected {
            reason: format!("bad token {KEY}"),
        };
        let out = redact_event(&r, kind).unwrap();
        let text = serde_json::to_string(&out).unwrap();
        assert!(!text.contains(KEY) && text.contains("[REDACTED:github-token]"));
    }
}
