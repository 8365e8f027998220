//! The HTTP transport every adapter shares: a client built from
//! [`HttpSettings`], JSON POSTs whose error replies are classified, the
//! provider's `retry-after` read, and an SSE body turned into normalised
//! [`StreamEvent`]s by a per-format [`WireParser`].

use std::collections::VecDeque;
use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

use crate::sse::{SseError, SseEvent as Event, SseStream};
use crate::wire::HttpSettings;
use crate::{ErrorKind, EventStream, LlmError, StreamEvent};

/// Longest stretch of a bad payload quoted in an error message.
const QUOTE: usize = 200;

/// A configured client for one provider.
pub(crate) struct Http {
    client: reqwest::Client,
    /// Base URL without a trailing slash.
    pub(crate) base_url: String,
    /// Whether answers are asked for as a stream.
    pub(crate) stream: bool,
    /// Longest wait for the reply headers (the whole reply when not streaming).
    request_timeout: Duration,
}

impl Http {
    /// Builds the client. `own` are the adapter's headers (API key, API
    /// version); `settings.headers` are added after them and win on a clash.
    pub(crate) fn new(settings: &HttpSettings, own: &[(&str, &str)]) -> Result<Self, LlmError> {
        let mut headers = HeaderMap::new();
        let custom = settings
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()));
        for (name, value) in own.iter().copied().chain(custom) {
            let bad = |what: &str| {
                LlmError::new(
                    ErrorKind::InvalidRequest,
                    format!("header `{name}` has an invalid {what}"),
                )
            };
            let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| bad("name"))?;
            let mut value = HeaderValue::from_str(value.trim()).map_err(|_| bad("value"))?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .default_headers(headers);
        // A streamed answer may legitimately take longer than any fixed
        // limit; it is bounded by the time to its reply headers here and by
        // the idle timeout between events in `collect`.
        if !settings.stream {
            builder = builder.timeout(settings.request_timeout);
        }
        let client = builder.build().map_err(|e| LlmError::from_transport(&e))?;
        Ok(Self {
            client,
            request_timeout: settings.request_timeout,
            base_url: settings.base_url.trim_end_matches('/').to_string(),
            stream: settings.stream,
        })
    }

    /// Sends a request, waiting at most `request_timeout` for its headers.
    async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, LlmError> {
        match tokio::time::timeout(self.request_timeout, req.send()).await {
            Ok(r) => r.map_err(|e| LlmError::from_transport(&e)),
            Err(_) => Err(LlmError::new(
                ErrorKind::Timeout,
                format!(
                    "no reply within {}s (provider.request_timeout_secs)",
                    self.request_timeout.as_secs_f64()
                ),
            )),
        }
    }

    /// POSTs a chat request and returns its answer as events: parsed from
    /// the SSE body by `parser` when streaming, else converted whole by
    /// `whole`. Every adapter's `Provider::stream` is this call.
    pub(crate) async fn exchange<P: WireParser>(
        &self,
        url: &str,
        body: &Value,
        parser: P,
        whole: fn(&Value) -> Result<Vec<StreamEvent>, LlmError>,
    ) -> Result<EventStream, LlmError> {
        let resp = self.post_json(url, body).await?;
        if self.stream {
            Ok(stream_reply(resp, parser))
        } else {
            Ok(replay(whole(&read_json(resp).await?)?))
        }
    }

    /// GETs `url` and reads its JSON, with errors classified like POSTs.
    pub(crate) async fn get_json(&self, url: &str) -> Result<Value, LlmError> {
        let resp = self.send(self.client.get(url)).await?;
        let status = resp.status();
        if !status.is_success() {
            let retry_after = retry_after(resp.headers(), Utc::now());
            let text = resp.text().await.unwrap_or_default();
            return Err(LlmError::from_http(status.as_u16(), &text, retry_after));
        }
        read_json(resp).await
    }

    /// POSTs `body` as JSON. A reply outside 2xx becomes an error classified
    /// from its status and body, with the provider's requested wait.
    pub(crate) async fn post_json(
        &self,
        url: &str,
        body: &Value,
    ) -> Result<reqwest::Response, LlmError> {
        tracing::debug!(%url, %body, "model request");
        let resp = self.send(self.client.post(url).json(body)).await?;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let retry_after = retry_after(resp.headers(), Utc::now());
        let text = resp.text().await.unwrap_or_default();
        Err(LlmError::from_http(status.as_u16(), &text, retry_after))
    }
}

/// How long the provider asked us to wait: `retry-after-ms`, else
/// `retry-after` as seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = get("retry-after-ms").and_then(|v| v.parse::<f64>().ok())
        && let Some(wait) = seconds(ms / 1000.0)
    {
        return Some(wait);
    }
    parse_retry_after(get("retry-after")?, now)
}

