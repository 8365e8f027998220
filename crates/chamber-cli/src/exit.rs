use chamber_agent::AgentError;
use chamber_protocol::ErrorBody;

/// A failure as the CLI reports it: code, message, hint and exit status.
#[derive(Debug)]
pub struct CliError {
    /// Stable machine code.
    pub code: &'static str,
    /// What happened.
    pub message: String,
    /// What to do.
    pub hint: Option<String>,
    /// Process exit status (see docs/cli.md).
    pub exit: i32,
}

/// Exit statuses, documented in docs/cli.md.
pub mod status {
    /// Success.
    pub const OK: i32 = 0;
    /// Unexpected internal error.
    pub const INTERNAL: i32 = 1;
    /// The command line is invalid (clap's usage errors).
    pub const USAGE: i32 = 2;
    /// The plan was saved and waits for approval.
    pub const NEEDS_APPROVAL: i32 = 3;
    /// The run failed (a report says why).
    pub const RUN_FAILED: i32 = 4;
    /// Configuration or policy is invalid.
    pub const CONFIG: i32 = 5;
    /// The model provider could not be set up.
    pub const PROVIDER: i32 = 6;
    /// Git refused (dirty tree) or failed.
    pub const GIT: i32 = 7;
    /// The run or plan id matches nothing (or several).
    pub const NOT_FOUND: i32 = 8;
    /// The request does not fit the run's state.
    pub const INVALID_STATE: i32 = 9;
    /// The plan was rejected.
    pub const REJECTED: i32 = 10;
    /// Installing or starting the local model failed (a missing program,
    /// a failed build or download, a hash mismatch).
    pub const LOCAL_MODEL: i32 = 11;
    /// The run stopped at its cost, time or token budget (`chamber resume`
    /// with a larger budget continues it).
    pub const BUDGET: i32 = 12;
    /// `chamber test`: the tests ran and some failed.
    pub const TESTS_FAILED: i32 = 13;
    /// `chamber review`: the review found error-severity problems.
    pub const REVIEW_FINDINGS: i32 = 14;
    /// `chamber policy check`: the command policy denies the command (an
    /// `ask` exits with `NEEDS_APPROVAL`).
    pub const POLICY_DENIED: i32 = 15;
    /// The disk is full (nothing half-written; free space and resume).
    pub const DISK_FULL: i32 = 16;
    /// A program the command needs is not installed (a migration tool);
    /// the hint says how to install it. Nothing was written.
    pub const MISSING_PROGRAM: i32 = 17;
    /// An external tool the command ran (a migration tool) failed; its
    /// output is in the message.
    pub const TOOL_FAILED: i32 = 18;
    /// An input file is invalid (an OpenAPI spec); the message lists every
    /// problem. Nothing was written.
    pub const INVALID_INPUT: i32 = 19;
    /// Interrupted with Ctrl-C.
    pub const INTERRUPTED: i32 = 130;
}

impl CliError {
    /// A file that could not be written (`io_failed`, exit 1), naming it.
    pub fn write_failed(path: &std::path::Path, e: &std::io::Error) -> Self {
        Self::new(
            "io_failed",
            format!("cannot write {}: {e}", path.display()),
            None,
            status::INTERNAL,
        )
    }

    /// A new error.
    pub fn new(
        code: &'static str,
        message: impl Into<String>,
        hint: Option<&str>,
        exit: i32,
    ) -> Self {
        Self {
            code,
            message: message.into(),
            hint: hint.map(String::from),
            exit,
        }
    }

    /// The envelope's error body.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code.into(),
            message: self.message.clone(),
            hint: self.hint.clone(),
        }
    }
}

