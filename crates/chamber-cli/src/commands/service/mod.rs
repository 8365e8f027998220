//! The service commands: `chamber serve`, `chamber worker`, `chamber token`
//! and `chamber task` (on the local queue, or a server with `--server`).

pub mod api_client;
pub mod serve;
pub mod task;
pub mod task_remote;
pub mod task_text;
pub mod token;
