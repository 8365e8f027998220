//! A hard process cap from the cgroup `pids` controller, where this process
//! may create cgroups (root, or a delegated cgroup v1 hierarchy). Best
//! effort: `RLIMIT_NPROC` and init's watchdog cover the other cases.

use std::path::{Path, PathBuf};

/// Prefix of the cgroups made for sandboxes.
const PREFIX: &str = "chamber-sandbox-";

/// A cgroup the helper created; removed on drop once empty.
pub(crate) struct PidsCgroup {
    dir: PathBuf,
}

impl PidsCgroup {
    /// Creates a cgroup capped at `max` processes and moves this process into
    /// it (its children follow). `None` when that is not possible here.
    pub(crate) fn enter(max: u64) -> Option<Self> {
        let parent = v1_parent()?;
        sweep(&parent);
        let dir = parent.join(format!("{PREFIX}{}", std::process::id()));
        std::fs::create_dir(&dir).ok()?;
        let group = Self { dir };
        std::fs::write(group.dir.join("pids.max"), max.to_string()).ok()?;
        std::fs::write(group.dir.join("cgroup.procs"), "0").ok()?;
        Some(group)
    }

    /// Moves this process back to the parent cgroup (children stay capped),
    /// so the cgroup can be removed when they are gone.
    pub(crate) fn leave(&self) {
        if let Some(parent) = self.dir.parent() {
            let _ = std::fs::write(parent.join("cgroup.procs"), "0");
        }
    }
}

impl Drop for PidsCgroup {
    fn drop(&mut self) {
        self.leave();
        // The kernel lets go of exited tasks asynchronously; retry briefly.
        for _ in 0..20 {
            if std::fs::remove_dir(&self.dir).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}

/// This process's cgroup in the v1 `pids` hierarchy, if mounted and writable.
fn v1_parent() -> Option<PathBuf> {
    let root = Path::new("/sys/fs/cgroup/pids");
    let text = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let rel = text.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers
            .split(',')
            .any(|c| c == "pids")
            .then(|| path.trim_start_matches('/').to_string())
    })?;
    let dir = root.join(rel);
    dir.join("cgroup.procs").exists().then_some(dir)
}

/// Removes empty sandbox cgroups left by helpers that were killed.
fn sweep(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        if e.file_name().to_string_lossy().starts_with(PREFIX) {
            // Fails (harmlessly) while processes are still inside.
            let _ = std::fs::remove_dir(e.path());
        }
    }
}
