//! Which test command a project runs, and the fix loop's settings from
//! `[test]`: used by `chamber test`/`fix`, by `--verify` and by tasks that
//! ask for verification.

use std::time::Duration;

use chamber_agent::{Engine, FixSettings};
use chamber_verify::{Detected, TestConfig, Tools, detect};

use crate::error::{ErrorKind, RuntimeError};

/// The project's test commands, the one to use first: `[test] command`
/// when set, else detected from the project's files. Never empty.
pub fn detect_tests(
    section: &chamber_config::TestConfig,
    root: &std::path::Path,
) -> Result<Vec<Detected>, RuntimeError> {
    let config = TestConfig {
        command: Some(section.command.clone()).filter(|c| !c.trim().is_empty()),
        runner: Some(section.runner.clone()).filter(|r| !r.trim().is_empty()),
    };
    let found = detect(root, &config, Tools::probe(root)).map_err(|e| {
        RuntimeError::setting(
            "invalid_test_config",
            e.to_string(),
            Some("fix [test] in .chamber/config.toml"),
            ErrorKind::Config,
        )
    })?;
    if found.is_empty() {
        return Err(RuntimeError::setting(
            "no_test_command",
            format!("no test command found in {}", root.display()),
            Some(
                "set [test] command in .chamber/config.toml (for example `command = \"./run-tests.sh\"`)",
            ),
            ErrorKind::Config,
        ));
    }
    Ok(found)
}

/// The fix loop's settings from `[test]`, with `max_rounds` over it.
pub fn fix_settings(engine: &Engine, max_rounds: Option<u32>) -> Result<FixSettings, RuntimeError> {
    let section = &engine.config.test;
    let mut found = detect_tests(section, &engine.root)?;
    let detected = found.remove(0);
    Ok(FixSettings {
        detected,
        max_rounds: max_rounds.unwrap_or(section.max_fix_rounds),
        max_no_progress: section.max_no_progress,
        test_timeout: Duration::from_secs(section.timeout_secs.max(1)),
        sandbox: engine.config.sandbox.clone(),
    })
}
