//! Undoing a recorded patch. A file still as the patch left it gets its old
//! content back; a file changed since is 3-way merged (base: the patch's
//! result, ours: the file now, theirs: the content before the patch) and is
//! only written when the merge is conflict-free.

use std::path::Path;

use diffy::patch_set::{ParseOptions, PatchSet};

use super::apply::{PlannedFile, check_path};
use super::store::{PatchStore, Recorded, sha256_hex};
use super::{FileConflict, FileProblem, PatchError, PatchRecord};
use crate::journal::FileImage;

/// Plans undoing `record` against the files under `root`. Files already as
/// they were before the patch are left alone. Refuses, changing nothing,
/// when a file the patch produced is gone, when merges conflict, or when
/// content needed for the merge is lost.
pub fn plan_rollback(
    root: &Path,
    store: &PatchStore,
    record: &PatchRecord,
) -> Result<Vec<PlannedFile>, PatchError> {
    let diff = store.read_diff(&record.id).unwrap_or_default();
    let mut planned = Vec::new();
    let mut missing = Vec::new();
    let mut conflicts = Vec::new();
    let mut problems = Vec::new();
    for file in &record.files {
        let path = file.path.clone();
        if let Err(reason) = check_path(&path) {
            problems.push(FileProblem { path, reason });
            continue;
        }
        let current = match FileImage::read(&root.join(&path)) {
            Ok(c) => c,
            Err(e) => {
                problems.push(FileProblem {
                    path,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let current_sha = current.as_ref().map(|c| sha256_hex(&c.bytes));
        if current_sha == file.before_sha256 {
            continue;
        }
        let before = store.side(file.before_sha256.as_deref(), file.before_mode.as_deref())?;
        if current_sha == file.after_sha256 {
            match before {
                Recorded::Absent => planned.push(PlannedFile { path, after: None }),
                Recorded::Content(image) => planned.push(PlannedFile {
                    path,
                    after: Some(image),
                }),
                Recorded::Lost => match reverse_hunks(&diff, &path, current.as_ref()) {
                    Ok(image) => planned.push(PlannedFile { path, after: image }),
                    Err(reason) => problems.push(FileProblem { path, reason }),
                },
            }
            continue;
        }
        let Some(current) = current else {
            missing.push(path);
            continue;
        };
        let after = store.side(file.after_sha256.as_deref(), file.after_mode.as_deref())?;
        match (after, before) {
            (Recorded::Absent, _) => conflicts.push(FileConflict {
                path,
                hunks: vec!["the patch deleted this file and it exists again".into()],
            }),
            (Recorded::Content(_), Recorded::Absent) => conflicts.push(FileConflict {
                path,
                hunks: vec![
                    "the patch created this file and it has changed since; delete it yourself if it should go".into(),
                ],
            }),
            (Recorded::Content(base), Recorded::Content(theirs)) => {
                match diffy::merge_bytes(&base.bytes, &current.bytes, &theirs.bytes) {
                    Ok(bytes) => planned.push(PlannedFile {
                        path,
                        after: Some(FileImage {
                            bytes,
                            executable: current.executable,
                        }),
                    }),
                    Err(marked) => conflicts.push(FileConflict {
                        path,
                        hunks: conflict_regions(&String::from_utf8_lossy(&marked)),
                    }),
                }
            }
            _ => match reverse_hunks(&diff, &path, Some(&current)) {
                Ok(image) => planned.push(PlannedFile { path, after: image }),
                Err(reason) => problems.push(FileProblem { path, reason }),
            },
        }
    }
    if !missing.is_empty() {
        return Err(PatchError::Missing(missing));
    }
    if !conflicts.is_empty() {
        return Err(PatchError::Conflicts(conflicts));
    }
    if !problems.is_empty() {
        return Err(PatchError::DoesNotApply(problems));
    }
    Ok(planned)
}

/// The file with the patch's hunks for `path` applied in reverse: the
/// fallback when recorded contents are gone. An empty result of a file the
/// patch created means "delete it".
fn reverse_hunks(
    diff: &str,
    path: &str,
    current: Option<&FileImage>,
) -> Result<Option<FileImage>, String> {
    let lost = "its recorded content is gone and the diff does not reverse cleanly";
    for file in PatchSet::parse_bytes(diff.as_bytes(), ParseOptions::gitdiff()).flatten() {
        let op = file.operation().strip_prefix(1);
        let (created, target) = match &op {
            diffy::patch_set::FileOperation::Create(p) => (true, p.clone()),
            diffy::patch_set::FileOperation::Delete(p) => (false, p.clone()),
            diffy::patch_set::FileOperation::Modify { modified, .. } => (false, modified.clone()),
            _ => continue,
        };
        if target.as_ref() != path.as_bytes() {
            continue;
        }
        let Some(hunks) = file.patch().as_text() else {
            return Err(lost.into());
        };
        let base = current.map_or(&[][..], |c| c.bytes.as_slice());
        let bytes = diffy::apply_bytes(base, &hunks.reverse()).map_err(|_| lost.to_string())?;
        if created && bytes.is_empty() {
            return Ok(None);
        }
        return Ok(Some(FileImage {
            bytes,
            executable: current.is_some_and(|c| c.executable),
        }));
    }
    Err(lost.into())
}

/// Each `<<<<<<<` … `>>>>>>>` region of merge output.
fn conflict_regions(marked: &str) -> Vec<String> {
    let mut regions = Vec::new();
    let mut open: Option<String> = None;
    for line in marked.split_inclusive('\n') {
        if line.starts_with("<<<<<<<") {
            open = Some(String::new());
        }
        if let Some(region) = open.as_mut() {
            region.push_str(line);
            if line.starts_with(">>>>>>>") {
                regions.extend(open.take());
            }
        }
    }
    regions
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::journal::FileChange;
    use crate::patches::PatchOrigin;

    fn img(text: &str) -> Option<FileImage> {
        Some(FileImage {
            bytes: text.as_bytes().to_vec(),
            executable: false,
        })
    }

    fn setup(before: &str, after: &str) -> (tempfile::TempDir, PatchStore, PatchRecord) {
        let dir = tempfile::tempdir().unwrap();
        let store = PatchStore::in_project(dir.path());
        std::fs::write(dir.path().join("f.txt"), after).unwrap();
        let record = store
            .record(
                PatchOrigin::default(),
                &[FileChange {
                    path: "f.txt".into(),
                    before: img(before),
                    after: img(after),
                }],
            )
            .unwrap();
        (dir, store, record)
    }

    const BASE: &str = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
    const PATCHED: &str = "1\nTWO\n3\n4\n5\n6\n7\n8\n9\n10\n";

    #[test]
    fn clean_merged_and_conflicting_rollbacks() {
        let (dir, store, record) = setup(BASE, PATCHED);
        let plan = plan_rollback(dir.path(), &store, &record).unwrap();
        assert_eq!(plan[0].after, img(BASE));

        std::fs::write(dir.path().join("f.txt"), PATCHED.replace("9\n", "NINE\n")).unwrap();
        let plan = plan_rollback(dir.path(), &store, &record).unwrap();
        assert_eq!(plan[0].after, img(&BASE.replace("9\n", "NINE\n")));

        std::fs::write(dir.path().join("f.txt"), PATCHED.replace("TWO", "deux")).unwrap();
        match plan_rollback(dir.path(), &store, &record) {
            Err(PatchError::Conflicts(c)) => {
                assert_eq!(c[0].path, "f.txt");
                assert!(c[0].hunks[0].contains("deux"), "{:?}", c[0].hunks);
            }
            other => panic!("{other:?}"),
        }

        std::fs::remove_file(dir.path().join("f.txt")).unwrap();
        assert!(matches!(
            plan_rollback(dir.path(), &store, &record),
            Err(PatchError::Missing(_))
        ));
    }

    #[test]
    fn lost_blobs_fall_back_to_reversing_the_hunks() {
        let (dir, store, record) = setup(BASE, PATCHED);
        std::fs::remove_dir_all(store.dir().join("blobs")).unwrap();
        let plan = plan_rollback(dir.path(), &store, &record).unwrap();
        assert_eq!(plan[0].after, img(BASE));
    }
}
