use std::path::{Path, PathBuf};

use std::sync::Arc;

use chamber_agent::{
    Engine, ProviderChoice, Routes, build_provider, build_redactor, choice_for, choose_provider,
    model_table, plan_routes, preferred_model,
};
use chamber_config::{Config, Dirs, LoadedConfig, Sources, find_project_root, load};
use chamber_llm::{Preference, Provider, Target};
use chamber_local::ServerState;
use chamber_policy::Policy;
use chamber_policy::{Budget, Redactor};
use chamber_store::Store;
use chamber_tools::{EditFormat, Registry};

use crate::cli::GlobalArgs;
use crate::exit::{CliError, status};
use crate::output::Output;

/// Paths and config resolved for one invocation.
pub struct Setup {
    /// Project root.
    pub root: PathBuf,
    /// User directories.
    pub dirs: Dirs,
    /// Merged config.
    pub loaded: LoadedConfig,
}

impl Setup {
    /// Resolves the project and loads config layers (defaults → user →
    /// project → env → flags).
    pub fn resolve(global: &GlobalArgs) -> Result<Self, CliError> {
        let cwd = std::env::current_dir().map_err(|e| {
            CliError::new(
                "io_failed",
                format!("cannot read the current directory: {e}"),
                None,
                status::INTERNAL,
            )
        })?;
        let start = match &global.dir {
            Some(d) if d.is_absolute() => d.clone(),
            Some(d) => cwd.join(d),
            None => cwd,
        };
        if !start.is_dir() {
            return Err(CliError::new(
                "bad_directory",
                format!("{} is not a directory", start.display()),
                Some("check the -C argument"),
                status::INTERNAL,
            ));
        }
        let start = start.canonicalize().unwrap_or(start);
        let root = find_project_root(&start);
        let dirs = Dirs::from_process_env();
        let mut flags = Vec::new();
        if let Some(p) = &global.provider {
            flags.push(("provider.name".to_string(), toml::Value::String(p.clone())));
        }
        if let Some(m) = &global.model {
            flags.push(("provider.model".to_string(), toml::Value::String(m.clone())));
        }
        if let Some(p) = &global.prefer {
            flags.push(("routing.prefer".to_string(), toml::Value::String(p.clone())));
        }
        if let Some(u) = &global.base_url {
            flags.push((
                "provider.base_url".to_string(),
                toml::Value::String(u.clone()),
            ));
        }
        let sources = Sources {
            user_file: Some(dirs.user_config.clone()),
            project_file: Some(root.join(".chamber/config.toml")),
            env: std::env::vars()
                .filter(|(k, _)| k.starts_with("CHAMBER_"))
                .collect(),
            flags,
        };
        let loaded = load(&sources)?;
        Ok(Self { root, dirs, loaded })
    }

    /// Opens the database.
    pub async fn store(&self) -> Result<Store, CliError> {
        let path = self.dirs.database();
        Store::open(&path).await.map_err(|e| {
            CliError::new(
                "store_failed",
                format!("cannot open the database {}: {e}", path.display()),
                Some("check free disk space and permissions, or set CHAMBER_HOME to another directory"),
                status::INTERNAL,
            )
        })
    }

    /// The provider that would be used, without starting anything.
    pub fn provider_choice(&self) -> Result<ProviderChoice, CliError> {
        main_choice(&self.loaded.config)
    }

    /// The main provider for `config`, ready to use: for the local model its
    /// server is started (or reused) and requests keep it alive. Returns the
    /// local server's state too.
    pub async fn provider(
        &self,
        config: &Config,
        quiet: bool,
    ) -> Result<(Arc<dyn Provider>, ProviderChoice, Option<ServerState>), CliError> {
        self.ready(config, main_choice(config)?, quiet).await
    }

    /// Makes `choice` usable: starts the local model when it is one, and
    /// builds the client.
    pub async fn ready(
        &self,
        config: &Config,
        mut choice: ProviderChoice,
        quiet: bool,
    ) -> Result<(Arc<dyn Provider>, ProviderChoice, Option<ServerState>), CliError> {
        let env = |k: &str| std::env::var(k).ok();
        check_key(&choice)?;
        let server = if choice.local {
            let st = crate::local_server::ensure_local(self, &choice.model, quiet).await?;
            choice.base_url = st.base_url();
            Some(st)
        } else {
            None
        };
        let mut provider = build_provider(config, &choice, env).map_err(provider_error)?;
        if choice.local {
            provider = Arc::new(chamber_local::KeepAlive::new(
                provider,
                crate::local_server::local_paths(self),
                choice.model.clone(),
            ));
        }
        Ok((provider, choice, server))
    }

    /// Builds the engine for acting commands, starting the local model
    /// when it is the chosen provider.
    pub async fn engine(&self, out: &Output) -> Result<Engine, CliError> {
        let mut config = self.loaded.config.clone();
        let quiet = out.is_quiet() || out.is_json();
        let (provider, choice, _) = self.provider(&config, quiet).await?;
        let routes = self.routes(&config, &choice, provider, quiet).await?;
        if choice.local {
            // Small models: a shorter project tree keeps the prompt inside their reach.
            config.agent.tree_max_entries = config.agent.tree_max_entries.min(60);
            config.agent.output_cap_bytes = config.agent.output_cap_bytes.min(8 * 1024);
        }
        let budget = budget_of(&config);
        let registry = registry_for(&config, &choice);
        Ok(Engine {
            config,
            store: self.store().await?,
            routes,
            budget,
            choice,
            policy: load_policy(&self.root)?,
            registry,
            root: self.root.clone(),
            data_dir: self.dirs.data.clone(),
            redactor: self.redactor()?,
        })
    }

