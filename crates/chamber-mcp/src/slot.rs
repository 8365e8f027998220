//! One configured server's life: started on demand with its own timeout,
//! its tool list kept, restarted after it dies with a growing backoff.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chamber_config::McpServerConfig;
use rmcp::model::Tool;
use serde::Serialize;

use crate::connect::{Session, open};
use crate::error::McpError;
use crate::progress::ProgressRelay;
use crate::tool::McpTool;

/// Where a server is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerPhase {
    /// Not started (or stopped at the end of a run).
    Stopped,
    /// Starting, or answering `initialize`.
    Starting,
    /// Started, with its tools listed.
    Ready,
    /// The last start or the session failed; see the reason.
    Failed,
}

impl ServerPhase {
    /// The phase's name in events and output.
    pub fn as_str(self) -> &'static str {
        match self {
            ServerPhase::Stopped => "stopped",
            ServerPhase::Starting => "starting",
            ServerPhase::Ready => "ready",
            ServerPhase::Failed => "failed",
        }
    }
}

/// A server's state as the run, `status` and `doctor` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerStatus {
    /// The server's name.
    pub server: String,
    /// Where it is.
    pub phase: ServerPhase,
    /// The failure, or what is starting (`npx …`, the URL).
    pub detail: String,
    /// Tools it offers (after allow/deny lists), once ready.
    pub tools: usize,
}

/// The session and its restart bookkeeping.
#[derive(Default)]
struct Live {
    session: Option<Arc<Session>>,
    failures: u32,
    retry_at: Option<Instant>,
    last_error: String,
}

/// What other threads read without waiting for a start in progress.
struct Snapshot {
    status: ServerStatus,
    tools: Vec<Arc<McpTool>>,
}

/// One configured server.
pub struct Slot {
    /// The server's name from `[mcp.servers.NAME]`.
    pub name: String,
    /// Its settings.
    pub config: McpServerConfig,
    project: PathBuf,
    pub(crate) relay: ProgressRelay,
    live: tokio::sync::Mutex<Live>,
    snapshot: Mutex<Snapshot>,
    changes: Arc<Mutex<Vec<ServerStatus>>>,
}

/// Longest wait between restarts of a failing server.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

fn backoff(failures: u32) -> Duration {
    let secs = 1u64 << failures.saturating_sub(1).min(5);
    Duration::from_secs(secs).min(MAX_BACKOFF)
}

impl Slot {
    pub(crate) fn new(
        name: &str,
        config: McpServerConfig,
        project: PathBuf,
        changes: Arc<Mutex<Vec<ServerStatus>>>,
    ) -> Self {
        Self {
            name: name.to_string(),
            config,
            project,
            relay: ProgressRelay::default(),
            live: tokio::sync::Mutex::new(Live::default()),
            snapshot: Mutex::new(Snapshot {
                status: ServerStatus {
                    server: name.to_string(),
                    phase: ServerPhase::Stopped,
                    detail: String::new(),
                    tools: 0,
                },
                tools: Vec::new(),
            }),
            changes,
        }
    }

    fn snapshot(&self) -> MutexGuard<'_, Snapshot> {
        self.snapshot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The server's state now.
    pub fn status(&self) -> ServerStatus {
        self.snapshot().status.clone()
    }

    /// The tools it offers now: once it has been ready, its tools stay on
    /// offer while it restarts or after it failed, so the next call starts
    /// it again (after its backoff); a server never ready offers none.
    pub fn tools(&self) -> Vec<Arc<McpTool>> {
        let snap = self.snapshot();
        if snap.status.phase == ServerPhase::Stopped {
            Vec::new()
        } else {
            snap.tools.clone()
        }
    }

    fn set(&self, phase: ServerPhase, detail: String, tools: Option<Vec<Arc<McpTool>>>) {
        let status = {
            let mut snap = self.snapshot();
            if let Some(tools) = tools {
                snap.tools = tools;
            }
            snap.status = ServerStatus {
                server: self.name.clone(),
                phase,
                detail,
                tools: if phase == ServerPhase::Stopped {
                    0
                } else {
                    snap.tools.len()
                },
            };
            snap.status.clone()
        };
        self.changes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(status);
    }

    /// Shows the server as starting (before its task gets to it, so a
    /// waiter never sees it as stopped).
    pub(crate) fn mark_starting(&self) {
        self.set(ServerPhase::Starting, self.what_starts(), None);
    }

