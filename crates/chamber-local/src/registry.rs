//! Which models a user can serve: the built-in catalogue plus GGUF files
//! registered with `chamber model add NAME --gguf PATH`, and whether each is
//! installed and verified.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::catalogue::{catalogue, find_model};
use crate::weights::{read_record, sha256_file, write_atomic};
use crate::{InstallProgress, LocalError, LocalPaths};

/// A GGUF file the user registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserModel {
    /// Absolute path of the file (Chamber never moves or deletes it).
    pub path: PathBuf,
    /// sha256 when it was added.
    pub sha256: String,
    /// Size when it was added.
    pub size: u64,
}

/// One row of `chamber model list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelStatus {
    /// Name.
    pub name: String,
    /// `catalogue` or `user`.
    pub source: &'static str,
    /// One-line description.
    pub summary: String,
    /// File size in bytes.
    pub size_bytes: u64,
    /// Rough serving memory in MB (0 when unknown).
    pub ram_mb: u32,
    /// Speed class.
    pub speed: String,
    /// Whether the file is present.
    pub installed: bool,
    /// Whether its hash was checked against the pinned (or recorded) one.
    pub verified: bool,
    /// Where the file is.
    pub path: PathBuf,
}

fn load(paths: &LocalPaths) -> Result<BTreeMap<String, UserModel>, LocalError> {
    match std::fs::read_to_string(paths.registry()) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            LocalError::BadPackage(format!(
                "{} is not valid JSON: {e}; fix or delete it",
                paths.registry().display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(LocalError::io(
            format!("cannot read {}", paths.registry().display()),
            e,
        )),
    }
}

fn save(paths: &LocalPaths, map: &BTreeMap<String, UserModel>) -> Result<(), LocalError> {
    let text = serde_json::to_string_pretty(map).unwrap_or_default();
    write_atomic(&paths.registry(), text.as_bytes())
}

/// Registers a GGUF file under `name` after checking it looks like GGUF.
pub fn add_user_model(
    paths: &LocalPaths,
    name: &str,
    gguf: &Path,
    progress: &dyn InstallProgress,
) -> Result<UserModel, LocalError> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        return Err(LocalError::BadPackage(format!(
            "model name {name:?}: use letters, digits, '.', '_' and '-'"
        )));
    }
    if find_model(name).is_some() {
        return Err(LocalError::BadPackage(format!(
            "{name} is a catalogue model; pick another name"
        )));
    }
    let path = gguf
        .canonicalize()
        .map_err(|e| LocalError::io(format!("cannot find {}", gguf.display()), e))?;
    let mut magic = [0u8; 4];
    std::io::Read::read_exact(
        &mut std::fs::File::open(&path)
            .map_err(|e| LocalError::io(format!("cannot open {}", path.display()), e))?,
        &mut magic,
    )
    .map_err(|e| LocalError::io(format!("cannot read {}", path.display()), e))?;
    if &magic != b"GGUF" {
        return Err(LocalError::BadPackage(format!(
            "{} is not a GGUF file (it does not start with \"GGUF\")",
            path.display()
        )));
    }
    progress.stage("verify", &format!("hashing {}", path.display()));
    let sha256 = sha256_file(&path, progress)?;
    progress.finish("recorded");
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let model = UserModel { path, sha256, size };
    let mut map = load(paths)?;
    map.insert(name.to_string(), model.clone());
    save(paths, &map)?;
    Ok(model)
}

/// Removes a model: deletes a catalogue model's file, or forgets a user
/// model (its file is the user's and stays). Returns what was removed.
pub fn remove_model(paths: &LocalPaths, name: &str) -> Result<Vec<PathBuf>, LocalError> {
    if find_model(name).is_some() {
        let mut removed = Vec::new();
        for p in [paths.model_file(name), paths.model_record(name)] {
            if p.exists() {
                std::fs::remove_file(&p)
                    .map_err(|e| LocalError::io(format!("cannot remove {}", p.display()), e))?;
                removed.push(p);
            }
        }
        if removed.is_empty() {
            return Err(LocalError::NotInstalled(name.into()));
        }
        return Ok(removed);
    }
    let mut map = load(paths)?;
    match map.remove(name) {
        Some(m) => {
            save(paths, &map)?;
            Ok(vec![m.path])
        }
        None => Err(unknown(paths, name)),
    }
}

