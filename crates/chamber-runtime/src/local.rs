//! The built-in local model's server for a run: reused when one is running,
//! else started as a detached `chamber model serve --background` supervisor.

use std::process::{Command, Stdio};
use std::time::Duration;

use chamber_local::{
    LocalPaths, ServerState, ensure_server, installed_runtime, resolve_model_file,
};

use crate::error::RuntimeError;
use crate::setup::{Notice, Setup};

/// The local model's files inside this invocation's data directory.
pub fn local_paths(setup: &Setup) -> LocalPaths {
    LocalPaths::new(&setup.dirs.data)
}

/// A ready local server for `model`: reuses a running one, else starts a
/// detached `chamber model serve --background` supervisor that stops the
/// server after `local.idle_stop_secs` without use.
pub(crate) async fn ensure_local(
    setup: &Setup,
    model: &str,
    notice: Notice<'_>,
) -> Result<ServerState, RuntimeError> {
    let paths = local_paths(setup);
    if installed_runtime(&paths).is_none() {
        return Err(chamber_local::LocalError::RuntimeMissing.into());
    }
    resolve_model_file(&paths, model)?;
    if let Some(st) = chamber_local::running_server(&paths, model)
        && st.ready
    {
        chamber_local::touch(&paths, model);
        return Ok(st);
    }
    notice(&format!(
        "starting the local model {model} (no API key configured; `chamber doctor` explains the choice)"
    ));
    let root = setup.root.clone();
    let log = paths.logs().join(format!("model-serve-{model}.log"));
    let model_name = model.to_string();
    let mut launch = move || -> std::io::Result<()> {
        use std::os::unix::process::CommandExt;
        std::fs::create_dir_all(log.parent().unwrap_or(&root))?;
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)?;
        let err = out.try_clone()?;
        Command::new(std::env::current_exe()?)
            .args(["model", "serve", &model_name, "--background"])
            .current_dir(&root)
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            // Its own process group: Ctrl-C in this terminal does not stop it.
            .process_group(0)
            .spawn()
            .map(|_| ())
    };
    let timeout = Duration::from_secs(setup.loaded.config.local.startup_timeout_secs.max(5));
    let st = ensure_server(&paths, model, &mut launch, timeout).await?;
    Ok(st)
}
