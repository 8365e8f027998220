//! Provider resolution: the catalogue of named providers, the main choice
//! and `provider:model` references, and the routing chains built from them.

mod catalogue;
mod choice;
mod routes;

pub use catalogue::{BUILTIN_BASE_URL_SOURCE, ProviderDef, all_provider_defs, provider_def};
pub use choice::{
    DEFAULT_REMOTE_MODEL, ProviderChoice, answer_limits, build_provider, choice_for,
    choose_provider, parse_model_ref, with_tool_mode,
};
pub use routes::{RoutePlan, RouteRole, Routes, model_table, plan_routes, preferred_model};
