//! Server-sent events framing (the WHATWG event-stream format) over a byte
//! stream. Ours because it is on the hot path of every streamed answer: it
//! keeps a read offset into one buffer instead of copying the rest of the
//! buffer after each line, so throughput does not fall as reads grow.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;

/// One dispatched event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` name; empty means `message`.
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The last `id:` seen.
    pub id: String,
}

/// Incremental decoder: feed bytes, take complete events.
#[derive(Debug, Default)]
pub struct SseDecoder {
    buf: Vec<u8>,
    /// Start of the first unread line in `buf`.
    pos: usize,
    /// Bytes from `pos` up to here hold no line end (so a long event that
    /// arrives in many reads is scanned once, not once per read).
    scanned: usize,
    /// A `\r` ended the last line; a `\n` right after it belongs to it.
    after_cr: bool,
    event: String,
    data: String,
    has_data: bool,
    id: String,
    bom_checked: bool,
}

/// The byte order mark an event stream may start with.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The bytes were not UTF-8 text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the event stream is not UTF-8 text")]
pub struct NotUtf8;

impl SseDecoder {
    /// Bytes held for the event not yet complete (its unread lines and data).
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos + self.data.len()
    }

    /// Adds bytes and appends every event they complete to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut VecDeque<SseEvent>) -> Result<(), NotUtf8> {
        self.buf.extend_from_slice(bytes);
        if !self.bom_checked {
            // Only the stream's first bytes can be a BOM, and `buf` still
            // starts at the stream's start: nothing is read (or dropped)
            // before this check is settled.
            let seen = self.buf.len().min(BOM.len());
            if self.buf[..seen] != BOM[..seen] {
                self.bom_checked = true;
            } else if seen == BOM.len() {
                self.bom_checked = true;
                self.pos = BOM.len();
            } else {
                return Ok(());
            }
        }
        loop {
            if self.after_cr && self.pos < self.buf.len() {
                if self.buf[self.pos] == b'\n' {
                    self.pos += 1;
                }
                self.after_cr = false;
            }
            let from = self.scanned.max(self.pos);
            let Some(found) = self.buf[from..]
                .iter()
                .position(|b| *b == b'\n' || *b == b'\r')
            else {
                self.scanned = self.buf.len();
                break;
            };
            let rest = &self.buf[self.pos..];
            let end = from + found - self.pos;
            let cr = rest[end] == b'\r';
            let line = std::str::from_utf8(&rest[..end]).map_err(|_| NotUtf8)?;
            let line = line.to_owned();
            self.pos += end + 1;
            self.after_cr = cr;
            self.line(&line, out);
        }
        // Reclaim consumed bytes once they dominate the buffer.
        if self.pos > 0 && self.pos * 2 >= self.buf.len() {
            self.buf.drain(..self.pos);
            self.scanned -= self.pos.min(self.scanned);
            self.pos = 0;
        }
        Ok(())
    }

    fn line(&mut self, line: &str, out: &mut VecDeque<SseEvent>) {
        if line.is_empty() {
            if self.has_data {
                out.push_back(SseEvent {
                    event: std::mem::take(&mut self.event),
                    data: std::mem::take(&mut self.data),
                    id: self.id.clone(),
                });
            } else {
                self.event.clear();
            }
            self.has_data = false;
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.id = value.to_string(),
            _ => {}
        }
    }
}

/// A failure of the stream under the decoder.
#[derive(Debug)]
pub enum SseError<E> {
    /// The transport failed.
    Transport(E),
    /// The bytes were not text.
    Utf8(NotUtf8),
    /// One event grew past the stream's limit.
    TooLarge,
}

/// Wraps a byte stream into a stream of events.
pub struct SseStream<S> {
    inner: S,
    decoder: SseDecoder,
    ready: VecDeque<SseEvent>,
    done: bool,
    /// Most bytes one incomplete event may hold.
    limit: usize,
    /// Bytes that were not text, reported once the events before them are out.
    failed: Option<NotUtf8>,
}

impl<S> SseStream<S> {
    /// Decodes `inner`, failing once an incomplete event holds more than
    /// `limit` bytes (so memory stays bounded whatever the server sends).
    pub fn with_limit(inner: S, limit: usize) -> Self {
        Self {
            inner,
            decoder: SseDecoder::default(),
            ready: VecDeque::new(),
            done: false,
            limit,
            failed: None,
        }
    }
}

