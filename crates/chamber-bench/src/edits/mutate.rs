//! Real-looking changes to real code: a block of 3-20 lines inside a
//! function body is changed the way an agent would change it (a modified
//! line, inserted lines, deleted lines, a local renamed throughout the
//! block, or a combination).

use fastrand::Rng;

use super::bodies::{bodies, indent_of};
use super::diff::lines_of;

/// The language of a source file, which decides how function bodies are
/// found and what inserted lines look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Rust: `fn` items with brace-delimited bodies.
    Rust,
    /// Python: `def` with indented bodies.
    Python,
}

impl Lang {
    /// The language of `path`, by extension.
    pub fn of(path: &str) -> Option<Lang> {
        if path.ends_with(".rs") {
            Some(Lang::Rust)
        } else if path.ends_with(".py") {
            Some(Lang::Python)
        } else {
            None
        }
    }

    fn comment(self) -> &'static str {
        match self {
            Lang::Rust => "//",
            Lang::Python => "#",
        }
    }

    fn keywords(self) -> &'static [&'static str] {
        match self {
            Lang::Rust => &[
                "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else",
                "enum", "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod",
                "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super",
                "trait", "true", "type", "unsafe", "use", "where", "while", "Some", "None", "Ok",
                "Err", "Self", "str", "u8", "usize", "i32", "u32", "u64", "bool", "String",
            ],
            Lang::Python => &[
                "and",
                "as",
                "assert",
                "async",
                "await",
                "break",
                "class",
                "continue",
                "def",
                "del",
                "elif",
                "else",
                "except",
                "finally",
                "for",
                "from",
                "global",
                "if",
                "import",
                "in",
                "is",
                "lambda",
                "nonlocal",
                "not",
                "or",
                "pass",
                "raise",
                "return",
                "try",
                "while",
                "with",
                "yield",
                "None",
                "True",
                "False",
                "self",
                "cls",
                "len",
                "str",
                "int",
                "isinstance",
            ],
        }
    }
}

/// A change made to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mutation {
    /// The file after the change.
    pub after: String,
    /// What was done, e.g. `rename+insert`.
    pub kind: String,
}

/// Changes one block inside a function body of `text`; `None` when the
/// file has no body long enough or the change came out empty.
pub fn mutate(text: &str, lang: Lang, rng: &mut Rng) -> Option<Mutation> {
    let lines = lines_of(text);
    let bodies = bodies(&lines, lang);
    if bodies.is_empty() {
        return None;
    }
    for _ in 0..8 {
        let (start, end) = bodies[rng.usize(..bodies.len())];
        let len = rng.usize(3..=(end - start).min(20));
        let at = rng.usize(start..=end - len);
        let old: Vec<String> = lines[at..at + len]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let plan: &[Op] = match rng.usize(..8) {
            0 | 1 => &[Op::Modify],
            2 => &[Op::Insert],
            3 => &[Op::Delete],
            4 | 5 => &[Op::Rename],
            6 => &[Op::Rename, Op::Insert],
            _ => &[Op::Modify, Op::Insert],
        };
        let mut block = old.clone();
        let mut done = Vec::new();
        for op in plan {
            if let Some(name) = apply(*op, &mut block, lang, rng) {
                done.push(name);
            }
        }
        if block == old || done.is_empty() {
            continue;
        }
        let mut out: Vec<String> = lines[..at].iter().map(|s| (*s).to_owned()).collect();
        out.extend(block);
        out.extend(lines[at + len..].iter().map(|s| (*s).to_owned()));
        let mut after = out.join("\n");
        after.push('\n');
        return Some(Mutation {
            after,
            kind: done.join("+"),
        });
    }
    None
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Modify,
    Insert,
    Delete,
    Rename,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Modify => "modify",
            Op::Insert => "insert",
            Op::Delete => "delete",
            Op::Rename => "rename",
        }
    }
}

/// Applies `op` (a rename without a repeated local falls back to a
/// modified line); the name of what was done, if anything.
fn apply(op: Op, block: &mut Vec<String>, lang: Lang, rng: &mut Rng) -> Option<&'static str> {
    let done = match op {
        Op::Modify => modify(block, lang, rng),
        Op::Insert => insert(block, lang, rng),
        Op::Delete => delete(block, rng),
        Op::Rename if rename(block, lang, rng) => true,
        Op::Rename => return modify(block, lang, rng).then_some(Op::Modify.name()),
    };
    done.then_some(op.name())
}

/// The identifiers of `line` with their byte offsets.
fn identifiers(line: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push((start, &line[start..i]));
        } else if c.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

fn is_local(name: &str, lang: Lang) -> bool {
    name.len() >= 2
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && !lang.keywords().contains(&name)
}

/// Replaces every whole-word `old` in `line` by `new`.
pub fn replace_word(line: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut last = 0;
    for (at, word) in identifiers(line) {
        if word == old {
            out.push_str(&line[last..at]);
            out.push_str(new);
            last = at + word.len();
        }
    }
    out.push_str(&line[last..]);
    out
}

