//! The rules: each reads a step's title (and the backticked spans of its
//! title and detail) and answers fixed tool calls, or nothing. A rule fires
//! only when the title asks for that one thing and nothing that needs
//! judgement (a step that says "fix" or "write" always goes to the model).

use chamber_protocol::{FixedCall, Step, StepAction, StepKind};
use serde_json::json;

use super::ActionFacts;

/// Words that mean the step needs judgement; a title holding any of them
/// is never mapped by a rule.
const JUDGEMENT_WORDS: &[&str] = &[
    "fix",
    "implement",
    "write",
    "change",
    "update",
    "modify",
    "refactor",
    "replace",
    "edit",
    "debug",
    "investigate",
    "analyze",
    "analyse",
    "design",
    "improve",
    "explain",
    "review",
    "rename",
    "if",
    "until",
    "and",
    "then",
];

/// The first rule that maps `step`, if any.
pub(super) fn rule_for(step: &Step, facts: &ActionFacts) -> Option<StepAction> {
    let title = Title::of(&step.title);
    if title.words.is_empty() || title.has_any(JUDGEMENT_WORDS) {
        return None;
    }
    commit(&title)
        .or_else(|| run_tests(&title, facts))
        .or_else(|| run_command(&title, step))
        .or_else(|| format(&title, facts))
        .or_else(|| install_package(&title, facts))
        .or_else(|| create_directory(&title))
        .or_else(|| read_file(&title, step, facts))
}

/// A step title, split for matching.
struct Title {
    /// Lower-case words, punctuation dropped (backticked spans included).
    words: Vec<String>,
    /// The backticked spans, verbatim.
    spans: Vec<String>,
}

impl Title {
    fn of(text: &str) -> Self {
        Self {
            words: text
                .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect(),
            spans: spans(text),
        }
    }

    fn first(&self) -> &str {
        self.words.first().map(String::as_str).unwrap_or_default()
    }

    fn leads(&self, verbs: &[&str]) -> bool {
        verbs.contains(&self.first())
    }

    fn has(&self, word: &str) -> bool {
        self.words.iter().any(|w| w == word)
    }

    fn has_any(&self, words: &[&str]) -> bool {
        words.iter().any(|w| self.has(w))
    }
}

