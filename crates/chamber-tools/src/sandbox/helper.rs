//! The re-executed helper, `chamber __sandbox <profile> -- <program> <args…>`.
//!
//! Three processes: the helper itself creates the user, mount, pid and
//! (without network) net namespaces, maps its uid and gid, forks the
//! namespace's init and waits for it. Init builds the filesystem view, forks
//! the command, enforces the process cap and exits with the command's
//! status, which kills whatever is left in the namespace. The command's
//! process applies limits, Landlock and seccomp and execs the program.
//!
//! Must run before any thread exists (`unshare(CLONE_NEWUSER)` refuses
//! multi-threaded callers), so the binary calls [`helper_main`] first thing.
//! Being a process entry point, it reports set-up failures on stderr itself.

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::errno::Errno;
use nix::libc;
use nix::sched::{CloneFlags, unshare};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getgid, getuid};

use super::SandboxError;
use super::cgroup::PidsCgroup;
use super::confine::{self, LandlockState};
use super::mounts::{self, MountReport};
use super::probe::{Features, landlock_abi};
use super::profile::SandboxProfile;

/// Exit status when the sandbox itself could not be set up.
pub const SETUP_FAILED: i32 = 125;

/// What the helper was asked to do.
enum Job {
    Run(Vec<OsString>),
    Probe,
}

/// Runs the helper with the arguments after `__sandbox` and returns the exit
/// status for the process (the command's own, or [`SETUP_FAILED`]).
pub fn helper_main(args: &[OsString]) -> i32 {
    match parse(args).and_then(|(profile, job)| outer(&profile, job)) {
        Ok(code) => code,
        Err(e) => {
            say(&format!("chamber sandbox: {e}"));
            SETUP_FAILED
        }
    }
}

fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn parse(args: &[OsString]) -> Result<(SandboxProfile, Job), SandboxError> {
    let bad = || {
        SandboxError::Profile("usage: __sandbox <profile> (--probe | -- <program> [args…])".into())
    };
    let word = args.first().and_then(|a| a.to_str()).ok_or_else(bad)?;
    let profile = SandboxProfile::decode(word)?;
    match args.get(1).and_then(|a| a.to_str()) {
        Some("--probe") => Ok((profile, Job::Probe)),
        Some("--") if args.len() > 2 => Ok((profile, Job::Run(args[2..].to_vec()))),
        _ => Err(bad()),
    }
}

/// The helper process: namespaces, id maps, then waits for init.
fn outer(profile: &SandboxProfile, job: Job) -> Result<i32, SandboxError> {
    let cwd = std::env::current_dir()
        .map_err(|e| SandboxError::Setup(format!("no current directory: {e}")))?;
    let mut features = Features::default();
    if matches!(job, Job::Probe) {
        features.user_ns = try_unshare(CloneFlags::CLONE_NEWUSER);
        let with = |f| try_unshare(CloneFlags::CLONE_NEWUSER | f);
        features.mount_ns = with(CloneFlags::CLONE_NEWNS);
        features.pid_ns = with(CloneFlags::CLONE_NEWPID);
        features.net_ns = with(CloneFlags::CLONE_NEWNET);
        features.landlock_abi = landlock_abi();
    }
    let cgroup = match profile.limits.max_processes {
        0 => None,
        max => PidsCgroup::enter(max + 1),
    };
    features.pids_cgroup = cgroup.is_some();
    let (uid, gid) = (getuid(), getgid());
    let mut flags = CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNS | CloneFlags::CLONE_NEWPID;
    if !profile.network {
        flags |= CloneFlags::CLONE_NEWNET;
    }
    let entered = unshare(flags)
        .map_err(|e| {
            SandboxError::Setup(format!(
                "cannot create namespaces ({e}); unprivileged user namespaces may be disabled"
            ))
        })
        .and_then(|()| map_ids(uid.as_raw(), gid.as_raw()));
    if let Err(e) = entered {
        if matches!(job, Job::Probe) {
            features.reason = Some(e.to_string());
            print_features(&features);
            return Ok(0);
        }
        return Err(e);
    }
    if matches!(job, Job::Probe) {
        print_features(&features);
    }
    // SAFETY: the helper is single-threaded (it runs before any runtime or
    // thread is started), so the child may do anything.
    match unsafe { fork() }.map_err(|e| SandboxError::Setup(format!("fork: {e}")))? {
        ForkResult::Child => {
            // SAFETY: prctl with integer arguments.
            unsafe {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
            }
            let code = match init(profile, &cwd, job, features) {
                Ok(code) => code,
                Err(e) => {
                    say(&format!("chamber sandbox: {e}"));
                    SETUP_FAILED
                }
            };
            std::process::exit(code);
        }
        ForkResult::Parent { child } => {
            if let Some(group) = &cgroup {
                group.leave();
            }
            let code = wait_for(child);
            drop(cgroup);
            Ok(code)
        }
    }
}

