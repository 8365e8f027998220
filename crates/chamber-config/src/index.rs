//! `[index]` and `[context]`: the codebase index and the context builder.

use serde::{Deserialize, Serialize};

/// What the codebase index walks and skips.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IndexConfig {}