    /// The secret redactor for this project: built-in patterns, `[secrets]`,
    /// `.env*` values under the root and secret-named environment variables.
    pub fn redactor(&self) -> Result<Arc<Redactor>, CliError> {
        build_redactor(
            &self.loaded.config.secrets,
            &self.root,
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
        .map_err(|e| {
            CliError::new(
                "config_invalid",
                e.to_string(),
                Some("see docs/configuration.md#secrets"),
                status::CONFIG,
            )
        })
    }
}

impl Setup {
    /// `resume` continues on the provider and model the run started with,
    /// unless `--provider`, `--model` or `--prefer` says otherwise.
    pub async fn pin_run_provider(
        &mut self,
        run_id: &str,
        global: &GlobalArgs,
    ) -> Result<(), CliError> {
        if global.provider.is_some()
            || global.model.is_some()
            || global.prefer.is_some()
            || global.base_url.is_some()
        {
            return Ok(());
        }
        let Ok(run) = self.store().await?.get_run(run_id).await else {
            // The engine reports a missing run with its own message.
            return Ok(());
        };
        let config = &mut self.loaded.config;
        let known = run.provider == "local"
            || chamber_config::BUILTIN_PROVIDERS.contains(&run.provider.as_str())
            || config.providers.contains_key(&run.provider);
        if known && !run.model.is_empty() {
            config.provider.name = run.provider;
            config.provider.model = run.model;
            config.routing.prefer.clear();
        }
        Ok(())
    }

    /// Builds the strategic and tactical chains around the main provider,
    /// making each other provider/model pair ready once.
    async fn routes(
        &self,
        config: &Config,
        main: &ProviderChoice,
        main_provider: Arc<dyn Provider>,
        quiet: bool,
    ) -> Result<Routes, CliError> {
        let env = |k: &str| std::env::var(k).ok();
        let plan = plan_routes(config, main, &env).map_err(config_error)?;
        let mut ready: Vec<(String, Arc<dyn Provider>)> = vec![(main.label(), main_provider)];
        for c in plan.distinct() {
            if !ready.iter().any(|(l, _)| *l == c.label()) {
                let (p, _, _) = self.ready(config, c.clone(), quiet).await?;
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

/// The main provider choice, with `--prefer` (routing.prefer) applied.
fn main_choice(config: &Config) -> Result<ProviderChoice, CliError> {
    let env = |k: &str| std::env::var(k).ok();
    if config.routing.prefer.is_empty() {
        return Ok(choose_provider(config, env));
    }
    let preference: Preference = config.routing.prefer.parse().map_err(config_error)?;
    let (provider, model, why) = preferred_model(config, preference, &env).map_err(|e| {
        CliError::new(
            "provider_setup",
            e,
            Some("set an API key, or drop --prefer and name --provider/--model"),
            status::PROVIDER,
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

/// The run budget from `[budget]` (flags are applied on top by the acting commands).
pub fn budget_of(config: &Config) -> Budget {
    let b = &config.budget;
    Budget {
        cost_usd: (b.cost_usd > 0.0).then_some(b.cost_usd),
        time: (b.time_secs > 0).then(|| std::time::Duration::from_secs(b.time_secs)),
        tokens: (b.tokens > 0).then_some(b.tokens),
        warn_at: b.warn_at,
    }
}

/// A provider at its built-in address needs its API key: without it every
/// request would be refused (or, offline, look like a network failure and
/// be retried). A base URL of your own (a proxy, a local server) may not
/// need one, so it is let through.
fn check_key(choice: &ProviderChoice) -> Result<(), CliError> {
    let needs_key = !choice.local
        && !choice.api_key_env.is_empty()
        && choice.base_url_source == chamber_agent::BUILTIN_BASE_URL_SOURCE;
    if !needs_key || choice.api_key_present {
        return Ok(());
    }
    let var = &choice.api_key_env;
    Err(CliError {
        code: "provider_setup",
        message: format!(
            "provider {:?} needs an API key, and {var} is not set (or empty); nothing was sent",
            choice.provider
        ),
        hint: Some(format!(
            "export {var}=<your key>, or choose another provider with --provider (`chamber provider list` shows each one's key variable)"
        )),
        exit: status::PROVIDER,
    })
}

fn config_error(e: String) -> CliError {
    CliError::new(
        "config_invalid",
        e,
        Some("see docs/configuration.md#routing"),
        status::CONFIG,
    )
}

fn provider_error(e: chamber_llm::LlmError) -> CliError {
    CliError::new(
        "provider_setup",
        e.to_string(),
        Some(e.kind.hint()),
        status::PROVIDER,
    )
}

/// Built-in rules plus `.chamber/policy.toml` when present.
pub fn load_policy(root: &Path) -> Result<Policy, CliError> {
    let path = root.join(".chamber/policy.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => Policy::from_toml(&text, &path.display().to_string()).map_err(|e| {
            CliError::new(
                "policy_invalid",
                e.to_string(),
                Some("see docs/configuration.md#policy"),
                status::CONFIG,
            )
        }),
        Err(_) => Ok(Policy::builtin()),
    }
}
