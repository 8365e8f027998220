//! The simple commands of a line as word lists (kept for callers that only
//! need the words; the policy itself works on [`crate::command::Script`]).

use crate::command::{RedirOp, Redirect, is_assignment, parse_script};

/// Splits a shell command line into the simple commands a shell would run,
/// in the order it meets them (a substitution before the command using it).
/// Assignments before the command name are dropped; redirection targets
/// (`< .env`, `> out`) follow the words. Wrappers are not stripped here;
/// [`crate::Policy::check_command`] does that.
///
/// Returns `None` when the line cannot be parsed (an unclosed quote), which
/// callers treat as "ask".
pub fn split_commands(line: &str) -> Option<Vec<Vec<String>>> {
    let script = parse_script(line).ok()?;
    Some(
        script
            .commands
            .iter()
            .map(|c| {
                c.words
                    .iter()
                    .skip_while(|w| is_assignment(&w.text))
                    .chain(
                        c.redirects
                            .iter()
                            .filter(|r| names_file(r))
                            .map(|r| &r.target),
                    )
                    .map(|w| w.text.clone())
                    .collect()
            })
            .collect(),
    )
}

/// A redirection whose target is a file (not a here-document delimiter or a
/// descriptor).
fn names_file(r: &Redirect) -> bool {
    match r.op {
        RedirOp::HereDoc | RedirOp::HereString => false,
        RedirOp::Dup => r.writes_file(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(line: &str) -> Vec<String> {
        split_commands(line)
            .unwrap()
            .into_iter()
            .map(|c| c.join(" "))
            .collect()
    }

    #[test]
    fn splits_operators_and_substitutions() {
        assert_eq!(
            joined("ls -la && rm -rf /tmp/x"),
            ["ls -la", "rm -rf /tmp/x"]
        );
        assert_eq!(joined("a | b; c || d & e"), ["a", "b", "c", "d", "e"]);
        assert_eq!(joined("echo $(rm -rf ~)"), ["rm -rf ~", "echo $(…)"]);
        assert_eq!(joined("echo `whoami`"), ["whoami", "echo $(…)"]);
        assert_eq!(joined("(cd x && make)"), ["cd x", "make"]);
        assert_eq!(joined("{ a; b; } > out"), ["a", "b", "out"]);
        assert_eq!(joined("grep KEY < .env 2>&1"), ["grep KEY .env"]);
        assert_eq!(
            joined("diff <(ls a) <(ls b)"),
            ["ls a", "ls b", "diff /dev/fd/63 /dev/fd/63"]
        );
    }

    #[test]
    fn quotes_escapes_and_ifs_are_resolved() {
        assert_eq!(joined("r\"m\" -rf 'a b'"), ["rm -rf a b"]);
        assert_eq!(joined("\\rm x"), ["rm x"]);
        assert_eq!(joined("rm${IFS}-rf$IFS/"), ["rm -rf /"]);
        assert_eq!(joined("$'\\x72\\x6d' -rf /"), ["rm -rf /"]);
        assert_eq!(joined("{rm,-rf,/}"), ["rm -rf /"]);
        assert_eq!(joined("FOO=1 make"), ["make"]);
        assert_eq!(joined("echo 'a && b' # comment"), ["echo a && b"]);
    }

    #[test]
    fn unparseable_lines_are_none() {
        for line in [
            "echo 'unclosed",
            "(ls",
            "ls )",
            "cat <<EOF\nno end",
            "echo \"x",
            "case x in a) ls;; esac",
        ] {
            assert!(split_commands(line).is_none(), "{line}");
        }
    }

    #[test]
    fn heredocs_and_functions_are_followed() {
        assert_eq!(
            joined("cat <<EOF\n$(reboot)\nEOF\necho done"),
            ["reboot", "cat", "echo done"]
        );
        assert_eq!(joined("cat <<'EOF'\n$(reboot)\nEOF"), ["cat"]);
        assert_eq!(joined("f() { ls; }; f"), ["ls", "f"]);
        assert_eq!(joined("if true; then ls; fi"), ["true", "ls"]);
        assert_eq!(joined("for x in a b; do echo $x; done"), ["echo $x"]);
    }
}
