//! Re-running only the tests that failed, where the runner can select them.

use crate::{Detected, Runner, TestRun};

/// The command that runs only `names` (failure names as the parser wrote
/// them), or `None` when the runner cannot select tests by name or the
/// command already passes its own arguments after `--`.
pub fn only_failing(detected: &Detected, names: &[String]) -> Option<Detected> {
    let names: Vec<&String> = names.iter().filter(|n| !n.trim().is_empty()).collect();
    if names.is_empty() {
        return None;
    }
    let quoted: Vec<String> = names.iter().map(|n| shell_quote(n)).collect();
    let args = quoted.join(" ");
    let base = detected.command.trim();
    let command = match detected.runner {
        Runner::CargoTest if !base.contains(" -- ") => format!("{base} -- {args}"),
        Runner::Nextest if !base.contains(" -- ") => format!("{base} {args}"),
        // pytest selects by node id (`path::test`); other names cannot be used.
        Runner::Pytest if names.iter().all(|n| n.contains("::")) => format!("{base} {args}"),
        // unittest selects by dotted id (`module.Class.test`).
        Runner::Unittest
            if names
                .iter()
                .all(|n| n.contains('.') && !n.contains(char::is_whitespace)) =>
        {
            format!("{base} {args}")
        }
        _ => return None,
    };
    Some(Detected {
        command,
        runner: detected.runner,
        reason: format!("the {} test(s) that failed", names.len()),
    })
}

/// How many tests a run counts as failing: 0 when it passed, else the
/// larger of the parsed count and the failures listed, and at least 1 (a
/// red run whose output could not be parsed still fails).
pub fn failure_count(run: &TestRun) -> u32 {
    if run.passed() {
        return 0;
    }
    let listed = u32::try_from(run.report.failures.len()).unwrap_or(u32::MAX);
    run.report.failed.unwrap_or(0).max(listed).max(1)
}

fn shell_quote(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._:/-=[]".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detected(command: &str, runner: Runner) -> Detected {
        Detected {
            command: command.into(),
            runner,
            reason: "test".into(),
        }
    }

    #[test]
    fn selects_by_runner() {
        let names = vec!["tests.test_calc.CalcTest.test_adds".to_string()];
        let d = only_failing(
            &detected("python3 -m unittest -v", Runner::Unittest),
            &names,
        );
        assert_eq!(
            d.map(|d| d.command).as_deref(),
            Some("python3 -m unittest -v tests.test_calc.CalcTest.test_adds")
        );
        let names = vec!["tests::adds".to_string(), "it works".to_string()];
        let d = only_failing(&detected("cargo test", Runner::CargoTest), &names);
        assert_eq!(
            d.map(|d| d.command).as_deref(),
            Some("cargo test -- tests::adds 'it works'")
        );
        let names = vec!["t.py::test_a[x y]".to_string()];
        let d = only_failing(&detected("python3 -m pytest -q", Runner::Pytest), &names);
        assert_eq!(
            d.map(|d| d.command).as_deref(),
            Some("python3 -m pytest -q 't.py::test_a[x y]'")
        );
    }

    #[test]
    fn declines_what_it_cannot_select() {
        let names = vec!["adds".to_string()];
        assert!(only_failing(&detected("pytest", Runner::Pytest), &names).is_none());
        assert!(
            only_failing(
                &detected("cargo test -- --nocapture", Runner::CargoTest),
                &names
            )
            .is_none()
        );
        assert!(only_failing(&detected("make test", Runner::Generic), &names).is_none());
        assert!(only_failing(&detected("cargo test", Runner::CargoTest), &[]).is_none());
    }
}
