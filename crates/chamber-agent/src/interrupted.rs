use chamber_protocol::RunStatus;
use chamber_store::{RunRecord, Store, StoreError};

/// Whether a process with this pid exists.
pub fn pid_alive(pid: u32) -> bool {
    if pid == 0 || pid > i32::MAX as u32 {
        return false;
    }
    let target = nix::unistd::Pid::from_raw(pid as i32);
    match nix::sys::signal::kill(target, None) {
        Ok(()) => !is_zombie(pid),
        Err(nix::errno::Errno::EPERM) => true,
        Err(_) => false,
    }
}

fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// Marks a `running` run whose process is gone as `interrupted`, so a run
/// killed with kill -9 shows up as such and can be resumed.
pub async fn reconcile_interrupted(store: &Store, run: &mut RunRecord) -> Result<(), StoreError> {
    let dead = run.status == RunStatus::Running
        && run
            .pid
            .is_some_and(|p| p != std::process::id() && !pid_alive(p));
    if dead {
        store
            .set_status(&run.id, RunStatus::Interrupted, None)
            .await?;
        run.status = RunStatus::Interrupted;
    }
    Ok(())
}
