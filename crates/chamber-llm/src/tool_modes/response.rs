//! Reading a prompt-mode answer back as tool calls: the assistant text is
//! held back until the model finishes, then interpreted and re-emitted as
//! ordinary `Text` and `ToolCallDelta` events.

use std::collections::VecDeque;

use futures::StreamExt;

use super::ToolCallMode;
use super::extract::{extract_tool_calls, interpret_json_answer};
use super::request::Interpretation;
use crate::{EventStream, LlmError, StreamEvent};

/// Wraps `inner` so that its text is interpreted as `how` says. Every
/// held-back text piece yields a `Progress` event, so idle timeouts still see
/// the model working.
pub(crate) fn interpret_stream(inner: EventStream, how: Interpretation) -> EventStream {
    let state = State {
        inner,
        how,
        buffer: String::new(),
        queue: VecDeque::new(),
        flushed: false,
        ended: false,
        native_calls: 0,
    };
    Box::pin(futures::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(item) = st.queue.pop_front() {
                return Some((item, st));
            }
            if st.ended {
                return None;
            }
            match st.inner.next().await {
                // Ended without Finish or Done: the answer is incomplete, and
                // `collect` reports that; nothing half-read is emitted.
                None => st.ended = true,
                Some(Err(e)) => return Some((Err(e), st)),
                Some(Ok(event)) => st.on_event(event),
            }
        }
    }))
}

/// The wrapper's state between events.
struct State {
    inner: EventStream,
    how: Interpretation,
    /// Assistant text held back so far.
    buffer: String,
    /// Events ready to hand out.
    queue: VecDeque<Result<StreamEvent, LlmError>>,
    /// Whether the buffer has been interpreted (at Finish or Done).
    flushed: bool,
    /// Whether the inner stream is exhausted.
    ended: bool,
    /// Calls the server sent natively anyway; extracted calls come after them.
    native_calls: usize,
}

impl State {
    fn on_event(&mut self, event: StreamEvent) {
        match event {
            StreamEvent::Text(t) if !self.flushed => {
                self.buffer.push_str(&t);
                self.queue.push_back(Ok(StreamEvent::Progress));
            }
            StreamEvent::ToolCallDelta { index, .. } => {
                self.native_calls = self.native_calls.max(index.saturating_add(1));
                self.queue.push_back(Ok(event));
            }
            StreamEvent::Finish(reason) if !self.flushed => {
                let reason = if self.flush() {
                    String::from("tool_calls")
                } else {
                    reason
                };
                self.queue.push_back(Ok(StreamEvent::Finish(reason)));
            }
            StreamEvent::Done => {
                if !self.flushed && self.flush() {
                    self.queue
                        .push_back(Ok(StreamEvent::Finish(String::from("tool_calls"))));
                }
                self.queue.push_back(Ok(StreamEvent::Done));
            }
            other => self.queue.push_back(Ok(other)),
        }
    }

    /// Interprets the held-back text and queues the resulting events;
    /// returns whether any tool calls were found.
    fn flush(&mut self) -> bool {
        self.flushed = true;
        let text = std::mem::take(&mut self.buffer);
        tracing::debug!(mode = %self.how.mode, %text, "interpreting the held-back answer");
        let names: Vec<&str> = self.how.tool_names.iter().map(String::as_str).collect();
        let found = match self.how.mode {
            ToolCallMode::JsonSchema => interpret_json_answer(&text, &names),
            _ => extract_tool_calls(&text, &names),
        };
        if !found.text.is_empty() {
            self.queue.push_back(Ok(StreamEvent::Text(found.text)));
        }
        let any = !found.calls.is_empty();
        for (i, call) in found.calls.into_iter().enumerate() {
            self.queue.push_back(Ok(StreamEvent::ToolCallDelta {
                index: self.native_calls + i,
                id: Some(new_call_id()),
                name: Some(call.name),
                arguments: call.arguments,
            }));
        }
        any
    }
}

