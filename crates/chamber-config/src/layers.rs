use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::settings::Config;

/// Why configuration could not be loaded; always names where the bad value came from.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file or variable holds something invalid.
    #[error("invalid configuration in {source_name}: {message}")]
    Invalid {
        /// The file path or environment variable.
        source_name: String,
        /// What is wrong, with the key.
        message: String,
    },
    /// `provider.name` names no known provider.
    #[error("invalid configuration in {source_name}: {message}")]
    UnknownProvider {
        /// The file path, environment variable or flags that set it.
        source_name: String,
        /// The name and the known ones.
        message: String,
    },
    /// A config file exists but could not be read.
    #[error("cannot read {path}: {error}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        error: std::io::Error,
    },
}

/// The inputs of a load: which files to read and what env and flags say.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    /// The user config file (skipped when absent).
    pub user_file: Option<PathBuf>,
    /// The project config file (skipped when absent).
    pub project_file: Option<PathBuf>,
    /// Environment variables (only `CHAMBER_*` ones are read).
    pub env: Vec<(String, String)>,
    /// Values given as command-line flags, as dotted keys.
    pub flags: Vec<(String, toml::Value)>,
}

/// One layer that contributed to the merged config.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LayerInfo {
    /// `default`, `user`, `project`, `env` or `flags`.
    pub layer: String,
    /// The file, when the layer is a file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
}

/// The merged configuration plus, for `config show`, where each value came from.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The typed result.
    pub config: Config,
    /// Layers that contributed, in order.
    pub layers: Vec<LayerInfo>,
    /// Dotted key → the layer that set its final value.
    pub origins: BTreeMap<String, String>,
    /// The merged values as TOML.
    pub merged: toml::Table,
}

/// Loads and merges every layer, validating each one on its own so an error
/// names the file (with line) or the variable that holds the bad value.
pub fn load(sources: &Sources) -> Result<LoadedConfig, ConfigError> {
    load_with(sources, read_file)
}

/// Loads the defaults merged with one config file's `text`, checked as
/// [`load`] checks a user file (errors name the file `config.toml`); a
/// project file is also refused a `[telemetry]` section. Exists for fuzzing
/// and for checking an edited file before it is written.
pub fn load_text(text: &str) -> Result<LoadedConfig, ConfigError> {
    let sources = Sources {
        user_file: Some(PathBuf::from("config.toml")),
        ..Sources::default()
    };
    load_with(&sources, |_| Ok(Some(text.to_string())))
}

/// [`load`] with the file layers read by `read` (`None`: no such file).
fn load_with(
    sources: &Sources,
    read: impl Fn(&Path) -> Result<Option<String>, ConfigError>,
) -> Result<LoadedConfig, ConfigError> {
    let defaults = toml::Table::try_from(Config::default()).map_err(|e| ConfigError::Invalid {
        source_name: "built-in defaults".into(),
        message: e.to_string(),
    })?;
    let mut merged = toml::Table::new();
    let mut origins = BTreeMap::new();
    let mut layers = Vec::new();
    merge_into(&mut merged, &defaults, "default", "", &mut origins);
    layers.push(LayerInfo {
        layer: "default".into(),
        path: None,
    });

    for (label, path) in [
        ("user", &sources.user_file),
        ("project", &sources.project_file),
    ] {
        let Some(path) = path else { continue };
        let Some(text) = read(path)? else {
            continue;
        };
        let table = parse_file_layer(path, &text)?;
        if label == "project" && table.contains_key("telemetry") {
            return Err(ConfigError::Invalid {
                source_name: path.display().to_string(),
                message: "`[telemetry]` is a per-user choice: it is read only from the user \
                          config (`chamber telemetry on|off`) and CHAMBER_TELEMETRY__ENABLED, \
                          so a project cannot turn it on for whoever works in it; remove the \
                          section"
                    .into(),
            });
        }
        merge_into(&mut merged, &table, label, "", &mut origins);
        layers.push(LayerInfo {
            layer: label.into(),
            path: Some(path.clone()),
        });
    }

    let env_table = env_layer(&sources.env)?;
    if !env_table.is_empty() {
        merge_into(&mut merged, &env_table, "env", "", &mut origins);
        layers.push(LayerInfo {
            layer: "env".into(),
            path: None,
        });
    }

    if !sources.flags.is_empty() {
        let mut table = toml::Table::new();
        for (key, value) in &sources.flags {
            set_dotted(&mut table, key, value.clone());
        }
        validate_table(&table, "command-line flags")?;
        merge_into(&mut merged, &table, "flags", "", &mut origins);
        layers.push(LayerInfo {
            layer: "flags".into(),
            path: None,
        });
    }

    let config: Config =
        toml::Value::Table(merged.clone())
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid {
                source_name: "merged configuration".into(),
                message: e.message().to_string(),
            })?;
    config
        .check_provider_name()
        .map_err(|message| ConfigError::UnknownProvider {
            source_name: culprit(&origins, &layers, &message),
            message,
        })?;
    config.check().map_err(|message| ConfigError::Invalid {
        source_name: culprit(&origins, &layers, &message),
        message,
    })?;
    Ok(LoadedConfig {
        config,
        layers,
        origins,
        merged,
    })
}

