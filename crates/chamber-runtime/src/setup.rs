//! Where a run starts from: the project root, the user's directories and the
//! merged configuration, resolved the same way for every front end.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chamber_agent::{Engine, build_redactor};
use chamber_config::{Dirs, LoadedConfig, Sources, find_project_root, load};
use chamber_policy::{Budget, Policy, Redactor};
use chamber_store::Store;

use crate::error::{ErrorKind, RuntimeError};
use crate::providers::registry_for;

/// A message for the person waiting (such as "starting the local model");
/// the CLI prints it, the server logs it.
pub type Notice<'a> = &'a (dyn Fn(&str) + Sync);

/// Settings given on the command line or in a request, over the config
/// files and the environment (the highest layer).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// The directory to start from (`-C`); the current one when absent.
    pub dir: Option<PathBuf>,
    /// `provider.name`.
    pub provider: Option<String>,
    /// `provider.model`.
    pub model: Option<String>,
    /// `routing.prefer`.
    pub prefer: Option<String>,
    /// `provider.base_url`.
    pub base_url: Option<String>,
    /// Ignore the project's own `.chamber/config.toml` and
    /// `.chamber/policy.toml`: a repository someone else can push to (a
    /// task's git URL) must not choose the provider, its URL or keys, or
    /// loosen the policy of the machine that runs it.
    pub untrusted_project: bool,
}

impl Overrides {
    /// Whether any provider setting is overridden (a resumed run keeps its
    /// own provider otherwise).
    pub fn names_provider(&self) -> bool {
        self.provider.is_some()
            || self.model.is_some()
            || self.prefer.is_some()
            || self.base_url.is_some()
    }
}

/// The adapters (git, packages, containers) the project at `root` uses,
/// as `[adapters]` allows.
pub fn adapters_for(
    root: &Path,
    config: &chamber_config::Config,
) -> chamber_tools::adapters::Adapters {
    let a = &config.adapters;
    chamber_tools::adapters::Adapters::detect(
        root,
        chamber_tools::adapters::AdapterSettings {
            git: a.git,
            packages: a.packages,
            containers: a.containers,
            branch_prefix: config.git.branch_prefix.clone(),
            network: config.sandbox.network,
            timeout: std::time::Duration::from_secs(a.timeout_secs.max(1)),
            env_allow: config.sandbox.env_allow.clone(),
        },
    )
}

/// Paths and config resolved for one invocation or one task.
#[derive(Clone)]
pub struct Setup {
    /// Project root.
    pub root: PathBuf,
    /// User directories.
    pub dirs: Dirs,
    /// Merged config.
    pub loaded: LoadedConfig,
    /// `CHAMBER_DATABASE_URL`: a shared PostgreSQL (or SQLite) database
    /// instead of the data dir's SQLite file.
    pub database_url: Option<String>,
    /// Whether the project's own config and policy files were read (see
    /// [`Overrides::untrusted_project`]).
    pub project_trusted: bool,
}

