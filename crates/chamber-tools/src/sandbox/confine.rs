//! The last steps before a sandboxed command starts, in the command's own
//! process: resource limits, an empty capability bounding set, Landlock and
//! seccomp.

use std::collections::BTreeMap;

use landlock::{
    ABI, Access, AccessFs, AccessNet, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope,
    path_beneath_rules,
};
use nix::libc;
use nix::sys::resource::{Resource, setrlimit};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

use super::SandboxError;
use super::profile::{DEV_WRITE, Limits, SandboxProfile};

/// The Landlock ABI Chamber asks for; older kernels enforce what they know.
const LANDLOCK_ABI: ABI = ABI::V6;

/// How far Landlock got, for the probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LandlockState {
    /// Every requested restriction is enforced.
    Full,
    /// The kernel enforces only part of them.
    Partial,
    /// The kernel has no Landlock.
    None,
}

impl LandlockState {
    /// A word for reports.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LandlockState::Full => "fully_enforced",
            LandlockState::Partial => "partially_enforced",
            LandlockState::None => "not_enforced",
        }
    }
}

/// Applies everything, in order; the process can then only exec.
pub(crate) fn apply(profile: &SandboxProfile) -> Result<LandlockState, SandboxError> {
    limits(&profile.limits)?;
    drop_capabilities();
    let state = landlock(profile)?;
    seccomp(profile.network)?;
    Ok(state)
}

fn limits(l: &Limits) -> Result<(), SandboxError> {
    const MIB: u64 = 1024 * 1024;
    let set = |r: Resource, v: u64, what: &str| {
        setrlimit(r, v, v)
            .map_err(|e| SandboxError::Setup(format!("setting the {what} limit: {e}")))
    };
    if l.cpu_secs > 0 {
        set(Resource::RLIMIT_CPU, l.cpu_secs, "CPU time")?;
    }
    if l.memory_mb > 0 {
        set(
            Resource::RLIMIT_DATA,
            l.memory_mb.saturating_mul(MIB),
            "memory",
        )?;
    }
    if l.max_processes > 0 {
        // Counted per user; the init process also enforces the count inside
        // the pid namespace, which covers root (exempt from this limit).
        set(Resource::RLIMIT_NPROC, l.max_processes, "process")?;
    }
    if l.max_file_mb > 0 {
        set(
            Resource::RLIMIT_FSIZE,
            l.max_file_mb.saturating_mul(MIB),
            "file size",
        )?;
    }
    set(Resource::RLIMIT_CORE, 0, "core dump")
}

/// Empties the capability bounding set, so the command cannot regain the
/// capabilities its user namespace granted, even as uid 0.
fn drop_capabilities() {
    for cap in 0..64 {
        // SAFETY: prctl with integer arguments only; EINVAL past the last
        // capability is expected and ignored.
        unsafe {
            libc::prctl(libc::PR_CAPBSET_DROP, cap, 0, 0, 0);
        }
    }
}

fn landlock(profile: &SandboxProfile) -> Result<LandlockState, SandboxError> {
    let err = |e: landlock::RulesetError| SandboxError::Setup(format!("Landlock: {e}"));
    let abi = LANDLOCK_ABI;
    let mut ruleset = landlock::Ruleset::default()
        .handle_access(AccessFs::from_all(abi))
        .map_err(err)?
        .scope(Scope::from_all(abi))
        .map_err(err)?;
    if !profile.network {
        ruleset = ruleset
            .handle_access(AccessNet::from_all(abi))
            .map_err(err)?;
    }
    let mut writable = vec![profile.workspace.clone(), "/tmp".into()];
    writable.extend(profile.write_paths.iter().cloned());
    let status = ruleset
        .create()
        .map_err(err)?
        .add_rules(path_beneath_rules(
            &profile.read_paths,
            AccessFs::from_read(abi),
        ))
        .map_err(err)?
        .add_rules(path_beneath_rules(["/dev"], AccessFs::IoctlDev))
        .map_err(err)?
        .add_rules(path_beneath_rules(&writable, AccessFs::from_all(abi)))
        .map_err(err)?
        .add_rules(path_beneath_rules(DEV_WRITE, AccessFs::from_all(abi)))
        .map_err(err)?
        .restrict_self()
        .map_err(err)?;
    Ok(match status.ruleset {
        RulesetStatus::FullyEnforced => LandlockState::Full,
        RulesetStatus::PartiallyEnforced => LandlockState::Partial,
        RulesetStatus::NotEnforced => LandlockState::None,
    })
}

/// System calls no sandboxed command needs: debugging other processes,
/// changing mounts or namespaces, kernel keys, BPF, modules, reboot, swap,
/// io_uring (which bypasses seccomp).
const DENIED: &[libc::c_long] = &[
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_fsopen,
    libc::SYS_fsmount,
    libc::SYS_fsconfig,
    libc::SYS_fspick,
    libc::SYS_move_mount,
    libc::SYS_open_tree,
    libc::SYS_mount_setattr,
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_bpf,
    libc::SYS_perf_event_open,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_reboot,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    libc::SYS_open_by_handle_at,
    libc::SYS_acct,
];

/// Namespace flags `clone` may not be given.
const NS_FLAGS: &[libc::c_int] = &[
    libc::CLONE_NEWUSER,
    libc::CLONE_NEWNS,
    libc::CLONE_NEWPID,
    libc::CLONE_NEWNET,
    libc::CLONE_NEWUTS,
    libc::CLONE_NEWIPC,
    libc::CLONE_NEWCGROUP,
];

fn seccomp(network: bool) -> Result<(), SandboxError> {
    let err = |e: seccompiler::Error| SandboxError::Setup(format!("seccomp: {e}"));
    let backend = |e: seccompiler::BackendError| SandboxError::Setup(format!("seccomp: {e}"));
    let arch = TargetArch::try_from(std::env::consts::ARCH).map_err(backend)?;
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for nr in DENIED {
        rules.insert(*nr, Vec::new());
    }
    let mut clone_rules = Vec::new();
    for flag in NS_FLAGS {
        let bit = *flag as u64;
        let cond =
            SeccompCondition::new(0, SeccompCmpArgLen::Qword, SeccompCmpOp::MaskedEq(bit), bit)
                .map_err(backend)?;
        clone_rules.push(SeccompRule::new(vec![cond]).map_err(backend)?);
    }
    rules.insert(libc::SYS_clone, clone_rules);
    if !network {
        let mut socket_rules = Vec::new();
        for family in [libc::AF_INET, libc::AF_INET6, libc::AF_PACKET] {
            let cond =
                SeccompCondition::new(0, SeccompCmpArgLen::Dword, SeccompCmpOp::Eq, family as u64)
                    .map_err(backend)?;
            socket_rules.push(SeccompRule::new(vec![cond]).map_err(backend)?);
        }
        rules.insert(libc::SYS_socket, socket_rules);
    }
    let deny = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )
    .map_err(backend)?;
    // clone3 takes its flags in memory seccomp cannot read: report it as
    // missing so libc falls back to clone, whose flags are checked above.
    let clone3 = SeccompFilter::new(
        BTreeMap::from([(libc::SYS_clone3, Vec::new())]),
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOSYS as u32),
        arch,
    )
    .map_err(backend)?;
    for filter in [deny, clone3] {
        let program: BpfProgram = filter.try_into().map_err(backend)?;
        seccompiler::apply_filter(&program).map_err(err)?;
    }
    Ok(())
}