fn read_file(path: &Path) -> Result<Option<String>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(ConfigError::Read {
            path: path.to_path_buf(),
            error,
        }),
    }
}

fn parse_file_layer(path: &Path, text: &str) -> Result<toml::Table, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        source_name: path.display().to_string(),
        message,
    };
    // Parsing into the typed struct gives messages with line, column and key.
    toml::from_str::<Config>(text).map_err(|e| invalid(e.to_string().trim_end().to_string()))?;
    toml::from_str(text).map_err(|e| invalid(e.to_string()))
}

fn env_layer(env: &[(String, String)]) -> Result<toml::Table, ConfigError> {
    let mut table = toml::Table::new();
    for (name, raw) in env {
        let key = match name.as_str() {
            "CHAMBER_MODEL" => "provider.model".to_string(),
            "CHAMBER_PROVIDER" => "provider.name".to_string(),
            "CHAMBER_BASE_URL" => "provider.base_url".to_string(),
            _ => match name
                .strip_prefix("CHAMBER_")
                .and_then(|r| r.split_once("__"))
            {
                Some((section, key)) => {
                    format!(
                        "{}.{}",
                        section.to_ascii_lowercase(),
                        key.to_ascii_lowercase()
                    )
                }
                None => continue,
            },
        };
        let value = parse_scalar(raw);
        let mut one = toml::Table::new();
        set_dotted(&mut one, &key, value.clone());
        validate_table(&one, &format!("environment variable {name}"))?;
        set_dotted(&mut table, &key, value);
    }
    Ok(table)
}

/// Reads `42`, `true`, `["a"]` as TOML values and anything else as a string.
fn parse_scalar(raw: &str) -> toml::Value {
    match toml::from_str::<toml::Table>(&format!("v = {raw}")) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.into())),
        Err(_) => toml::Value::String(raw.into()),
    }
}

fn validate_table(table: &toml::Table, source_name: &str) -> Result<(), ConfigError> {
    toml::Value::Table(table.clone())
        .try_into::<Config>()
        .map(|_| ())
        .map_err(|e| ConfigError::Invalid {
            source_name: source_name.to_string(),
            message: e.message().to_string(),
        })
}

fn set_dotted(table: &mut toml::Table, key: &str, value: toml::Value) {
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().unwrap_or_default();
    let mut cur = table;
    for part in parts {
        let entry = cur
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        let toml::Value::Table(next) = entry else {
            return;
        };
        cur = next;
    }
    cur.insert(last.to_string(), value);
}

fn merge_into(
    dst: &mut toml::Table,
    src: &toml::Table,
    label: &str,
    prefix: &str,
    origins: &mut BTreeMap<String, String>,
) {
    for (key, value) in src {
        let dotted = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match (dst.get_mut(key), value) {
            (Some(toml::Value::Table(d)), toml::Value::Table(s)) => {
                merge_into(d, s, label, &dotted, origins)
            }
            _ => {
                if let toml::Value::Table(s) = value {
                    let mut fresh = toml::Table::new();
                    merge_into(&mut fresh, s, label, &dotted, origins);
                    dst.insert(key.clone(), toml::Value::Table(fresh));
                } else {
                    dst.insert(key.clone(), value.clone());
                    origins.insert(dotted, label.to_string());
                }
            }
        }
    }
}

