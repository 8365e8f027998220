//! `chamber budget set|show` and `chamber provider set`: the settings a
//! person changes most, written into the project's `.chamber/config.toml`
//! (or the user config) in place, checked to load before they are saved.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;
use toml_edit::value;

use crate::commands::config_edit;
use crate::exit::{CliError, status};
use crate::output::Output;
use crate::setup::Setup;

/// The limits `budget set` was given; `None` leaves a limit as it is.
pub struct Limits {
    /// Most USD a run may spend.
    pub cost: Option<f64>,
    /// Longest a run may take.
    pub time: Option<Duration>,
    /// Most tokens a run may use.
    pub tokens: Option<u64>,
}

fn target(setup: &Setup, user: bool) -> PathBuf {
    if user {
        setup.dirs.user_config.clone()
    } else {
        setup.root.join(".chamber/config.toml")
    }
}

/// Writes the given limits under `[budget]`.
pub fn budget_set(
    setup: &Setup,
    limits: Limits,
    user: bool,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    if limits.cost.is_some_and(|c| !c.is_finite() || c < 0.0) {
        return Err(CliError::new(
            "usage",
            "--cost must be a number of USD, 0 or more",
            Some("0 lifts the limit"),
            status::USAGE,
        ));
    }
    let path = target(setup, user);
    let mut doc = config_edit::read(&path)?;
    let table = config_edit::section(&mut doc, "budget")?;
    let mut set = serde_json::Map::new();
    if let Some(cost) = limits.cost {
        table["cost_usd"] = value(cost);
        set.insert("cost_usd".into(), json!(cost));
    }
    if let Some(time) = limits.time {
        let secs = i64::try_from(time.as_secs()).unwrap_or(i64::MAX);
        table["time_secs"] = value(secs);
        set.insert("time_secs".into(), json!(secs));
    }
    if let Some(tokens) = limits.tokens {
        let tokens = i64::try_from(tokens).unwrap_or(i64::MAX);
        table["tokens"] = value(tokens);
        set.insert("tokens".into(), json!(tokens));
    }
    config_edit::write(&path, &doc)?;
    let shown: Vec<String> = set.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    out.line(format!(
        "[budget] {} in {}",
        shown.join(", "),
        path.display()
    ));
    Ok(json!({ "file": path.display().to_string(), "budget": set }))
}

/// The budget in effect, each limit with the layer it came from.
pub fn budget_show(setup: &Setup, out: &Output) -> serde_json::Value {
    let b = &setup.loaded.config.budget;
    let origin = |key: &str| {
        setup
            .loaded
            .origins
            .get(&format!("budget.{key}"))
            .cloned()
            .unwrap_or_else(|| "default".into())
    };
    let limit = |v: String, unlimited: bool| if unlimited { "no limit".to_string() } else { v };
    out.line(format!(
        "cost:   {}  ({})",
        limit(format!("${}", b.cost_usd), b.cost_usd <= 0.0),
        origin("cost_usd")
    ));
    out.line(format!(
        "time:   {}  ({})",
        limit(format!("{} s", b.time_secs), b.time_secs == 0),
        origin("time_secs")
    ));
    out.line(format!(
        "tokens: {}  ({})",
        limit(b.tokens.to_string(), b.tokens == 0),
        origin("tokens")
    ));
    json!({
        "cost_usd": b.cost_usd, "time_secs": b.time_secs, "tokens": b.tokens,
        "origins": {
            "cost_usd": origin("cost_usd"),
            "time_secs": origin("time_secs"),
            "tokens": origin("tokens"),
        }
    })
}

/// Writes `[provider] name` (and `model`), refusing names no provider has.
pub fn provider_set(
    setup: &Setup,
    name: &str,
    model: Option<&str>,
    user: bool,
    out: &Output,
) -> Result<serde_json::Value, CliError> {
    let config = &setup.loaded.config;
    let names: Vec<String> = chamber_agent::all_provider_defs(config)
        .into_iter()
        .map(|d| d.name)
        .chain(["local".to_string(), "auto".to_string()])
        .collect();
    if !names.iter().any(|n| n == name) {
        return Err(CliError::new(
            "unknown_provider",
            format!("no provider named {name:?}; known: {}", names.join(", ")),
            Some("define others under [providers.NAME]; nothing was changed"),
            status::NOT_FOUND,
        ));
    }
    let path = target(setup, user);
    let mut doc = config_edit::read(&path)?;
    let table = config_edit::section(&mut doc, "provider")?;
    table["name"] = value(name);
    if let Some(model) = model {
        table["model"] = value(model);
    }
    config_edit::write(&path, &doc)?;
    out.line(format!(
        "[provider] name = {name:?}{} in {}; `chamber status` shows what is in effect",
        model
            .map(|m| format!(", model = {m:?}"))
            .unwrap_or_default(),
        path.display()
    ));
    Ok(json!({ "file": path.display().to_string(), "name": name, "model": model }))
}