/// Reads a `retry-after` value: seconds (integer or fraction) or an HTTP
/// date; a date in the past means no wait.
pub(crate) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    if let Ok(secs) = value.parse::<f64>() {
        return seconds(secs);
    }
    let when = DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (when.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// A finite number of seconds as a duration, negative clamped to zero.
fn seconds(secs: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(secs.max(0.0)).ok()
}

/// Reads a whole (non-streamed) JSON reply.
pub(crate) async fn read_json(resp: reqwest::Response) -> Result<Value, LlmError> {
    let text = resp
        .text()
        .await
        .map_err(|e| LlmError::from_transport(&e))?;
    reply_json(&text)
}

/// Parses the text of a whole (non-streamed) reply as JSON.
pub(crate) fn reply_json(text: &str) -> Result<Value, LlmError> {
    serde_json::from_str(text).map_err(|e| {
        LlmError::new(
            ErrorKind::MalformedStream,
            format!("the reply is not JSON: {e}: {}", quote(text)),
        )
    })
}

/// Parses one SSE `data:` payload as JSON.
pub(crate) fn json_data(event: &Event) -> Result<Value, LlmError> {
    serde_json::from_str(&event.data).map_err(|e| {
        LlmError::new(
            ErrorKind::MalformedStream,
            format!("bad JSON in stream chunk: {e}: {}", quote(&event.data)),
        )
    })
}

/// An `f32` setting (such as temperature) as the JSON number it reads as:
/// `0.2`, not `0.20000000298023224`.
pub(crate) fn decimal(x: f32) -> Value {
    x.to_string()
        .parse::<f64>()
        .map_or_else(|_| Value::from(f64::from(x)), Value::from)
}

/// `wrap(text)`, or nothing for empty text.
pub(crate) fn non_empty(text: String, wrap: fn(String) -> StreamEvent) -> Vec<StreamEvent> {
    if text.is_empty() {
        Vec::new()
    } else {
        vec![wrap(text)]
    }
}

fn quote(text: &str) -> String {
    text.chars().take(QUOTE).collect()
}

/// Turns a body of bytes into SSE events. A transport failure mid-body is a
/// network error; bytes that are not an event stream are a malformed one.
pub(crate) fn sse<S, B, E>(body: S) -> impl Stream<Item = Result<Event, LlmError>> + Send + 'static
where
    S: Stream<Item = Result<B, E>> + Send + 'static,
    B: AsRef<[u8]> + Send + 'static,
    E: std::error::Error + Send + 'static,
{
    SseStream::new(Box::pin(body)).map(|item| {
        item.map_err(|e| match e {
            SseError::Transport(e) => {
                let timed_out = (&e as &dyn std::error::Error)
                    .downcast_ref::<reqwest::Error>()
                    .is_some_and(reqwest::Error::is_timeout);
                let mut message = if timed_out {
                    "the request timed out mid-answer (provider.request_timeout_secs)".to_string()
                } else {
                    format!("the stream broke off: {e}")
                };
                let mut source = e.source();
                while let Some(s) = source {
                    message.push_str(&format!(": {s}"));
                    source = s.source();
                }
                let kind = if timed_out {
                    ErrorKind::Timeout
                } else {
                    ErrorKind::Network
                };
                LlmError::new(kind, message)
            }
            SseError::Utf8(e) => LlmError::new(
                ErrorKind::MalformedStream,
                format!("not an event stream: {e}"),
            ),
        })
    })
}

/// One wire format's stream reader: it keeps whatever state the format
/// needs (open tool calls, usage so far) and turns SSE events into
/// normalised ones.
pub(crate) trait WireParser: Send + 'static {
    /// The events for one SSE event.
    fn event(&mut self, event: &Event) -> Result<Vec<StreamEvent>, LlmError>;

    /// The events to add when the body ends (for formats with no explicit
    /// end marker).
    fn end(&mut self) -> Vec<StreamEvent> {
        Vec::new()
    }
}

struct Drive<P> {
    source: Pin<Box<dyn Stream<Item = Result<Event, LlmError>> + Send>>,
    parser: P,
    queue: VecDeque<Result<StreamEvent, LlmError>>,
    ended: bool,
}

