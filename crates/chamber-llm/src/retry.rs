use std::time::Duration;

use crate::{AnswerLimits, ChatRequest, ChatResponse, LlmError, Provider, collect_limited};

/// How transient failures are retried: bounded attempts, exponential backoff
/// with jitter, and the provider's `retry-after` honoured.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First delay; doubles each time.
    pub base_delay: Duration,
    /// Longest silence tolerated mid-stream.
    pub idle_timeout: Duration,
    /// Time and size bounds of each answer.
    pub limits: AnswerLimits,
}

impl RetryPolicy {
    /// The delay before retry number `attempt` (from 1).
    pub fn delay(&self, attempt: u32, err: &LlmError) -> Duration {
        if let Some(after) = err.retry_after {
            return after.min(Duration::from_secs(60));
        }
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(10));
        let jitter = exp.mul_f64(fastrand::f64() * 0.5);
        (exp + jitter).min(Duration::from_secs(60))
    }
}

/// `collect` with retries of transient errors. `on_error` hears about every
/// failed attempt (attempt number, error, whether it will be retried).
pub async fn complete_with_retry(
    provider: &dyn Provider,
    request: &ChatRequest,
    policy: RetryPolicy,
    on_text: &mut (dyn FnMut(&str) + Send),
    on_error: &mut (dyn FnMut(u32, &LlmError, bool) + Send),
) -> Result<ChatResponse, LlmError> {
    let mut attempt = 1;
    loop {
        match collect_limited(
            provider,
            request,
            policy.idle_timeout,
            policy.limits,
            on_text,
        )
        .await
        {
            Ok(r) => return Ok(r),
            Err(e) => {
                let retry = e.kind.is_transient() && attempt <= policy.max_retries;
                on_error(attempt, &e, retry);
                if !retry {
                    return Err(e);
                }
                tokio::time::sleep(policy.delay(attempt, &e)).await;
                attempt += 1;
            }
        }
    }
}
