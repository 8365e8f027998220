//! Chamber's side of an MCP session: it names itself in `initialize` and
//! relays `notifications/progress` of a long tool call to that call's live
//! output, so they become `tool_output` events.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chamber_protocol::OutputStream;
use chamber_tools::OutputSink;
use rmcp::ClientHandler;
use rmcp::model::{
    ClientCapabilities, ClientConfig, Implementation, NumberOrString, ProgressNotificationParam,
    ProgressToken, ProtocolVersion,
};
use rmcp::service::{NotificationContext, RoleClient};

/// Routes progress notifications to the sink of the call that asked for
/// them, by progress token.
#[derive(Clone, Default)]
pub struct ProgressRelay {
    sinks: Arc<Mutex<Routes>>,
}

/// Each open call's sink and its count of notifications, by token.
type Routes = HashMap<String, (OutputSink, Arc<std::sync::atomic::AtomicU32>)>;

/// Unregisters a call's sink when the call ends, however it ends.
pub struct Subscription {
    relay: ProgressRelay,
    key: String,
    seen: Arc<std::sync::atomic::AtomicU32>,
}

impl Subscription {
    /// Progress notifications relayed so far.
    pub fn seen(&self) -> u32 {
        self.seen.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.relay.sinks().remove(&self.key);
    }
}

impl ProgressRelay {
    fn sinks(&self) -> MutexGuard<'_, Routes> {
        self.sinks.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sends progress for `token` to `sink` until the subscription drops.
    pub fn subscribe(&self, token: &ProgressToken, sink: OutputSink) -> Subscription {
        let key = token_key(token);
        let seen = Arc::new(std::sync::atomic::AtomicU32::new(0));
        self.sinks().insert(key.clone(), (sink, seen.clone()));
        Subscription {
            relay: self.clone(),
            key,
            seen,
        }
    }
}

fn token_key(token: &ProgressToken) -> String {
    match &token.0 {
        NumberOrString::Number(n) => n.to_string(),
        NumberOrString::String(s) => s.to_string(),
    }
}

/// One progress notification as a line of live output.
fn progress_line(p: &ProgressNotificationParam) -> String {
    let amount = match p.total {
        Some(total) => format!("{}/{}", p.progress, total),
        None => format!("{}", p.progress),
    };
    match &p.message {
        Some(message) if !message.is_empty() => format!("[progress {amount}] {message}\n"),
        _ => format!("[progress {amount}]\n"),
    }
}

impl ClientHandler for ProgressRelay {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        let sink = self
            .sinks()
            .get(&token_key(&params.progress_token))
            .cloned();
        if let Some((sink, seen)) = sink {
            seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            sink(OutputStream::Stdout, &progress_line(&params));
        }
    }

    fn get_info(&self) -> ClientConfig {
        // The initialize handshake (not the stateless 2026 lifecycle): every
        // server speaks it, and a Streamable HTTP session that expires can
        // then be re-initialized.
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("chamber", env!("CARGO_PKG_VERSION")),
        )
        .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE)
    }
}