/// Runs SSE events through `parser`. The stream stops after the first error.
pub(crate) fn drive<S, P>(source: S, parser: P) -> EventStream
where
    S: Stream<Item = Result<Event, LlmError>> + Send + 'static,
    P: WireParser,
{
    let state = Drive {
        source: Box::pin(source),
        parser,
        queue: VecDeque::new(),
        ended: false,
    };
    Box::pin(futures::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(item) = st.queue.pop_front() {
                if item.is_err() {
                    st.queue.clear();
                    st.ended = true;
                }
                return Some((item, st));
            }
            if st.ended {
                return None;
            }
            match st.source.next().await {
                Some(Ok(event)) => match st.parser.event(&event) {
                    Ok(list) => st.queue.extend(list.into_iter().map(Ok)),
                    Err(e) => st.queue.push_back(Err(e)),
                },
                Some(Err(e)) => st.queue.push_back(Err(e)),
                None => {
                    st.ended = true;
                    st.queue.extend(st.parser.end().into_iter().map(Ok));
                }
            }
        }
    }))
}

/// A streamed reply run through `parser`.
fn stream_reply<P: WireParser>(resp: reqwest::Response, parser: P) -> EventStream {
    drive(sse(resp.bytes_stream()), parser)
}

/// Events already known (from a non-streamed reply) as a stream.
fn replay(events: Vec<StreamEvent>) -> EventStream {
    Box::pin(futures::stream::iter(events.into_iter().map(Ok)))
}

/// Appends `/{version}/{rest}` to a base URL unless it already ends with that
/// version (`https://api.anthropic.com` and `…/v1` both work).
pub(crate) fn versioned(base: &str, version: &str, rest: &str) -> String {
    let base = base.trim_end_matches('/');
    if base.ends_with(&format!("/{version}")) {
        format!("{base}/{rest}")
    } else {
        format!("{base}/{version}/{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc2822(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn retry_after_takes_seconds_dates_and_milliseconds() {
        let now = at("Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("1.5", now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_retry_after("-3", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("1e300", now), None);

        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("20"));
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(20)));
        headers.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&headers, now), Some(Duration::from_millis(250)));
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn versioned_urls_are_not_doubled() {
        assert_eq!(
            versioned("https://api.anthropic.com", "v1", "messages"),
            "https://api.anthropic.com/v1/messages"
        );
        assert_eq!(
            versioned("http://localhost:9/v1/", "v1", "messages"),
            "http://localhost:9/v1/messages"
        );
    }

    #[test]
    fn bad_custom_headers_are_refused() {
        let settings = HttpSettings {
            base_url: "http://localhost:1".into(),
            api_key: None,
            headers: vec![("bad header".into(), "x".into())],
            request_timeout: Duration::from_secs(1),
            stream: true,
        };
        let err = Http::new(&settings, &[]).err().unwrap();
        assert_eq!(err.kind, ErrorKind::InvalidRequest);
        assert!(err.message.contains("bad header"));
    }

    struct Echo;
    impl WireParser for Echo {
        fn event(&mut self, event: &Event) -> Result<Vec<StreamEvent>, LlmError> {
            if event.data == "fail" {
                return Err(LlmError::new(ErrorKind::Server, "fail"));
            }
            Ok(vec![StreamEvent::Text(event.data.clone())])
        }
        fn end(&mut self) -> Vec<StreamEvent> {
            vec![StreamEvent::Done]
        }
    }

    #[tokio::test]
    async fn a_broken_body_is_a_network_error_and_ends_the_stream() {
        let chunks: Vec<Result<&'static str, std::io::Error>> = vec![
            Ok("data: a\n\n"),
            Err(std::io::Error::other("reset by peer")),
            Ok("data: b\n\n"),
        ];
        let out: Vec<_> = drive(sse(futures::stream::iter(chunks)), Echo)
            .collect()
            .await;
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].as_ref().unwrap(), &StreamEvent::Text("a".into()));
        let err = out[1].as_ref().unwrap_err();
        assert_eq!(err.kind, ErrorKind::Network);
        assert!(
            err.message
                .starts_with("the stream broke off: reset by peer")
        );
    }

    #[tokio::test]
    async fn parser_errors_end_the_stream_and_the_end_hook_runs() {
        let ok: Vec<Result<&'static str, std::io::Error>> = vec![Ok("data: a\n\ndata: b\n\n")];
        let out: Vec<_> = drive(sse(futures::stream::iter(ok)), Echo).collect().await;
        let out: Vec<_> = out.into_iter().map(Result::unwrap).collect();
        assert_eq!(
            out,
            vec![
                StreamEvent::Text("a".into()),
                StreamEvent::Text("b".into()),
                StreamEvent::Done
            ]
        );
        let bad: Vec<Result<&'static str, std::io::Error>> = vec![Ok("data: fail\n\ndata: b\n\n")];
        let out: Vec<_> = drive(sse(futures::stream::iter(bad)), Echo).collect().await;
        assert_eq!(out.len(), 1);
        assert!(out[0].is_err());
    }
}
