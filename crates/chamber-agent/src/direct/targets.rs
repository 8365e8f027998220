//! Which files a direct-mode attempt changes and which it shows: the files
//! the task names, the source files in the failing tests' frames, the code
//! the tests import or are named after, and the index's best match; with
//! the related tests and the instruction documents the task points at.

use std::collections::BTreeSet;
use std::path::Path;

/// Most files changed by one attempt.
const MAX_TARGETS: usize = 3;
/// Most test files shown.
const MAX_TESTS: usize = 2;
/// Largest file worth rewriting whole (bigger ones stay with the loop).
pub const MAX_TARGET_BYTES: u64 = 24 * 1024;
/// Source extensions a new file named in the task may have.
const SOURCE_EXTS: &[&str] = &[
    "py", "rs", "js", "mjs", "ts", "go", "sh", "rb", "java", "c", "h", "cpp", "toml", "json", "md",
    "txt", "html", "css", "yaml", "yml",
];

/// What the harness found for an attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Focus {
    /// Files to write, best first, with why each was chosen.
    pub targets: Vec<(String, &'static str)>,
    /// Test files shown (never written).
    pub tests: Vec<String>,
    /// Documents the task names (`.docs/instructions.md`), shown verbatim.
    pub documents: Vec<String>,
}

impl Focus {
    /// The target paths only.
    #[cfg(test)]
    pub fn target_paths(&self) -> Vec<String> {
        self.targets.iter().map(|(p, _)| p.clone()).collect()
    }

    fn add_target(&mut self, path: &str, why: &'static str) {
        if self.targets.len() < MAX_TARGETS && !self.targets.iter().any(|(p, _)| p == path) {
            self.targets.push((path.to_string(), why));
        }
    }
}

/// Project files under `dir` (relative, `/`-separated), gitignore-aware,
/// without `.git` and `.chamber`.
pub fn project_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let walk = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .filter_entry(|e| !matches!(e.file_name().to_str(), Some(".git" | ".chamber")))
        .build();
    for entry in walk.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        if let Ok(rel) = entry.path().strip_prefix(dir) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    out.sort();
    out
}

/// Whether a path names a test file by the usual conventions.
pub fn is_test_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || stem == "tests"
        || stem == "test"
        || name.contains(".test.")
        || name.contains(".spec.")
        || path
            .split('/')
            .any(|part| part == "tests" || part == "__tests__")
}

/// Finds the focus of a task in `dir`: `files` is the project's file list,
/// `failure_output` the latest failing test output (if any), `retrieved`
/// the index's ranked files.
pub fn find_focus(
    dir: &Path,
    files: &[String],
    task: &str,
    failure_output: Option<&str>,
    retrieved: &[String],
) -> Focus {
    let mut focus = Focus::default();
    let exists = |p: &str| files.iter().any(|f| f == p);
    let small = |p: &str| std::fs::metadata(dir.join(p)).is_ok_and(|m| m.len() <= MAX_TARGET_BYTES);
    let mut tests: BTreeSet<String> = BTreeSet::new();

    for word in task_words(task) {
        let resolved = if exists(&word) {
            Some(word.clone())
        } else {
            // A bare name (`leap.py`) of a file that lives in a folder.
            let hits: Vec<&String> = files
                .iter()
                .filter(|f| f.rsplit('/').next() == Some(word.as_str()))
                .collect();
            (hits.len() == 1).then(|| hits[0].clone())
        };
        match resolved {
            Some(p) if is_test_file(&p) => {
                tests.insert(p);
            }
            Some(p) if is_document(&p) && !focus.documents.contains(&p) => {
                focus.documents.push(p);
            }
            Some(p) if is_document(&p) => {}
            Some(p) if small(&p) => focus.add_target(&p, "named in the task"),
            Some(_) => {}
            None if is_new_source_name(&word) => {
                focus.add_target(&word, "new file named in the task")
            }
            None => {}
        }
    }

    if let Some(output) = failure_output {
        for file in frame_files(output) {
            if !exists(&file) {
                continue;
            }
            if is_test_file(&file) {
                tests.insert(file);
            } else if small(&file) {
                focus.add_target(&file, "in the failing tests' frames");
            }
        }
    }

    // With nothing named, every test file is in play (a small project).
    let all_tests: Vec<&String> = files.iter().filter(|f| is_test_file(f)).collect();
    if focus.targets.is_empty() && tests.is_empty() && all_tests.len() <= MAX_TESTS {
        tests.extend(all_tests.iter().map(|s| s.to_string()));
    }
    for test in &tests {
        for code in code_under_test(dir, test, files) {
            if small(&code) {
                focus.add_target(&code, "the code its tests exercise");
            }
        }
    }
    if focus.targets.is_empty() {
        for path in retrieved {
            if exists(path) && !is_test_file(path) && !is_document(path) && small(path) {
                focus.add_target(path, "the index's best match for the task");
                break;
            }
        }
    }
    // Tests shown: the ones named or failing, else those of the targets.
    for (target, _) in focus.targets.clone() {
        for test in &all_tests {
            if code_under_test(dir, test, files).contains(&target) {
                tests.insert(test.to_string());
            }
        }
    }
    focus.tests = tests.into_iter().take(MAX_TESTS).collect();
    focus
}

