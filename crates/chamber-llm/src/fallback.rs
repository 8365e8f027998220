//! Fallback chains: an ordered list of provider/model pairs. Each pair gets
//! the retry policy; a failure of a configured class then moves the request
//! to the next pair, and the caller hears about every attempt and switch.

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::{
    ChatRequest, ChatResponse, ErrorKind, LlmError, Provider, RetryPolicy, collect_limited,
};

/// One provider/model pair of a chain.
#[derive(Clone)]
pub struct Target {
    /// The provider (already wrapped for its tool-call mode).
    pub provider: Arc<dyn Provider>,
    /// The model asked for.
    pub model: String,
}

impl Target {
    /// `provider:model`, as written in config and shown in events.
    pub fn label(&self) -> String {
        format!("{}:{}", self.provider.name(), self.model)
    }
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

/// What happened on the way to an answer, as it happens.
#[derive(Debug)]
pub enum CallNote<'a> {
    /// One attempt ended, well or not.
    Attempt {
        /// The pair tried.
        target: &'a Target,
        /// Attempt number at this pair, from 1.
        attempt: u32,
        /// The answer or the error.
        outcome: Result<&'a ChatResponse, &'a LlmError>,
        /// Time from request to the end of the answer (or the failure).
        latency: Duration,
        /// Whether the same pair will be tried again.
        retrying: bool,
    },
    /// The request moves to the next pair.
    FellBack {
        /// The pair that failed.
        from: &'a Target,
        /// The pair tried next.
        to: &'a Target,
        /// The failure that caused the switch.
        error: &'a LlmError,
    },
}

/// An answer and the pair that gave it.
#[derive(Debug)]
pub struct Served {
    /// The answer.
    pub response: ChatResponse,
    /// Position in the chain of the pair that answered.
    pub index: usize,
}