/// Names the layer that set the key a semantic check complained about.
fn culprit(origins: &BTreeMap<String, String>, layers: &[LayerInfo], message: &str) -> String {
    let key = message.split_whitespace().next().unwrap_or_default();
    let layer = origins
        .get(key)
        .map(String::as_str)
        .unwrap_or("merged configuration");
    layers
        .iter()
        .find(|l| l.layer == layer)
        .and_then(|l| l.path.as_ref().map(|p| p.display().to_string()))
        .unwrap_or_else(|| layer.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn layers_override_in_order_and_record_origins() {
        let tmp = tempfile::tempdir().unwrap();
        let user = write(
            tmp.path(),
            "user.toml",
            "[provider]\nmodel = \"u\"\n[agent]\nmax_turns_per_step = 5\n",
        );
        let project = write(tmp.path(), "proj.toml", "[provider]\nmodel = \"p\"\n");
        let sources = Sources {
            user_file: Some(user),
            project_file: Some(project),
            env: vec![("CHAMBER_AGENT__SHELL_TIMEOUT_SECS".into(), "7".into())],
            flags: vec![(
                "provider.base_url".into(),
                toml::Value::String("http://x".into()),
            )],
        };
        let loaded = load(&sources).unwrap();
        assert_eq!(loaded.config.provider.model, "p");
        assert_eq!(loaded.config.agent.max_turns_per_step, 5);
        assert_eq!(loaded.config.agent.shell_timeout_secs, 7);
        assert_eq!(loaded.config.provider.base_url, "http://x");
        assert_eq!(loaded.origins["provider.model"], "project");
        assert_eq!(loaded.origins["agent.max_turns_per_step"], "user");
        assert_eq!(loaded.origins["agent.shell_timeout_secs"], "env");
        assert_eq!(loaded.origins["provider.base_url"], "flags");
        assert_eq!(loaded.origins["git.commit"], "default");
    }

    #[test]
    fn bad_file_names_file_line_and_key() {
        let tmp = tempfile::tempdir().unwrap();
        let bad = write(tmp.path(), "c.toml", "[agent]\nmax_turns_per_stp = 5\n");
        let err = load(&Sources {
            project_file: Some(bad.clone()),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains(&bad.display().to_string()), "{err}");
        assert!(err.contains("max_turns_per_stp"), "{err}");
        assert!(err.contains("line 2"), "{err}");

        let wrong_type = write(
            tmp.path(),
            "d.toml",
            "[agent]\nmax_turns_per_step = \"many\"\n",
        );
        let err = load(&Sources {
            project_file: Some(wrong_type),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("max_turns_per_step"), "{err}");
    }

    #[test]
    fn load_text_checks_a_file_as_load_does() {
        let loaded = load_text("[agent]\nmax_turns_per_step = 5\n").unwrap();
        assert_eq!(loaded.config.agent.max_turns_per_step, 5);
        assert_eq!(loaded.origins["agent.max_turns_per_step"], "user");
        let err = load_text("[agent]\nmax_turns_per_stp = 5\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("config.toml") && err.contains("line 2"),
            "{err}"
        );
    }

    #[test]
    fn telemetry_is_read_from_the_user_layer_and_refused_in_a_project() {
        let tmp = tempfile::tempdir().unwrap();
        let text = "[telemetry]\nenabled = true\n";
        let user = write(tmp.path(), "user.toml", text);
        let loaded = load(&Sources {
            user_file: Some(user.clone()),
            ..Default::default()
        })
        .unwrap();
        assert!(loaded.config.telemetry.enabled);
        assert!(!Config::default().telemetry.enabled, "off by default");
        assert!(load_text(text).unwrap().config.telemetry.enabled);

        let project = write(tmp.path(), "project.toml", text);
        let err = load(&Sources {
            user_file: Some(user),
            project_file: Some(project.clone()),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains(&project.display().to_string()), "{err}");
        assert!(err.contains("per-user"), "{err}");

        let typo = write(tmp.path(), "typo.toml", "[telemetry]\nenable = true\n");
        let err = load(&Sources {
            user_file: Some(typo),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("enable"), "{err}");
    }

    #[test]
    fn bad_env_names_the_variable() {
        let err = load(&Sources {
            env: vec![("CHAMBER_AGENT__MAX_TURNS_PER_STEP".into(), "lots".into())],
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("CHAMBER_AGENT__MAX_TURNS_PER_STEP"), "{err}");
    }

    #[test]
    fn semantic_errors_name_the_layer_file() {
        let tmp = tempfile::tempdir().unwrap();
        let f = write(tmp.path(), "c.toml", "[approval]\nmode = \"yolo\"\n");
        let err = load(&Sources {
            user_file: Some(f.clone()),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.contains(&f.display().to_string()) && err.contains("approval.mode"),
            "{err}"
        );
    }
}
