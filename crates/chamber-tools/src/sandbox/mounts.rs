//! The sandbox's filesystem view, set up by the namespace's init process:
//! everything read-only except the workspace, extra write paths and a private
//! `/tmp`; credential locations hidden; a fresh `/proc` for the pid namespace.

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::fcntl::{OFlag, open};
use nix::mount::{MsFlags, mount};
use nix::sys::stat::Mode;
use nix::sys::statvfs::{FsFlags, statvfs};

use super::SandboxError;
use super::profile::{SandboxProfile, WORKSPACE_READ_ONLY};

/// What the mount set-up achieved, for the probe.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct MountReport {
    /// `/` was remounted read-only.
    pub root_read_only: bool,
    /// A fresh `/proc` for the pid namespace was mounted.
    pub proc_mounted: bool,
}

fn setup_err(step: &str, path: &Path, e: impl std::fmt::Display) -> SandboxError {
    SandboxError::Setup(format!("{step} {}: {e}", path.display()))
}

/// Builds the view, then changes into `cwd` again (the old directory handle
/// points below the new mounts).
pub(crate) fn setup(profile: &SandboxProfile, cwd: &Path) -> Result<MountReport, SandboxError> {
    let none: Option<&str> = None;
    let root = Path::new("/");
    mount(
        none,
        root,
        none,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        none,
    )
    .map_err(|e| setup_err("making mounts private at", root, e))?;

    let mut writable = vec![profile.workspace.clone()];
    writable.extend(profile.write_paths.iter().cloned());
    // Writable paths become their own (read-write) mounts before everything
    // else turns read-only.
    for p in &writable {
        bind(p, p).map_err(|e| setup_err("binding", p, e))?;
    }
    // Paths under /tmp disappear below the private tmpfs; keep a handle to
    // mount them back.
    let tmp = Path::new("/tmp");
    let mut keep: Vec<(PathBuf, OwnedFd, bool)> = Vec::new();
    for (p, rw) in writable
        .iter()
        .map(|p| (p, true))
        .chain(profile.read_paths.iter().map(|p| (p, false)))
    {
        if p.starts_with(tmp) {
            let fd = open(p.as_path(), OFlag::O_PATH | OFlag::O_CLOEXEC, Mode::empty())
                .map_err(|e| setup_err("opening", p, e))?;
            keep.push((p.clone(), fd, rw));
        }
    }

    let mut report = MountReport::default();
    for mp in mount_points() {
        if writable.iter().any(|w| mp.starts_with(w)) {
            continue;
        }
        let ok = remount_read_only(&mp).is_ok();
        if mp == root {
            report.root_read_only = ok;
        }
    }

    let size = format!("size={}m,mode=1777", profile.limits.tmp_mb);
    mount(
        Some("tmpfs"),
        tmp,
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some(size.as_str()),
    )
    .map_err(|e| setup_err("mounting a private tmpfs on", tmp, e))?;
    for (p, fd, rw) in &keep {
        let source = PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()));
        if std::fs::metadata(&source).is_ok_and(|m| m.is_dir()) {
            std::fs::create_dir_all(p).map_err(|e| setup_err("creating", p, e))?;
        } else {
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).map_err(|e| setup_err("creating", parent, e))?;
            }
            std::fs::write(p, b"").map_err(|e| setup_err("creating", p, e))?;
        }
        bind(&source, p).map_err(|e| setup_err("mounting back", p, e))?;
        if !rw {
            remount_read_only(p).map_err(|e| setup_err("making read-only", p, e))?;
        }
    }
    drop(keep);

    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        // Best effort: programs that need shared memory get a private one.
        let _ = mount(
            Some("tmpfs"),
            shm,
            Some("tmpfs"),
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
            Some("size=64m,mode=1777"),
        );
    }

    for rel in WORKSPACE_READ_ONLY {
        let p = profile.workspace.join(rel);
        let is_plain = std::fs::symlink_metadata(&p).is_ok_and(|m| !m.file_type().is_symlink());
        if is_plain {
            bind(&p, &p).map_err(|e| setup_err("binding", &p, e))?;
            remount_read_only(&p).map_err(|e| setup_err("making read-only", &p, e))?;
        }
    }

    for p in &profile.hidden_paths {
        hide(p)?;
    }

    let proc_dir = Path::new("/proc");
    report.proc_mounted = mount(
        Some("proc"),
        proc_dir,
        Some("proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        none,
    )
    .is_ok();

    std::env::set_current_dir(cwd).map_err(|e| setup_err("entering", cwd, e))?;
    Ok(report)
}

/// Mounts an empty read-only directory (or `/dev/null`) over a path.
fn hide(p: &Path) -> Result<(), SandboxError> {
    let Ok(meta) = std::fs::symlink_metadata(p) else {
        return Ok(());
    };
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    if meta.is_dir() {
        mount(
            Some("tmpfs"),
            p,
            Some("tmpfs"),
            MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
            Some("size=4k,mode=0500"),
        )
        .map_err(|e| setup_err("hiding", p, e))
    } else {
        bind(Path::new("/dev/null"), p).map_err(|e| setup_err("hiding", p, e))
    }
}

fn bind(source: &Path, target: &Path) -> nix::Result<()> {
    let none: Option<&str> = None;
    mount(
        Some(source),
        target,
        none,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        none,
    )
}

/// Remounts one mount read-only, keeping the flags the kernel locks for a
/// less privileged user namespace (nosuid, nodev, noexec, atime).
fn remount_read_only(mp: &Path) -> nix::Result<()> {
    let none: Option<&str> = None;
    let st = statvfs(mp)?;
    let f = st.flags();
    let mut flags = MsFlags::MS_REMOUNT | MsFlags::MS_BIND | MsFlags::MS_RDONLY;
    for (have, set) in [
        (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
        (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
        (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
        (FsFlags::ST_NOATIME, MsFlags::MS_NOATIME),
        (FsFlags::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
        (FsFlags::ST_RELATIME, MsFlags::MS_RELATIME),
    ] {
        if f.contains(have) {
            flags |= set;
        }
    }
    mount(none, mp, none, flags, none)
}

/// Every mount point of this mount namespace, from `/proc/self/mountinfo`.
fn mount_points() -> Vec<PathBuf> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|raw| PathBuf::from(unescape(raw)))
        .collect()
}

/// Undoes mountinfo's octal escapes (`\040` for a space).
fn unescape(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && let Some(v) = raw
                .get(i + 1..i + 4)
                .and_then(|s| u8::from_str_radix(s, 8).ok())
        {
            out.push(v);
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn mountinfo_escapes_are_undone() {
        assert_eq!(unescape("/a\\040b"), "/a b");
        assert_eq!(unescape("/plain"), "/plain");
        assert_eq!(unescape("/end\\"), "/end\\");
    }
}
