//! What every handler and worker shares: the store, the settings, the
//! metrics, and the signal that wakes event streams and idle workers.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chamber_store::{RetryPolicy, Store};
use tokio::sync::Notify;

use crate::metrics::Metrics;

/// The service's settings, from `[server]` and the flags of `chamber serve`.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// Directories under which tasks may name repositories (canonical).
    pub repo_roots: Vec<PathBuf>,
    /// Require bearer tokens.
    pub auth: bool,
    /// Most unfinished tasks before submissions get 429.
    pub queue_cap: u64,
    /// Largest request body in bytes.
    pub max_body_bytes: usize,
    /// How long a claim holds without a heartbeat.
    pub lease: Duration,
    /// How long an approval request waits.
    pub approval_timeout: Duration,
    /// Attempts before a task is dead-lettered.
    pub max_attempts: u32,
    /// Requests per minute per token (0: unlimited).
    pub rate_limit_per_minute: u32,
    /// Queues the embedded workers take tasks from.
    pub queues: Vec<String>,
    /// Backoff between attempts.
    pub retry: RetryPolicy,
    /// How often streams and idle workers look at the store when nothing
    /// woke them (another machine's worker cannot).
    pub poll: Duration,
    /// Browser origins allowed by CORS (empty: CORS off).
    pub cors_origins: Vec<String>,
    /// URL prefixes of git remotes tasks may name (empty: none).
    pub allowed_remotes: Vec<String>,
    /// Push a remote task's branch back when its run commits.
    pub push_remote_branches: bool,
    /// Longest a clone, fetch or push may take.
    pub remote_timeout: Duration,
}

impl ServerSettings {
    /// Settings from the `[server]` section; `repo_roots` are made
    /// canonical (a root that does not exist is dropped with a warning).
    pub fn from_config(c: &chamber_config::ServerConfig) -> Self {
        Self {
            repo_roots: c
                .repo_roots
                .iter()
                .filter_map(|r| canonical_root(std::path::Path::new(r)))
                .collect(),
            auth: c.auth,
            queue_cap: c.queue_cap,
            max_body_bytes: usize::try_from(c.max_body_bytes).unwrap_or(usize::MAX),
            lease: Duration::from_secs(c.lease_secs.max(1)),
            approval_timeout: Duration::from_secs(c.approval_timeout_secs.max(1)),
            max_attempts: c.max_attempts.max(1),
            rate_limit_per_minute: c.rate_limit_per_minute,
            queues: c.queues.clone(),
            retry: RetryPolicy::default(),
            poll: Duration::from_millis(250),
            cors_origins: c.cors_origins.clone(),
            allowed_remotes: c.allowed_remotes.clone(),
            push_remote_branches: c.push_remote_branches,
            remote_timeout: Duration::from_secs(c.remote_timeout_secs.max(1)),
        }
    }
}

/// A repository root as compared against task paths.
pub fn canonical_root(path: &std::path::Path) -> Option<PathBuf> {
    match path.canonicalize() {
        Ok(p) => Some(p),
        Err(e) => {
            tracing::warn!(root = %path.display(), error = %e, "repo root skipped");
            None
        }
    }
}

/// How long a verified token is trusted without asking the store again.
pub const TOKEN_TTL: Duration = Duration::from_secs(5);

/// Shared by handlers and workers; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database: queue, runs, events, tokens, approvals.
    pub store: Store,
    /// The settings in force.
    pub settings: Arc<ServerSettings>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Rung when a task is queued or an event is recorded in this process.
    pub wake: Arc<Notify>,
    /// Wakes one idle worker slot per announcement of new work (a submit
    /// here, or PostgreSQL `NOTIFY` from anywhere): waking every slot for
    /// each task had them all race for it.
    pub work: Arc<Notify>,
    /// Workers running in this process.
    pub workers_running: Arc<AtomicUsize>,
    /// Workers this process was asked to run.
    pub workers_wanted: usize,
    /// New events, read once and fanned out to every stream.
    pub hub: Arc<crate::event_hub::EventHub>,
    /// Tokens verified in the last few seconds, by the SHA-256 of their
    /// secret (never the secret itself).
    verified: Arc<Mutex<HashMap<String, (chamber_store::TokenRecord, Instant)>>>,
    /// Refusals under load, so their log entries can be spaced out.
    pub backpressure: Arc<crate::backpressure::BackpressureLog>,
    rate: Arc<Mutex<HashMap<String, (Instant, u32)>>>,
}

impl AppState {
    /// State over an open store.
    pub fn new(store: Store, settings: ServerSettings, workers_wanted: usize) -> Self {
        Self {
            store,
            settings: Arc::new(settings),
            metrics: Arc::new(Metrics::new()),
            wake: Arc::new(Notify::new()),
            work: Arc::new(Notify::new()),
            workers_running: Arc::new(AtomicUsize::new(0)),
            workers_wanted,
            hub: Arc::new(crate::event_hub::EventHub::new()),
            verified: Arc::new(Mutex::new(HashMap::new())),
            backpressure: Arc::default(),
            rate: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Tells this process that a task became claimable: one idle worker
    /// slot and every waiting event stream wake.
    pub fn announce_work(&self) {
        self.work.notify_one();
        self.wake.notify_waiters();
    }

    /// Whether every worker asked for is running.
    pub fn workers_ready(&self) -> bool {
        self.workers_running.load(Ordering::SeqCst) >= self.workers_wanted
    }

    /// The token for `secret`: from the store, or from a verification at
    /// most `TOKEN_TTL` old (so a revocation takes effect within that).
    pub async fn verify_token(
        &self,
        secret: &str,
    ) -> Result<Option<chamber_store::TokenRecord>, chamber_store::StoreError> {
        use sha2::{Digest, Sha256};
        let key: String = Sha256::digest(secret.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let now = Instant::now();
        if let Ok(map) = self.verified.lock()
            && let Some((record, at)) = map.get(&key)
            && now.duration_since(*at) < TOKEN_TTL
        {
            return Ok(Some(record.clone()));
        }
        let found = self.store.verify_token(secret).await?;
        if let (Some(record), Ok(mut map)) = (&found, self.verified.lock()) {
            map.retain(|_, (_, at)| now.duration_since(*at) < TOKEN_TTL);
            map.insert(key, (record.clone(), now));
        }
        Ok(found)
    }

    /// Counts one request for `key` in this minute; `Err(seconds)` to wait
    /// when the limit is reached.
    pub fn rate_check(&self, key: &str) -> Result<(), u64> {
        let limit = self.settings.rate_limit_per_minute;
        if limit == 0 {
            return Ok(());
        }
        let Ok(mut map) = self.rate.lock() else {
            return Ok(());
        };
        let now = Instant::now();
        if map.len() > 10_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let entry = map.entry(key.to_string()).or_insert((now, 0));
        let window = Duration::from_secs(60);
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            let left = window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}
