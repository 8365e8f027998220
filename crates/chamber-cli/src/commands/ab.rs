//! `chamber ab "task" --providers a,b:model,…`: the front end of
//! `chamber_bench::ab`, which runs the same task on several providers and
//! checks the winner out; this prints the table and sets the exit status.

use chamber_bench::ab::AbOptions;
use serde_json::Value;

use super::bench::Screen;
use crate::exit::{CliError, status};
use crate::output::Output;
use crate::setup::Setup;

/// Runs every attempt, prints the table, applies the winner; exits
/// `RUN_FAILED` when no attempt committed a change.
pub async fn ab(setup: &Setup, args: AbOptions, out: &Output) -> Result<(Value, i32), CliError> {
    let exe = std::env::current_exe()
        .map_err(|e| CliError::new("io_failed", e.to_string(), None, status::INTERNAL))?;
    let report = chamber_bench::ab::run(&setup.root, &setup.loaded.config.test, &exe, args).await?;
    for line in report.table(&Screen::new(out, true)) {
        out.line(line);
    }
    let code = if report.applied.is_some() {
        status::OK
    } else {
        status::RUN_FAILED
    };
    Ok((report.to_json(), code))
}