fn unknown(paths: &LocalPaths, name: &str) -> LocalError {
    let mut known: Vec<String> = catalogue().iter().map(|m| m.name.to_string()).collect();
    known.extend(load(paths).unwrap_or_default().into_keys());
    LocalError::UnknownModel {
        name: name.into(),
        known: known.join(", "),
    }
}

/// Every known model with its install state.
pub fn list_models(paths: &LocalPaths) -> Result<Vec<ModelStatus>, LocalError> {
    let mut rows: Vec<ModelStatus> = catalogue()
        .iter()
        .map(|m| {
            let path = paths.model_file(m.name);
            let verified = read_record(&paths.model_record(m.name), &path)
                .is_some_and(|r| r.sha256 == m.sha256);
            ModelStatus {
                name: m.name.into(),
                source: "catalogue",
                summary: m.summary.into(),
                size_bytes: m.size_bytes,
                ram_mb: m.ram_mb,
                speed: m.speed.into(),
                installed: path.is_file(),
                verified,
                path,
            }
        })
        .collect();
    for (name, m) in load(paths)? {
        let size_now = std::fs::metadata(&m.path).map(|x| x.len()).ok();
        rows.push(ModelStatus {
            name,
            source: "user",
            summary: "registered GGUF file".into(),
            size_bytes: m.size,
            ram_mb: 0,
            speed: "unknown".into(),
            installed: size_now.is_some(),
            verified: size_now == Some(m.size),
            path: m.path,
        });
    }
    Ok(rows)
}

/// The GGUF file to serve for `name`, refusing files that are missing or
/// unverified.
pub fn resolve_model_file(paths: &LocalPaths, name: &str) -> Result<PathBuf, LocalError> {
    if let Some(m) = find_model(name) {
        let path = paths.model_file(name);
        return match read_record(&paths.model_record(name), &path) {
            Some(r) if r.sha256 == m.sha256 => Ok(path),
            _ => Err(LocalError::NotInstalled(name.into())),
        };
    }
    match load(paths)?.remove(name) {
        Some(m) if m.path.is_file() => Ok(m.path),
        Some(m) => Err(LocalError::BadPackage(format!(
            "{name} points at {}, which no longer exists; `chamber model rm {name}` forgets it",
            m.path.display()
        ))),
        None => Err(unknown(paths, name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoProgress;

    #[test]
    fn user_models_round_trip_and_reject_non_gguf() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = LocalPaths::new(tmp.path().join("data"));
        let good = tmp.path().join("m.gguf");
        std::fs::write(&good, b"GGUF\x03\x00\x00\x00rest").unwrap();
        let bad = tmp.path().join("x.bin");
        std::fs::write(&bad, b"nope").unwrap();
        assert!(add_user_model(&paths, "mine", &bad, &NoProgress).is_err());
        assert!(add_user_model(&paths, "qwen2.5-coder-0.5b", &good, &NoProgress).is_err());
        let m = add_user_model(&paths, "mine", &good, &NoProgress).unwrap();
        assert_eq!(m.sha256.len(), 64);
        assert_eq!(
            resolve_model_file(&paths, "mine").unwrap(),
            good.canonicalize().unwrap()
        );
        let rows = list_models(&paths).unwrap();
        assert!(
            rows.iter()
                .any(|r| r.name == "mine" && r.installed && r.source == "user")
        );
        assert!(
            rows.iter()
                .any(|r| r.name == "smollm2-135m" && !r.installed)
        );
        remove_model(&paths, "mine").unwrap();
        assert!(good.exists(), "the user's file stays");
        assert!(matches!(
            resolve_model_file(&paths, "mine"),
            Err(LocalError::UnknownModel { .. })
        ));
        assert!(matches!(
            resolve_model_file(&paths, "smollm2-135m"),
            Err(LocalError::NotInstalled(_))
        ));
    }

    #[test]
    fn corrupt_registry_is_a_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        let paths = LocalPaths::new(tmp.path());
        std::fs::create_dir_all(paths.models()).unwrap();
        std::fs::write(paths.registry(), b"{not json").unwrap();
        let err = list_models(&paths).unwrap_err();
        assert!(err.to_string().contains("registry.json"));
    }
}
