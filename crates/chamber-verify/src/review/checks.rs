//! The static checks, each a pure function of the parsed diff.

use std::sync::LazyLock;

use regex::Regex;

use super::glob::path_matches;
use super::secrets::find_secrets;
use super::{FileDiff, Finding, ReviewOptions, Severity};

/// Warns when the change is larger than the configured thresholds.
pub fn check_size(files: &[FileDiff], options: &ReviewOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    let n = files.len() as u32;
    if options.max_files > 0 && n > options.max_files {
        out.push(Finding::new(
            Severity::Warning,
            "size",
            "",
            None,
            format!(
                "{n} files changed (more than {}); consider splitting the change",
                options.max_files
            ),
        ));
    }
    let added: u32 = files.iter().map(|f| f.added.len() as u32).sum();
    let removed: u32 = files.iter().map(|f| f.removed).sum();
    if options.max_lines > 0 && added + removed > options.max_lines {
        out.push(Finding::new(
            Severity::Warning,
            "size",
            "",
            None,
            format!(
                "{} lines changed (+{added} −{removed}; more than {}); consider splitting the change",
                added + removed,
                options.max_lines
            ),
        ));
    }
    out
}

/// Errors for secrets in added lines; messages carry masked values only.
pub fn check_secrets(files: &[FileDiff]) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in files {
        for (line, text) in &file.added {
            for hit in find_secrets(text) {
                out.push(Finding::new(
                    Severity::Error,
                    "secrets",
                    &file.path,
                    Some(*line),
                    format!(
                        "possible {} ({}); remove it and rotate the credential",
                        hit.kind, hit.masked
                    ),
                ));
            }
        }
    }
    out
}

/// Warns for each changed file matching a protected pattern.
pub fn check_protected(files: &[FileDiff], patterns: &[String]) -> Vec<Finding> {
    files
        .iter()
        .filter_map(|file| {
            let pattern = patterns.iter().find(|p| path_matches(p, &file.path))?;
            let what = if file.is_deleted {
                "deleted"
            } else if file.is_new {
                "added"
            } else {
                "changed"
            };
            Some(Finding::new(
                Severity::Warning,
                "protected-path",
                &file.path,
                None,
                format!("protected path {what} (matches `{pattern}`); make sure this is intended"),
            ))
        })
        .collect()
}

/// Debug leftovers for one kind of file: (pattern, what it is).
type Leftovers = &'static [(&'static str, &'static str)];

const RUST: Leftovers = &[(r"\bdbg!\s*\(", "`dbg!` call")];
const PYTHON: Leftovers = &[
    (r"\bbreakpoint\(\s*\)", "`breakpoint()` call"),
    (r"\bimport\s+i?pdb\b|\bi?pdb\.set_trace\(", "pdb debugger"),
    (r"^\s*print\(", "`print(` call (debug output?)"),
];
const JS: Leftovers = &[
    (r"\bconsole\.(log|debug|trace)\s*\(", "`console.log` call"),
    (r"^\s*debugger\s*;?\s*$", "`debugger` statement"),
];
const GO: Leftovers = &[(r"\bspew\.Dump\(", "`spew.Dump` call")];
const RUBY: Leftovers = &[(r"\bbinding\.(pry|irb)\b|\bbyebug\b", "debugger call")];

fn leftovers_for(path: &str) -> Leftovers {
    match extension(path) {
        "rs" => RUST,
        "py" => PYTHON,
        "js" | "jsx" | "ts" | "tsx" | "mjs" | "cjs" | "vue" | "svelte" => JS,
        "go" => GO,
        "rb" => RUBY,
        _ => &[],
    }
}

static COMPILED: LazyLock<Vec<(&'static str, Regex, &'static str)>> = LazyLock::new(|| {
    [RUST, PYTHON, JS, GO, RUBY]
        .iter()
        .flat_map(|set| set.iter())
        .filter_map(|(re, what)| Regex::new(re).ok().map(|r| (*re, r, *what)))
        .collect()
});

