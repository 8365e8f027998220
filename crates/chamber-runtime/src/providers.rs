//! Choosing and readying the models a run talks to: the main provider (with
//! `routing.prefer`), the local model's server, and the strategic and
//! tactical routes around them.

use std::sync::Arc;

use chamber_agent::{
    OneShotModel, ProviderChoice, Routes, build_provider, choice_for, choose_provider, model_table,
    plan_routes, preferred_model,
};
use chamber_config::Config;
use chamber_llm::{Preference, Provider, Target};
use chamber_local::ServerState;
use chamber_tools::{EditFormat, Registry};

use crate::error::{ErrorKind, RuntimeError};
use crate::setup::{Notice, Setup};

/// A ready model client, the choice it came from and, for the local model,
/// its server.
pub type ReadyProvider = (Arc<dyn Provider>, ProviderChoice, Option<ServerState>);

impl Setup {
    /// The provider that would be used, without starting anything.
    pub fn provider_choice(&self) -> Result<ProviderChoice, RuntimeError> {
        main_choice(&self.loaded.config)
    }

    /// The main provider for `config`, ready to use: for the local model its
    /// server is started (or reused) and requests keep it alive.
    pub async fn provider(
        &self,
        config: &Config,
        notice: Notice<'_>,
    ) -> Result<ReadyProvider, RuntimeError> {
        self.ready(config, main_choice(config)?, notice).await
    }

    /// Makes `choice` usable: starts the local model when it is one, and
    /// builds the client.
    pub async fn ready(
        &self,
        config: &Config,
        mut choice: ProviderChoice,
        notice: Notice<'_>,
    ) -> Result<ReadyProvider, RuntimeError> {
        let env = |k: &str| std::env::var(k).ok();
        check_key(&choice)?;
        let server = if choice.local {
            let st = crate::local::ensure_local(self, &choice.model, notice).await?;
            choice.base_url = st.base_url();
            Some(st)
        } else {
            None
        };
        let mut provider = build_provider(config, &choice, env).map_err(provider_error)?;
        if choice.local {
            provider = Arc::new(chamber_local::KeepAlive::new(
                provider,
                crate::local::local_paths(self),
                choice.model.clone(),
            ));
        }
        Ok((provider, choice, server))
    }

    /// A model for commands that ask once outside any run (commit
    /// messages, reviews, explanations): the same routes, retries,
    /// fallback, redaction and cost records as a run's turns.
    pub async fn one_shot_model(&self, notice: Notice<'_>) -> Result<OneShotModel, RuntimeError> {
        let config = &self.loaded.config;
        let (provider, choice, _) = self.provider(config, notice).await?;
        let routes = self.routes(config, &choice, provider, notice).await?;
        Ok(OneShotModel {
            choice,
            routes,
            provider: config.provider.clone(),
            redactor: self.redactor()?,
            store: self.store().await?,
        })
    }

    /// Builds the strategic and tactical chains around the main provider,
    /// making each other provider/model pair ready once.
    pub(crate) async fn routes(
        &self,
        config: &Config,
        main: &ProviderChoice,
        main_provider: Arc<dyn Provider>,
        notice: Notice<'_>,
    ) -> Result<Routes, RuntimeError> {
        let env = |k: &str| std::env::var(k).ok();
        let plan =
            plan_routes(config, main, &env).map_err(|e| RuntimeError::config(e, "routing"))?;
        let mut ready: Vec<(String, Arc<dyn Provider>)> = vec![(main.label(), main_provider)];
        for c in plan.distinct() {
            if !ready.iter().any(|(l, _)| *l == c.label()) {
                let (p, _, _) = self.ready(config, c.clone(), notice).await?;
                ready.push((c.label(), p));
            }
        }
        let targets = |chain: &[ProviderChoice]| -> Vec<Target> {
            chain
                .iter()
                .filter_map(|c| {
                    ready
                        .iter()
                        .find(|(l, _)| *l == c.label())
                        .map(|(_, p)| Target {
                            provider: p.clone(),
                            model: c.model.clone(),
                        })
                })
                .collect()
        };
        Ok(Routes {
            tactical: targets(&plan.tactical),
            strategic: targets(&plan.strategic),
            fall_on: plan.fall_on,
            escalate_after: plan.escalate_after,
            models: model_table(config),
        })
    }
}

/// The main provider choice, with `routing.prefer` applied.
fn main_choice(config: &Config) -> Result<ProviderChoice, RuntimeError> {
    let env = |k: &str| std::env::var(k).ok();
    if config.routing.prefer.is_empty() {
        return Ok(choose_provider(config, env));
    }
    let preference: Preference = config
        .routing
        .prefer
        .parse()
        .map_err(|e: String| RuntimeError::config(e, "routing"))?;
    let (provider, model, why) = preferred_model(config, preference, &env).map_err(|e| {
        RuntimeError::setting(
            "provider_setup",
            e,
            Some("set an API key, or drop --prefer and name --provider/--model"),
            ErrorKind::Provider,
        )
    })?;
    let mut choice = choice_for(config, &provider, &model, &env);
    choice.reason = why;
    Ok(choice)
}

/// The tools for this model: the edit format from `agent.edit_format`
/// (`auto` picks apply_patch for OpenAI models trained on it, search/replace
/// otherwise); symbol edits for remote models when enabled.
pub fn registry_for(config: &Config, choice: &ProviderChoice) -> Registry {
    let format = match config.agent.edit_format.parse::<EditFormat>() {
        Ok(f) => f,
        Err(_) => auto_edit_format(choice),
    };
    Registry::for_edit_format(format, config.agent.symbol_edits && !choice.local)
}

/// The edit format a model does best with when none is configured.
pub fn auto_edit_format(choice: &ProviderChoice) -> EditFormat {
    let model = choice.model.rsplit('/').next().unwrap_or(&choice.model);
    let openai_wire = choice.wire.starts_with("openai") && !choice.local;
    let trained_on_patches = ["gpt-4.1", "gpt-5", "o3", "o4"]
        .iter()
        .any(|p| model.starts_with(p));
    if openai_wire && trained_on_patches {
        EditFormat::ApplyPatch
    } else {
        EditFormat::SearchReplace
    }
}

/// A provider at its built-in address needs its API key: without it every
/// request would be refused (or, offline, look like a network failure and
/// be retried). A base URL of your own (a proxy, a local server) may not
/// need one, so it is let through.
fn check_key(choice: &ProviderChoice) -> Result<(), RuntimeError> {
    let needs_key = !choice.local
        && !choice.api_key_env.is_empty()
        && choice.base_url_source == chamber_agent::BUILTIN_BASE_URL_SOURCE;
    if !needs_key || choice.api_key_present {
        return Ok(());
    }
    let var = &choice.api_key_env;
    Err(RuntimeError::Setting {
        code: "provider_setup",
        message: format!(
            "provider {:?} needs an API key, and {var} is not set (or empty); nothing was sent",
            choice.provider
        ),
        hint: Some(format!(
            "export {var}=<your key>, or choose another provider with --provider (`chamber provider list` shows each one's key variable)"
        )),
        kind: ErrorKind::Provider,
    })
}

fn provider_error(e: chamber_llm::LlmError) -> RuntimeError {
    RuntimeError::setting(
        "provider_setup",
        e.to_string(),
        Some(e.kind.hint()),
        ErrorKind::Provider,
    )
}
