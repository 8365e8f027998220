//! `[paths]`: protected globs, two-person rule and write lanes.

use serde::{Deserialize, Serialize};

/// Which paths need approval, which need two approvers, and who may write where.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PathsConfig {}
