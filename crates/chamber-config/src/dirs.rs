use std::path::{Path, PathBuf};

/// Where Chamber keeps per-user files, following XDG. `CHAMBER_HOME`
/// overrides the data directory so tests and CI can isolate everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dirs {
    /// Database, logs, models.
    pub data: PathBuf,
    /// The user-level config file (may not exist).
    pub user_config: PathBuf,
}

impl Dirs {
    /// Resolves the directories from an environment lookup function.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Self {
        let home = get("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        let nonempty = |k: &str| get(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        let data = nonempty("CHAMBER_HOME").unwrap_or_else(|| {
            nonempty("XDG_DATA_HOME")
                .unwrap_or_else(|| home.join(".local/share"))
                .join("chamber")
        });
        let user_config = nonempty("XDG_CONFIG_HOME")
            .unwrap_or_else(|| home.join(".config"))
            .join("chamber/config.toml");
        Self { data, user_config }
    }

    /// Resolves the directories from the process environment.
    pub fn from_process_env() -> Self {
        Self::from_env(|k| std::env::var(k).ok())
    }

    /// The SQLite database file.
    pub fn database(&self) -> PathBuf {
        self.data.join("chamber.db")
    }

    /// The directory for rotating log files.
    pub fn logs(&self) -> PathBuf {
        self.data.join("logs")
    }

    /// The local usage log (`chamber telemetry`), one JSON record a line.
    pub fn telemetry(&self) -> PathBuf {
        self.data.join("telemetry.jsonl")
    }
}

/// The project a command acts on: the nearest ancestor of `start` that holds
/// `.chamber/` or `.git`, else `start` itself.
pub fn find_project_root(start: &Path) -> PathBuf {
    for dir in start.ancestors() {
        if dir.join(".chamber").is_dir() || dir.join(".git").exists() {
            return dir.to_path_buf();
        }
    }
    start.to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chamber_home_wins_then_xdg_then_home() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let d = Dirs::from_env(env(&[("HOME", "/h"), ("CHAMBER_HOME", "/c")]));
        assert_eq!(d.data, PathBuf::from("/c"));
        let d = Dirs::from_env(env(&[("HOME", "/h"), ("XDG_DATA_HOME", "/x")]));
        assert_eq!(d.data, PathBuf::from("/x/chamber"));
        let d = Dirs::from_env(env(&[("HOME", "/h")]));
        assert_eq!(d.data, PathBuf::from("/h/.local/share/chamber"));
        assert_eq!(
            d.user_config,
            PathBuf::from("/h/.config/chamber/config.toml")
        );
    }

    #[test]
    fn project_root_is_nearest_marker() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("a/.git")).unwrap();
        std::fs::create_dir_all(tmp.path().join("a/b/c")).unwrap();
        assert_eq!(
            find_project_root(&tmp.path().join("a/b/c")),
            tmp.path().join("a")
        );
    }
}