/// Whether a child process can create these namespaces.
fn try_unshare(flags: CloneFlags) -> bool {
    // SAFETY: single-threaded, see `outer`; the child only unshares and exits.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            let code = if unshare(flags).is_ok() { 0 } else { 1 };
            // SAFETY: ends the probe child without running parent destructors.
            unsafe { libc::_exit(code) }
        }
        Ok(ForkResult::Parent { child }) => {
            matches!(waitpid(child, None), Ok(WaitStatus::Exited(_, 0)))
        }
        Err(_) => false,
    }
}

fn map_ids(uid: u32, gid: u32) -> Result<(), SandboxError> {
    let write = |file: &str, text: String| {
        std::fs::write(file, text).map_err(|e| SandboxError::Setup(format!("writing {file}: {e}")))
    };
    write("/proc/self/uid_map", format!("{uid} {uid} 1\n"))?;
    write("/proc/self/setgroups", "deny\n".into())?;
    write("/proc/self/gid_map", format!("{gid} {gid} 1\n"))
}

/// Waits for `child`, returning its status as a shell would report it.
fn wait_for(child: Pid) -> i32 {
    loop {
        match waitpid(child, None) {
            Ok(WaitStatus::Exited(_, code)) => return code,
            Ok(WaitStatus::Signaled(_, sig, _)) => return 128 + sig as i32,
            Ok(_) | Err(Errno::EINTR) => continue,
            Err(_) => return SETUP_FAILED,
        }
    }
}

/// Init of the pid namespace: mounts, then the command, then reaping.
fn init(
    profile: &SandboxProfile,
    cwd: &Path,
    job: Job,
    mut features: Features,
) -> Result<i32, SandboxError> {
    let report: MountReport = mounts::setup(profile, cwd)?;
    features.proc_mounted = report.proc_mounted;
    features.root_read_only = report.root_read_only;
    if matches!(job, Job::Probe) {
        print_features(&features);
    }
    // SAFETY: init is single-threaded.
    let child = match unsafe { fork() }.map_err(|e| SandboxError::Setup(format!("fork: {e}")))? {
        ForkResult::Child => {
            let code = match command(profile, job, features) {
                Ok(code) => code,
                Err(e) => {
                    say(&format!("chamber sandbox: {e}"));
                    SETUP_FAILED
                }
            };
            std::process::exit(code);
        }
        ForkResult::Parent { child } => child,
    };
    Ok(reap(
        child,
        profile.limits.max_processes,
        report.proc_mounted,
    ))
}

/// Reaps every process in the namespace until the command ends; kills them
/// all when more than `max` are alive at once.
fn reap(command: Pid, max: u64, can_count: bool) -> i32 {
    let mut over_limit = false;
    loop {
        match waitpid(
            None::<Pid>,
            Some(WaitPidFlag::WNOHANG | WaitPidFlag::__WALL),
        ) {
            Ok(WaitStatus::Exited(pid, code)) if pid == command => {
                return finish(code, over_limit, max);
            }
            Ok(WaitStatus::Signaled(pid, sig, _)) if pid == command => {
                return finish(128 + sig as i32, over_limit, max);
            }
            Ok(WaitStatus::StillAlive) => {
                // The count includes init itself.
                if can_count && max > 0 && process_count() > max + 1 {
                    over_limit = true;
                    // From the namespace's init, -1 means every other process in it.
                    let _ = kill(Pid::from_raw(-1), Signal::SIGKILL);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(_) | Err(Errno::EINTR) => {}
            Err(_) => return SETUP_FAILED,
        }
    }
}

fn finish(code: i32, over_limit: bool, max: u64) -> i32 {
    if over_limit {
        say(&format!(
            "chamber sandbox: more than {max} processes (sandbox.max_processes); all of them were killed"
        ));
    }
    code
}

/// Processes alive in this pid namespace (from its own `/proc`).
fn process_count() -> u64 {
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .bytes()
                        .all(|b| b.is_ascii_digit())
                })
                .count() as u64
        })
        .unwrap_or(0)
}

/// The command's process: confinement, then exec (or the probe's report).
fn command(
    profile: &SandboxProfile,
    job: Job,
    mut features: Features,
) -> Result<i32, SandboxError> {
    let landlock = confine::apply(profile)?;
    features.seccomp = true;
    features.landlock = landlock.as_str().to_string();
    let argv = match job {
        Job::Probe => {
            features.available = true;
            if landlock == LandlockState::None {
                features.reason = Some("Landlock is not enforced by this kernel; namespaces, seccomp and limits still apply".into());
            }
            print_features(&features);
            return Ok(0);
        }
        Job::Run(argv) => argv,
    };
    let exec = |program: &OsString| {
        let mut cmd = std::process::Command::new(program);
        cmd.args(&argv[1..])
            .env("TMPDIR", "/tmp")
            .env_remove("SSH_AUTH_SOCK");
        cmd.exec()
    };
    let mut error = exec(&argv[0]);
    if error.kind() == std::io::ErrorKind::NotFound && argv[0] == "bash" {
        error = exec(&OsString::from("sh"));
    }
    say(&format!(
        "chamber sandbox: cannot run {}: {error}",
        PathBuf::from(&argv[0]).display()
    ));
    Ok(127)
}

fn print_features(features: &Features) {
    let text = serde_json::to_string(features).unwrap_or_default();
    let _ = writeln!(std::io::stdout(), "{text}");
}
