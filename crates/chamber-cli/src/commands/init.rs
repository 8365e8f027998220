use std::path::Path;

use chamber_policy::DEFAULT_POLICY_TOML;
use chamber_tools::atomic::write_atomic;
use serde_json::json;

use crate::exit::{CliError, status};
use crate::output::Output;

/// The config file `chamber init` writes: every line commented, so the
/// defaults stay in force until the user opts in.
const CONFIG_TEMPLATE: &str = r#"# Chamber project configuration. Layers: built-in defaults, then
# ~/.config/chamber/config.toml, then this file, then CHAMBER_* variables, then flags.
# Every key is listed in docs/configuration.md.

[provider]
# name = "openai"                 # any OpenAI-compatible server
# model = "gpt-4o-mini"
# base_url = "http://127.0.0.1:8080/v1"
# api_key_env = "OPENAI_API_KEY"

[agent]
# max_turns_per_step = 12
# shell_timeout_secs = 120

[git]
# branch_prefix = "chamber/"
# commit = true

[approval]
# mode = "ask"                    # read-only | ask | auto-edit | full-auto (--mode per run)
"#;

/// Creates `.chamber/` with config, policy and the run-data ignore file;
/// existing files are kept.
pub fn init(root: &Path, out: &Output) -> Result<serde_json::Value, CliError> {
    let dir = root.join(".chamber");
    let files = [
        ("config.toml", CONFIG_TEMPLATE),
        ("policy.toml", DEFAULT_POLICY_TOML),
        (".gitignore", chamber_agent::CHAMBER_GITIGNORE),
    ];
    let mut created = Vec::new();
    let mut kept = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        if path.exists() {
            kept.push(path.display().to_string());
            continue;
        }
        write_atomic(&path, text.as_bytes()).map_err(|e| {
            CliError::new(
                "io_failed",
                format!("cannot write {}: {e}", path.display()),
                Some("check permissions and free disk space"),
                status::INTERNAL,
            )
        })?;
        created.push(path.display().to_string());
    }
    if !out.is_quiet() {
        for p in &created {
            out.line(format!("created {p}"));
        }
        for p in &kept {
            out.line(format!("kept    {p} (already exists)"));
        }
        out.line(
            "Run data (.chamber/runs/) is ignored by git; commit config.toml and policy.toml.",
        );
    }
    Ok(json!({"root": root.display().to_string(), "created": created, "kept": kept}))
}
