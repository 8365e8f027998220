//! Streamed tool output arrives in arbitrary reads; a secret can straddle
//! two of them, and a private key block spans many lines. The recorder
//! passes `tool_output` events through here so that only whole lines (and
//! whole key blocks) are redacted and recorded; the unfinished rest waits
//! for the next chunk of the same stream, and any other event flushes it.

use chamber_protocol::{EventKind, OutputStream};

/// The most text held back for one stream; beyond it, output goes out as it is.
const MAX_HOLD: usize = 64 * 1024;

struct Pending {
    call_id: String,
    stream: OutputStream,
    text: String,
}

impl Pending {
    fn into_event(self) -> EventKind {
        EventKind::ToolOutput {
            call_id: self.call_id,
            stream: self.stream,
            chunk: self.text,
        }
    }
}

/// Unfinished tool output, per call and stream.
#[derive(Default)]
pub(crate) struct OutputHold {
    pending: Vec<Pending>,
}

impl OutputHold {
    /// The events to record now, in order, in place of `kind`.
    pub(crate) fn accept(&mut self, kind: EventKind) -> Vec<EventKind> {
        let EventKind::ToolOutput {
            call_id,
            stream,
            chunk,
        } = kind
        else {
            let mut out: Vec<EventKind> = self.pending.drain(..).map(Pending::into_event).collect();
            out.push(kind);
            return out;
        };
        let mut out = Vec::new();
        // Output of another call is finished business.
        let (same, other): (Vec<Pending>, Vec<Pending>) =
            self.pending.drain(..).partition(|p| p.call_id == call_id);
        out.extend(other.into_iter().map(Pending::into_event));
        let mut text = String::new();
        for p in same {
            if p.stream == stream {
                text = p.text;
            } else {
                self.pending.push(p);
            }
        }
        text.push_str(&chunk);
        let ready = ready_len(&text);
        if ready < text.len() && text.len() <= MAX_HOLD {
            let rest = text.split_off(ready);
            self.pending.push(Pending {
                call_id: call_id.clone(),
                stream,
                text: rest,
            });
        }
        if !text.is_empty() {
            out.push(EventKind::ToolOutput {
                call_id,
                stream,
                chunk: text,
            });
        }
        out
    }
}

/// How much of `text` may go out now: up to its last newline, and not past
/// the start of a private key block whose `END` has not arrived.
fn ready_len(text: &str) -> usize {
    let mut ready = text.rfind('\n').map_or(0, |i| i + 1);
    if let Some(begin) = text.rfind("-----BEGIN") {
        let block = &text[begin..];
        let header_done = block.find('\n').is_some();
        if header_done
            && block
                .lines()
                .next()
                .is_some_and(|l| l.contains("PRIVATE KEY"))
            && !block.contains("-----END")
        {
            ready = ready.min(begin);
        }
    }
    ready
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(call: &str, stream: OutputStream, chunk: &str) -> EventKind {
        EventKind::ToolOutput {
            call_id: call.into(),
            stream,
            chunk: chunk.into(),
        }
    }

    fn chunks(events: &[EventKind]) -> Vec<String> {
        events
            .iter()
            .filter_map(|e| match e {
                EventKind::ToolOutput { chunk, .. } => Some(chunk.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn split_lines_are_joined_before_they_go_out() {
        let mut h = OutputHold::default();
        assert_eq!(
            chunks(&h.accept(out("c", OutputStream::Stdout, "a\ntoken ghp_16C7"))),
            ["a\n"]
        );
        let rest = h.accept(out(
            "c",
            OutputStream::Stdout,
            "e42F292c6912E7710c838347Ae178B4a\nb",
        ));
        assert_eq!(
            chunks(&rest),
            ["token ghp_16C7e42F292c6912E7710c838347Ae178B4a\n"]
        );
        let flushed = h.accept(EventKind::PlanSaved {
            plan_id: "p".into(),
        });
        assert_eq!(chunks(&flushed), ["b"]);
        assert!(matches!(flushed.last(), Some(EventKind::PlanSaved { .. })));
    }

    #[test]
    fn key_blocks_are_held_until_their_end() {
        let mut h = OutputHold::default();
        let first = h.accept(out(
            "c",
            OutputStream::Stdout,
            "x\n-----BEGIN PRIVATE KEY-----\nMIIEow\n",
        ));
        assert_eq!(chunks(&first), ["x\n"]);
        let stderr = h.accept(out("c", OutputStream::Stderr, "warn\n"));
        assert_eq!(chunks(&stderr), ["warn\n"]);
        let second = h.accept(out(
            "c",
            OutputStream::Stdout,
            "IBAA\n-----END PRIVATE KEY-----\n",
        ));
        assert_eq!(
            chunks(&second),
            ["-----BEGIN PRIVATE KEY-----\nMIIEow\nIBAA\n-----END PRIVATE KEY-----\n"]
        );
        // A certificate is not held.
        let cert = h.accept(out(
            "c",
            OutputStream::Stdout,
            "-----BEGIN CERTIFICATE-----\nMII\n",
        ));
        assert_eq!(chunks(&cert), ["-----BEGIN CERTIFICATE-----\nMII\n"]);
    }

    #[test]
    fn another_calls_output_flushes_the_previous_one() {
        let mut h = OutputHold::default();
        assert!(
            h.accept(out("a", OutputStream::Stdout, "partial"))
                .is_empty()
        );
        let next = h.accept(out("b", OutputStream::Stdout, "line\n"));
        assert_eq!(chunks(&next), ["partial", "line\n"]);
    }
}