    fn what_starts(&self) -> String {
        if self.config.is_http() {
            self.config.url.clone()
        } else {
            let mut line = vec![self.config.command.clone()];
            line.extend(self.config.args.iter().cloned());
            line.join(" ")
        }
    }

    /// A live session: the current one, or a new one when there is none or
    /// the old one died (unless the last failure's backoff has not ended).
    pub async fn session(self: &Arc<Self>) -> Result<Arc<Session>, McpError> {
        let mut live = self.live.lock().await;
        if let Some(session) = &live.session {
            if !session.is_closed() && !session.peer().is_transport_closed() {
                return Ok(session.clone());
            }
            live.session = None;
            live.failures += 1;
            live.last_error = "the server exited or closed the connection".into();
            live.retry_at = Some(Instant::now() + backoff(live.failures));
            // The first restart after a death is immediate: a server that
            // crashed once usually starts again.
            if live.failures == 1 {
                live.retry_at = None;
            }
        }
        if let Some(at) = live.retry_at {
            let now = Instant::now();
            if at > now {
                return Err(McpError::Backoff {
                    server: self.name.clone(),
                    reason: live.last_error.clone(),
                    retry_in_secs: (at - now).as_secs().max(1),
                });
            }
        }
        if self.status().phase != ServerPhase::Starting {
            self.mark_starting();
        }
        let limit = Duration::from_secs(self.config.startup_timeout_secs.max(1));
        let started = tokio::time::timeout(limit, self.start()).await;
        let outcome = match started {
            Ok(outcome) => outcome,
            Err(_) => Err(McpError::Start {
                server: self.name.clone(),
                message: format!(
                    "no answer within {} s (startup_timeout_secs)",
                    limit.as_secs()
                ),
            }),
        };
        match outcome {
            Ok((session, tools)) => {
                let session = Arc::new(session);
                live.session = Some(session.clone());
                live.retry_at = None;
                live.failures = 0;
                live.last_error.clear();
                let count = tools.len();
                self.set(ServerPhase::Ready, format!("{count} tool(s)"), Some(tools));
                Ok(session)
            }
            Err(e) => {
                live.failures += 1;
                live.last_error = e.to_string();
                live.retry_at = Some(Instant::now() + backoff(live.failures));
                self.set(ServerPhase::Failed, e.to_string(), None);
                Err(e)
            }
        }
    }

    async fn start(self: &Arc<Self>) -> Result<(Session, Vec<Arc<McpTool>>), McpError> {
        let session = open(&self.name, &self.config, &self.project, self.relay.clone()).await?;
        let listed: Vec<Tool> = if session
            .peer_info()
            .is_some_and(|i| i.capabilities.tools.is_none())
        {
            Vec::new()
        } else {
            session
                .list_all_tools()
                .await
                .map_err(|e| McpError::Request {
                    server: self.name.clone(),
                    what: "tools/list".into(),
                    message: e.to_string(),
                })?
        };
        let tools = listed
            .into_iter()
            .filter(|t| self.config.offers(&t.name))
            .map(|t| Arc::new(McpTool::new(self, t)))
            .collect();
        Ok((session, tools))
    }

    /// Marks the session dead after a transport failure, so the next call
    /// starts the server again.
    pub(crate) async fn forget(&self, failed: &Arc<Session>, reason: &str) {
        let mut live = self.live.lock().await;
        // Another call may have replaced the session meanwhile: keep that one.
        if live
            .session
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(s, failed))
        {
            live.session = None;
            live.failures += 1;
            live.last_error = reason.to_string();
            live.retry_at = (live.failures > 1).then(|| Instant::now() + backoff(live.failures));
            self.set(ServerPhase::Failed, reason.to_string(), None);
        }
    }

    /// Drops an HTTP session that stopped answering, without counting a
    /// failure: the next call opens a new one (a server that restarted and
    /// forgot the session may answer it with an error the client cannot
    /// match to the request, and it would wait forever).
    pub(crate) async fn reset_session(&self, stale: &Arc<Session>) {
        let mut live = self.live.lock().await;
        if live.session.as_ref().is_some_and(|s| Arc::ptr_eq(s, stale)) {
            live.session = None;
        }
    }

    /// Ends the session (the child process is killed with it).
    pub async fn stop(&self) {
        let session = self.live.lock().await.session.take();
        if let Some(session) = session {
            if let Ok(session) = Arc::try_unwrap(session) {
                let _ = session.cancel().await;
            }
            self.set(ServerPhase::Stopped, String::new(), Some(Vec::new()));
        }
    }
}
