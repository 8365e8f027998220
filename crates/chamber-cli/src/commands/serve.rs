use std::time::Duration;

use chamber_local::{
    LocalError, ServeOptions, ServerState, StopReason, default_threads, installed_runtime,
    resolve_model_file,
};
use serde_json::json;

use crate::exit::CliError;
use crate::output::{Output, style};
use crate::setup::Setup;
use chamber_runtime::local_paths;

/// Options of `chamber model serve`.
pub struct ServeArgs {
    /// Model name; the configured `local.model` when absent.
    pub model: Option<String>,
    /// Fixed port.
    pub port: Option<u16>,
    /// Idle stop in seconds (foreground default: never).
    pub idle_stop: Option<u64>,
    /// Generation threads.
    pub threads: Option<u32>,
    /// Started on demand by another chamber process.
    pub background: bool,
}

/// `chamber model serve`: runs llama-server in the foreground until Ctrl-C,
/// SIGTERM or the idle stop.
pub async fn serve(
    setup: &Setup,
    args: ServeArgs,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let cfg = &setup.loaded.config.local;
    let paths = local_paths(setup);
    let model = args.model.unwrap_or_else(|| cfg.model.clone());
    if installed_runtime(&paths).is_none() {
        return Err(LocalError::RuntimeMissing.into());
    }
    let model_path = resolve_model_file(&paths, &model)?;
    let threads = args
        .threads
        .or((cfg.threads > 0).then_some(cfg.threads))
        .unwrap_or_else(default_threads);
    let idle_stop = if args.background {
        Some(args.idle_stop.unwrap_or(cfg.idle_stop_secs))
    } else {
        args.idle_stop
    };
    let opts = ServeOptions {
        binary: paths.server_binary(),
        model: model.clone(),
        model_path,
        port: args.port,
        threads,
        context: cfg.context,
        idle_stop: idle_stop.filter(|s| *s > 0).map(Duration::from_secs),
        startup_timeout: Duration::from_secs(cfg.startup_timeout_secs.max(5)),
    };
    let mut on_ready = |st: &ServerState| {
        out.line(format!(
            "{} {} at {} (pid {}, {} thread{}, context {})",
            Output::styled(style::OK, "serving"),
            st.model,
            st.base_url(),
            st.server_pid,
            st.threads,
            if st.threads == 1 { "" } else { "s" },
            st.context
        ));
        out.line(Output::styled(
            style::DIM,
            format!(
                "log: {}; {}",
                st.log.display(),
                match st.idle_stop_secs {
                    Some(s) => format!("stops after {s}s idle"),
                    None => "Ctrl-C stops it".into(),
                }
            ),
        ));
        if out.is_json() {
            out.json_line(&json!({"event": "ready", "server": st}));
        }
    };
    let shutdown = async {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
        }
    };
    let reason = chamber_local::serve(&paths, &opts, &mut on_ready, shutdown).await?;
    out.line(match reason {
        StopReason::Idle => "stopped: idle",
        StopReason::Shutdown => "stopped",
    });
    Ok(json!({"model": model, "stopped": reason}))
}
