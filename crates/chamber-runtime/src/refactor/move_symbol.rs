//! Moving a top-level Python definition to another module: the symbol
//! engine cuts it (docs and decorators included), the imports it needs go
//! with it, and every `from old import name` (and `old.name`) in the
//! project is pointed at the new module.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chamber_edit::symbols::{delete_symbol, find_symbol};
use chamber_edit::syntax::Lang;
use chamber_edit::{ChangeSet, FileChange};

use super::{Planned, refused, source_files};
use crate::error::RuntimeError;

/// `pkg/util.py` → `pkg.util`.
fn module_of(path: &str) -> String {
    path.trim_end_matches(".py")
        .trim_end_matches("/__init__")
        .replace('/', ".")
}

/// Whether `word` appears in `text` as a whole identifier.
fn uses(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
}

/// Top-level import lines of a Python file.
fn imports(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("import ") || l.starts_with("from "))
        .collect()
}

/// The names an import line binds (`from m import a, b as c` → a, c).
fn bound_names(line: &str) -> Vec<String> {
    let names = match line.split_once(" import ") {
        Some((_, names)) => names,
        None => line.trim_start_matches("import "),
    };
    names
        .trim_matches(|c| c == '(' || c == ')')
        .split(',')
        .filter_map(|n| {
            let n = n.trim();
            let bound = n.rsplit(" as ").next().unwrap_or(n).trim();
            let bound = bound.split('.').next().unwrap_or(bound);
            (!bound.is_empty()).then(|| bound.to_string())
        })
        .collect()
}

/// Adds `line` after the last top-level import (or at the top).
fn add_import(text: &str, line: &str) -> String {
    if text.lines().any(|l| l.trim() == line) {
        return text.to_string();
    }
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .rposition(|l| l.starts_with("import ") || l.starts_with("from "))
        .map_or(0, |i| i + 1);
    let mut out: Vec<&str> = lines[..at].to_vec();
    out.push(line);
    out.extend(&lines[at..]);
    let mut joined = out.join("\n");
    joined.push('\n');
    joined
}

/// Points `from OLD import …symbol…` and `OLD.symbol` in `text` at `new`.
fn repoint(text: &str, old: &str, new: &str, symbol: &str) -> String {
    let mut out = Vec::new();
    let mut add_line = None;
    let from_old = format!("from {old} import ");
    for line in text.lines() {
        if let Some(names) = line.strip_prefix(&from_old) {
            let names: Vec<&str> = names.split(',').map(str::trim).collect();
            if names.contains(&symbol) {
                let rest: Vec<&str> = names.into_iter().filter(|n| *n != symbol).collect();
                if rest.is_empty() {
                    out.push(format!("from {new} import {symbol}"));
                } else {
                    out.push(format!("{from_old}{}", rest.join(", ")));
                    add_line = Some(format!("from {new} import {symbol}"));
                }
                continue;
            }
        }
        out.push(line.replace(&format!("{old}.{symbol}"), &format!("{new}.{symbol}")));
    }
    let mut joined = out.join("\n");
    if text.ends_with('\n') {
        joined.push('\n');
    }
    if text.contains(&format!("{old}.{symbol}")) {
        joined = add_import(&joined, &format!("import {new}"));
    }
    match add_line {
        Some(line) => add_import(&joined, &line),
        None => joined,
    }
}

