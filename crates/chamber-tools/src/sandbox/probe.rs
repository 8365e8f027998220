//! What the kernel offers: the helper is run once with `--probe` on a
//! throwaway workspace, doing the real set-up, and reports each feature.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use chamber_config::SandboxConfig;
use nix::libc;
use serde::{Deserialize, Serialize};

use super::profile::SandboxProfile;
use super::{FORCE_UNAVAILABLE_ENV, helper_path};

/// Sandbox features found on this machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Features {
    /// The whole sandbox could be set up.
    pub available: bool,
    /// Why not (or what is missing) in words.
    pub reason: Option<String>,
    /// Unprivileged user namespaces.
    pub user_ns: bool,
    /// Mount namespaces (inside a user namespace).
    pub mount_ns: bool,
    /// Pid namespaces (inside a user namespace).
    pub pid_ns: bool,
    /// Network namespaces (inside a user namespace).
    pub net_ns: bool,
    /// A fresh `/proc` could be mounted for the pid namespace.
    pub proc_mounted: bool,
    /// The root filesystem could be made read-only.
    pub root_read_only: bool,
    /// The kernel's Landlock ABI version, if it has Landlock.
    pub landlock_abi: Option<u32>,
    /// `fully_enforced`, `partially_enforced` or `not_enforced`.
    pub landlock: String,
    /// The seccomp filter was installed.
    pub seccomp: bool,
    /// A cgroup `pids` limit caps the process count (else `RLIMIT_NPROC`
    /// and a watchdog in the namespace's init do).
    pub pids_cgroup: bool,
}

/// The kernel's Landlock ABI version (`None` without Landlock).
pub(crate) fn landlock_abi() -> Option<u32> {
    const VERSION: libc::c_uint = 1; // LANDLOCK_CREATE_RULESET_VERSION
    // SAFETY: a null attribute pointer and size 0 with the VERSION flag only
    // asks for the ABI number.
    let v = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            VERSION,
        )
    };
    u32::try_from(v).ok().filter(|v| *v > 0)
}

static PROBED: OnceLock<Features> = OnceLock::new();

/// The features of this machine, probed once per process. With
/// `CHAMBER_SANDBOX_FORCE_UNAVAILABLE=1` (for tests) the sandbox reports
/// itself unavailable.
pub fn probe() -> Features {
    if std::env::var_os(FORCE_UNAVAILABLE_ENV).is_some_and(|v| v == "1") {
        return Features {
            reason: Some(format!(
                "the sandbox was made unavailable by {FORCE_UNAVAILABLE_ENV}=1 (a test switch)"
            )),
            ..Features::default()
        };
    }
    PROBED.get_or_init(run_probe).clone()
}

fn run_probe() -> Features {
    let unavailable = |reason: String| Features {
        reason: Some(reason),
        ..Features::default()
    };
    if !cfg!(target_os = "linux") {
        return unavailable("the sandbox needs Linux".into());
    }
    let Some(helper) = helper_path() else {
        return unavailable(
            "no sandbox helper: only the chamber binary can start the sandbox".into(),
        );
    };
    let dir = match tempfile::Builder::new()
        .prefix("chamber-sandbox-probe-")
        .tempdir()
    {
        Ok(d) => d,
        Err(e) => return unavailable(format!("cannot create a probe directory: {e}")),
    };
    let profile = SandboxProfile::from_config(&SandboxConfig::default(), dir.path());
    let output = Command::new(PathBuf::from(&helper))
        .arg(super::HELPER_ARG)
        .arg(profile.encode())
        .arg("--probe")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output();
    let output = match output {
        Ok(o) => o,
        Err(e) => return unavailable(format!("cannot start {}: {e}", helper.display())),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let why = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no report")
        .trim_start_matches("chamber sandbox: ")
        .to_string();
    // The helper prints what it found so far before each stage; the last
    // line is as far as it got.
    match stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str::<Features>(l).ok())
    {
        Some(mut f) => {
            if !f.available && f.reason.is_none() {
                f.reason = Some(format!("sandbox set-up failed: {why}"));
            }
            f
        }
        None => {
            let mut f = unavailable(format!("sandbox set-up failed: {why}"));
            f.landlock_abi = landlock_abi();
            f
        }
    }
}
