//! Adding and removing `[mcp.servers.NAME]` tables in a config file,
//! keeping the rest of the file (comments, order) as the person wrote it.

use chamber_config::McpServerConfig;
use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, value};

use crate::exit::CliError;

use crate::commands::config_edit::config_error;
pub use crate::commands::config_edit::{read, write};

fn servers_table(doc: &mut DocumentMut) -> Result<&mut Table, CliError> {
    let mcp = doc
        .entry("mcp")
        .or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| config_error("`mcp` is not a table".into(), "fix the file by hand"))?;
    let servers = mcp
        .entry("servers")
        .or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| {
            config_error(
                "`mcp.servers` is not a table".into(),
                "fix the file by hand",
            )
        })?;
    Ok(servers)
}

fn strings(items: &[String]) -> Array {
    items.iter().map(String::as_str).collect()
}

fn map(items: &std::collections::BTreeMap<String, String>) -> InlineTable {
    let mut t = InlineTable::new();
    for (k, v) in items {
        t.insert(k, v.as_str().into());
    }
    t
}

/// Sets `[mcp.servers.NAME]` to `server` (only keys that differ from the
/// defaults are written).
pub fn put(doc: &mut DocumentMut, name: &str, server: &McpServerConfig) -> Result<(), CliError> {
    let defaults = McpServerConfig::default();
    let mut t = Table::new();
    if !server.command.is_empty() {
        t["command"] = value(server.command.as_str());
        if !server.args.is_empty() {
            t["args"] = value(strings(&server.args));
        }
    }
    if !server.url.is_empty() {
        t["url"] = value(server.url.as_str());
    }
    if !server.env.is_empty() {
        t["env"] = value(map(&server.env));
    }
    if !server.headers.is_empty() {
        t["headers"] = value(map(&server.headers));
    }
    if !server.bearer_token_env.is_empty() {
        t["bearer_token_env"] = value(server.bearer_token_env.as_str());
    }
    if !server.cwd.is_empty() {
        t["cwd"] = value(server.cwd.as_str());
    }
    if server.enabled != defaults.enabled {
        t["enabled"] = value(server.enabled);
    }
    if server.startup_timeout_secs != defaults.startup_timeout_secs {
        t["startup_timeout_secs"] = value(server.startup_timeout_secs as i64);
    }
    if server.tool_timeout_secs != defaults.tool_timeout_secs {
        t["tool_timeout_secs"] = value(server.tool_timeout_secs as i64);
    }
    if !server.allow_tools.is_empty() {
        t["allow_tools"] = value(strings(&server.allow_tools));
    }
    if !server.deny_tools.is_empty() {
        t["deny_tools"] = value(strings(&server.deny_tools));
    }
    if !server.read_only_tools.is_empty() {
        t["read_only_tools"] = value(strings(&server.read_only_tools));
    }
    if !server.env_allow.is_empty() {
        t["env_allow"] = value(strings(&server.env_allow));
    }
    servers_table(doc)?.insert(name, Item::Table(t));
    Ok(())
}

/// Removes `[mcp.servers.NAME]`; whether it was there.
pub fn remove(doc: &mut DocumentMut, name: &str) -> bool {
    doc.get_mut("mcp")
        .and_then(Item::as_table_mut)
        .and_then(|m| m.get_mut("servers"))
        .and_then(Item::as_table_mut)
        .is_some_and(|s| s.remove(name).is_some())
}
