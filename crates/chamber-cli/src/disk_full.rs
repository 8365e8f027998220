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
            || text.contains("Disk quota exceeded");
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