impl Setup {
    /// Resolves the project and loads config layers (defaults → user →
    /// project → env → overrides).
    pub fn resolve(over: &Overrides) -> Result<Self, RuntimeError> {
        let cwd = std::env::current_dir().map_err(|e| {
            RuntimeError::setting(
                "io_failed",
                format!("cannot read the current directory: {e}"),
                None,
                ErrorKind::Internal,
            )
        })?;
        let start = match &over.dir {
            Some(d) if d.is_absolute() => d.clone(),
            Some(d) => cwd.join(d),
            None => cwd,
        };
        if !start.is_dir() {
            return Err(RuntimeError::setting(
                "bad_directory",
                format!("{} is not a directory", start.display()),
                Some("check the -C argument"),
                ErrorKind::Internal,
            ));
        }
        let start = start.canonicalize().unwrap_or(start);
        let root = find_project_root(&start);
        let dirs = Dirs::from_process_env();
        let mut flags = Vec::new();
        let pairs = [
            ("provider.name", &over.provider),
            ("provider.model", &over.model),
            ("routing.prefer", &over.prefer),
            ("provider.base_url", &over.base_url),
        ];
        for (key, value) in pairs {
            if let Some(v) = value {
                flags.push((key.to_string(), toml::Value::String(v.clone())));
            }
        }
        let sources = Sources {
            user_file: Some(dirs.user_config.clone()),
            project_file: (!over.untrusted_project).then(|| root.join(".chamber/config.toml")),
            env: std::env::vars()
                .filter(|(k, _)| k.starts_with("CHAMBER_"))
                .collect(),
            flags,
        };
        let mut loaded = load(&sources)?;
        // A plugin's test runner stands in for an unset `[test] command`
        // (project plugins only from a trusted project).
        let mut plugin_dirs = crate::plugins::plugin_dirs(&root, &dirs.user_config);
        if over.untrusted_project {
            plugin_dirs.remove(0);
        }
        let plugins = crate::plugins::load_plugins(&plugin_dirs)?;
        if let Some(name) =
            crate::plugins::apply_test_runner(&mut loaded.config.test, &plugins, &root)
        {
            loaded
                .origins
                .insert("test.command".into(), format!("plugin {name}"));
        }
        let database_url = std::env::var("CHAMBER_DATABASE_URL")
            .ok()
            .filter(|u| !u.trim().is_empty());
        Ok(Self {
            root,
            dirs,
            loaded,
            database_url,
            project_trusted: !over.untrusted_project,
        })
    }

    /// Opens the database: `CHAMBER_DATABASE_URL` when set, else the data
    /// dir's SQLite file.
    pub async fn store(&self) -> Result<Store, RuntimeError> {
        self.store_at(None).await
    }

    /// Opens the database `url` names (`postgres://…`, `sqlite://PATH`),
    /// or, when `None`, the one `store()` would.
    pub async fn store_at(&self, url: Option<&str>) -> Result<Store, RuntimeError> {
        // An empty value (an unset variable in a compose file or a unit)
        // means the default, as it does for CHAMBER_DATABASE_URL itself.
        let url = url.filter(|u| !u.trim().is_empty());
        match url.or(self.database_url.as_deref()) {
            Some(url) => Store::connect(url).await.map_err(|e| {
                if let chamber_store::StoreError::BadUrl { .. } = e {
                    return RuntimeError::setting(
                        "bad_database_url",
                        e.to_string(),
                        Some("set CHAMBER_DATABASE_URL (or --database-url) to a postgres:// or sqlite:// URL"),
                        ErrorKind::Config,
                    );
                }
                RuntimeError::setting(
                    "store_failed",
                    format!("cannot open the database {}: {e}", chamber_store::redact_url(url)),
                    Some(
                        "check the URL (postgres://USER:PASSWORD@HOST:PORT/DB), that the server is \
                         up and reachable, and that the database exists and the user may create tables",
                    ),
                    ErrorKind::Internal,
                )
            }),
            None => {
                let path = self.dirs.database();
                Store::open(&path).await.map_err(|e| {
                    RuntimeError::setting(
                        "store_failed",
                        format!("cannot open the database {}: {e}", path.display()),
                        Some(
                            "check free disk space and permissions, or set CHAMBER_HOME to another directory",
                        ),
                        ErrorKind::Internal,
                    )
                })
            }
        }
    }

    /// Builds the engine for acting commands, starting the local model
    /// when it is the chosen provider.
    pub async fn engine(&self, notice: Notice<'_>) -> Result<Engine, RuntimeError> {
        let store = self.store().await?;
        self.engine_with_store(store, notice).await
    }

