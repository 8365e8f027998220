//! `[sandbox]`: how shell commands are confined (filled in by the safety issue).

use serde::{Deserialize, Serialize};

/// How shell commands run: namespaces, Landlock, seccomp, limits, environment.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxConfig {}
