//! Chamber's configuration: typed settings, the file locations they come
//! from, and the layered merge (defaults → user → project → environment →
//! flags) that remembers which layer set each value.

mod dirs;
mod index;
mod paths;
mod sandbox;
mod secrets;
mod layers;
mod providers;
mod review;
mod settings;

pub use dirs::{Dirs, find_project_root};
pub use layers::{ConfigError, LayerInfo, LoadedConfig, Sources, load};
pub use providers::{
    BUILTIN_PROVIDERS, BudgetConfig, CustomProvider, ERROR_CLASSES, FallbackConfig, ModelSpec,
    RoutingConfig, WIRE_FORMATS,
};
pub use index::IndexConfig;
pub use paths::PathsConfig;
pub use review::ReviewConfig;
pub use sandbox::SandboxConfig;
pub use secrets::SecretsConfig;
pub use settings::{
    AgentConfig, ApprovalConfig, Config, GitConfig, LocalConfig, LoggingConfig, ProviderConfig,
    TestConfig,
};
