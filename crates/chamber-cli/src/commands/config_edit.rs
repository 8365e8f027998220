//! Editing a Chamber config file in place (`chamber mcp add`, `budget
//! set`, `provider set`): the rest of the file (comments, order) stays as
//! the person wrote it, the result must load as Chamber config, and the
//! write is atomic.

use std::path::Path;

use toml_edit::DocumentMut;

use crate::exit::{CliError, status};

pub(crate) fn config_error(message: String, hint: &str) -> CliError {
    CliError::new("invalid_config", message, Some(hint), status::CONFIG)
}

/// The file's document, empty when the file does not exist.
pub fn read(path: &Path) -> Result<DocumentMut, CliError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(config_error(
                format!("cannot read {}: {e}", path.display()),
                "check the file's permissions",
            ));
        }
    };
    text.parse::<DocumentMut>().map_err(|e| {
        config_error(
            format!("{} is not valid TOML: {e}", path.display()),
            "fix the file by hand first; nothing was changed",
        )
    })
}

/// Writes the document atomically after checking the whole file still
/// loads as Chamber config.
pub fn write(path: &Path, doc: &DocumentMut) -> Result<(), CliError> {
    let text = doc.to_string();
    chamber_config::load_text(&text).map_err(|e| {
        config_error(
            format!("the change would make {} invalid: {e}", path.display()),
            "nothing was changed",
        )
    })?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| {
            config_error(
                format!("cannot create {}: {e}", dir.display()),
                "check permissions",
            )
        })?;
    }
    chamber_tools::atomic::write_atomic(path, text.as_bytes()).map_err(|e| {
        config_error(
            format!("cannot write {}: {e}", path.display()),
            "check free space and permissions; the old file is unchanged",
        )
    })
}

/// The top-level table `name`, made when missing; an error naming it when
/// the file has something else there.
pub fn section<'a>(
    doc: &'a mut DocumentMut,
    name: &str,
) -> Result<&'a mut toml_edit::Table, CliError> {
    doc.entry(name)
        .or_insert(toml_edit::table())
        .as_table_mut()
        .ok_or_else(|| config_error(format!("`{name}` is not a table"), "fix the file by hand"))
}
