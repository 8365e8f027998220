//! Commands Chamber knows by name: the read-only and inert ones (allowed
//! unless a rule says otherwise) and the ordinary test commands (run without
//! asking in auto-edit mode when sandboxed).

/// Commands that only read or print: allowed unless a rule says otherwise.
const READ_ONLY: &[&str] = &[
    "ls",
    "pwd",
    "cat",
    "head",
    "tail",
    "wc",
    "grep",
    "egrep",
    "fgrep",
    "rg",
    "ag",
    "echo",
    "true",
    "false",
    ":",
    "uniq",
    "diff",
    "cmp",
    "stat",
    "file",
    "which",
    "type",
    "test",
    "[",
    "[[",
    "printf",
    "sort",
    "sleep",
    "basename",
    "dirname",
    "realpath",
    "readlink",
    "date",
    "whoami",
    "id",
    "uname",
    "tree",
    "du",
    "df",
    "cd",
    "pushd",
    "popd",
    "cut",
    "tr",
    "nl",
    "tac",
    "jq",
    "md5sum",
    "sha1sum",
    "sha256sum",
    "hostname",
    "uptime",
    "command",
    "export",
    "unset",
    "set",
    "shift",
    "exit",
    "return",
    "wait",
    "read",
    "local",
];

/// Read-only git subcommands.
const GIT_READ_ONLY: &[&str] = &[
    "status",
    "diff",
    "log",
    "show",
    "rev-parse",
    "ls-files",
    "blame",
    "grep",
    "shortlog",
    "describe",
];

/// Does this command (wrappers removed, name as a base name) only read or print?
pub(crate) fn read_only(words: &[String]) -> bool {
    let Some(name) = words.first() else {
        return true;
    };
    if name == "git" {
        let sub = words.iter().skip(1).find(|w| !w.starts_with('-'));
        return sub.is_some_and(|s| GIT_READ_ONLY.contains(&s.as_str()))
            || (sub.is_some_and(|s| s == "branch")
                && words.len() <= 3
                && words.iter().all(|w| {
                    !w.starts_with("-d")
                        && !w.starts_with("-D")
                        && !w.starts_with("-m")
                        && !w.starts_with("-M")
                }));
    }
    if name == "find" || name == "sort" {
        return !words.iter().any(|w| {
            w == "-delete"
                || w.starts_with("-fprint")
                || w == "-fls"
                || w.starts_with("-o")
                || w.starts_with("--output")
        });
    }
    READ_ONLY.contains(&name.as_str())
}

/// Is this command (wrappers removed, name as a base name) one of the
/// ordinary ways to run a project's tests: `pytest`, `python3 -m pytest`,
/// `npm test`, `go test`, `make test`, `cargo test`, …?
pub(crate) fn test_command(words: &[String]) -> bool {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let interpreter = |name: &str| {
        name.strip_prefix("python")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    };
    match w.as_slice() {
        ["pytest" | "py.test", ..] => true,
        [py, "-m", "pytest" | "unittest", ..] => interpreter(py),
        ["npm" | "pnpm" | "yarn" | "bun", "test" | "t", ..] => true,
        ["npm" | "pnpm" | "yarn", "run", "test", ..] => true,
        ["go", "test", ..] => true,
        ["make", rest @ ..] => {
            // Targets only (options allowed); a variable override could
            // change what the recipes run.
            let targets: Vec<&&str> = rest.iter().filter(|a| !a.starts_with('-')).collect();
            !targets.is_empty()
                && targets.iter().all(|t| matches!(**t, "test" | "check"))
                && !rest.iter().any(|a| a.contains('='))
        }
        ["cargo", "test", ..] => true,
        ["cargo", "nextest", "run", ..] => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn ordinary_test_commands_are_known() {
        for cmd in [
            "pytest",
            "pytest -q tests/test_a.py",
            "python3 -m pytest -x",
            "python -m unittest",
            "python3.12 -m pytest",
            "npm test",
            "npm run test",
            "yarn test",
            "go test ./...",
            "make test",
            "make check",
            "make -j4 test",
            "cargo test -q",
            "cargo nextest run",
        ] {
            assert!(test_command(&words(cmd)), "{cmd}");
        }
        for cmd in [
            "python3 -m http.server",
            "pythonx -m pytest",
            "npm install",
            "go build",
            "make test install",
            "make",
            "make test CC=evil",
            "cargo build",
        ] {
            assert!(!test_command(&words(cmd)), "{cmd}");
        }
    }
}
