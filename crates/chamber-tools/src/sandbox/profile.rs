//! The sandbox profile: what a sandboxed command may read, write and reach,
//! built from `[sandbox]` config and passed to the helper on its command line.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chamber_config::SandboxConfig;
use serde::{Deserialize, Serialize};

use super::SandboxError;

/// System directories commands may read (and run programs from) by default.
const SYSTEM_READ: &[&str] = &[
    "/bin", "/sbin", "/usr", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/nix",
    "/snap", "/run", "/var/lib", "/proc", "/sys", "/dev",
];

/// Toolchain locations under `$HOME` commands may read by default.
const HOME_READ: &[&str] = &[
    ".cargo",
    ".rustup",
    ".local",
    ".npm",
    ".cache",
    ".nvm",
    ".pyenv",
    ".rbenv",
    ".sdkman",
    ".m2",
    ".gradle",
    "go",
    ".bun",
    ".deno",
    ".gitconfig",
    ".config/git",
];

/// Credential locations under `$HOME` that are hidden (an empty directory or
/// `/dev/null` is mounted over them).
const HOME_HIDDEN: &[&str] = &[
    ".ssh",
    ".aws",
    ".gnupg",
    ".config/gh",
    ".config/hub",
    ".config/gcloud",
    ".azure",
    ".docker",
    ".kube",
    ".netrc",
    ".git-credentials",
    ".npmrc",
    ".pypirc",
    ".vault-token",
    ".password-store",
    ".cargo/credentials",
    ".cargo/credentials.toml",
    ".config/chamber",
    ".local/share/chamber",
];

/// Sockets of daemons that would let a command act outside the sandbox
/// (container engines, the system bus, per-user agents), hidden when the
/// network is allowed (without it all of `/run` is), because connecting to a
/// Unix socket is not a file write that read-only mounts or Landlock stop.
const RUN_HIDDEN: &[&str] = &[
    "/run/user",
    "/run/docker.sock",
    "/run/docker",
    "/run/containerd",
    "/run/podman",
    "/run/crio",
    "/run/snapd.socket",
    "/run/snapd-snap.socket",
    "/run/dbus",
    "/run/systemd/private",
    "/run/systemd/userdb",
];

/// Device files commands may write.
pub(crate) const DEV_WRITE: &[&str] = &[
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
    "/dev/ptmx",
    "/dev/pts",
    "/dev/shm",
];

/// Paths inside the workspace that stay read-only: Chamber's own state and
/// git's hooks and config (which would run code outside the sandbox later).
pub(crate) const WORKSPACE_READ_ONLY: &[&str] = &[".chamber", ".git/hooks", ".git/config"];

/// Resource limits applied to every process in the sandbox (0: no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// CPU seconds per process.
    pub cpu_secs: u64,
    /// Data segment and private memory per process, in MiB.
    pub memory_mb: u64,
    /// Processes alive at once in the sandbox.
    pub max_processes: u64,
    /// Largest file written, in MiB.
    pub max_file_mb: u64,
    /// Size of the private `/tmp`, in MiB.
    pub tmp_mb: u64,
}

/// Everything the helper needs to confine one command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxProfile {
    /// The workspace root (canonical), writable.
    pub workspace: PathBuf,
    /// Other writable paths (canonical, existing).
    pub write_paths: Vec<PathBuf>,
    /// Readable paths (canonical, existing).
    pub read_paths: Vec<PathBuf>,
    /// Paths hidden behind an empty directory or `/dev/null`.
    pub hidden_paths: Vec<PathBuf>,
    /// Whether the command may use the network.
    pub network: bool,
    /// Resource limits.
    pub limits: Limits,
}

