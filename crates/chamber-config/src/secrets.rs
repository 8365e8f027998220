//! `[secrets]`: what the redactor hides (filled in by the safety issue).

use serde::{Deserialize, Serialize};

/// Secrets the redactor hides besides the built-in patterns.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SecretsConfig {}