/// A fresh call id in the usual `call_…` form.
fn new_call_id() -> String {
    format!("call_{:08x}", fastrand::u32(..))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // tests fail by panicking
mod tests {
    use super::*;
    use chamber_protocol::Usage;

    fn run(mode: ToolCallMode, events: Vec<StreamEvent>) -> Vec<StreamEvent> {
        let inner: EventStream = Box::pin(futures::stream::iter(events.into_iter().map(Ok)));
        let how = Interpretation {
            mode,
            tool_names: vec!["read_file".into(), "shell".into()],
        };
        let out = interpret_stream(inner, how);
        futures::executor::block_on(out.map(|r| r.unwrap()).collect::<Vec<_>>())
    }

    fn text(s: &str) -> StreamEvent {
        StreamEvent::Text(s.into())
    }

    #[test]
    fn holds_text_back_and_emits_one_call() {
        let usage = Usage {
            prompt_tokens: 3,
            completion_tokens: 4,
            ..Default::default()
        };
        let out = run(
            ToolCallMode::JsonSchema,
            vec![
                text("{\"tool\":\"read_"),
                text("file\",\"arguments\":{\"path\":"),
                text("\"a.py\"}}"),
                StreamEvent::Finish("stop".into()),
                StreamEvent::Usage(usage),
                StreamEvent::Done,
            ],
        );
        assert_eq!(&out[..3], &[const { StreamEvent::Progress }; 3]);
        let StreamEvent::ToolCallDelta {
            index,
            id,
            name,
            arguments,
        } = &out[3]
        else {
            panic!("expected a tool call, got {out:?}");
        };
        assert_eq!(*index, 0);
        let id = id.as_deref().unwrap();
        assert!(id.starts_with("call_") && id.len() == 13, "{id}");
        assert_eq!(name.as_deref(), Some("read_file"));
        assert_eq!(arguments, "{\"path\":\"a.py\"}");
        assert_eq!(
            &out[4..],
            &[
                StreamEvent::Finish("tool_calls".into()),
                StreamEvent::Usage(usage),
                StreamEvent::Done
            ]
        );
    }

    #[test]
    fn answer_becomes_text_and_keeps_reason() {
        let out = run(
            ToolCallMode::JsonSchema,
            vec![
                text("{\"answer\":"),
                text("\"all done\"}"),
                StreamEvent::Finish("stop".into()),
                StreamEvent::Done,
            ],
        );
        assert_eq!(
            out,
            vec![
                StreamEvent::Progress,
                StreamEvent::Progress,
                text("all done"),
                StreamEvent::Finish("stop".into()),
                StreamEvent::Done
            ]
        );
    }

    #[test]
    fn text_mode_prose_and_calls_after_done_only() {
        let out = run(
            ToolCallMode::Text,
            vec![
                text("Running tests.\n<tool_call>{\"name\": \"shell\", "),
                text("\"arguments\": {\"command\": \"ls\"}}</tool_call>"),
                StreamEvent::Done,
            ],
        );
        assert_eq!(out.len(), 6, "{out:?}");
        assert_eq!(out[2], text("Running tests."));
        assert!(matches!(
            &out[3],
            StreamEvent::ToolCallDelta { index: 0, name: Some(n), arguments, .. }
                if n == "shell" && arguments == "{\"command\":\"ls\"}"
        ));
        assert_eq!(out[4], StreamEvent::Finish("tool_calls".into()));
        assert_eq!(out[5], StreamEvent::Done);
    }

    #[test]
    fn native_calls_pass_through_and_extracted_ones_follow() {
        let out = run(
            ToolCallMode::Text,
            vec![
                StreamEvent::ToolCallDelta {
                    index: 0,
                    id: Some("n1".into()),
                    name: Some("shell".into()),
                    arguments: "{}".into(),
                },
                text("<tool_call>{\"name\":\"read_file\",\"arguments\":{}}</tool_call>"),
                StreamEvent::Finish("tool_calls".into()),
            ],
        );
        assert!(matches!(
            &out[2],
            StreamEvent::ToolCallDelta { index: 1, name: Some(n), .. } if n == "read_file"
        ));
    }

    #[test]
    fn truncated_stream_emits_nothing_held_back() {
        let out = run(
            ToolCallMode::Text,
            vec![text("<tool_call>{\"name\": \"shell\"")],
        );
        assert_eq!(out, vec![StreamEvent::Progress]);
    }

    #[test]
    fn errors_pass_through() {
        let inner: EventStream = Box::pin(futures::stream::iter(vec![
            Ok(text("x")),
            Err(LlmError::new(crate::ErrorKind::Network, "broke")),
        ]));
        let how = Interpretation {
            mode: ToolCallMode::Text,
            tool_names: Vec::new(),
        };
        let out: Vec<_> =
            futures::executor::block_on(interpret_stream(inner, how).collect::<Vec<_>>());
        assert!(matches!(out[0], Ok(StreamEvent::Progress)));
        assert_eq!(out[1].as_ref().unwrap_err().kind, crate::ErrorKind::Network);
    }
}