impl<S, B, E> Stream for SseStream<S>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
{
    type Item = Result<SseEvent, SseError<E>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(ev) = self.ready.pop_front() {
                return Poll::Ready(Some(Ok(ev)));
            }
            if let Some(e) = self.failed.take() {
                return Poll::Ready(Some(Err(SseError::Utf8(e))));
            }
            if self.done {
                return Poll::Ready(None);
            }
            match Pin::new(&mut self.inner).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    // An event not closed by a blank line is dropped, as the
                    // format says: the stream was cut.
                    self.done = true;
                }
                Poll::Ready(Some(Err(e))) => {
                    self.done = true;
                    return Poll::Ready(Some(Err(SseError::Transport(e))));
                }
                Poll::Ready(Some(Ok(bytes))) => {
                    let this = &mut *self;
                    // The events completed before bad bytes go out first,
                    // however the body was split into reads.
                    if let Err(e) = this.decoder.feed(bytes.as_ref(), &mut this.ready) {
                        this.done = true;
                        this.failed = Some(e);
                    }
                    if this.decoder.buffered() > this.limit {
                        this.done = true;
                        this.ready.clear();
                        return Poll::Ready(Some(Err(SseError::TooLarge)));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(pieces: &[&[u8]]) -> Vec<SseEvent> {
        let mut d = SseDecoder::default();
        let mut out = VecDeque::new();
        for p in pieces {
            d.feed(p, &mut out).unwrap();
        }
        out.into()
    }

    fn ev(event: &str, data: &str) -> SseEvent {
        SseEvent {
            event: event.into(),
            data: data.into(),
            id: String::new(),
        }
    }

    #[test]
    fn frames_events_across_arbitrary_splits() {
        let body = b"event: message_start\ndata: {\"a\":1}\n\n: ping comment\ndata: x\ndata:y\n\nid: 7\ndata: z\r\n\r\n";
        let whole = decode(&[body]);
        assert_eq!(
            whole,
            vec![
                ev("message_start", "{\"a\":1}"),
                ev("", "x\ny"),
                SseEvent {
                    event: String::new(),
                    data: "z".into(),
                    id: "7".into()
                }
            ]
        );
        // Byte by byte, and split inside a CRLF, give the same events.
        let bytes: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(decode(&bytes), whole);
        let (a, b) = body.split_at(body.len() - 3);
        assert_eq!(decode(&[a, b]), whole);
    }

    #[test]
    fn unterminated_events_and_empty_data_follow_the_format() {
        assert!(decode(&[b"data: cut"]).is_empty());
        assert_eq!(decode(&[b"event: e\n\ndata\n\n"]), vec![ev("", "")]);
        assert_eq!(decode(&[b"\xEF\xBB\xBFdata: bom\n\n"]), vec![ev("", "bom")]);
        let mut d = SseDecoder::default();
        assert!(d.feed(b"data: \xff\n", &mut VecDeque::new()).is_err());
    }

    #[test]
    fn only_a_bom_at_the_stream_start_is_skipped() {
        // Found by the `sse` fuzz target: a BOM after a first short line
        // was stripped when that line arrived in its own read.
        let body = b"e\n\n\xEF\xBB\xBFdata: x\n\ndata: y\n\n";
        let whole = decode(&[body]);
        let bytes: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(decode(&bytes), whole);
        assert_eq!(whole, vec![ev("", "y")]);
        // A BOM split over reads is still skipped at the start.
        assert_eq!(
            decode(&[b"\xEF", b"\xBB", b"\xBFdata: z\n\n"]),
            vec![ev("", "z")]
        );
    }

    #[tokio::test]
    async fn events_before_bad_bytes_come_out_however_the_body_is_split() {
        // Found by the decode_* fuzz targets: events completed in the same
        // read as bytes that are not UTF-8 were dropped, so what came out
        // before the error depended on how the body was split.
        use futures::StreamExt;
        let body: &[u8] = b"data: 1\n\ndata: \xff\n\n";
        for step in [1, 4, body.len()] {
            let pieces: Vec<Result<&[u8], std::io::Error>> = body.chunks(step).map(Ok).collect();
            let got: Vec<_> = SseStream::with_limit(futures::stream::iter(pieces), usize::MAX)
                .collect()
                .await;
            assert_eq!(got.len(), 2, "pieces of {step}");
            assert_eq!(got[0].as_ref().unwrap().data, "1");
            assert!(matches!(got[1], Err(SseError::Utf8(_))));
        }
    }

    #[tokio::test]
    async fn the_stream_adapter_reports_transport_errors() {
        use futures::StreamExt;
        let pieces: Vec<Result<&[u8], std::io::Error>> = vec![
            Ok(b"data: 1\n\nda"),
            Ok(b"ta: 2\n\n"),
            Err(std::io::Error::other("reset")),
        ];
        let got: Vec<_> = SseStream::with_limit(futures::stream::iter(pieces), usize::MAX)
            .collect()
            .await;
        assert_eq!(got.len(), 3);
        assert_eq!(got[1].as_ref().unwrap().data, "2");
        assert!(matches!(got[2], Err(SseError::Transport(_))));
    }
}
