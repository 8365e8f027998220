use std::path::{Path, PathBuf};

use crate::catalogue::RUNTIME;

/// Where the local model's files live inside Chamber's data directory, so
/// every part of the crate agrees on one layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPaths {
    /// Chamber's data directory.
    pub data: PathBuf,
}

impl LocalPaths {
    /// The layout under `data`.
    pub fn new(data: impl Into<PathBuf>) -> Self {
        Self { data: data.into() }
    }

    /// Installed GGUF files and their verification records.
    pub fn models(&self) -> PathBuf {
        self.data.join("models")
    }

    /// The GGUF file of a catalogue model.
    pub fn model_file(&self, name: &str) -> PathBuf {
        self.models().join(format!("{name}.gguf"))
    }

    /// The record written after a model's hash was verified.
    pub fn model_record(&self, name: &str) -> PathBuf {
        self.models().join(format!("{name}.verified.json"))
    }

    /// User-registered GGUF files.
    pub fn registry(&self) -> PathBuf {
        self.models().join("registry.json")
    }

    /// Packages fetched from the registry, kept until their install finishes.
    pub fn downloads(&self) -> PathBuf {
        self.data.join("downloads")
    }

    /// Private tools installed for the build (cmake).
    pub fn tools(&self) -> PathBuf {
        self.data.join("tools")
    }

    /// The built runtime of the pinned version.
    pub fn runtime_dir(&self) -> PathBuf {
        self.data
            .join("runtime")
            .join(format!("llama-server-{}", RUNTIME.version))
    }

    /// The `llama-server` binary.
    pub fn server_binary(&self) -> PathBuf {
        self.runtime_dir().join("llama-server")
    }

    /// Build tree of the pinned version; kept across interrupted builds.
    pub fn build_dir(&self) -> PathBuf {
        self.data
            .join("runtime")
            .join(format!("build-{}", RUNTIME.version))
    }

    /// Lock, state and last-use files of running servers.
    pub fn servers(&self) -> PathBuf {
        self.data.join("servers")
    }

    /// Log files (build log, server logs).
    pub fn logs(&self) -> PathBuf {
        self.data.join("logs")
    }

    /// A file under `servers/` for one model.
    pub fn server_file(&self, model: &str, ext: &str) -> PathBuf {
        self.servers().join(format!("{model}.{ext}"))
    }
}

/// Creates a directory and its parents, with the path in the error.
pub(crate) fn ensure_dir(dir: &Path) -> Result<(), crate::LocalError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| crate::LocalError::io(format!("cannot create {}", dir.display()), e))
}
