use std::sync::Arc;

use chamber_llm::{ChatRequest, EventStream, LlmError, Provider};

use crate::LocalPaths;

/// Wraps the provider that talks to a local server and marks the server as
/// used on every request, so its supervisor does not stop it mid-run.
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
        self.inner.stream(request).await
    }
}
