//! One module per command family; each returns its payload or a `CliError`.

pub mod bench;
pub mod bench_edits;
pub mod commit;
pub mod config_show;
pub mod doctor;
pub mod doctor_providers;
pub mod fix;
pub mod init;
pub mod model;
pub mod model_chat;
pub mod patch;
pub mod patch_apply;
pub mod pr;
pub mod pr_body;
pub mod provider;
pub mod review;
pub mod run;
pub mod runs;
pub mod serve;
pub mod stats;
pub mod status;
pub mod tail;
pub mod test;
pub mod test_watch;
pub mod undo;