fn modify(block: &mut [String], lang: Lang, rng: &mut Rng) -> bool {
    let candidates: Vec<usize> = (0..block.len())
        .filter(|&i| {
            identifiers(&block[i])
                .iter()
                .any(|(_, w)| is_local(w, lang))
        })
        .collect();
    let Some(&i) = candidates.get(rng.usize(..candidates.len().max(1))) else {
        return false;
    };
    let line = &block[i];
    let locals: Vec<&str> = identifiers(line)
        .into_iter()
        .map(|(_, w)| w)
        .filter(|w| is_local(w, lang))
        .collect();
    let new = match rng.usize(..3) {
        0 if line.bytes().any(|b| b.is_ascii_digit()) => bump_number(line),
        1 => {
            let word = locals[rng.usize(..locals.len())];
            replace_word(line, word, &format!("{word}_checked"))
        }
        _ => format!(
            "{}  {} keep in sync with the caller",
            line.trim_end(),
            lang.comment()
        ),
    };
    block[i] = new;
    true
}

/// `line` with its first number incremented.
fn bump_number(line: &str) -> String {
    let Some(start) = line.find(|c: char| c.is_ascii_digit()) else {
        return line.to_owned();
    };
    let end = line[start..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(line.len(), |n| start + n);
    let value: u64 = line[start..end].parse().unwrap_or(0);
    format!(
        "{}{}{}",
        &line[..start],
        value.saturating_add(1),
        &line[end..]
    )
}

fn insert(block: &mut Vec<String>, lang: Lang, rng: &mut Rng) -> bool {
    let at = rng.usize(..=block.len());
    let reference = block[at.min(block.len() - 1)..]
        .iter()
        .chain(block[..at.min(block.len())].iter().rev())
        .find(|l| !l.trim().is_empty());
    let Some(reference) = reference else {
        return false;
    };
    let indent = reference[..indent_of(reference)].to_owned();
    let local = block
        .iter()
        .flat_map(|l| {
            identifiers(l)
                .into_iter()
                .map(|(_, w)| w.to_owned())
                .collect::<Vec<_>>()
        })
        .find(|w| is_local(w, lang))
        .unwrap_or_else(|| "value".to_owned());
    let count = rng.usize(1..=5);
    let new: Vec<String> = (0..count)
        .map(|k| {
            let body = match (lang, rng.usize(..4)) {
                (Lang::Rust, 0) => format!("let checked_{k} = {local}.len();"),
                (Lang::Rust, 1) => format!("debug_assert!(checked_{k} <= {local}.len());"),
                (Lang::Rust, 2) => format!("tracing::trace!(step = {k}, \"{local} ready\");"),
                (Lang::Python, 0) => format!("checked_{k} = len({local})"),
                (Lang::Python, 1) => format!("assert checked_{k} <= len({local})"),
                (Lang::Python, 2) => format!("logger.debug(\"step %d: {local} ready\", {k})"),
                (_, _) => format!("{} step {k}: keep {local} stable", lang.comment()),
            };
            format!("{indent}{body}")
        })
        .collect();
    block.splice(at..at, new);
    true
}

fn delete(block: &mut Vec<String>, rng: &mut Rng) -> bool {
    let candidates: Vec<usize> = (0..block.len())
        .filter(|&i| !block[i].trim().is_empty())
        .collect();
    if candidates.len() < 2 {
        return false;
    }
    let at = candidates[rng.usize(..candidates.len())];
    let n = rng.usize(1..=3).min(block.len() - at).min(block.len() - 1);
    block.drain(at..at + n.max(1));
    true
}

fn rename(block: &mut [String], lang: Lang, rng: &mut Rng) -> bool {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for line in block.iter() {
        for (_, word) in identifiers(line) {
            if !is_local(word, lang) {
                continue;
            }
            match counts.iter_mut().find(|(w, _)| w == word) {
                Some((_, n)) => *n += 1,
                None => counts.push((word.to_owned(), 1)),
            }
        }
    }
    let repeated: Vec<&String> = counts
        .iter()
        .filter(|(_, n)| *n >= 2)
        .map(|(w, _)| w)
        .collect();
    let Some(old) = repeated.get(rng.usize(..repeated.len().max(1))) else {
        return false;
    };
    let suffix = ["next", "tmp", "val", "item"][rng.usize(..4)];
    let new = format!("{old}_{suffix}");
    let old = (*old).clone();
    for line in block.iter_mut() {
        *line = replace_word(line, &old, &new);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUST: &str = "fn f(x: &[u8]) -> usize {\n    let total = x.len();\n    let mut sum = 0;\n    for b in x {\n        sum += *b as usize;\n    }\n    sum + total + 10\n}\n";

    #[test]
    fn finds_bodies_and_mutates_deterministically() {
        let lines = lines_of(RUST);
        assert_eq!(bodies(&lines, Lang::Rust), [(1, 7)]);
        let a = mutate(RUST, Lang::Rust, &mut Rng::with_seed(7));
        let b = mutate(RUST, Lang::Rust, &mut Rng::with_seed(7));
        assert_eq!(a, b);
        let m = a.unwrap_or_else(|| panic!("no mutation"));
        assert_ne!(m.after, RUST);
    }

    #[test]
    fn python_bodies_and_words() {
        let py =
            "def f(a):\n    b = a\n    c = b + 1\n    d = c\n    e = d\n    return e\n\nx = 1\n";
        assert_eq!(bodies(&lines_of(py), Lang::Python), [(1, 6)]);
        assert_eq!(replace_word("b = b_b + b", "b", "z"), "z = b_b + z");
        assert_eq!(bump_number("x = 41;"), "x = 42;");
    }
}
