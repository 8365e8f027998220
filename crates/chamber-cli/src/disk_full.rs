//! A full disk is reported as itself, whatever layer hit it (a tool's write,
//! the patch store, the index, SQLite): the person needs to free space, not
//! to debug a generic IO error. Writes are atomic, so nothing was left
//! half-written, and a stopped run resumes once there is room.

use crate::exit::{CliError, status};

/// `Some(disk_full error)` when `error` or any error under it is ENOSPC or
/// EDQUOT, or SQLite's "database or disk is full".
pub(crate) fn disk_full(error: &(dyn std::error::Error + 'static)) -> Option<CliError> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut full = false;
    while let Some(e) = next {
        let by_code = e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::raw_os_error)
            .is_some_and(|c| c == nix::libc::ENOSPC || c == nix::libc::EDQUOT);
        let text = e.to_string();
        full |= by_code
            || text.contains("database or disk is full")
            || text.contains("No space left on device")
            || text.contains("Disk quota exceeded")
            // git's own wording
            || text.contains("Out of diskspace");
        next = e.source();
    }
    full.then(|| {
        CliError::new(
            "disk_full",
            format!("the disk is full: {error}"),
            Some(
                "free some space on that disk (nothing was left half-written), then run the command again; a stopped run continues with `chamber resume <id>` (`chamber runs list` shows it)",
            ),
            status::DISK_FULL,
        )
    })
}

/// Bytes free below which a disk counts as full.
const NEARLY_FULL: u64 = 32 * 1024;

/// Codes of failures a full disk can cause without saying so (git prints
/// "couldn't write …lock", SQLite fails a page write).
const STORAGE_FAILURES: &[&str] = &[
    "io_failed",
    "git_failed",
    "store_failed",
    "index_failed",
    "patch_does_not_apply",
];

/// Re-reads a storage failure as `disk_full` when the project's or the data
/// dir's disk has (nearly) no space left: the real cause, whatever words the
/// failing layer used.
pub(crate) fn reclassify(error: CliError) -> CliError {
    if !STORAGE_FAILURES.contains(&error.code) {
        return error;
    }
    let dirs = chamber_config::Dirs::from_process_env();
    let places = [std::env::current_dir().ok(), Some(dirs.data)];
    for place in places.into_iter().flatten() {
        if free_bytes(&place).is_some_and(|free| free < NEARLY_FULL) {
            return CliError::new(
                "disk_full",
                format!(
                    "the disk holding {} is full: {}",
                    place.display(),
                    error.message
                ),
                Some(
                    "free some space on that disk (nothing was left half-written), then run the command again; a stopped run continues with `chamber resume <id>` (`chamber runs list` shows it)",
                ),
                status::DISK_FULL,
            );
        }
    }
    error
}

/// Bytes available to this user on the filesystem holding `path` (or its
/// nearest existing parent).
fn free_bytes(path: &std::path::Path) -> Option<u64> {
    let existing = path.ancestors().find(|p| p.exists())?;
    let stat = nix::sys::statvfs::statvfs(existing).ok()?;
    Some(stat.blocks_available().saturating_mul(stat.fragment_size()))
}
