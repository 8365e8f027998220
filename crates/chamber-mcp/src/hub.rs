//! Every configured server of a run, started in parallel and each on its
//! own timeout: no server waits for another, and a run's first request
//! waits at most the grace period for the ones still starting.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chamber_config::McpConfig;
use chamber_tools::{ExternalTool, SourceChange, ToolSource};
use rmcp::model::{GetPromptRequestParams, Prompt, ReadResourceRequestParams, Resource};

use crate::content::{block_text, resource_text};
use crate::error::McpError;
use crate::slot::{ServerPhase, ServerStatus, Slot};

/// How long the first step waits after the last server became ready
/// while others are still starting.
pub const QUIET: Duration = Duration::from_millis(500);

/// The servers a run (or `chamber mcp test`) talks to.
pub struct McpHub {
    slots: BTreeMap<String, Arc<Slot>>,
    changes: Arc<Mutex<Vec<ServerStatus>>>,
    grace: Duration,
    settled: std::sync::atomic::AtomicBool,
    started_at: Mutex<Option<tokio::time::Instant>>,
}

impl std::fmt::Debug for McpHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpHub")
            .field("servers", &self.slots.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl McpHub {
    /// A hub over the enabled servers of `config`; nothing starts yet.
    pub fn new(config: &McpConfig, project: &Path) -> Arc<Self> {
        let changes = Arc::new(Mutex::new(Vec::new()));
        let slots = config
            .servers
            .iter()
            .filter(|(_, s)| s.enabled)
            .map(|(name, s)| {
                let slot = Slot::new(name, s.clone(), project.to_path_buf(), changes.clone());
                (name.clone(), Arc::new(slot))
            })
            .collect();
        Arc::new(Self {
            slots,
            changes,
            grace: Duration::from_millis(config.startup_grace_ms),
            settled: std::sync::atomic::AtomicBool::new(false),
            started_at: Mutex::new(None),
        })
    }

    /// Whether no server is enabled.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Starts every server not yet started, each on its own task; returns
    /// at once.
    pub fn start_all(&self) {
        self.started_at
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert_with(tokio::time::Instant::now);
        for slot in self.slots.values() {
            if slot.status().phase == ServerPhase::Stopped {
                slot.mark_starting();
                let slot = slot.clone();
                tokio::spawn(async move {
                    let _ = slot.session().await;
                });
            }
        }
    }

    /// Waits until no server is starting any more, or `limit` passes,
    /// whichever is first.
    pub async fn wait_started(&self, limit: Option<Duration>) {
        let deadline = tokio::time::Instant::now() + limit.unwrap_or(self.grace);
        self.wait_until(deadline, false).await;
    }

    /// The wait before a run's first step: until no server is starting,
    /// or the grace (counted from [`McpHub::start_all`], so time spent
    /// planning is not waited again) ends, or — once some server is ready —
    /// no other has become ready for [`QUIET`]: the rest are slow or hung,
    /// and join at a later step.
    pub async fn wait_for_first_step(&self) {
        let started = *self.started_at.lock().unwrap_or_else(|p| p.into_inner());
        let deadline = started.unwrap_or_else(tokio::time::Instant::now) + self.grace;
        self.wait_until(deadline, true).await;
    }

    async fn wait_until(&self, deadline: tokio::time::Instant, quiet: bool) {
        let count = || {
            self.slots
                .values()
                .fold((0, 0), |(starting, ready), s| match s.status().phase {
                    ServerPhase::Starting => (starting + 1, ready),
                    ServerPhase::Ready => (starting, ready + 1),
                    _ => (starting, ready),
                })
        };
        let mut seen_ready = count().1;
        let mut last_change = tokio::time::Instant::now();
        loop {
            let now = tokio::time::Instant::now();
            let (starting, ready) = count();
            if starting == 0 || now >= deadline {
                return;
            }
            if ready != seen_ready {
                seen_ready = ready;
                last_change = now;
            } else if quiet && ready > 0 && now - last_change >= QUIET {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Every server's state now, by name.
    pub fn statuses(&self) -> Vec<ServerStatus> {
        self.slots.values().map(|s| s.status()).collect()
    }

    /// State changes since the last call, oldest first (for the run's
    /// events).
    pub fn take_changes(&self) -> Vec<ServerStatus> {
        std::mem::take(&mut *self.changes.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Stops every server (child processes are killed).
    pub async fn stop_all(&self) {
        for slot in self.slots.values() {
            slot.stop().await;
        }
    }

    fn slot(&self, server: &str) -> Result<&Arc<Slot>, McpError> {
        self.slots
            .get(server)
            .ok_or_else(|| McpError::Unknown(server.to_string()))
    }

    /// Starts `server` if needed and waits for it (its own timeout).
    pub async fn ready(&self, server: &str) -> Result<ServerStatus, McpError> {
        let slot = self.slot(server)?;
        slot.session().await?;
        Ok(slot.status())
    }

    /// The server's tools as the model would see them.
    pub fn tools_of(&self, server: &str) -> Result<Vec<Arc<dyn ExternalTool>>, McpError> {
        Ok(self
            .slot(server)?
            .tools()
            .into_iter()
            .map(|t| t as Arc<dyn ExternalTool>)
            .collect())
    }

    /// The server's resources (empty when it has none).
    pub async fn resources(&self, server: &str) -> Result<Vec<Resource>, McpError> {
        let slot = self.slot(server)?;
        let session = slot.session().await?;
        if session
            .peer_info()
            .is_some_and(|i| i.capabilities.resources.is_none())
        {
            return Ok(Vec::new());
        }
        session
            .list_all_resources()
            .await
            .map_err(|e| request_error(server, "resources/list", e))
    }

    /// The server's prompts (empty when it has none).
    pub async fn prompts(&self, server: &str) -> Result<Vec<Prompt>, McpError> {
        let slot = self.slot(server)?;
        let session = slot.session().await?;
        if session
            .peer_info()
            .is_some_and(|i| i.capabilities.prompts.is_none())
        {
            return Ok(Vec::new());
        }
        session
            .list_all_prompts()
            .await
            .map_err(|e| request_error(server, "prompts/list", e))
    }

    /// A resource's text, for a run's context.
    pub async fn read_resource(&self, server: &str, uri: &str) -> Result<String, McpError> {
        let slot = self.slot(server)?;
        let session = slot.session().await?;
        let result = session
            .read_resource(ReadResourceRequestParams::new(uri))
            .await
            .map_err(|e| request_error(server, "resources/read", e))?;
        Ok(result
            .contents
            .iter()
            .map(resource_text)
            .collect::<Vec<_>>()
            .join("\n"))
    }

    /// A prompt filled with `arguments`, as the text of its messages, for
    /// use as a task.
    pub async fn prompt(
        &self,
        server: &str,
        name: &str,
        arguments: serde_json::Map<String, serde_json::Value>,
    ) -> Result<String, McpError> {
        let slot = self.slot(server)?;
        let session = slot.session().await?;
        let mut params = GetPromptRequestParams::new(name);
        if !arguments.is_empty() {
            params.arguments = Some(arguments);
        }
        let result = session
            .get_prompt(params)
            .await
            .map_err(|e| request_error(server, "prompts/get", e))?;
        Ok(result
            .messages
            .iter()
            .map(|m| block_text(&m.content))
            .collect::<Vec<_>>()
            .join("\n\n"))
    }
}

fn request_error(server: &str, what: &str, e: impl std::fmt::Display) -> McpError {
    McpError::Request {
        server: server.to_string(),
        what: what.to_string(),
        message: e.to_string(),
    }
}

impl ToolSource for McpHub {
    fn tools(&self) -> Vec<Arc<dyn ExternalTool>> {
        self.slots
            .values()
            .flat_map(|s| s.tools())
            .map(|t| t as Arc<dyn ExternalTool>)
            .collect()
    }

    fn settle(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            if !self.settled.swap(true, std::sync::atomic::Ordering::SeqCst) {
                self.wait_for_first_step().await;
            }
        })
    }

    fn take_changes(&self) -> Vec<SourceChange> {
        McpHub::take_changes(self)
            .into_iter()
            .map(|s| SourceChange {
                server: s.server,
                state: s.phase.as_str().to_string(),
                detail: s.detail,
                tools: s.tools,
            })
            .collect()
    }
}
