//! Commit messages: the run's squash message, a step's message for
//! per-step commits, and shaping any subject and body to git conventions
//! (subject of at most 72 characters, a blank line, a body wrapped at 72).

use chamber_protocol::Plan;

/// Longest subject line, in characters.
pub const SUBJECT_MAX: usize = 72;

/// The run's squash commit message: the plan title, then what changed and why.
pub(crate) fn run_message(
    plan: &Plan,
    summaries: &[(String, String)],
    files: &[String],
    run_id: &str,
) -> String {
    let mut subject = trim_subject(&plan.title);
    if subject.is_empty() {
        subject = "Chamber run".into();
    }
    let mut body = String::from("Steps:\n");
    for (title, summary) in summaries {
        let first_line = summary.lines().next().unwrap_or_default();
        body.push_str(&format!(
            "- {title}: {}\n",
            first_line.chars().take(200).collect::<String>()
        ));
    }
    push_files(&mut body, files);
    format!("{subject}\n\n{body}\nChamber-Run: {run_id}\n")
}

/// One step's commit message for `commit_mode = "per_step"`: the step
/// title as subject, its summary and files as body.
pub(crate) fn step_message(title: &str, summary: &str, files: &[String], run_id: &str) -> String {
    let mut subject = trim_subject(title);
    if subject.is_empty() {
        subject = "Chamber step".into();
    }
    let mut body = wrap(summary.trim(), SUBJECT_MAX);
    if !body.is_empty() {
        body.push('\n');
    }
    push_files(&mut body, files);
    format!(
        "{subject}\n\n{}\n\nChamber-Run: {run_id}\n",
        body.trim_end()
    )
}

fn push_files(body: &mut String, files: &[String]) {
    if !files.is_empty() {
        body.push_str("\nFiles changed:\n");
        for f in files {
            body.push_str(&format!("- {f}\n"));
        }
    }
}

/// A message from a subject and a body: the subject on one line of at most
/// [`SUBJECT_MAX`] characters (cut at a word boundary), a blank line, and
/// the body wrapped at 72 columns (omitted when empty).
pub fn shape_message(subject: &str, body: &str) -> String {
    let subject = trim_subject(subject);
    let body = wrap(body.trim(), SUBJECT_MAX);
    if body.is_empty() {
        format!("{subject}\n")
    } else {
        format!("{subject}\n\n{body}\n")
    }
}

/// The first line of `text`, whitespace-collapsed, cut to at most
/// [`SUBJECT_MAX`] characters at a word boundary (mid-word only when one
/// word is longer than that), without a trailing period.
pub fn trim_subject(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut out = String::new();
    for w in words {
        let extra = if out.is_empty() { 0 } else { 1 };
        if out.chars().count() + extra + w.chars().count() > SUBJECT_MAX {
            if out.is_empty() {
                out = w.chars().take(SUBJECT_MAX).collect();
            }
            break;
        }
        if extra == 1 {
            out.push(' ');
        }
        out.push_str(w);
    }
    out.trim_end_matches('.').to_string()
}

/// Wraps each paragraph of `text` at `width` columns; lines that start like
/// list items keep their own line, and blank lines separate paragraphs.
pub fn wrap(text: &str, width: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, lines: &mut Vec<String>| {
        if !current.is_empty() {
            lines.push(std::mem::take(current));
        }
    };
    for raw in text.lines() {
        let line = raw.trim_end();
        if line.trim().is_empty() {
            flush(&mut current, &mut lines);
            if lines.last().is_some_and(|l| !l.is_empty()) {
                lines.push(String::new());
            }
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with("- ") || trimmed.starts_with("* ") {
            flush(&mut current, &mut lines);
        }
        for word in line.split_whitespace() {
            let extra = usize::from(!current.is_empty());
            if !current.is_empty() && current.chars().count() + extra + word.chars().count() > width
            {
                flush(&mut current, &mut lines);
                if trimmed.starts_with("- ") || trimmed.starts_with("* ") {
                    current.push_str("  ");
                }
            }
            if !current.is_empty() && !current.ends_with("  ") {
                current.push(' ');
            }
            current.push_str(word);
        }
    }
    flush(&mut current, &mut lines);
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_cut_at_a_word_boundary() {
        let long = "Make the parser accept trailing commas in every list and map literal that the grammar allows";
        let s = trim_subject(long);
        assert!(s.chars().count() <= SUBJECT_MAX, "{s}");
        assert!(long.starts_with(&s));
        assert!(long[s.len()..].starts_with(' '), "{s}");
        assert_eq!(trim_subject("Fix it.\nmore"), "Fix it");
        assert_eq!(trim_subject(&"x".repeat(100)).len(), SUBJECT_MAX);
    }

    #[test]
    fn bodies_wrap_at_72_and_keep_list_items() {
        let body = "This change is needed because the old behaviour dropped the last element of every list when a trailing comma was present.\n\n- first item\n- second item that is long enough to need wrapping onto another line of its own";
        let msg = shape_message("Accept trailing commas", body);
        let mut lines = msg.lines();
        assert_eq!(lines.next(), Some("Accept trailing commas"));
        assert_eq!(lines.next(), Some(""));
        for l in msg.lines() {
            assert!(l.chars().count() <= 72, "{l:?}");
        }
        assert!(msg.contains("\n- first item\n- second item"), "{msg}");
        assert_eq!(shape_message("Only", "  "), "Only\n");
    }

    #[test]
    fn step_messages_carry_summary_and_files() {
        let msg = step_message("Create hello.py", "Created it.", &["hello.py".into()], "r1");
        assert!(msg.starts_with("Create hello.py\n\nCreated it.\n"), "{msg}");
        assert!(msg.contains("- hello.py") && msg.ends_with("Chamber-Run: r1\n"));
    }
}