impl From<AgentError> for CliError {
    fn from(e: AgentError) -> Self {
        use chamber_store::StoreError;
        if let Some(full) = crate::disk_full::disk_full(&e) {
            return full;
        }
        match &e {
            AgentError::DirtyTree { .. } => CliError::new(
                "dirty_tree",
                e.to_string(),
                Some("commit or stash your changes first, or pass --allow-dirty"),
                status::GIT,
            ),
            AgentError::Git(_) => CliError::new(
                "git_failed",
                e.to_string(),
                Some("check `git status`"),
                status::GIT,
            ),
            AgentError::Store(StoreError::NotFound { .. }) => CliError::new(
                "not_found",
                e.to_string(),
                Some("`chamber runs list` shows recent runs"),
                status::NOT_FOUND,
            ),
            AgentError::Store(StoreError::Ambiguous { .. }) => CliError::new(
                "ambiguous_id",
                e.to_string(),
                Some("give more characters of the id"),
                status::NOT_FOUND,
            ),
            AgentError::Store(_) => CliError::new(
                "store_failed",
                e.to_string(),
                Some("check free disk space and permissions of the data dir (CHAMBER_HOME)"),
                status::INTERNAL,
            ),
            AgentError::BudgetExceeded(_) => CliError::new(
                "budget_exceeded",
                e.to_string(),
                Some(
                    "raise the limit with --budget-cost/--budget-time/--budget-tokens and `chamber resume`",
                ),
                status::BUDGET,
            ),
            AgentError::Llm(l) => CliError::new(
                "model_failed",
                e.to_string(),
                Some(l.kind.hint()),
                status::RUN_FAILED,
            ),
            AgentError::NeedsApproval { plan_id, .. } => CliError {
                code: "needs_approval",
                message: e.to_string(),
                hint: Some(format!(
                    "approve it in a terminal, pass --yes (`chamber apply {plan_id} --yes`), or --prompt to answer on stdin"
                )),
                exit: status::NEEDS_APPROVAL,
            },
            AgentError::InvalidState(_) => {
                CliError::new("invalid_state", e.to_string(), None, status::INVALID_STATE)
            }
            AgentError::Fenced(_) => CliError::new(
                "fenced",
                e.to_string(),
                Some("another worker took the task over; nothing more was done here"),
                status::INVALID_STATE,
            ),
            AgentError::Cancelled(_) => CliError::new(
                "cancelled",
                e.to_string(),
                Some("`chamber resume <run>` continues it"),
                status::RUN_FAILED,
            ),
            AgentError::Patch(p) => patch_error(p),
            AgentError::Io { .. } => CliError::new(
                "io_failed",
                e.to_string(),
                Some("check free disk space and permissions"),
                status::INTERNAL,
            ),
        }
    }
}

impl From<chamber_tools::patches::PatchError> for CliError {
    fn from(e: chamber_tools::patches::PatchError) -> Self {
        patch_error(&e)
    }
}

/// A patch failure as the CLI reports it; conflicts list their regions.
fn patch_error(e: &chamber_tools::patches::PatchError) -> CliError {
    use chamber_tools::patches::PatchError as P;
    if let Some(full) = crate::disk_full::disk_full(e) {
        return full;
    }
    let (code, hint, exit) = match e {
        P::NotFound(_) => (
            "not_found",
            Some("`chamber patch list` shows the recorded patches"),
            status::NOT_FOUND,
        ),
        P::Ambiguous { .. } => (
            "ambiguous_id",
            Some("give more characters of the id"),
            status::NOT_FOUND,
        ),
        P::Invalid(_) => ("invalid_patch", None, status::INVALID_STATE),
        P::DoesNotApply(_) => (
            "patch_does_not_apply",
            Some("the files differ from what the patch expects; check `git status` and the diff"),
            status::INVALID_STATE,
        ),
        P::Missing(_) => (
            "file_missing",
            Some("restore the missing files first (e.g. `git checkout -- <file>`)"),
            status::INVALID_STATE,
        ),
        P::Conflicts(_) => (
            "conflict",
            Some(
                "resolve by hand: the conflicting regions are listed in the message (ours = the file now, theirs = before the patch)",
            ),
            status::INVALID_STATE,
        ),
        P::Io { .. } => (
            "io_failed",
            Some("check free disk space and permissions"),
            status::INTERNAL,
        ),
    };
    let mut message = e.to_string();
    if let P::Conflicts(conflicts) = e {
        for c in conflicts {
            message.push_str(&format!("\n--- {}\n", c.path));
            for hunk in &c.hunks {
                message.push_str(hunk.trim_end());
                message.push('\n');
            }
        }
        message = message.trim_end().to_string();
    }
    CliError::new(code, message, hint, exit)
}