    /// The engine over an already open store (the server shares one).
    pub async fn engine_with_store(
        &self,
        store: Store,
        notice: Notice<'_>,
    ) -> Result<Engine, RuntimeError> {
        let mut config = self.loaded.config.clone();
        let (provider, choice, _) = self.provider(&config, notice).await?;
        let routes = self.routes(&config, &choice, provider, notice).await?;
        if choice.local {
            // Small models: a shorter project tree keeps the prompt inside their reach.
            config.agent.tree_max_entries = config.agent.tree_max_entries.min(60);
            config.agent.output_cap_bytes = config.agent.output_cap_bytes.min(8 * 1024);
        }
        let budget = budget_of(&config);
        let mut registry = registry_for(&config, &choice);
        // Small local models do best with few tools; the adapters are for
        // models that can choose among many.
        if !choice.local {
            let adapters = adapters_for(&self.root, &config);
            if !adapters.is_empty() {
                registry = registry.with_source(Arc::new(adapters));
            }
        }
        if let Some(hub) = self.mcp_hub(&config, notice) {
            registry = registry.with_source(hub);
        }
        Ok(Engine {
            config,
            store,
            routes,
            budget,
            choice,
            policy: if self.project_trusted {
                load_policy(&self.root)?
            } else {
                Policy::builtin()
            },
            registry,
            root: self.root.clone(),
            data_dir: self.dirs.data.clone(),
            redactor: self.redactor()?,
        })
    }

    /// The MCP servers of `config`, already starting in the background
    /// (each on its own task and timeout); `None` when none is enabled.
    /// Servers the project's own config defines start only once trusted
    /// (see `mcp_trust.rs`); `notice` says which were left out and why.
    pub fn mcp_hub(
        &self,
        config: &chamber_config::Config,
        notice: Notice<'_>,
    ) -> Option<Arc<chamber_mcp::McpHub>> {
        let (mcp, untrusted) = self.runnable_mcp(config);
        if !untrusted.is_empty() {
            notice(&format!(
                "MCP servers defined by this project's .chamber/config.toml are not started until you trust them: {} (`chamber mcp trust` after reading them)",
                untrusted.join(", ")
            ));
        }
        let hub = chamber_mcp::McpHub::new(&mcp, &self.root);
        if hub.is_empty() {
            return None;
        }
        hub.start_all();
        Some(hub)
    }

    /// The secret redactor for this project: built-in patterns, `[secrets]`,
    /// `.env*` values under the root and secret-named environment variables.
    pub fn redactor(&self) -> Result<Arc<Redactor>, RuntimeError> {
        build_redactor(
            &self.loaded.config.secrets,
            &self.root,
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
        .map_err(|e| RuntimeError::config(e.to_string(), "secrets"))
    }

    /// `resume` continues on the provider and model the run started with,
    /// unless the overrides say otherwise.
    pub async fn pin_run_provider(
        &mut self,
        run_id: &str,
        over: &Overrides,
    ) -> Result<(), RuntimeError> {
        if over.names_provider() {
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
}

/// The run budget from `[budget]` (a request's limits are applied on top).
pub fn budget_of(config: &chamber_config::Config) -> Budget {
    let b = &config.budget;
    Budget {
        cost_usd: (b.cost_usd > 0.0).then_some(b.cost_usd),
        time: (b.time_secs > 0).then(|| std::time::Duration::from_secs(b.time_secs)),
        tokens: (b.tokens > 0).then_some(b.tokens),
        warn_at: b.warn_at,
    }
}

/// Built-in rules plus `.chamber/policy.toml` when present.
pub fn load_policy(root: &Path) -> Result<Policy, RuntimeError> {
    let path = root.join(".chamber/policy.toml");
    match std::fs::read_to_string(&path) {
        Ok(text) => Policy::from_toml(&text, &path.display().to_string()).map_err(|e| {
            RuntimeError::setting(
                "policy_invalid",
                e.to_string(),
                Some("see docs/configuration.md#policy"),
                ErrorKind::Config,
            )
        }),
        Err(_) => Ok(Policy::builtin()),
    }
}
