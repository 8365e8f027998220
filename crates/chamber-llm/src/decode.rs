//! Decoding a provider's answer from bytes, without the network: the same
//! SSE framing, per-format stream parser and whole-reply converter that
//! [`Provider::stream`](crate::Provider::stream) runs on a live reply. It
//! exists for the fuzz targets (and for replaying a captured body offline).

use std::convert::Infallible;

use futures::StreamExt;

use crate::http::{drive, sse};
use crate::{LlmError, StreamEvent, Wire, anthropic, gemini, openai_chat, openai_responses};

/// Decodes a streamed (SSE) reply body in `wire`'s format, delivered in
/// `chunks` as the transport would hand them over, into the items a
/// provider's event stream yields: events, and at most one error, last.
/// Exists for fuzzing and offline decoding.
pub fn decode_stream(wire: Wire, chunks: &[&[u8]]) -> Vec<Result<StreamEvent, LlmError>> {
    let pieces: Vec<Result<Vec<u8>, Infallible>> = chunks.iter().map(|c| Ok(c.to_vec())).collect();
    let body = sse(
        futures::stream::iter(pieces),
        crate::AnswerLimits::DEFAULT_MAX_BYTES,
    );
    let stream = match wire {
        Wire::OpenAiChat => drive(body, openai_chat::ChatParser),
        Wire::OpenAiResponses => drive(body, openai_responses::stream::ResponsesParser::default()),
        Wire::Anthropic => drive(body, anthropic::stream::AnthropicParser::default()),
        Wire::Gemini => drive(body, gemini::stream::GeminiParser::default()),
    };
    futures::executor::block_on(stream.collect())
}

/// Decodes a whole (non-streamed) reply body in `wire`'s format into the
/// events a stream of it would have produced. Exists for fuzzing and
/// offline decoding.
pub fn decode_reply(wire: Wire, body: &[u8]) -> Result<Vec<StreamEvent>, LlmError> {
    let value = crate::reply::parse_json(body.to_vec(), 200, "application/json")?;
    match wire {
        Wire::OpenAiChat => openai_chat::reply_events(&value),
        Wire::OpenAiResponses => openai_responses::stream::reply_events(&value),
        Wire::Anthropic => anthropic::stream::reply_events(&value),
        Wire::Gemini => gemini::stream::reply_events(&value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_decodes_the_same_whole_or_in_pieces() {
        let body = b"data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n";
        let whole = decode_stream(Wire::OpenAiChat, &[body]);
        let pieces: Vec<&[u8]> = body.chunks(3).collect();
        let split = decode_stream(Wire::OpenAiChat, &pieces);
        assert_eq!(format!("{whole:?}"), format!("{split:?}"));
        assert_eq!(
            whole.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
            vec![StreamEvent::Text("hi".into()), StreamEvent::Done]
        );
    }

    #[test]
    fn a_whole_reply_decodes_and_bad_json_is_an_error() {
        let reply = br#"{"choices":[{"message":{"content":"ok"},"finish_reason":"stop"}]}"#;
        let events = decode_reply(Wire::OpenAiChat, reply).unwrap();
        assert_eq!(events[0], StreamEvent::Text("ok".into()));
        assert!(decode_reply(Wire::Gemini, b"<html>").is_err());
    }
}
