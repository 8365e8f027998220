//! Chamber's configuration: typed settings, the file locations they come
//! from, and the layered merge (defaults → user → project → environment →
//! flags) that remembers which layer set each value.

mod adapters;
mod approval;
mod context;
mod dirs;
mod index;
mod layers;
mod mcp;
mod paths;
mod providers;
mod review;
mod sandbox;
mod secrets;
mod server;
mod settings;
mod telemetry;

pub use adapters::AdaptersConfig;
pub use approval::{APPROVAL_MODES, ApprovalConfig, TOOL_OVERRIDES};
pub use context::ContextConfig;
pub use dirs::{Dirs, find_project_root};
pub use index::IndexConfig;
pub use layers::{ConfigError, LayerInfo, LoadedConfig, Sources, load, load_text};
pub use mcp::{McpConfig, McpServerConfig};
pub use paths::{DEFAULT_PROTECTED_PATHS, DEFAULT_READ_DENY_PATHS, PathsConfig};
pub use providers::{
    BUILTIN_PROVIDERS, BudgetConfig, CustomProvider, ERROR_CLASSES, FallbackConfig, ModelSpec,
    RoutingConfig, WIRE_FORMATS,
};
pub use review::ReviewConfig;
pub use sandbox::{OnUnavailable, SandboxConfig, SandboxMode};
pub use secrets::SecretsConfig;
pub use server::ServerConfig;
pub use settings::{
    AgentConfig, Config, GitConfig, LocalConfig, LoggingConfig, ProviderConfig, TestConfig,
};
pub use telemetry::TelemetryConfig;
