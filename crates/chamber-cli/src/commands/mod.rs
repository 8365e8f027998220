//! One module per command family; each returns its payload or a `CliError`.

pub mod config_show;
pub mod init;
pub mod run;
pub mod runs;
pub mod status;
pub mod tail;
