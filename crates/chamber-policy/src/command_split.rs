/// Splits a shell command line into the simple commands a shell would run,
/// so each is judged alone: `a && b`, `a | b`, `a; b`, `$(b)`, backticks,
/// subshells, and the `sudo`/`env`/`xargs`/`sh -c` wrappers all expose their
/// inner commands. Leading `VAR=value` assignments are dropped.
///
/// Returns `None` when the line cannot be parsed (an unclosed quote), which
/// callers treat as "ask".
pub fn split_commands(line: &str) -> Option<Vec<Vec<String>>> {
    let mut out = Vec::new();
    split_into(line, &mut out, 0)?;
    Some(out)
}

fn split_into(line: &str, out: &mut Vec<Vec<String>>, depth: usize) -> Option<()> {
    if depth > 8 {
        return None;
    }
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let flush_word = |words: &mut Vec<String>, cur: &mut String, in_word: &mut bool| {
        if *in_word {
            words.push(std::mem::take(cur));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cur.push(chars.next()?);
                in_word = true;
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        ch => cur.push(ch),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => cur.push(chars.next()?),
                        '$' if chars.peek() == Some(&'(') => {
                            chars.next();
                            let inner = take_balanced(&mut chars)?;
                            split_into(&inner, out, depth + 1)?;
                        }
                        '`' => {
                            let inner: String =
                                chars.by_ref().take_while(|&ch| ch != '`').collect();
                            split_into(&inner, out, depth + 1)?;
                        }
                        ch => cur.push(ch),
                    }
                }
            }
            '$' if chars.peek() == Some(&'(') => {
                chars.next();
                let inner = take_balanced(&mut chars)?;
                split_into(&inner, out, depth + 1)?;
            }
            '`' => {
                let mut inner = String::new();
                loop {
                    match chars.next()? {
                        '`' => break,
                        ch => inner.push(ch),
                    }
                }
                split_into(&inner, out, depth + 1)?;
            }
            '$' if chars.peek() == Some(&'{') => {
                cur.push('$');
                for ch in chars.by_ref() {
                    cur.push(ch);
                    if ch == '}' {
                        break;
                    }
                }
                in_word = true;
            }
            ')' | '}' => {
                flush_word(&mut words, &mut cur, &mut in_word);
                finish(&mut words, out, depth)?;
            }
            '(' | '{' if !in_word => {
                flush_word(&mut words, &mut cur, &mut in_word);
                finish(&mut words, out, depth)?;
            }
            ';' | '&' | '|' | '\n' => {
                flush_word(&mut words, &mut cur, &mut in_word);
                finish(&mut words, out, depth)?;
            }
            c if c.is_whitespace() => flush_word(&mut words, &mut cur, &mut in_word),
            c => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    flush_word(&mut words, &mut cur, &mut in_word);
    finish(&mut words, out, depth)
}

fn take_balanced(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String> {
    let mut depth = 1;
    let mut inner = String::new();
    loop {
        let c = chars.next()?;
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(inner);
                }
            }
            _ => {}
        }
        inner.push(c);
    }
}

/// Strips assignments and wrappers, then records the simple command.
fn finish(words: &mut Vec<String>, out: &mut Vec<Vec<String>>, depth: usize) -> Option<()> {
    let mut w: Vec<String> = std::mem::take(words);
    loop {
        while w.first().is_some_and(|f| is_assignment(f)) {
            w.remove(0);
        }
        let Some(first) = w.first().map(|s| basename(s).to_string()) else {
            return Some(());
        };
        match first.as_str() {
            "sudo" | "doas" | "nohup" | "time" | "nice" | "exec" | "command" | "builtin" => {
                w.remove(0);
                while w.first().is_some_and(|f| f.starts_with('-')) {
                    w.remove(0);
                }
            }
            "env" => {
                w.remove(0);
                while w
                    .first()
                    .is_some_and(|f| f.starts_with('-') || is_assignment(f))
                {
                    w.remove(0);
                }
            }
            "xargs" => {
                w.remove(0);
                while w.first().is_some_and(|f| f.starts_with('-')) {
                    w.remove(0);
                }
            }
            "sh" | "bash" | "zsh" | "dash" if w.get(1).is_some_and(|a| a == "-c") => {
                let script = w.get(2).cloned().unwrap_or_default();
                return split_into(&script, out, depth + 1);
            }
            _ => break,
        }
    }
    out.push(w);
    Some(())
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
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
        assert_eq!(joined("a | b; c || d"), ["a", "b", "c", "d"]);
        assert_eq!(joined("echo $(rm -rf ~)"), ["rm -rf ~", "echo"]);
        assert_eq!(joined("echo `whoami`"), ["whoami", "echo"]);
        assert_eq!(joined("(cd x && make)"), ["cd x", "make"]);
    }

    #[test]
    fn unwraps_wrappers_and_assignments() {
        assert_eq!(joined("FOO=1 sudo -E rm -rf /"), ["rm -rf /"]);
        assert_eq!(joined("env A=b python x.py"), ["python x.py"]);
        assert_eq!(joined("bash -c 'ls; reboot'"), ["ls", "reboot"]);
        assert_eq!(joined("find . | xargs -0 rm"), ["find .", "rm"]);
    }

    #[test]
    fn quotes_keep_operators_literal() {
        assert_eq!(joined("echo 'a && b'"), ["echo a && b"]);
        assert!(split_commands("echo 'unclosed").is_none());
    }
}
