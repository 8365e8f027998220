//! `[secrets]`: what the redactor hides besides its built-in patterns.

use serde::{Deserialize, Serialize};

/// Secrets the redactor hides besides the built-in patterns (key formats,
/// private key blocks, JWTs, high-entropy assignments).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SecretsConfig {
    /// Redact at all. Off only for debugging Chamber itself.
    pub enabled: bool,
    /// Names of environment variables whose values are secrets, whatever
    /// they look like (values shorter than 8 characters are skipped).
    pub values_env: Vec<String>,
    /// Extra regular expressions to redact. A group named `secret` limits
    /// the replacement to that group; otherwise the whole match goes.
    pub patterns: Vec<String>,
    /// Literal strings that are never redacted (test fixtures, sample keys).
    pub allow: Vec<String>,
    /// Hide the values of `.env*` files found in the workspace.
    pub dotenv: bool,
    /// Hide the values of environment variables whose names contain
    /// `KEY`, `TOKEN`, `SECRET` or `PASSWORD`.
    pub env_names: bool,
}

impl Default for SecretsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            values_env: Vec::new(),
            patterns: Vec::new(),
            allow: Vec::new(),
            dotenv: true,
            env_names: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_redact_and_partial_tables_keep_them() {
        let c: SecretsConfig = toml::from_str("allow = [\"sk-test-fixture\"]").unwrap();
        assert!(c.enabled && c.dotenv && c.env_names);
        assert_eq!(c.allow, vec!["sk-test-fixture".to_string()]);
        assert!(toml::from_str::<SecretsConfig>("enable = false").is_err());
    }
}