/// Words of the task that could be paths, trimmed of quotes and punctuation.
fn task_words(task: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in task.split(|c: char| c.is_whitespace() || "`'\"(),;:".contains(c)) {
        let w = word
            .trim_end_matches(['.', '!', '?'])
            .trim_start_matches("./")
            .to_string();
        if w.len() < 3
            || !w.contains('.')
            || w.starts_with('/')
            || w.split('/').any(|p| p == "..")
            || out.contains(&w)
        {
            continue;
        }
        out.push(w);
    }
    out
}

fn is_document(path: &str) -> bool {
    path.ends_with(".md") || path.ends_with(".txt") || path.ends_with(".rst")
}

/// A name that reads as a new source file (`hello.py`, `src/util.rs`).
fn is_new_source_name(word: &str) -> bool {
    let Some((stem, ext)) = word.rsplit_once('.') else {
        return false;
    };
    !stem.is_empty()
        && !stem.ends_with('/')
        && SOURCE_EXTS.contains(&ext)
        && !is_document(word)
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./".contains(c))
        && !word.contains("://")
}

/// Project files in a test output's frames: Python `File "x.py", line N`,
/// and `path:line` forms (Rust, Go, JS, pytest).
pub fn frame_files(output: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut push = |p: &str| {
        let p = p.trim_start_matches("./").to_string();
        if !p.is_empty()
            && !p.starts_with('/')
            && !p.contains("site-packages")
            && !found.contains(&p)
        {
            found.push(p);
        }
    };
    for line in output.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("File \"")
            && let Some((path, _)) = rest.split_once('"')
        {
            push(path);
            continue;
        }
        for token in line.split_whitespace() {
            let token = token.trim_matches(|c: char| "()[],'\"".contains(c));
            if let Some((path, tail)) = token.split_once(':')
                && path.contains('.')
                && tail.chars().next().is_some_and(|c| c.is_ascii_digit())
            {
                push(path);
            }
        }
    }
    found
}

/// The code files a test file exercises: the module it is named after
/// (`leap_test.py` → `leap.py`, `test_calc.py` → `calc.py`) and the local
/// modules it imports.
pub fn code_under_test(dir: &Path, test: &str, files: &[String]) -> Vec<String> {
    let (folder, name) = match test.rsplit_once('/') {
        Some((f, n)) => (format!("{f}/"), n),
        None => (String::new(), test),
    };
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut add = |candidate: String| {
        if files.contains(&candidate) && !is_test_file(&candidate) && !out.contains(&candidate) {
            out.push(candidate);
        }
    };
    for module in [
        stem.strip_prefix("test_"),
        stem.strip_suffix("_test"),
        stem.strip_suffix("_tests"),
        stem.strip_suffix(".test"),
        stem.strip_suffix(".spec"),
    ]
    .into_iter()
    .flatten()
    {
        add(format!("{folder}{module}.{ext}"));
    }
    if ext == "py"
        && let Ok(text) = std::fs::read_to_string(dir.join(test))
    {
        for line in text.lines() {
            let line = line.trim();
            let module = line
                .strip_prefix("from ")
                .and_then(|r| r.split_whitespace().next())
                .or_else(|| {
                    line.strip_prefix("import ")
                        .and_then(|r| r.split([' ', ',']).next())
                });
            if let Some(m) = module {
                add(format!("{folder}{}.py", m.replace('.', "/")));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        for (p, text) in files {
            let path = tmp.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        tmp
    }

    #[test]
    fn a_new_file_named_in_the_task_is_the_target() {
        let t = tree(&[
            ("README.md", "x"),
            ("test_calc.py", "from calc import add\n"),
            ("calc.py", ""),
        ]);
        let files = project_files(t.path());
        let f = find_focus(
            t.path(),
            &files,
            "Create a file named hello.py containing exactly: print('hello')",
            None,
            &[],
        );
        assert_eq!(f.target_paths(), vec!["hello.py"]);
        assert!(f.tests.is_empty(), "tests of other code are not shown");
    }

    #[test]
    fn the_tests_lead_to_the_code_they_exercise() {
        let t = tree(&[
            ("leap.py", "def leap_year(year):\n    pass\n"),
            (
                "leap_test.py",
                "import unittest\nfrom leap import (\n    leap_year,\n)\n",
            ),
            (".docs/instructions.md", "Leap years…"),
        ]);
        let files = project_files(t.path());
        let f = find_focus(
            t.path(),
            &files,
            "Solve the exercise described in .docs/instructions.md so that the tests pass.",
            None,
            &[],
        );
        assert_eq!(f.target_paths(), vec!["leap.py"]);
        assert_eq!(f.tests, vec!["leap_test.py"]);
        assert_eq!(f.documents, vec![".docs/instructions.md"]);
    }

    #[test]
    fn failing_frames_point_at_source_files() {
        let t = tree(&[
            ("pkg/core.py", "def f(): return 1\n"),
            ("tests/test_app.py", "from pkg.core import f\n"),
            ("app.py", "x = 1\n"),
        ]);
        let files = project_files(t.path());
        let out = "Traceback (most recent call last):\n  File \"tests/test_app.py\", line 3, in test\n  File \"pkg/core.py\", line 1, in f\nAssertionError";
        let f = find_focus(t.path(), &files, "fix the failing test", Some(out), &[]);
        assert_eq!(f.targets[0].0, "pkg/core.py");
        assert_eq!(f.tests, vec!["tests/test_app.py"]);
    }
}