impl From<chamber_runtime::RuntimeError> for CliError {
    fn from(e: chamber_runtime::RuntimeError) -> Self {
        use chamber_runtime::{ErrorKind, RuntimeError as R};
        match e {
            R::Setting {
                code,
                message,
                hint,
                kind,
            } => CliError {
                code,
                message,
                hint,
                exit: match kind {
                    ErrorKind::Config => status::CONFIG,
                    ErrorKind::Provider => status::PROVIDER,
                    ErrorKind::InvalidState => status::INVALID_STATE,
                    ErrorKind::Internal => status::INTERNAL,
                },
            },
            R::Agent(e) => e.into(),
            R::Config(e) => e.into(),
            R::Local(e) => e.into(),
            R::Store(e) => e.into(),
        }
    }
}

impl From<chamber_bench::BenchError> for CliError {
    fn from(e: chamber_bench::BenchError) -> Self {
        use chamber_bench::ErrorKind;
        let exit = match e.kind() {
            ErrorKind::Internal => status::INTERNAL,
            ErrorKind::Config => status::CONFIG,
            ErrorKind::Git => status::GIT,
            ErrorKind::NotFound => status::NOT_FOUND,
            ErrorKind::InvalidState => status::INVALID_STATE,
        };
        CliError::new(e.code(), e.to_string(), e.hint(), exit)
    }
}

impl From<chamber_store::StoreError> for CliError {
    fn from(e: chamber_store::StoreError) -> Self {
        use chamber_store::StoreError as S;
        let (code, exit, hint) = match &e {
            S::NotFound { what, .. } if *what != "run" && *what != "plan" => {
                ("not_found", status::NOT_FOUND, None)
            }
            S::InvalidState { .. } | S::Fenced { .. } => {
                ("invalid_state", status::INVALID_STATE, None)
            }
            S::IdempotencyConflict { .. } | S::UniqueKeyTaken { .. } | S::DuplicateName { .. } => {
                ("conflict", status::INVALID_STATE, None)
            }
            S::QueueFull { .. } => (
                "queue_full",
                status::INVALID_STATE,
                Some("wait for workers to catch up, or raise [server] queue_cap"),
            ),
            S::UnknownValue(_) => ("bad_value", status::CONFIG, None),
            _ => return AgentError::Store(e).into(),
        };
        CliError::new(code, e.to_string(), hint, exit)
    }
}

impl From<chamber_config::ConfigError> for CliError {
    fn from(e: chamber_config::ConfigError) -> Self {
        if let chamber_config::ConfigError::UnknownProvider { .. } = e {
            return CliError::new(
                "unknown_provider",
                e.to_string(),
                Some(
                    "`chamber provider list` shows the providers; define others under [providers.NAME]",
                ),
                status::PROVIDER,
            );
        }
        CliError::new(
            "config_invalid",
            e.to_string(),
            Some("fix the named file or variable; docs/configuration.md lists every key"),
            status::CONFIG,
        )
    }
}

impl From<chamber_local::LocalError> for CliError {
    fn from(e: chamber_local::LocalError) -> Self {
        use chamber_local::LocalError as L;
        let (code, exit) = match &e {
            L::UnknownModel { .. } => ("unknown_model", status::NOT_FOUND),
            L::NotInstalled(_) | L::RuntimeMissing => ("not_installed", status::PROVIDER),
            L::ServerStart { .. } | L::AlreadyServing { .. } => ("server_failed", status::PROVIDER),
            L::MissingTool { .. } => ("missing_tool", status::LOCAL_MODEL),
            L::CommandFailed { .. } => ("command_failed", status::LOCAL_MODEL),
            L::HashMismatch { .. } => ("hash_mismatch", status::LOCAL_MODEL),
            L::BadPackage(_) => ("bad_package", status::LOCAL_MODEL),
            L::Io { .. } => ("io_failed", status::INTERNAL),
        };
        let hint = e.hint();
        CliError::new(code, e.to_string(), Some(&hint), exit)
    }
}

