//! The worker loop: claims tasks from the queue (woken by this process's
//! submits, by PostgreSQL `NOTIFY` from any process, else by polling), as
//! many at once as it has free slots, runs up to `concurrency` at once, and stops taking new
//! work when asked to shut down. The server embeds workers; `chamber worker`
//! runs the same loop in its own process.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::{Semaphore, watch};

use crate::state::AppState;
use crate::task_run::run_claimed;

/// How one worker process takes tasks.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Tasks run at once.
    pub concurrency: usize,
    /// Queues to take tasks from (empty: all).
    pub queues: Vec<String>,
    /// Most running tasks per queue, across all workers.
    pub limits: HashMap<String, u32>,
    /// Name recorded as the lease owner.
    pub name: String,
}

impl WorkerOptions {
    /// `concurrency` slots on `queues` with `[server] queue_limits`, named
    /// after this host and process.
    pub fn from_config(
        concurrency: usize,
        queues: Vec<String>,
        c: &chamber_config::ServerConfig,
    ) -> Self {
        let mut opts = Self::new(concurrency, queues);
        opts.limits = c
            .queue_limits
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        opts
    }

    /// `concurrency` slots on `queues`, named after this host and process.
    pub fn new(concurrency: usize, queues: Vec<String>) -> Self {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "host".into());
        Self {
            concurrency: concurrency.max(1),
            queues,
            limits: HashMap::new(),
            name: format!("{host}:{}", std::process::id()),
        }
    }
}

/// Runs workers until `shutdown` turns true; then waits for the tasks in
/// hand to finish (a killed process leaves them to be rescued instead).
///
/// One claimer serves the `concurrency` slots: whenever slots are free it
/// claims as many tasks as there are free slots in one go (on PostgreSQL one
/// statement and one commit for all of them), and each claimed task runs
/// on its own. A slot never holds a claimed task it is not running, so no
/// lease waits without a heartbeat.
pub async fn run_workers(
    state: AppState,
    opts: WorkerOptions,
    mut shutdown: watch::Receiver<bool>,
) {
    state
        .workers_running
        .fetch_add(opts.concurrency, Ordering::SeqCst);
    tracing::info!(worker = %opts.name, concurrency = opts.concurrency, "workers started");
    let listening = listen_for_work(&state, shutdown.clone()).await;
    let slots = Arc::new(Semaphore::new(opts.concurrency));
    let mut running = tokio::task::JoinSet::new();
    while !*shutdown.borrow() {
        // Wait for a free slot, then take every other free one too.
        let first = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            changed = shutdown.changed() => {
                if changed.is_err() {
                    break;
                }
                continue;
            }
        };
        let mut permits = vec![first];
        while let Ok(p) = slots.clone().try_acquire_owned() {
            permits.push(p);
        }
        let wake = state.work.notified();
        let claims = state
            .store
            .claim_tasks(
                &opts.name,
                &opts.queues,
                state.settings.lease,
                &opts.limits,
                permits.len(),
            )
            .await;
        match claims {
            Ok(claims) if !claims.is_empty() => {
                for claim in claims {
                    let Some(permit) = permits.pop() else { break };
                    let state = state.clone();
                    running.spawn(async move {
                        run_claimed(&state, claim).await;
                        drop(permit);
                    });
                }
                // Free slots not used go back before the next claim.
                drop(permits);
            }
            Ok(_) => {
                drop(permits);
                tokio::select! {
                    _ = tokio::time::timeout(state.settings.poll, wake) => {}
                    _ = shutdown.changed() => {}
                }
            }
            Err(e) => {
                drop(permits);
                tracing::warn!(error = %e, "claim failed; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(state.settings.poll) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
        // Reap finished runs so the set does not grow.
        while running.try_join_next().is_some() {}
    }
    while running.join_next().await.is_some() {}
    state
        .workers_running
        .fetch_sub(opts.concurrency, Ordering::SeqCst);
    if let Some(listening) = listening {
        listening.abort();
    }
    tracing::info!(worker = %opts.name, "workers stopped");
}

/// On PostgreSQL, relays announcements of new work (from any process) to
/// this process's idle workers until shutdown. Polling remains the
/// fallback: a listener that cannot connect only logs.
async fn listen_for_work(
    state: &AppState,
    mut shutdown: watch::Receiver<bool>,
) -> Option<tokio::task::JoinHandle<()>> {
    let mut listener = match state.store.task_listener().await {
        Ok(Some(listener)) => listener,
        Ok(None) => return None,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for new work; polling only");
            return None;
        }
    };
    let work = state.work.clone();
    Some(tokio::spawn(async move {
        loop {
            tokio::select! {
                heard = listener.recv() => match heard {
                    Ok(()) => work.notify_one(),
                    Err(e) => {
                        tracing::warn!(error = %e, "listener lost; polling meanwhile");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                },
                _ = shutdown.changed() => break,
            }
        }
    }))
}
