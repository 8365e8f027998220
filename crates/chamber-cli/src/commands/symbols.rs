//! `chamber symbols <path|name>`: for a file, its definitions (kind,
//! qualified name, lines, signature); for a name, where it is defined and
//! referenced (file:line).

use serde_json::{Value, json};

use super::index::{index_error, open, update};
use crate::exit::{CliError, status};
use crate::output::{Output, style};
use crate::setup::Setup;

/// `chamber symbols`.
pub async fn symbols(setup: &Setup, target: &str, out: &Output) -> Result<(Value, i32), CliError> {
    let index = open(setup).await?;
    match update(&index, out).await {
        Ok(_) => {}
        Err(e) if e.code == "index_busy" => {}
        Err(e) => return Err(e),
    }
    let path = as_repo_path(setup, target);
    if let Some(path) = path
        && index.has_file(&path).await.map_err(index_error)?
    {
        let defs = index.file_symbols(&path).await.map_err(index_error)?;
        for s in &defs {
            out.line(format!(
                "{:>5}-{:<5} {:<10} {}  {}",
                s.start_line,
                s.end_line,
                Output::styled(style::OK, &s.kind),
                Output::styled(style::HEAD, &s.qualified),
                Output::styled(style::DIM, &s.signature)
            ));
        }
        return Ok((json!({"path": path, "definitions": defs}), status::OK));
    }
    let (name, qualified) = match target.rsplit_once("::").or_else(|| target.rsplit_once('.')) {
        Some((_, last)) if !last.is_empty() && !target.contains('/') => (last, Some(target)),
        _ => (target, None),
    };
    let mut defs = index.definitions(name).await.map_err(index_error)?;
    if let Some(q) = qualified {
        defs.retain(|s| {
            s.qualified == q
                || s.qualified.ends_with(&format!(".{q}"))
                || s.qualified.ends_with(&format!("::{q}"))
        });
    }
    let refs = index.references(name).await.map_err(index_error)?;
    if defs.is_empty() && refs.is_empty() {
        return Err(CliError::new(
            "not_found",
            format!("no file or symbol named {target:?} in the index"),
            Some("give a path relative to the project root, or a symbol name"),
            status::NOT_FOUND,
        ));
    }
    if !out.is_json() {
        out.line(Output::styled(
            style::HEAD,
            format!("definitions ({})", defs.len()),
        ));
        for s in &defs {
            out.line(format!(
                "  {}:{}  {} {}  {}",
                s.path,
                s.start_line,
                Output::styled(style::OK, &s.kind),
                s.qualified,
                Output::styled(style::DIM, &s.signature)
            ));
        }
        out.line(Output::styled(
            style::HEAD,
            format!("references ({})", refs.len()),
        ));
        for r in &refs {
            out.line(format!(
                "  {}:{}  {}",
                r.path,
                r.line,
                Output::styled(style::DIM, &r.kind)
            ));
        }
    }
    Ok((
        json!({"name": name, "definitions": defs, "references": refs}),
        status::OK,
    ))
}

/// `target` as a `/`-separated path relative to the project root, when it
/// looks like a path (relative to the root or to the current directory).
fn as_repo_path(setup: &Setup, target: &str) -> Option<String> {
    let candidate = std::path::Path::new(target);
    let absolute = if candidate.is_absolute() {
        candidate.to_path_buf()
    } else {
        let from_cwd = std::env::current_dir().ok()?.join(candidate);
        if from_cwd.exists() {
            from_cwd
        } else {
            setup.root.join(candidate)
        }
    };
    let absolute = absolute.canonicalize().ok()?;
    let root = setup.root.canonicalize().ok()?;
    let rel = absolute.strip_prefix(&root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}
