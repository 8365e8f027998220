//! Putting a small model's answer into a file without losing what it left
//! out. Asked for a whole file, small models often send only the function
//! they wrote; written as is, that deletes the rest. An answer that lacks
//! some of the file's top-level definitions is merged by symbol instead:
//! each definition it has replaces the one of the same name or is added,
//! new imports go on top, and everything else in the file stays.

use std::path::Path;

use chamber_edit::symbols::{Symbol, insert_after_symbol, list_symbols, replace_symbol};
use chamber_edit::syntax::Lang;

/// The file's new text from `answer`: the answer itself when it is a
/// whole file (it defines everything the file defined, or the language has
/// no grammar), else the file with the answer's definitions merged in.
pub fn merge_answer(path: &str, current: Option<&str>, answer: &str) -> String {
    let (Some(current), Some(lang)) = (current, Lang::from_path(Path::new(path))) else {
        return answer.to_string();
    };
    if current.trim().is_empty() {
        return answer.to_string();
    }
    let (Ok(old), Ok(new)) = (list_symbols(lang, current), list_symbols(lang, answer)) else {
        return answer.to_string();
    };
    let old_top: Vec<&Symbol> = old.iter().filter(|s| is_top(s)).collect();
    let new_top: Vec<&Symbol> = new.iter().filter(|s| is_top(s)).collect();
    let whole = old_top
        .iter()
        .all(|o| new_top.iter().any(|n| n.path == o.path));
    if whole || new_top.is_empty() {
        return answer.to_string();
    }
    merge(lang, current, answer, &old_top, &new_top).unwrap_or_else(|| answer.to_string())
}

fn is_top(s: &Symbol) -> bool {
    !s.path.contains('.') && !s.path.contains("::")
}

fn merge(
    lang: Lang,
    current: &str,
    answer: &str,
    old_top: &[&Symbol],
    new_top: &[&Symbol],
) -> Option<String> {
    let mut text = current.to_string();
    let mut last = old_top.last().map(|s| s.path.clone());
    for sym in new_top {
        let code = answer.get(sym.span.clone())?;
        if old_top.iter().any(|o| o.path == sym.path) {
            text = replace_symbol(lang, &text, &sym.path, code).ok()?.text;
        } else if let Some(anchor) = &last {
            text = insert_after_symbol(lang, &text, anchor, code).ok()?.text;
            last = Some(sym.path.clone());
        } else {
            text.push('\n');
            text.push_str(code);
            text.push('\n');
        }
    }
    Some(add_imports(&text, answer))
}

/// Import lines of `answer` that `text` lacks, added after `text`'s own
/// imports (or at its top).
fn add_imports(text: &str, answer: &str) -> String {
    let is_import = |l: &str| {
        let l = l.trim_start();
        (l.starts_with("import ") || l.starts_with("from ") || l.starts_with("use "))
            && !l.starts_with(' ')
    };
    let missing: Vec<&str> = answer
        .lines()
        .filter(|l| !l.starts_with([' ', '\t']) && is_import(l))
        .filter(|l| !text.lines().any(|t| t.trim() == l.trim()))
        .collect();
    if missing.is_empty() {
        return text.to_string();
    }
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .rposition(|l| !l.starts_with([' ', '\t']) && is_import(l))
        .map_or(0, |i| i + 1);
    let mut out: Vec<&str> = Vec::new();
    out.extend(&lines[..at]);
    out.extend(&missing);
    if at == 0 {
        out.push("");
    }
    out.extend(&lines[at..]);
    let mut joined = out.join("\n");
    if text.ends_with('\n') {
        joined.push('\n');
    }
    joined
}

/// Names the task asks for as calls (`greet(name)`, `is_prime(n)`) that no
/// file among `texts` defines, for a precise complaint to the model.
pub fn missing_definitions(task: &str, path: &str, text: &str) -> Vec<String> {
    let Some(lang) = Lang::from_path(Path::new(path)) else {
        return Vec::new();
    };
    let Ok(symbols) = list_symbols(lang, text) else {
        return Vec::new();
    };
    let mut wanted: Vec<String> = Vec::new();
    let bytes: Vec<char> = task.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_alphabetic() || bytes[i] == '_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_alphanumeric() || bytes[i] == '_') {
                i += 1;
            }
            let name: String = bytes[start..i].iter().collect();
            let preceded_by_dot = start > 0 && bytes[start - 1] == '.';
            if i < bytes.len() && bytes[i] == '(' && !preceded_by_dot && !wanted.contains(&name) {
                wanted.push(name);
            }
        } else {
            i += 1;
        }
    }
    wanted
        .into_iter()
        .filter(|w| !symbols.iter().any(|s| &s.name == w))
        .filter(|w| {
            !matches!(
                w.as_str(),
                "print" | "len" | "range" | "str" | "int" | "main"
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_answer_is_added_to_the_file() {
        let current = "import math\n\n\ndef add(a, b):\n    return a + b\n";
        let answer = "import sys\n\ndef greet(name):\n    return f\"Hello, {name}!\"\n\nif __name__ == \"__main__\":\n    unittest.main()\n";
        let merged = merge_answer("calc.py", Some(current), answer);
        assert!(merged.contains("def add(a, b)"), "{merged}");
        assert!(merged.contains("def greet(name)"), "{merged}");
        assert!(merged.contains("import sys"), "{merged}");
        assert!(!merged.contains("unittest.main"), "{merged}");
    }

    #[test]
    fn a_whole_answer_replaces_the_file() {
        let current = "def leap_year(year):\n    pass\n";
        let answer = "def leap_year(year):\n    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)\n";
        assert_eq!(merge_answer("leap.py", Some(current), answer), answer);
    }

    #[test]
    fn a_changed_function_replaces_its_old_version() {
        let current = "def a():\n    return 1\n\n\ndef b():\n    return 2\n";
        let answer = "def b():\n    return 3\n";
        let merged = merge_answer("m.py", Some(current), answer);
        assert!(
            merged.contains("return 1")
                && merged.contains("return 3")
                && !merged.contains("return 2"),
            "{merged}"
        );
    }

    #[test]
    fn names_the_task_calls_for_must_be_defined() {
        let task = "Add a function greet(name) to calc.py. Use os.path.join(a) if needed.";
        assert_eq!(
            missing_definitions(task, "calc.py", "def add(a, b):\n    return a + b\n"),
            vec!["greet"]
        );
        assert!(
            missing_definitions(task, "calc.py", "def greet(name):\n    return name\n").is_empty()
        );
    }
}
