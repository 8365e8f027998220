use std::sync::Arc;
use std::time::{Duration, Instant};

use chamber_llm::{ChatRequest, EventStream, LlmError, Provider};
use futures::StreamExt;

use crate::LocalPaths;

/// How often a streaming answer marks the server as used.
const TOUCH_EVERY: Duration = Duration::from_secs(2);

/// Wraps the provider that talks to a local server and marks the server as
/// used when a request starts and while its answer streams, so its
/// supervisor never stops it mid-answer or mid-run.
pub struct KeepAlive {
    inner: Arc<dyn Provider>,
    paths: LocalPaths,
    model: String,
}

impl KeepAlive {
    /// Wraps `inner`, which talks to the server of `model`.
    pub fn new(inner: Arc<dyn Provider>, paths: LocalPaths, model: impl Into<String>) -> Self {
        Self {
            inner,
            paths,
            model: model.into(),
        }
    }
}

#[async_trait::async_trait]
impl Provider for KeepAlive {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn endpoint(&self) -> &str {
        self.inner.endpoint()
    }

    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
        crate::server::touch(&self.paths, &self.model);
        let stream = self.inner.stream(request).await?;
        let paths = self.paths.clone();
        let model = self.model.clone();
        let mut last = Instant::now();
        Ok(Box::pin(stream.inspect(move |_| {
            if last.elapsed() >= TOUCH_EVERY {
                crate::server::touch(&paths, &model);
                last = Instant::now();
            }
        })))
    }
}