static TODO_RE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\b(TODO|FIXME|XXX|HACK)\b|\btodo!\s*\(").ok());

/// Warnings for debugging leftovers and notes for TODO/FIXME markers in
/// added lines.
pub fn check_debug_leftovers(files: &[FileDiff]) -> Vec<Finding> {
    let mut out = Vec::new();
    for file in files {
        let set = leftovers_for(&file.path);
        for (line, text) in &file.added {
            for (pattern, what) in set {
                let hit = COMPILED
                    .iter()
                    .find(|(p, _, _)| p == pattern)
                    .is_some_and(|(_, re, _)| re.is_match(text));
                if hit {
                    out.push(Finding::new(
                        Severity::Warning,
                        "debug",
                        &file.path,
                        Some(*line),
                        format!("{what} left in; remove it before merging"),
                    ));
                }
            }
            if let Some(m) = TODO_RE.as_ref().and_then(|re| re.find(text)) {
                out.push(Finding::new(
                    Severity::Info,
                    "todo",
                    &file.path,
                    Some(*line),
                    format!("`{}` marker added: {}", m.as_str(), excerpt(text)),
                ));
            }
        }
    }
    out
}

/// Warns for each added or changed source file when the change touches no
/// test (a test file, or a Rust `#[test]` added inline).
pub fn check_tests(files: &[FileDiff]) -> Vec<Finding> {
    let touches_tests = files.iter().any(|f| {
        is_test_path(&f.path)
            || (extension(&f.path) == "rs"
                && f.added
                    .iter()
                    .any(|(_, t)| t.contains("#[test]") || t.contains("#[cfg(test)]")))
    });
    if touches_tests {
        return Vec::new();
    }
    files
        .iter()
        .filter(|f| !f.is_deleted && !f.added.is_empty() && is_source_path(&f.path))
        .map(|f| {
            let what = if f.is_new { "new" } else { "changed" };
            Finding::new(
                Severity::Warning,
                "tests",
                &f.path,
                None,
                format!("{what} code without any test change; add or update a test"),
            )
        })
        .collect()
}

fn extension(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or("", |(_, e)| e)
}

fn is_source_path(path: &str) -> bool {
    const CODE: &[&str] = &[
        "rs", "py", "js", "jsx", "ts", "tsx", "mjs", "cjs", "go", "java", "kt", "rb", "c", "cc",
        "cpp", "h", "hpp", "cs", "swift", "php", "scala",
    ];
    CODE.contains(&extension(path)) && !is_test_path(path)
}

/// Whether a path is a test by the usual conventions of the languages.
pub fn is_test_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let dirs = &lower[..lower.len() - name.len()];
    let in_test_dir = dirs
        .split('/')
        .any(|d| matches!(d, "test" | "tests" | "__tests__" | "spec" | "testdata"));
    let stem = name.split('.').next().unwrap_or(name);
    in_test_dir
        || stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_tests")
        || stem.ends_with("_spec")
        || name.contains(".test.")
        || name.contains(".spec.")
        || (name.starts_with("test") && name.ends_with(".java"))
        || name.ends_with("test.java")
        || name.ends_with("tests.cs")
}