/// The `backticked` spans of `text`.
fn spans(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn action(rule: &str, calls: Vec<FixedCall>) -> StepAction {
    StepAction {
        rule: rule.into(),
        calls,
    }
}

fn call(tool: &str, arguments: serde_json::Value) -> FixedCall {
    FixedCall {
        tool: tool.into(),
        arguments,
    }
}

/// "Commit the changes": every step is committed by the harness already.
fn commit(title: &Title) -> Option<StepAction> {
    const FILLER: &[&str] = &[
        "commit", "git", "the", "all", "changes", "change", "work", "files", "to", "branch",
    ];
    (title.leads(&["commit"]) && title.words.iter().all(|w| FILLER.contains(&w.as_str())))
        .then(|| action("commit", Vec::new()))
}

/// "Run the tests", "Re-run the test suite", "Verify the tests pass".
fn run_tests(title: &Title, facts: &ActionFacts) -> Option<StepAction> {
    let command = facts.test_command.as_deref()?;
    let about_tests = title.has_any(&["test", "tests", "pytest", "suite"]);
    let runs = title.leads(&["run", "rerun", "re-run", "execute"])
        || (title.leads(&["verify", "check", "ensure", "confirm"])
            && title.has_any(&["pass", "passes"]));
    // "Run the tests for X" still runs the whole suite; a named command
    // (`pytest -k x`) is `run_command`'s.
    (about_tests && runs && title.spans.is_empty()).then(|| {
        action(
            "run_tests",
            vec![call("shell", json!({ "command": command }))],
        )
    })
}

/// "Run `make build`": the command is given verbatim.
fn run_command(title: &Title, step: &Step) -> Option<StepAction> {
    if !title.leads(&["run", "execute"]) {
        return None;
    }
    let command = match title.spans.as_slice() {
        [one] => one.clone(),
        [] if step.kind == StepKind::Command => match spans(&step.detail).as_slice() {
            [one] => one.clone(),
            _ => return None,
        },
        _ => return None,
    };
    Some(action(
        "run_command",
        vec![call("shell", json!({ "command": command }))],
    ))
}

/// "Format the code", "Run the formatter".
fn format(title: &Title, facts: &ActionFacts) -> Option<StepAction> {
    let command = facts.format_command.as_deref()?;
    let asks = title.leads(&["format", "reformat"])
        || (title.leads(&["run", "apply"]) && title.has_any(&["formatter", "formatting", "fmt"]));
    asks.then(|| action("format", vec![call("shell", json!({ "command": command }))]))
}

/// "Install `requests`", "Add the `serde` dependency", when the package
/// adapter is offered.
fn install_package(title: &Title, facts: &ActionFacts) -> Option<StepAction> {
    if !facts.offers("package_add") {
        return None;
    }
    let asks = title.leads(&["install"])
        || (title.leads(&["add"]) && title.has_any(&["dependency", "package", "library", "crate"]));
    let [name] = title.spans.as_slice() else {
        return None;
    };
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@/".contains(c));
    (asks && valid).then(|| {
        action(
            "install_package",
            vec![call("package_add", json!({ "name": name }))],
        )
    })
}

/// "Create the directory `src/api`".
fn create_directory(title: &Title) -> Option<StepAction> {
    let asks =
        title.leads(&["create", "make", "add"]) && title.has_any(&["directory", "folder", "dir"]);
    let [path] = title.spans.as_slice() else {
        return None;
    };
    (asks && safe_relative(path)).then(|| {
        action(
            "create_directory",
            vec![call(
                "shell",
                json!({ "command": format!("mkdir -p '{path}'") }),
            )],
        )
    })
}

/// "Read `src/app.py`", "Open hello.py": reads the file when it exists, and
/// notes that it does not when it is missing (a later step creates it).
fn read_file(title: &Title, step: &Step, facts: &ActionFacts) -> Option<StepAction> {
    const FILLER: &[&str] = &[
        "read", "open", "view", "inspect", "look", "at", "the", "file", "contents", "of",
        "existing", "current", "content", "source", "code",
    ];
    if !title.leads(&["read", "open", "view", "inspect", "look"]) {
        return None;
    }
    let path = match title.spans.as_slice() {
        [one] => one.clone(),
        [] => {
            // An unquoted file name: the one word that is not filler.
            let rest: Vec<&String> = title
                .words
                .iter()
                .filter(|w| !FILLER.contains(&w.as_str()))
                .collect();
            let raw = step.title.split_whitespace().find(|w| {
                let w = w.trim_matches(|c: char| "\"'.,:;()".contains(c));
                w.contains('.') && rest.iter().any(|r| w.to_lowercase().contains(r.as_str()))
            })?;
            raw.trim_matches(|c: char| "\"'.,:;()".contains(c))
                .to_string()
        }
        _ => return None,
    };
    if !safe_relative(&path) {
        return None;
    }
    if facts.root.join(&path).is_file() {
        Some(action(
            "read_file",
            vec![call("read_file", json!({ "path": path }))],
        ))
    } else if facts.root.join(&path).exists() {
        None
    } else {
        // Nothing to read: the step is done, and says so.
        Some(action("read_missing", Vec::new()))
    }
}

/// A path inside the workspace: relative, no `..`, no quotes.
fn safe_relative(path: &str) -> bool {
    let p = std::path::Path::new(path);
    !path.is_empty()
        && p.is_relative()
        && !p
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
        && !path.contains(['\'', '"', '\n', '$', '`'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(title: &str, kind: StepKind) -> Step {
        Step {
            id: "1".into(),
            title: title.into(),
            detail: String::new(),
            kind,
            depends_on: Vec::new(),
            notes: None,
            action: None,
        }
    }

    fn facts(root: &std::path::Path) -> ActionFacts {
        ActionFacts {
            root: root.to_path_buf(),
            test_command: Some("python3 -m pytest -q".into()),
            format_command: Some("black -q .".into()),
            tools: vec!["shell".into(), "package_add".into()],
        }
    }

    fn rule(title: &str, kind: StepKind, root: &std::path::Path) -> Option<String> {
        rule_for(&step(title, kind), &facts(root)).map(|a| a.rule)
    }

    #[test]
    fn known_intents_map_to_rules() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("app.py"), "x = 1\n").unwrap();
        let r = |t: &str, k| rule(t, k, dir.path());
        assert_eq!(
            r("Run the tests", StepKind::Test).as_deref(),
            Some("run_tests")
        );
        assert_eq!(
            r("Re-run the test suite.", StepKind::Other).as_deref(),
            Some("run_tests")
        );
        assert_eq!(
            r("Verify the tests pass", StepKind::Test).as_deref(),
            Some("run_tests")
        );
        assert_eq!(
            r("Run `make build`", StepKind::Command).as_deref(),
            Some("run_command")
        );
        assert_eq!(
            r("Format the code", StepKind::Command).as_deref(),
            Some("format")
        );
        assert_eq!(
            r("Install `requests`", StepKind::Command).as_deref(),
            Some("install_package")
        );
        assert_eq!(
            r("Commit the changes", StepKind::Other).as_deref(),
            Some("commit")
        );
        assert_eq!(
            r("Read app.py", StepKind::Analyze).as_deref(),
            Some("read_file")
        );
        assert_eq!(
            r("Read `hello.py`", StepKind::Analyze).as_deref(),
            Some("read_missing")
        );
        assert_eq!(
            r("Create the directory `src/api`", StepKind::Edit).as_deref(),
            Some("create_directory")
        );
    }

    #[test]
    fn judgement_goes_to_the_model() {
        let dir = tempfile::tempdir().unwrap();
        let r = |t: &str, k| rule(t, k, dir.path());
        assert_eq!(r("Fix the failing tests", StepKind::Test), None);
        assert_eq!(r("Write tests for app.py", StepKind::Test), None);
        assert_eq!(r("Run the tests and fix failures", StepKind::Test), None);
        assert_eq!(r("Create hello.py that prints hi", StepKind::Edit), None);
        assert_eq!(
            r(
                "Commit the changes with a good message about X",
                StepKind::Other
            ),
            None
        );
        assert_eq!(r("Read `../etc/passwd`", StepKind::Analyze), None);
        assert_eq!(r("Install `evil; rm -rf /`", StepKind::Command), None);
        assert_eq!(
            r("Read app.py and list its functions", StepKind::Analyze),
            None
        );
    }

    #[test]
    fn rules_need_their_facts() {
        let dir = tempfile::tempdir().unwrap();
        let bare = ActionFacts {
            root: dir.path().to_path_buf(),
            ..ActionFacts::default()
        };
        for title in ["Run the tests", "Format the code", "Install `requests`"] {
            assert!(
                rule_for(&step(title, StepKind::Command), &bare).is_none(),
                "{title}"
            );
        }
    }
}
