//! The CLI's side of run assembly: its global flags become the runtime's
//! overrides, and the runtime's notices go to stderr unless quiet. The
//! assembly itself lives in `chamber-runtime`, shared with the server.

pub use chamber_runtime::{Setup, budget_of, registry_for};

use crate::cli::GlobalArgs;
use crate::exit::CliError;
use crate::output::Output;

/// The runtime's overrides from `-C`, `--provider`, `--model`, `--prefer`
/// and `--base-url`.
pub fn overrides(global: &GlobalArgs) -> chamber_runtime::Overrides {
    chamber_runtime::Overrides {
        dir: global.dir.clone(),
        provider: global.provider.clone(),
        model: global.model.clone(),
        prefer: global.prefer.clone(),
        base_url: global.base_url.clone(),
        untrusted_project: false,
    }
}

/// Resolves the project and loads config layers (defaults → user →
/// project → env → flags).
pub fn resolve(global: &GlobalArgs) -> Result<Setup, CliError> {
    Ok(Setup::resolve(&overrides(global))?)
}

/// Prints the runtime's notices ("starting the local model…") on stderr,
/// unless `quiet`.
pub fn notice(quiet: bool) -> impl Fn(&str) + Sync {
    move |message: &str| {
        if !quiet {
            eprintln!("» {message}");
        }
    }
}

/// The notice printer for this invocation's output mode.
pub fn notice_for(out: &Output) -> impl Fn(&str) + Sync {
    notice(out.is_quiet() || out.is_json())
}
