//! The provider half of `chamber doctor`: for each provider, is it
//! configured, does it answer, and does it list the model Chamber would use.

use std::time::Duration;

use chamber_agent::{ProviderChoice, all_provider_defs};
use chamber_config::Config;
use chamber_llm::{HttpSettings, Wire, list_models};
use serde::Serialize;

/// What doctor found about one provider.
#[derive(Debug, Serialize)]
pub struct ProviderReport {
    /// Provider name.
    pub name: String,
    /// Wire format.
    pub wire: String,
    /// Base URL probed.
    pub base_url: String,
    /// Key present, or none needed with an explicit URL.
    pub configured: bool,
    /// `ok`, `warn`, `fail` or `skip` (not configured).
    pub state: &'static str,
    /// Models listed by the provider (when reachable).
    pub models: Option<usize>,
    /// Whether the default (or chosen) model is among them.
    pub model_listed: Option<bool>,
    /// Human detail.
    pub detail: String,
}

/// Probes every configured provider (5 s each). A failure is `fail` for the
/// provider in use and `warn` for the others.
pub async fn provider_reports(config: &Config, main: &ProviderChoice) -> Vec<ProviderReport> {
    let env = |k: &str| std::env::var(k).ok();
    let mut out = Vec::new();
    for d in all_provider_defs(config) {
        let (base_url, url_source) = d.base_url(&env);
        let in_use = d.name == main.provider;
        let key_needed = d.api_key_env.is_some();
        let configured = if key_needed {
            d.key_present(&env)
        } else {
            url_source != "built-in default" || d.source != "built-in"
        } || in_use;
        let model = if in_use {
            main.model.clone()
        } else {
            d.default_model.clone()
        };
        let mut report = ProviderReport {
            name: d.name.clone(),
            wire: d.wire.clone(),
            base_url: base_url.clone(),
            configured,
            state: "skip",
            models: None,
            model_listed: None,
            detail: String::new(),
        };
        if !configured {
            report.detail = match &d.api_key_env {
                Some(var) => format!("not configured ({var} not set)"),
                None => "not configured".to_string(),
            };
            out.push(report);
            continue;
        }
        let Ok(wire) = d.wire.parse::<Wire>() else {
            report.state = "fail";
            report.detail = format!("unknown wire {:?}", d.wire);
            out.push(report);
            continue;
        };
        let settings = HttpSettings {
            base_url,
            api_key: d
                .api_key_env
                .as_deref()
                .and_then(&env)
                .filter(|v| !v.is_empty()),
            headers: d.headers.clone().into_iter().collect(),
            request_timeout: Duration::from_secs(5),
            stream: d.stream,
            max_response_bytes: chamber_llm::AnswerLimits::DEFAULT_MAX_BYTES,
        };
        match list_models(wire, &settings).await {
            Ok(models) => {
                let listed = models.contains(&model);
                report.models = Some(models.len());
                report.model_listed = Some(listed);
                report.state = if listed || models.is_empty() {
                    "ok"
                } else {
                    "warn"
                };
                report.detail = format!(
                    "reachable at {}; {} model(s){}",
                    settings.base_url,
                    models.len(),
                    if models.is_empty() {
                        String::new()
                    } else if listed {
                        format!(", {model} listed")
                    } else {
                        format!(", {model} NOT listed")
                    }
                );
            }
            Err(e) => {
                report.state = if in_use { "fail" } else { "warn" };
                report.detail = format!(
                    "{} at {}: {}; {}",
                    e.kind.code(),
                    settings.base_url,
                    e.message.chars().take(160).collect::<String>(),
                    e.kind.hint()
                );
            }
        }
        out.push(report);
    }
    out
}
