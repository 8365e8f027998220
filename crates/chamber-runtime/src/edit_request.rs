//! `chamber edit FILE[:START-END] "instruction"`: a smart edit of a block
//! (or a whole file) as a one-step preset plan whose request shows the
//! block with its line numbers and asks for changes inside it only.

use std::path::Path;

use chamber_protocol::{Plan, Step, StepKind};

use crate::error::{ErrorKind, RuntimeError};

/// What `FILE[:START-END]` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The file, relative to the project root.
    pub path: String,
    /// The 1-based inclusive line range, when one was given.
    pub lines: Option<(usize, usize)>,
}

/// Parses `FILE`, `FILE:N` or `FILE:START-END` and checks it against the
/// file: it exists inside the project and the range is within it.
pub fn target(root: &Path, spec: &str) -> Result<Target, RuntimeError> {
    let bad = |why: String| {
        RuntimeError::setting(
            "bad_target",
            why,
            Some("name a file, optionally with lines: src/app.py:10-24"),
            ErrorKind::Config,
        )
    };
    let (path, range) = match spec.rsplit_once(':') {
        Some((p, r)) if !r.is_empty() && r.chars().all(|c| c.is_ascii_digit() || c == '-') => {
            (p, Some(r))
        }
        _ => (spec, None),
    };
    let rel = Path::new(path);
    if path.is_empty()
        || rel.is_absolute()
        || rel
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err(bad(format!("{path:?} is not a path inside the project")));
    }
    let text = std::fs::read_to_string(root.join(rel))
        .map_err(|e| bad(format!("cannot read {path}: {e}")))?;
    let count = text.lines().count();
    let lines = match range {
        None => None,
        Some(r) => {
            let (a, b) = r.split_once('-').unwrap_or((r, r));
            let (a, b) = match (a.parse::<usize>(), b.parse::<usize>()) {
                (Ok(a), Ok(b)) => (a, b),
                _ => return Err(bad(format!("{r:?} is not a line range like 10-24"))),
            };
            if a == 0 || a > b {
                return Err(bad(format!(
                    "lines {a}-{b}: the start must be 1 or more and not after the end"
                )));
            }
            if b > count {
                return Err(bad(format!("lines {a}-{b}: {path} has {count} line(s)")));
            }
            Some((a, b))
        }
    };
    Ok(Target {
        path: path.to_string(),
        lines,
    })
}

/// The task text and the one-step plan for editing `target` as
/// `instruction` says.
pub fn edit_plan(root: &Path, target: &Target, instruction: &str) -> (String, Plan) {
    let text = std::fs::read_to_string(root.join(&target.path)).unwrap_or_default();
    let (label, block, scope) = match target.lines {
        Some((a, b)) => {
            let block: Vec<String> = text
                .lines()
                .enumerate()
                .skip(a - 1)
                .take(b + 1 - a)
                .map(|(i, l)| format!("{:>5}| {l}", i + 1))
                .collect();
            (
                format!("{}:{a}-{b}", target.path),
                block.join("\n"),
                format!(
                    "Change only lines {a}-{b} of {}; leave every other line as it is.",
                    target.path
                ),
            )
        }
        None => (
            target.path.clone(),
            String::new(),
            format!("Change only {}.", target.path),
        ),
    };
    let mut detail =
        format!("{instruction}\n{scope} Use edit_file (or write_file for the whole file).");
    if !block.is_empty() {
        detail.push_str(&format!("\nThe lines, numbered:\n```\n{block}\n```"));
    }
    let first: String = instruction
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(60)
        .collect();
    let plan = Plan {
        title: format!("Edit {label}: {first}"),
        steps: vec![Step {
            id: "1".into(),
            title: format!("Edit {label}"),
            detail,
            kind: StepKind::Edit,
            depends_on: Vec::new(),
            notes: None,
            action: None,
        }],
    };
    (format!("Edit {label}: {instruction}"), plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_bad_ranges_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.py"), "one\ntwo\nthree\n").unwrap();
        let t = target(dir.path(), "a.py:2-3").unwrap();
        assert_eq!(t.lines, Some((2, 3)));
        assert_eq!(target(dir.path(), "a.py:2").unwrap().lines, Some((2, 2)));
        assert_eq!(target(dir.path(), "a.py").unwrap().lines, None);
        for bad in [
            "a.py:3-2", "a.py:0-1", "a.py:2-9", "a.py:x-", "../a.py", "nope.py",
        ] {
            assert!(target(dir.path(), bad).is_err(), "{bad}");
        }
        let err = target(dir.path(), "a.py:2-9").unwrap_err().to_string();
        assert!(err.contains("has 3 line(s)"), "{err}");
        let (_, plan) = edit_plan(dir.path(), &t, "uppercase them");
        assert!(
            plan.steps[0].detail.contains("    2| two"),
            "{}",
            plan.steps[0].detail
        );
        assert!(!plan.steps[0].detail.contains("one"));
    }
}
