//! A cancel request that a front end hands to a run: the run stops at its
//! next safe point (before a model call or a tool call) and records why.

use std::sync::{Arc, Mutex};

/// Shared between the run and whoever may cancel it; clones see the same
/// request. The default token is never cancelled.
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    reason: Arc<Mutex<Option<String>>>,
}

impl CancelToken {
    /// A fresh token that nothing has cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop; the first reason given is the one recorded.
    pub fn cancel(&self, reason: &str) {
        if let Ok(mut r) = self.reason.lock()
            && r.is_none()
        {
            *r = Some(reason.to_string());
        }
    }

    /// Why the run was cancelled, once it has been.
    pub fn reason(&self) -> Option<String> {
        self.reason.lock().ok().and_then(|r| r.clone())
    }
}
