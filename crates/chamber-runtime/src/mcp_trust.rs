//! Trust for MCP servers a project's own `.chamber/config.toml` defines:
//! they are programs that start with every run, so they start only once
//! the person has trusted exactly that definition (`chamber mcp trust`, or
//! `chamber mcp add --project`). A changed definition needs trusting again.
//! Servers from the user's own config need nothing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chamber_config::{McpConfig, McpServerConfig};
use sha2::{Digest, Sha256};

use crate::error::RuntimeError;
use crate::setup::Setup;

/// The file holding, per project root, the hash of its trusted servers.
fn trust_file(setup: &Setup) -> PathBuf {
    setup.dirs.data.join("mcp-trust.json")
}

fn read_trust(setup: &Setup) -> BTreeMap<String, String> {
    std::fs::read_to_string(trust_file(setup))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

impl Setup {
    /// The servers the project's own config file defines (or changes).
    pub fn project_mcp_servers(&self) -> BTreeMap<String, McpServerConfig> {
        let config = &self.loaded.config.mcp;
        config
            .servers
            .iter()
            .filter(|(name, _)| {
                let prefix = format!("mcp.servers.{name}.");
                self.loaded
                    .origins
                    .iter()
                    .any(|(key, layer)| key.starts_with(&prefix) && layer == "project")
            })
            .map(|(n, s)| (n.clone(), s.clone()))
            .collect()
    }

    fn project_mcp_hash(&self) -> Option<String> {
        let servers = self.project_mcp_servers();
        if servers.is_empty() {
            return None;
        }
        let text = serde_json::to_string(&servers).unwrap_or_default();
        Some(
            Sha256::digest(text.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        )
    }

    /// Whether the project's MCP servers, as defined now, are trusted
    /// (true when it defines none).
    pub fn project_mcp_trusted(&self) -> bool {
        match self.project_mcp_hash() {
            None => true,
            Some(hash) => read_trust(self).get(&self.root.display().to_string()) == Some(&hash),
        }
    }

    /// Trusts the project's MCP servers as defined now; their names.
    pub fn trust_project_mcp(&self) -> Result<Vec<String>, RuntimeError> {
        let names: Vec<String> = self.project_mcp_servers().into_keys().collect();
        let mut trust = read_trust(self);
        let key = self.root.display().to_string();
        match self.project_mcp_hash() {
            Some(hash) => trust.insert(key, hash),
            None => trust.remove(&key),
        };
        let text = serde_json::to_string_pretty(&trust).unwrap_or_default();
        let path = trust_file(self);
        let io = |e: std::io::Error| {
            RuntimeError::setting(
                "io_failed",
                format!("cannot write {}: {e}", path.display()),
                Some("check the data dir's permissions and free space"),
                crate::error::ErrorKind::Config,
            )
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        chamber_tools::atomic::write_atomic(&path, text.as_bytes()).map_err(io)?;
        Ok(names)
    }

    /// `[mcp]` as runs use it: the project's own servers are left out
    /// until trusted. Also returns the names left out.
    pub fn runnable_mcp(&self, config: &chamber_config::Config) -> (McpConfig, Vec<String>) {
        let mut mcp = config.mcp.clone();
        if self.project_mcp_trusted() {
            return (mcp, Vec::new());
        }
        let untrusted: Vec<String> = self.project_mcp_servers().into_keys().collect();
        for name in &untrusted {
            mcp.servers.remove(name);
        }
        (mcp, untrusted)
    }
}
