//! Adapters: structured tools for what projects use around their code —
//! git (status, diff, log, branch, commit on the run branch, revert a
//! commit of the run), package managers (npm, pip in the project's venv,
//! cargo, go modules) and a container engine. Each is offered only when the
//! project uses it, and returns the standard `ToolResult` with the files it
//! changed as artifacts. They join runs as a [`ToolSource`], so the policy,
//! approvals, checkpoints and events apply as to any tool.

mod container_tools;
mod git_tools;
mod package_tools;
mod process;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::context::ToolContext;
use crate::external::{ExternalTool, ToolFuture, ToolSource};
use crate::result::failed;
use crate::specs::{ArgsError, Risk, ToolArgs, ToolSpec, parse_args, schema_for};

pub use container_tools::container_engine;
pub use package_tools::{PackageManager, detect_managers};

/// What the adapters may do in this run.
#[derive(Debug, Clone)]
pub struct AdapterSettings {
    /// Offer the git tools (in a git repository).
    pub git: bool,
    /// Offer `package_add` and `package_remove` (with a known manifest).
    pub packages: bool,
    /// Offer the container tools (where an engine answers).
    pub containers: bool,
    /// Run branches start with this; `git_commit` and `git_revert` work
    /// only there.
    pub branch_prefix: String,
    /// The run may use the network (`[sandbox] network`): package tools
    /// need it.
    pub network: bool,
    /// Longest a package manager or container command may run.
    pub timeout: Duration,
    /// Variables passed on to the commands although they look secret.
    pub env_allow: Vec<String>,
}

impl Default for AdapterSettings {
    fn default() -> Self {
        Self {
            git: true,
            packages: true,
            containers: true,
            branch_prefix: "chamber/".into(),
            network: false,
            timeout: Duration::from_secs(600),
            env_allow: Vec::new(),
        }
    }
}

/// What every adapter call needs besides its arguments (the workspace
/// is the call's own `ToolContext::root`: a worktree or a dry run's copy
/// when the run has one).
pub(crate) struct Shared {
    pub(crate) settings: AdapterSettings,
}

type Runner = Arc<dyn Fn(Value, ToolContext, Arc<Shared>) -> ToolFuture + Send + Sync>;

/// One adapter tool.
struct Adapter {
    name: &'static str,
    description: &'static str,
    risk: Risk,
    schema: fn() -> Value,
    check: fn(&Value) -> Result<(), ArgsError>,
    run: Runner,
    shared: Arc<Shared>,
}

fn check_as<A: ToolArgs>(value: &Value) -> Result<(), ArgsError> {
    parse_args::<A>(value).map(|_| ())
}

/// An adapter whose arguments are `A` and whose work is `f`.
fn adapter<A, F, Fut>(
    shared: &Arc<Shared>,
    name: &'static str,
    risk: Risk,
    description: &'static str,
    f: F,
) -> Arc<dyn ExternalTool>
where
    A: ToolArgs + Send + 'static,
    F: Fn(A, ToolContext, Arc<Shared>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = chamber_protocol::ToolResult> + Send + 'static,
{
    let run: Runner = Arc::new(move |value, ctx, shared| match parse_args::<A>(&value) {
        Ok(args) => Box::pin(f(args, ctx, shared)),
        Err(ArgsError::Schema(m) | ArgsError::Invalid(m)) => Box::pin(std::future::ready(failed(
            format!("invalid arguments: {m}"),
        ))),
    });
    Arc::new(Adapter {
        name,
        description,
        risk,
        schema: schema_for::<A>,
        check: check_as::<A>,
        run,
        shared: shared.clone(),
    })
}

impl ExternalTool for Adapter {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: self.name.to_string(),
            description: self.description.to_string(),
            parameters: (self.schema)(),
            risk: self.risk,
        }
    }

    fn check(&self, args: &Value) -> Result<(), String> {
        (self.check)(args).map_err(|e| match e {
            ArgsError::Schema(m) | ArgsError::Invalid(m) => m,
        })
    }

    fn call(self: Arc<Self>, args: Value, ctx: ToolContext) -> ToolFuture {
        (self.run)(args, ctx, self.shared.clone())
    }
}

/// The adapters a project uses, found once when a run is assembled.
pub struct Adapters {
    tools: Vec<Arc<dyn ExternalTool>>,
}

impl std::fmt::Debug for Adapters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self.tools.iter().map(|t| t.spec().name).collect();
        f.debug_struct("Adapters").field("tools", &names).finish()
    }
}

impl Adapters {
    /// The adapters for the project at `root`: git tools in a git
    /// repository, package tools when a manifest names a manager, container
    /// tools when an engine answers.
    pub fn detect(root: &Path, settings: AdapterSettings) -> Self {
        let shared = Arc::new(Shared { settings });
        let mut tools = Vec::new();
        if shared.settings.git && root.join(".git").exists() {
            tools.extend(git_tools::tools(&shared));
        }
        if shared.settings.packages && !detect_managers(root).is_empty() {
            tools.extend(package_tools::tools(&shared));
        }
        // Asking the engine costs a process; only projects with a
        // container definition get the container tools.
        let containerised = [
            "Dockerfile",
            "compose.yaml",
            "compose.yml",
            "docker-compose.yml",
            "docker-compose.yaml",
        ]
        .iter()
        .any(|f| root.join(f).is_file());
        if shared.settings.containers && containerised && container_engine().is_ok() {
            tools.extend(container_tools::tools(&shared));
        }
        Self { tools }
    }

    /// Whether no adapter applies.
    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }
}

impl ToolSource for Adapters {
    fn tools(&self) -> Vec<Arc<dyn ExternalTool>> {
        self.tools.clone()
    }
}