impl SandboxProfile {
    /// The profile `[sandbox]` describes for a command in `workspace`, with
    /// `~/` expanded from `$HOME`. Paths that do not exist are dropped.
    pub fn from_config(config: &SandboxConfig, workspace: &Path) -> Self {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let expand = |p: &str| -> Option<PathBuf> {
            match p.strip_prefix("~/") {
                Some(rest) => home.as_ref().map(|h| h.join(rest)),
                None if p == "~" => home.clone(),
                None => Some(PathBuf::from(p)),
            }
        };
        let mut read: Vec<String> = SYSTEM_READ.iter().map(|s| s.to_string()).collect();
        read.extend(HOME_READ.iter().map(|s| format!("~/{s}")));
        read.extend(config.read_paths.iter().cloned());
        read.extend(path_dirs(std::env::var_os("PATH")));
        // Toolchain homes the environment names (rustup's proxies set
        // RUSTUP_HOME for the cargo they start) are read like PATH dirs.
        for var in ["RUSTUP_HOME", "CARGO_HOME"] {
            if let Some(dir) = std::env::var_os(var).map(PathBuf::from)
                && dir.is_absolute()
            {
                read.push(dir.to_string_lossy().into_owned());
            }
        }
        let mut hidden: Vec<String> = HOME_HIDDEN.iter().map(|s| format!("~/{s}")).collect();
        if config.network {
            hidden.extend(RUN_HIDDEN.iter().map(|s| s.to_string()));
        } else {
            // Without network nothing under /run is needed (it mostly holds
            // daemon sockets and the DNS configuration).
            hidden.push("/run".into());
        }
        for (var, sub) in [
            ("CHAMBER_HOME", ""),
            ("XDG_DATA_HOME", "chamber"),
            ("XDG_CONFIG_HOME", "chamber"),
        ] {
            if let Some(v) = std::env::var_os(var) {
                hidden.push(PathBuf::from(v).join(sub).to_string_lossy().into_owned());
            }
        }
        hidden.extend(config.hidden_paths.iter().cloned());
        let existing = |list: &[String]| -> Vec<PathBuf> {
            let mut out: Vec<PathBuf> = list
                .iter()
                .filter_map(|p| expand(p))
                .filter_map(|p| p.canonicalize().ok())
                .collect();
            out.sort();
            out.dedup();
            out
        };
        let workspace = workspace
            .canonicalize()
            .unwrap_or_else(|_| workspace.to_path_buf());
        // A hidden path that holds the workspace would hide the workspace itself.
        let hidden = existing(&hidden)
            .into_iter()
            .filter(|h| !workspace.starts_with(h))
            .collect();
        Self {
            write_paths: existing(&config.write_paths),
            read_paths: existing(&read),
            hidden_paths: hidden,
            workspace,
            network: config.network,
            limits: Limits {
                cpu_secs: config.cpu_secs,
                memory_mb: config.memory_mb,
                max_processes: config.max_processes,
                max_file_mb: config.max_file_mb,
                tmp_mb: config.tmp_mb.max(1),
            },
        }
    }

    /// The profile as one command-line word (base64 of its JSON).
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Reads a profile written by [`SandboxProfile::encode`].
    pub fn decode(word: &str) -> Result<Self, SandboxError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(word)
            .map_err(|e| SandboxError::Profile(e.to_string()))?;
        serde_json::from_slice(&bytes).map_err(|e| SandboxError::Profile(e.to_string()))
    }
}

/// Directories on `PATH`, readable so that programs found there run: for a
/// directory inside a dot-directory (`~/.pyenv/shims`, `~/.cargo/bin`) the
/// whole dot-directory, since such tools read their installation.
fn path_dirs(path: Option<std::ffi::OsString>) -> Vec<String> {
    let Some(path) = path else {
        return Vec::new();
    };
    std::env::split_paths(&path)
        .filter(|d| d.is_absolute() && d.parent().is_some())
        .map(|d| {
            let mut prefix = PathBuf::new();
            for part in d.components() {
                prefix.push(part);
                if part.as_os_str().to_string_lossy().starts_with('.') {
                    return prefix;
                }
            }
            d
        })
        .map(|d| d.to_string_lossy().into_owned())
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_decodes() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = SandboxConfig {
            network: true,
            write_paths: vec![dir.path().display().to_string()],
            ..SandboxConfig::default()
        };
        let p = SandboxProfile::from_config(&cfg, dir.path());
        assert!(p.network);
        assert_eq!(p.write_paths, vec![dir.path().canonicalize().unwrap()]);
        assert!(p.read_paths.contains(&PathBuf::from("/usr")));
        assert_eq!(SandboxProfile::decode(&p.encode()).unwrap(), p);
        assert!(SandboxProfile::decode("!!").is_err());
    }

    #[test]
    fn path_directories_widen_to_their_dot_directory() {
        let dirs = path_dirs(Some(
            "/h/.pyenv/plugins/x/shims:/usr/bin:relative:/opt/t/bin".into(),
        ));
        assert_eq!(dirs, vec!["/h/.pyenv", "/usr/bin", "/opt/t/bin"]);
    }
}
