//! Where the redactor's known secret values come from: `.env*` files in the
//! workspace, environment variables with secret-looking names, and the
//! variables `[secrets] values_env` names. The redactor itself (in
//! `chamber-policy`) does no IO; this is the only place that reads them.

use std::path::Path;
use std::sync::Arc;

use chamber_config::SecretsConfig;
use chamber_policy::{
    MIN_SECRET_LEN, RedactError, Redactor, SecretSpec, SecretValue, is_secret_name, looks_random,
};

/// Directories never searched for `.env*` files.
const SKIP_DIRS: [&str; 8] = [
    ".git",
    "node_modules",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    "dist",
    "build",
];

/// How deep below the root `.env*` files are looked for.
const MAX_DEPTH: usize = 4;

/// Builds the redactor for a workspace from `[secrets]`, the `.env*` files
/// under `root` and `env` (the process environment, as name/value pairs).
pub fn build_redactor(
    config: &SecretsConfig,
    root: &Path,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Arc<Redactor>, RedactError> {
    if !config.enabled {
        return Ok(Arc::new(Redactor::disabled()));
    }
    let mut values = Vec::new();
    let env: Vec<(String, String)> = env.into_iter().collect();
    for (name, value) in &env {
        let named = config.values_env.iter().any(|n| n == name);
        if named {
            values.push(SecretValue {
                value: value.clone(),
                label: "config".into(),
            });
        } else if config.env_names && is_secret_name(name) && env_value_is_secret(value) {
            values.push(SecretValue {
                value: value.clone(),
                label: "env".into(),
            });
        }
    }
    if config.dotenv {
        let mut files = Vec::new();
        find_dotenv_files(root, 0, &mut files);
        for file in files {
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            for (name, value) in parse_dotenv(&text) {
                if (is_secret_name(&name) && value.chars().count() >= MIN_SECRET_LEN)
                    || dotenv_value_is_secret(&value)
                {
                    values.push(SecretValue {
                        value,
                        label: "dotenv".into(),
                    });
                }
            }
        }
    }
    let spec = SecretSpec {
        values,
        patterns: config.patterns.clone(),
        allow: config.allow.clone(),
    };
    Ok(Arc::new(Redactor::new(&spec)?))
}

/// An environment value under a secret-looking name is hidden unless it is
/// plainly not a secret: a path, a number, a boolean, a single word.
fn env_value_is_secret(value: &str) -> bool {
    let v = value.trim();
    v.chars().count() >= MIN_SECRET_LEN
        && !v.starts_with('/')
        && !v.starts_with("~/")
        && !v.chars().all(|c| c.is_ascii_digit())
        && !matches!(v.to_ascii_lowercase().as_str(), "true" | "false")
        && !v.chars().all(|c| c.is_ascii_lowercase() || c == '-')
}

/// A `.env` value under an ordinary name (`NODE_ENV=development`) is hidden
/// only when it looks random; `APP_NAME=myapp` stays readable.
/// A URL counts when it carries credentials (`postgres://user:pw@host`).
fn dotenv_value_is_secret(value: &str) -> bool {
    if value.contains("://") {
        return value.contains('@');
    }
    value.chars().count() >= 12 && looks_random(value)
}

/// `.env`, `.env.local`, `.envrc` and the like under `dir`, not following
/// symlinks, skipping dependency and build directories.
fn find_dotenv_files(dir: &Path, depth: usize, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if kind.is_file() && name.starts_with(".env") {
            out.push(entry.path());
        } else if kind.is_dir() && depth < MAX_DEPTH && !SKIP_DIRS.contains(&name.as_ref()) {
            find_dotenv_files(&entry.path(), depth + 1, out);
        }
    }
}

/// `KEY=VALUE` pairs of a dotenv file: `export` prefixes, comments, single
/// and double quotes (with `\n` and `\"` escapes in double quotes) and
/// trailing ` # comments` on unquoted values. Empty values are dropped.
pub fn parse_dotenv(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            continue;
        }
        let raw = raw.trim();
        let value = if let Some(rest) = raw.strip_prefix('"') {
            let inner = rest.rfind('"').map_or(rest, |end| &rest[..end]);
            inner.replace("\\n", "\n").replace("\\\"", "\"")
        } else if let Some(rest) = raw.strip_prefix('\'') {
            rest.rfind('\'')
                .map_or(rest, |end| &rest[..end])
                .to_string()
        } else {
            raw.split(" #").next().unwrap_or(raw).trim().to_string()
        };
        if !value.is_empty() {
            out.push((key.to_string(), value));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dotenv_lines() {
        let text = "# comment\nexport A_KEY=\"quoted \\\"x\\\" value\"\nB='single # kept'\nC=bare # note\n\nNOEQUALS\nD=\nbad key=1\n";
        assert_eq!(
            parse_dotenv(text),
            vec![
                ("A_KEY".to_string(), "quoted \"x\" value".to_string()),
                ("B".to_string(), "single # kept".to_string()),
                ("C".to_string(), "bare".to_string()),
            ]
        );
    }

    #[test]
    fn collects_dotenv_env_and_configured_values() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("app/node_modules")).unwrap();
        std::fs::write(
            dir.path().join(".env"),
            "DB_PASSWORD=plain-but-named-secret\nNODE_ENV=development\nAPI_URL=https://api.example.com\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("app/.env.local"),
            "SESSION=Zx8q2LmN4vB7kT1w\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("app/node_modules/.env"),
            "X_TOKEN=from-a-dependency-123\n",
        )
        .unwrap();
        let config = SecretsConfig {
            values_env: vec!["DEPLOY_HOOK".into()],
            allow: vec!["allowed-token-value-1".into()],
            ..SecretsConfig::default()
        };
        let env = [
            ("FOO_API_KEY", "env-secret-value-99"),
            ("HOME", "/home/someone"),
            ("GIT_TOKEN_PATH", "/tmp/tokens"),
            ("DEPLOY_HOOK", "plainwordsonly"),
            ("MY_SECRET", "allowed-token-value-1"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let r = build_redactor(&config, dir.path(), env).unwrap();
        let text = "plain-but-named-secret development https://api.example.com Zx8q2LmN4vB7kT1w \
                    from-a-dependency-123 env-secret-value-99 /home/someone /tmp/tokens plainwordsonly \
                    allowed-token-value-1";
        assert_eq!(
            r.redact(text),
            "[REDACTED:dotenv] development https://api.example.com [REDACTED:dotenv] \
             from-a-dependency-123 [REDACTED:env] /home/someone /tmp/tokens [REDACTED:config] \
             allowed-token-value-1"
        );
        let off = SecretsConfig {
            enabled: false,
            ..SecretsConfig::default()
        };
        let r = build_redactor(&off, dir.path(), Vec::new()).unwrap();
        assert!(!r.is_enabled());
    }
}