/// The line trimmed and cut to 80 characters.
fn excerpt(text: &str) -> String {
    let t = text.trim();
    if t.chars().count() <= 80 {
        t.to_string()
    } else {
        let cut: String = t.chars().take(80).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::parse_diff;

    fn file(path: &str, lines: &[&str]) -> FileDiff {
        FileDiff {
            path: path.into(),
            added: lines
                .iter()
                .enumerate()
                .map(|(i, l)| (i as u32 + 1, l.to_string()))
                .collect(),
            hunks: vec![(1, lines.len() as u32)],
            ..FileDiff::default()
        }
    }

    fn checks(findings: &[Finding]) -> Vec<(&str, Option<u32>)> {
        findings
            .iter()
            .map(|f| (f.check.as_str(), f.line))
            .collect()
    }

    #[test]
    fn size_thresholds() {
        let files: Vec<FileDiff> = (0..3)
            .map(|i| file(&format!("f{i}.txt"), &["a"; 5]))
            .collect();
        let mut o = ReviewOptions {
            max_files: 2,
            max_lines: 100,
            ..ReviewOptions::default()
        };
        let f = check_size(&files, &o);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.starts_with("3 files changed"),
            "{}",
            f[0].message
        );
        o.max_files = 0;
        o.max_lines = 10;
        let f = check_size(&files, &o);
        assert!(
            f[0].message.starts_with("15 lines changed"),
            "{}",
            f[0].message
        );
        o.max_lines = 15;
        assert!(check_size(&files, &o).is_empty());
    }

    #[test]
    fn secrets_are_errors_and_masked() {
        let key = "ghp_abcdefghijklmnopqrstuvwxyz0123456789AB";
        let f = check_secrets(&[file("cfg.yml", &["ok: 1", &format!("token: {key}")])]);
        assert_eq!(checks(&f), [("secrets", Some(2))]);
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].message.contains("GitHub token"), "{}", f[0].message);
        assert!(!f[0].message.contains(&key[4..]), "{}", f[0].message);
    }

    #[test]
    fn protected_paths_warn() {
        let defaults = ReviewOptions::default().protected_paths;
        let files = [
            file(".github/workflows/ci.yml", &["on: push"]),
            file("Cargo.lock", &["x"]),
            file("config/.env", &["A=1"]),
            file("src/main.rs", &["fn main() {}"]),
        ];
        let f = check_protected(&files, &defaults);
        let paths: Vec<&str> = f.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(
            paths,
            [".github/workflows/ci.yml", "Cargo.lock", "config/.env"]
        );
        assert!(f[1].message.contains("`*.lock`"), "{}", f[1].message);
        assert!(check_protected(&files, &["docs/".into()]).is_empty());
    }

    #[test]
    fn debug_leftovers_and_todos() {
        let files = [
            file(
                "src/lib.rs",
                &["let x = dbg!(y);", "// TODO: handle errors", "todo!()"],
            ),
            file(
                "app.py",
                &["import pdb; pdb.set_trace()", "print(x)", "log.info(x)"],
            ),
            file("web/a.ts", &["console.log(state);", "  debugger;"]),
            file("notes.md", &["dbg!(x) in prose is fine", "XXX"]),
        ];
        let f = check_debug_leftovers(&files);
        assert_eq!(
            checks(&f),
            [
                ("debug", Some(1)),
                ("todo", Some(2)),
                ("todo", Some(3)),
                ("debug", Some(1)),
                ("debug", Some(2)),
                ("debug", Some(1)),
                ("debug", Some(2)),
                ("todo", Some(2)),
            ]
        );
        assert_eq!(f[1].severity, Severity::Info);
        assert!(
            f[1].message.contains("TODO: handle errors"),
            "{}",
            f[1].message
        );
    }

    #[test]
    fn missing_tests() {
        let src = file("src/calc.py", &["def add(a, b):", "    return a + b"]);
        let f = check_tests(std::slice::from_ref(&src));
        assert_eq!(checks(&f), [("tests", None)]);
        assert_eq!(f[0].file, "src/calc.py");
        // A test file anywhere in the change satisfies it.
        let test = file("tests/test_calc.py", &["def test_add(): pass"]);
        assert!(check_tests(&[src.clone(), test]).is_empty());
        // Inline Rust tests count; docs alone need none.
        let rs = file("src/lib.rs", &["#[cfg(test)]", "mod tests {}"]);
        assert!(check_tests(&[rs]).is_empty());
        assert!(check_tests(&[file("README.md", &["hi"])]).is_empty());
        // Deletions need no tests.
        let d = parse_diff("--- a/x.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n");
        assert!(check_tests(&d).is_empty());
    }

    #[test]
    fn test_paths() {
        for p in [
            "tests/a.rs",
            "pkg/test_x.py",
            "x_test.go",
            "src/a.test.ts",
            "src/__tests__/a.js",
            "spec/foo_spec.rb",
        ] {
            assert!(is_test_path(p), "{p}");
        }
        for p in ["src/lib.rs", "src/contest.py", "latest.go"] {
            assert!(!is_test_path(p), "{p}");
        }
    }
}