/// Streams one answer through `chain`: retries transient errors at each
/// pair, then falls back on the classes in `fall_on`. The request's model is
/// replaced by each pair's model. An empty chain is an invalid request.
pub async fn complete_with_fallback(
    chain: &[Target],
    request: &ChatRequest,
    policy: RetryPolicy,
    fall_on: &[ErrorKind],
    on_text: &mut (dyn FnMut(&str) + Send),
    on_note: &mut (dyn FnMut(CallNote<'_>) + Send),
) -> Result<Served, LlmError> {
    let mut last = LlmError::new(ErrorKind::InvalidRequest, "no provider to ask");
    for (index, target) in chain.iter().enumerate() {
        let mut req = request.clone();
        req.model = target.model.clone();
        let mut attempt = 1;
        let error = loop {
            let started = Instant::now();
            let provider = target.provider.as_ref();
            let result =
                collect_limited(provider, &req, policy.idle_timeout, policy.limits, on_text).await;
            let latency = started.elapsed();
            match result {
                Ok(response) => {
                    on_note(CallNote::Attempt {
                        target,
                        attempt,
                        outcome: Ok(&response),
                        latency,
                        retrying: false,
                    });
                    return Ok(Served { response, index });
                }
                Err(e) => {
                    let retrying = e.kind.is_transient() && attempt <= policy.max_retries;
                    on_note(CallNote::Attempt {
                        target,
                        attempt,
                        outcome: Err(&e),
                        latency,
                        retrying,
                    });
                    if !retrying {
                        break e;
                    }
                    tokio::time::sleep(policy.delay(attempt, &e)).await;
                    attempt += 1;
                }
            }
        };
        match chain.get(index + 1) {
            Some(next) if fall_on.contains(&error.kind) => {
                on_note(CallNote::FellBack {
                    from: target,
                    to: next,
                    error: &error,
                });
                last = error;
            }
            _ => return Err(error),
        }
    }
    Err(last)
}

impl FromStr for ErrorKind {
    type Err = String;

    /// Parses the stable code (`rate_limited`, `overloaded`, …) used in config.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL_KINDS
            .iter()
            .copied()
            .find(|k| k.code() == s)
            .ok_or_else(|| format!("unknown error class {s:?}"))
    }
}

/// Every error class, for parsing and listing.
pub const ALL_KINDS: [ErrorKind; 14] = [
    ErrorKind::Auth,
    ErrorKind::Permission,
    ErrorKind::NotFound,
    ErrorKind::RateLimited,
    ErrorKind::Overloaded,
    ErrorKind::ContextTooLong,
    ErrorKind::InvalidRequest,
    ErrorKind::Server,
    ErrorKind::Network,
    ErrorKind::Timeout,
    ErrorKind::MalformedStream,
    ErrorKind::TooLarge,
    ErrorKind::AnswerTimeout,
    ErrorKind::UnexpectedReply,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventStream, StreamEvent};
    use std::sync::Mutex;

    /// Answers from a fixed list of outcomes, one per request.
    struct Scripted {
        name: &'static str,
        outcomes: Mutex<Vec<Result<&'static str, ErrorKind>>>,
        models: Mutex<Vec<String>>,
    }

    #[async_trait::async_trait]
    impl Provider for Scripted {
        fn name(&self) -> &str {
            self.name
        }
        fn endpoint(&self) -> &str {
            "test"
        }
        async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
            self.models.lock().unwrap().push(request.model.clone());
            match self.outcomes.lock().unwrap().remove(0) {
                Ok(text) => Ok(Box::pin(futures::stream::iter(vec![
                    Ok(StreamEvent::Text(text.into())),
                    Ok(StreamEvent::Finish("stop".into())),
                    Ok(StreamEvent::Done),
                ]))),
                Err(kind) => Err(LlmError::new(kind, "scripted")),
            }
        }
    }

    fn target(
        name: &'static str,
        model: &str,
        outcomes: Vec<Result<&'static str, ErrorKind>>,
    ) -> (Target, Arc<Scripted>) {
        let p = Arc::new(Scripted {
            name,
            outcomes: Mutex::new(outcomes),
            models: Mutex::new(Vec::new()),
        });
        (
            Target {
                provider: p.clone(),
                model: model.into(),
            },
            p,
        )
    }

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 1,
            base_delay: Duration::from_millis(1),
            idle_timeout: Duration::from_secs(5),
            limits: crate::AnswerLimits::default(),
        }
    }

    #[tokio::test]
    async fn retries_then_falls_back_and_reports_each_step() {
        let (a, pa) = target(
            "a",
            "m1",
            vec![Err(ErrorKind::Overloaded), Err(ErrorKind::Overloaded)],
        );
        let (b, pb) = target("b", "m2", vec![Ok("hi")]);
        let mut notes = Vec::new();
        let served = complete_with_fallback(
            &[a, b],
            &ChatRequest::new("ignored", vec![]),
            policy(),
            &[ErrorKind::Overloaded],
            &mut |_| {},
            &mut |n| {
                notes.push(match n {
                    CallNote::Attempt {
                        target,
                        attempt,
                        outcome,
                        retrying,
                        ..
                    } => format!(
                        "{}#{attempt} ok={} retry={retrying}",
                        target.label(),
                        outcome.is_ok()
                    ),
                    CallNote::FellBack { from, to, error } => {
                        format!("{} -> {} ({})", from.label(), to.label(), error.kind.code())
                    }
                })
            },
        )
        .await
        .unwrap();
        assert_eq!(served.index, 1);
        assert_eq!(served.response.content, "hi");
        assert_eq!(
            notes,
            [
                "a:m1#1 ok=false retry=true",
                "a:m1#2 ok=false retry=false",
                "a:m1 -> b:m2 (overloaded)",
                "b:m2#1 ok=true retry=false"
            ]
        );
        assert_eq!(*pa.models.lock().unwrap(), ["m1", "m1"]);
        assert_eq!(*pb.models.lock().unwrap(), ["m2"]);
    }

    #[tokio::test]
    async fn classes_not_listed_do_not_fall_back() {
        let (a, _) = target("a", "m1", vec![Err(ErrorKind::Auth)]);
        let (b, pb) = target("b", "m2", vec![Ok("never")]);
        let err = complete_with_fallback(
            &[a, b],
            &ChatRequest::new("x", vec![]),
            policy(),
            &[ErrorKind::Overloaded],
            &mut |_| {},
            &mut |_| {},
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Auth);
        assert!(pb.models.lock().unwrap().is_empty());
        assert_eq!(
            "rate_limited".parse::<ErrorKind>(),
            Ok(ErrorKind::RateLimited)
        );
        assert!("sometimes".parse::<ErrorKind>().is_err());
    }
}
