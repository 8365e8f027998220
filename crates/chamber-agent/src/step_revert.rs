//! Taking back exactly what a run's steps changed, and nothing else: the
//! paths come from the run's own records (announced writes, recorded
//! patches, and with git the run's commit), never from a diff of the whole
//! tree, so a person's later work on other files is never touched. A path
//! the person changed again after the run is 3-way merged (base: what the
//! run left, ours: the file now, theirs: the checkpoint) or, on a conflict,
//! the whole revert is refused with the list of files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chamber_protocol::{Checkpoint, CheckpointKind, Event, EventKind};
use chamber_tools::patches::PatchStore;
use chamber_tools::{FileImage, Git};

use crate::AgentError;
use crate::file_checkpoint::FileCheckpoint;
use crate::undo::{UndoAction, UndoFile};

/// Where the content a run left at a path can be read.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Left {
    /// The run deleted it.
    Absent,
    /// In the patch blob store, by sha256.
    Blob(String),
    /// In a commit's tree, at this repository path.
    Tree(String, String),
}

/// The files a revert writes back, and what each gets.
pub(crate) struct Revert {
    /// For the report.
    pub files: Vec<UndoFile>,
    /// Absolute path and its new content (`None` removes it).
    pub targets: Vec<(PathBuf, Option<FileImage>)>,
}

/// What reverting the run's changes since `first` (a checkpoint of the run,
/// with every later step) would write. `undone` are the checkpoints
/// reverted, newest first (files checkpoints hold the pre-images).
pub(crate) fn plan_revert(
    project: &Path,
    git: Option<&Git>,
    events: &[Event],
    first: &Checkpoint,
    undone: &[Checkpoint],
) -> Result<Revert, AgentError> {
    let start = events
        .iter()
        .position(|e| matches!(&e.kind, EventKind::CheckpointCreated { checkpoint, .. } if checkpoint.id == first.id))
        .unwrap_or(0);
    let patches = PatchStore::in_project(project);
    let mut left: BTreeMap<String, Left> = BTreeMap::new();
    let mut first_before: BTreeMap<String, Option<String>> = BTreeMap::new();
    let scope = git.map(|g| g.scope_for(project));
    for event in &events[start..] {
        match &event.kind {
            EventKind::EditIntended {
                path,
                before_sha256,
                after_sha256,
                ..
            } => {
                first_before
                    .entry(path.clone())
                    .or_insert_with(|| before_sha256.clone());
                left.insert(
                    path.clone(),
                    after_sha256.clone().map_or(Left::Absent, Left::Blob),
                );
            }
            // An earlier undo's patch is the run's doing too.
            EventKind::PatchRecorded { patch_id, .. }
            | EventKind::Undone {
                patch_id: Some(patch_id),
                ..
            } => {
                if let Ok(record) = patches.find(patch_id) {
                    for file in record.files {
                        let side = file.after_sha256.map_or(Left::Absent, Left::Blob);
                        left.insert(file.path, side);
                    }
                }
            }
            // With git, the run's commit holds everything it changed,
            // commands' work included.
            EventKind::Committed { commit, .. } => {
                if let (Some(git), Some(scope), Some(tree)) = (git, &scope, first.tree.as_deref()) {
                    let commit_tree = format!("{commit}^{{tree}}");
                    for change in git.diff_trees(tree, &commit_tree, scope)? {
                        let rel = scope.project_path(&change.path).to_string();
                        left.insert(rel, Left::Tree(commit_tree.clone(), change.path.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    let mut revert = Revert {
        files: Vec::new(),
        targets: Vec::new(),
    };
    let mut conflicts = Vec::new();
    for (path, side) in left {
        let abs = project.join(&path);
        let now =
            FileImage::read(&abs).map_err(|e| AgentError::io(format!("cannot read {path}"), e))?;
        let Some(was) =
            checkpoint_image(project, git, &path, first, undone, &first_before, &patches)?
        else {
            continue;
        };
        if now == was {
            continue;
        }
        let run_left = match &side {
            Left::Absent => Some(None),
            Left::Blob(sha) => patches.blob(sha)?.map(Some),
            Left::Tree(tree, repo_path) => match git {
                Some(git) => git
                    .file_in_tree(tree, repo_path)?
                    .map(|(b, _)| Some(b))
                    .or(Some(None)),
                None => None,
            },
        };
        let now_bytes = now.as_ref().map(|i| i.bytes.clone());
        let target = if run_left.as_ref() == Some(&now_bytes) {
            was
        } else {
            match (run_left.flatten(), &now, &was) {
                (Some(base), Some(ours), Some(theirs)) => {
                    match diffy::merge_bytes(&base, &ours.bytes, &theirs.bytes) {
                        Ok(bytes) => Some(FileImage {
                            bytes,
                            executable: ours.executable,
                        }),
                        Err(_) => {
                            conflicts.push(format!(
                                "{path} (changed since the run; the changes overlap)"
                            ));
                            continue;
                        }
                    }
                }
                _ => {
                    conflicts.push(format!(
                        "{path} (changed since the run, which created or deleted it)"
                    ));
                    continue;
                }
            }
        };
        let action = if target.is_some() {
            UndoAction::Restore
        } else {
            UndoAction::Remove
        };
        revert.files.push(UndoFile {
            path: path.clone(),
            action,
        });
        revert.targets.push((abs, target));
    }
    if !conflicts.is_empty() {
        return Err(AgentError::InvalidState(format!(
            "nothing was changed: these files were changed again after the run, and taking the run's changes out of them conflicts: {}. Resolve them by hand (the run's patches: `chamber patch list`), then try again",
            conflicts.join("; ")
        )));
    }
    Ok(revert)
}

/// A path's content at the checkpoint; `Ok(None)` when it cannot be known
/// (a files checkpoint that never saw it): such a path is left alone.
fn checkpoint_image(
    project: &Path,
    git: Option<&Git>,
    path: &str,
    first: &Checkpoint,
    undone: &[Checkpoint],
    first_before: &BTreeMap<String, Option<String>>,
    patches: &PatchStore,
) -> Result<Option<Option<FileImage>>, AgentError> {
    if first.kind == CheckpointKind::Git {
        let (Some(git), Some(tree)) = (git, first.tree.as_deref()) else {
            return Err(AgentError::InvalidState(
                "the checkpoint is a git tree, but the project is no longer a git repository"
                    .into(),
            ));
        };
        let repo_path = git.scope_for(project).repo_path(path);
        return Ok(Some(
            git.file_in_tree(tree, &repo_path)?
                .map(|(bytes, executable)| FileImage { bytes, executable }),
        ));
    }
    // Oldest checkpoint first: it holds the earliest content.
    for checkpoint in undone.iter().rev() {
        let Some(dir) = &checkpoint.dir else { continue };
        let saved = FileCheckpoint::at(project, dir);
        if let Some(file) = saved.manifest()?.files.into_iter().find(|f| f.path == path) {
            return Ok(Some(saved.image(&file)?));
        }
    }
    match first_before.get(path) {
        Some(None) => Ok(Some(None)),
        Some(Some(sha)) => Ok(patches.blob(sha)?.map(|bytes| {
            Some(FileImage {
                bytes,
                executable: false,
            })
        })),
        None => Ok(None),
    }
}