/// Plans moving `symbol` from `from` to `to` (Python files, relative to
/// `root`; `to` may not exist yet).
pub fn plan_move(root: &Path, symbol: &str, from: &str, to: &str) -> Result<Planned, RuntimeError> {
    let py = |p: &str| p.ends_with(".py");
    if !py(from) || !py(to) {
        return Err(refused(
            "refactor_unsupported",
            "move rewrites imports for Python modules only (both files must be .py)",
            "for other languages, `chamber edit` or `chamber run` can move it with the model",
        ));
    }
    if from == to {
        return Err(refused(
            "bad_target",
            "--from and --to are the same file",
            "name another module",
        ));
    }
    let source = std::fs::read_to_string(root.join(from)).map_err(|e| {
        refused(
            "bad_target",
            format!("cannot read {from}: {e}"),
            "name an existing module",
        )
    })?;
    let found = find_symbol(Lang::Python, &source, symbol).map_err(|e| {
        refused(
            "unknown_symbol",
            format!("{symbol} in {from}: {e}"),
            "`chamber symbols QUERY` lists the symbols",
        )
    })?;
    let code = source
        .get(found.span.clone())
        .unwrap_or_default()
        .trim_end()
        .to_string();
    let cut = delete_symbol(Lang::Python, &source, symbol)
        .map_err(|e| refused("refactor_refused", e.to_string(), "check the symbol's name"))?;
    let (old_mod, new_mod) = (module_of(from), module_of(to));

    // The target gets the imports the moved code uses, then the code.
    let target_before = std::fs::read_to_string(root.join(to)).ok();
    let mut target = target_before.clone().unwrap_or_default();
    for line in imports(&source) {
        if bound_names(line).iter().any(|n| uses(&code, n)) {
            target = add_import(&target, line);
        }
    }
    if !target.is_empty() && !target.ends_with("\n\n") {
        target.push_str(if target.ends_with('\n') {
            "\n\n"
        } else {
            "\n\n\n"
        });
    }
    target.push_str(&code);
    target.push('\n');

    // The source imports it back when it still uses it.
    let mut source_after = cut.text;
    if uses(&source_after, symbol) {
        source_after = add_import(&source_after, &format!("from {new_mod} import {symbol}"));
    }
    let mut edits: BTreeMap<PathBuf, (String, String)> = BTreeMap::new();
    edits.insert(PathBuf::from(from), (source.clone(), source_after));
    for path in source_files(root) {
        let rel = path.to_string_lossy().to_string();
        if !py(&rel) || rel == from || rel == to {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(root.join(&path)) else {
            continue;
        };
        let after = repoint(&text, &old_mod, &new_mod, symbol);
        if after != text {
            edits.insert(path, (text, after));
        }
    }
    let mut changes: Vec<FileChange> = edits
        .into_iter()
        .map(|(path, (previous, content))| FileChange::Update {
            path,
            move_to: None,
            previous,
            content,
        })
        .collect();
    let updated = changes.len() - 1;
    changes.push(match target_before {
        Some(previous) => FileChange::Update {
            path: PathBuf::from(to),
            move_to: None,
            previous,
            content: target,
        },
        None => FileChange::Add {
            path: PathBuf::from(to),
            content: target,
            previous: None,
        },
    });
    Ok(Planned {
        changes: ChangeSet::new(changes),
        summary: format!(
            "moved {symbol} from {from} to {to}; imports updated in {updated} other file(s)"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_a_function_with_its_imports_and_repoints_users() {
        let dir = tempfile::tempdir().unwrap();
        let w = |p: &str, t: &str| std::fs::write(dir.path().join(p), t).unwrap();
        w(
            "shapes.py",
            "import math\n\n\ndef area(r):\n    return math.pi * r * r\n\n\ndef ring(a, b):\n    return area(a) - area(b)\n",
        );
        w(
            "main.py",
            "from shapes import area, ring\nimport shapes\n\nprint(area(1), ring(2, 1), shapes.area(3))\n",
        );
        let planned = plan_move(dir.path(), "area", "shapes.py", "geometry.py").unwrap();
        planned.changes.apply(dir.path()).unwrap();
        let read = |p: &str| std::fs::read_to_string(dir.path().join(p)).unwrap();
        let geometry = read("geometry.py");
        assert!(geometry.starts_with("import math\n"), "{geometry}");
        assert!(geometry.contains("def area(r):"), "{geometry}");
        let shapes = read("shapes.py");
        assert!(!shapes.contains("def area"), "{shapes}");
        assert!(shapes.contains("from geometry import area"), "{shapes}");
        let main = read("main.py");
        assert!(main.contains("from shapes import ring"), "{main}");
        assert!(main.contains("from geometry import area"), "{main}");
        assert!(main.contains("geometry.area(3)"), "{main}");
        assert!(main.contains("import geometry"), "{main}");
        let err = plan_move(dir.path(), "nope", "shapes.py", "x.py").unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }
}
