//! The `apply_patch` format (`*** Begin Patch` ... `*** End Patch`): parse,
//! plan against the tree, and write.
//!
//! Parse errors reject the whole patch before anything else happens. The
//! operations are then planned in order, each seeing the effect of the ones
//! before it (a file added and then updated, say). Updated files always
//! end with a newline, as the format prescribes; CRLF files keep CRLF.

mod hunks;
pub(crate) mod parser;

use std::path::Path;

use crate::changeset::paths::clean;
use crate::changeset::{ChangeSet, Plan};
use crate::document::Document;
use crate::error::{EditError, PatchFormat};
use crate::splice::apply_edits;

use parser::Op;

/// How a patch with several operations is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplyMode {
    /// Everything is computed in memory first; if any operation fails,
    /// nothing is written. Chamber's tools use this.
    Atomic,
    /// Operations take effect in order; when one fails, the ones before it
    /// are written and kept ([`EditError::PartiallyApplied`]), as the
    /// reference `apply_patch` behaves.
    Sequential,
}

/// Parses `text` without applying it, to check its form (a patch with no
/// operation is an error too).
pub fn check_apply_patch(text: &str) -> Result<(), EditError> {
    let patch = parser::parse(text)?;
    if patch.ops.is_empty() {
        return Err(EditError::EmptyPatch {
            format: PatchFormat::ApplyPatch,
        });
    }
    Ok(())
}

/// Parses `text` and computes its changes against the tree under `root`,
/// writing nothing.
pub fn plan_apply_patch(root: &Path, text: &str) -> Result<ChangeSet, EditError> {
    let patch = parser::parse(text)?;
    if patch.ops.is_empty() {
        return Err(EditError::EmptyPatch {
            format: PatchFormat::ApplyPatch,
        });
    }
    let mut plan = Plan::new(root);
    for op in &patch.ops {
        run(&mut plan, op)?;
    }
    Ok(plan.finish())
}

/// Parses `text`, applies it under `root` in `mode`, and returns the
/// changes written.
///
/// In [`ApplyMode::Sequential`], a failing operation stops the patch: the
/// operations before it are written (all-or-nothing among themselves) and
/// the error is wrapped in [`EditError::PartiallyApplied`] naming them.
/// A parse error writes nothing in either mode.
pub fn apply_patch(root: &Path, text: &str, mode: ApplyMode) -> Result<ChangeSet, EditError> {
    match mode {
        ApplyMode::Atomic => {
            let set = plan_apply_patch(root, text)?;
            set.apply(root)?;
            Ok(set)
        }
        ApplyMode::Sequential => {
            let patch = parser::parse(text)?;
            if patch.ops.is_empty() {
                return Err(EditError::EmptyPatch {
                    format: PatchFormat::ApplyPatch,
                });
            }
            let mut plan = Plan::new(root);
            let mut failure = None;
            for op in &patch.ops {
                if let Err(e) = run(&mut plan, op) {
                    failure = Some(e);
                    break;
                }
            }
            let set = plan.finish();
            set.apply(root)?;
            match failure {
                None => Ok(set),
                Some(e) if set.is_empty() => Err(e),
                Some(e) => Err(EditError::PartiallyApplied {
                    applied: set.touched(),
                    source: Box::new(e),
                }),
            }
        }
    }
}

/// Plans one operation.
fn run(plan: &mut Plan<'_>, op: &Op) -> Result<(), EditError> {
    match op {
        Op::Add { path, lines } => {
            let path = clean(path)?;
            let mut content = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
            for line in lines {
                content.push_str(line);
                content.push('\n');
            }
            plan.add(&path, content)
        }
        Op::Delete { path } => plan.delete(&clean(path)?),
        Op::Update {
            path,
            move_to,
            chunks,
        } => {
            let path = clean(path)?;
            let move_to = move_to.as_deref().map(clean).transpose()?;
            let Some(text) = plan.read(&path)? else {
                return Err(EditError::FileNotFound {
                    path,
                    action: "update",
                });
            };
            let mut doc = Document::parse(&text);
            let edits = hunks::locate_chunks(&path, doc.lines(), chunks)?;
            apply_edits(&mut doc, edits, &path)?;
            doc.set_final_newline(true);
            plan.update(&path, doc.render(), move_to.as_deref())
        }
    }
}

#[cfg(test)]
mod tests;