impl From<chamber_runtime::telemetry::TelemetryError> for CliError {
    fn from(e: chamber_runtime::telemetry::TelemetryError) -> Self {
        use chamber_runtime::telemetry::TelemetryError as T;
        match e {
            T::Config(c) => c.into(),
            T::Io { .. } => CliError::new(
                "io_failed",
                e.to_string(),
                Some("check the permissions of the data dir (CHAMBER_HOME)"),
                status::INTERNAL,
            ),
        }
    }
}

impl From<chamber_runtime::migrate::MigrateError> for CliError {
    fn from(e: chamber_runtime::migrate::MigrateError) -> Self {
        use chamber_runtime::migrate::MigrateError as M;
        let tools = "pass one of them with --tool NAME".to_string();
        let (code, hint, exit) = match &e {
            M::UnknownTool(_) => ("unknown_migration_tool", Some(tools), status::USAGE),
            M::NoneDetected(_) => ("no_migration_tool", Some(tools), status::CONFIG),
            M::Ambiguous(_) => (
                "ambiguous_migration_tool",
                Some("pass the one to use with --tool NAME".to_string()),
                status::CONFIG,
            ),
            M::Usage(_) => ("usage", None, status::USAGE),
            M::MissingProgram { install, .. } => (
                "missing_program",
                Some(format!("install it: {install}")),
                status::MISSING_PROGRAM,
            ),
            M::ToolFailed { .. } => (
                "migration_tool_failed",
                Some("the tool's output above says why; it may have written files".to_string()),
                status::TOOL_FAILED,
            ),
            M::Layout(_) => (
                "migration_layout",
                Some(
                    "fix the migrations directory by hand, or name another with --dir".to_string(),
                ),
                status::INVALID_STATE,
            ),
            M::Io { .. } => (
                "io_failed",
                Some("check free disk space and permissions".to_string()),
                status::INTERNAL,
            ),
        };
        CliError {
            code,
            message: e.to_string(),
            hint,
            exit,
        }
    }
}

impl From<chamber_runtime::openapi::ScaffoldError> for CliError {
    fn from(e: chamber_runtime::openapi::ScaffoldError) -> Self {
        use chamber_runtime::openapi::ScaffoldError as S;
        let frameworks = "pass one of them with --framework NAME".to_string();
        let (code, hint, exit) = match &e {
            S::UnknownFramework(_) => ("unknown_framework", Some(frameworks), status::USAGE),
            S::NoFramework(_) => ("no_framework", Some(frameworks), status::CONFIG),
            S::SeveralFrameworks(_) => (
                "ambiguous_framework",
                Some("pass the one to use with --framework NAME".to_string()),
                status::CONFIG,
            ),
            S::SpecNotFound(_) => ("not_found", None, status::NOT_FOUND),
            S::InvalidSpec { .. } => (
                "invalid_spec",
                Some("fix the spec; nothing was written".to_string()),
                status::INVALID_INPUT,
            ),
            S::FilesExist(_) => (
                "files_exist",
                Some(
                    "move them away, or pass --force to replace them (the diff shows how)"
                        .to_string(),
                ),
                status::INVALID_STATE,
            ),
            S::Io { .. } => (
                "io_failed",
                Some(
                    "check free disk space and permissions; nothing was left half-written"
                        .to_string(),
                ),
                status::INTERNAL,
            ),
        };
        CliError {
            code,
            message: e.to_string(),
            hint,
            exit,
        }
    }
}
