//! End-to-end tests: the real `chamber` binary against the scripted mock model server.
//!
//! One integration-test binary (like Codex) so the crate links once; each area has its own
//! module under `suite/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod suite;
