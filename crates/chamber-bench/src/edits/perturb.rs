//! The test cases of an edit: for a format and a perturbation, the
//! starting file, the patch text (perturbed the way models get it wrong)
//! and the file expected once it is applied.

use fastrand::Rng;

use super::corpus::Edit;
use super::diff::{self, Hunk, Line, lines_of};
use super::kinds::{Format, Perturbation};
use super::mutate::replace_word;

/// One test case.
#[derive(Debug, Clone)]
pub struct Case {
    /// The patch format.
    pub format: Format,
    /// The file's path in the tree.
    pub path: String,
    /// The file before applying.
    pub start: String,
    /// The file expected after applying.
    pub expected: String,
    /// The patch text (for a whole file: the new content).
    pub patch: String,
    /// Whether the lines to replace (ignoring indentation) occur more than
    /// once in the file, so that a refusal is a correct answer too.
    pub ambiguous: bool,
}

/// The case of `edit` in `format` with `perturbation`; `None` when the
/// perturbation does not apply (to the format, or to this edit).
pub fn build(
    edit: &Edit,
    format: Format,
    perturbation: Perturbation,
    rng: &mut Rng,
) -> Option<Case> {
    use Perturbation as P;
    if !perturbation.applies(format) {
        return None;
    }
    let (before, after) = match perturbation {
        P::Duplicate => duplicate(&edit.before, &edit.after, rng)?,
        _ => (edit.before.clone(), edit.after.clone()),
    };
    let radius = match (perturbation, format) {
        (P::Elision, _) => 6,
        (_, Format::SearchReplace) => 2,
        _ => 3,
    };
    let mut hunks = diff::hunks(&before, &after, radius);
    if hunks.is_empty() {
        return None;
    }
    let mut shift = 0;
    match perturbation {
        P::TrailingWhitespace => trailing_whitespace(&mut hunks, rng),
        P::Indentation => indentation(&mut hunks, rng),
        P::LineNumbers => {
            let k = rng.isize(5..=50);
            let first = hunks[0].old_start as isize;
            shift = if rng.bool() && first - k >= 1 { -k } else { k };
        }
        P::StaleContext => stale_context(&mut hunks, rng)?,
        P::MissingContext => missing_context(&mut hunks, rng)?,
        P::Elision => elide(&mut hunks)?,
        P::Clean | P::Crlf | P::Duplicate => {}
    }
    let patch = match format {
        Format::ApplyPatch => diff::apply_patch(&edit.path, &hunks),
        Format::SearchReplace => diff::search_replace(&edit.path, &hunks),
        Format::UnifiedDiff => diff::unified(&edit.path, &hunks, shift),
        Format::WholeFile => after.clone(),
    };
    let (start, expected) = match perturbation {
        P::Crlf => (before.replace('\n', "\r\n"), after.replace('\n', "\r\n")),
        _ => (before, after),
    };
    let ambiguous = format != Format::WholeFile
        && hunks
            .iter()
            .any(|h| occurrences(&start, &h.old_lines()) >= 2);
    Some(Case {
        format,
        path: edit.path.clone(),
        start,
        expected,
        patch,
        ambiguous,
    })
}

/// How often `old` occurs in `text`, line by line, ignoring leading and
/// trailing whitespace (and `\r`).
fn occurrences(text: &str, old: &[&str]) -> usize {
    let lines = lines_of(text);
    if old.is_empty() || old.len() > lines.len() {
        return 0;
    }
    (0..=lines.len() - old.len())
        .filter(|&i| {
            old.iter()
                .enumerate()
                .all(|(j, o)| lines[i + j].trim() == o.trim())
        })
        .count()
}

fn trailing_whitespace(hunks: &mut [Hunk], rng: &mut Rng) {
    const PADS: [&str; 4] = [" ", "  ", "\t", " \t"];
    let mut changed = false;
    for line in hunks.iter_mut().flat_map(|h| h.lines.iter_mut()) {
        if !line.is_old() || line.text().trim().is_empty() || !rng.bool() {
            continue;
        }
        drift(line.text_mut(), PADS[rng.usize(..PADS.len())]);
        changed = true;
    }
    if !changed
        && let Some(line) = hunks
            .iter_mut()
            .flat_map(|h| h.lines.iter_mut())
            .find(|l| l.is_old() && !l.text().trim().is_empty())
    {
        drift(line.text_mut(), " ");
    }
}

/// Strips the trailing whitespace the line has, or adds `pad`.
fn drift(text: &mut String, pad: &str) {
    let trimmed = text.trim_end().len();
    if trimmed < text.len() {
        text.truncate(trimmed);
    } else {
        text.push_str(pad);
    }
}

/// Re-indents every line of the hunks the same way: 2 or 4 spaces more or
/// less (less only where every line has them), or leading tabs and
/// 4-space groups swapped.
fn indentation(hunks: &mut [Hunk], rng: &mut Rng) {
    let texts = hunks
        .iter()
        .flat_map(|h| h.lines.iter())
        .map(Line::text)
        .filter(|t| !t.trim().is_empty());
    let has_tabs = texts.clone().any(|t| t.starts_with('\t'));
    let deep = texts.clone().any(|t| t.starts_with("    "));
    let min_spaces = texts
        .map(|t| t.len() - t.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let choice = rng.usize(..5);
    let shifted = |t: &str| -> String {
        match choice {
            4 if has_tabs => {
                let tabs = t.len() - t.trim_start_matches('\t').len();
                format!("{}{}", "    ".repeat(tabs), &t[tabs..])
            }
            4 if deep => {
                let spaces = t.len() - t.trim_start_matches(' ').len();
                format!(
                    "{}{}{}",
                    "\t".repeat(spaces / 4),
                    " ".repeat(spaces % 4),
                    &t[spaces..]
                )
            }
            k => {
                let n = if k % 2 == 0 { 2 } else { 4 };
                if k < 2 && min_spaces >= n {
                    t[n..].to_owned()
                } else {
                    format!("{}{t}", " ".repeat(n))
                }
            }
        }
    };
    for line in hunks.iter_mut().flat_map(|h| h.lines.iter_mut()) {
        if !line.text().trim().is_empty() {
            let new = shifted(line.text());
            *line.text_mut() = new;
        }
    }
}

/// Changes one context line slightly: a word gets an `s`, or its comment
/// gets a few more words.
fn stale_context(hunks: &mut [Hunk], rng: &mut Rng) -> Option<()> {
    let mut spots: Vec<(usize, usize, String)> = Vec::new();
    for (h, hunk) in hunks.iter().enumerate() {
        for (i, line) in hunk.lines.iter().enumerate() {
            if let Line::Context(text) = line
                && let Some(word) = longest_word(text)
            {
                spots.push((h, i, word));
            }
        }
    }
    let (h, i, word) = spots.get(rng.usize(..spots.len().max(1)))?.clone();
    let text = hunks[h].lines[i].text_mut();
    let has_comment = ["// ", "# "].iter().any(|m| text.contains(m));
    *text = if has_comment && rng.bool() {
        format!("{} (see above)", text.trim_end())
    } else {
        replace_word(text, &word, &format!("{word}s"))
    };
    Some(())
}

/// The longest identifier-like word of `text` (3 characters or more).
fn longest_word(text: &str) -> Option<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.len() >= 3 && w.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'))
        .max_by_key(|w| w.len())
        .map(str::to_owned)
}

/// Drops the leading context, the trailing context, or all but one line
/// of each (one variant for all hunks). A hunk that only adds lines keeps
/// one context line to be found by.
fn missing_context(hunks: &mut [Hunk], rng: &mut Rng) -> Option<()> {
    let variant = rng.usize(..3);
    let mut dropped_any = false;
    for hunk in hunks.iter_mut() {
        let is_context = |l: &&Line| matches!(l, Line::Context(_));
        let lead = hunk.lines.iter().take_while(is_context).count();
        let trail = hunk.lines.iter().rev().take_while(is_context).count();
        let removes = hunk.lines.iter().any(|l| matches!(l, Line::Removed(_)));
        let (mut keep_lead, mut keep_trail) = match variant {
            0 => (0, trail),
            1 => (lead, 0),
            _ => (lead.min(1), trail.min(1)),
        };
        if !removes && keep_lead + keep_trail == 0 {
            if lead > 0 {
                keep_lead = 1;
            } else {
                keep_trail = trail.min(1);
            }
        }
        let drop_lead = lead - keep_lead;
        let drop_trail = trail - keep_trail;
        if drop_lead + drop_trail == 0 {
            continue;
        }
        dropped_any = true;
        hunk.lines.drain(..drop_lead);
        hunk.lines.truncate(hunk.lines.len() - drop_trail);
        hunk.old_start += drop_lead;
        hunk.new_start += drop_lead;
    }
    dropped_any.then_some(())
}

/// Replaces the middle of the longest run of context lines (at least 5)
/// with one `...` line, keeping the run's first and last lines. Blank
/// context lines at the ends of a hunk are dropped first: a model does not
/// start or end a block it abbreviates with blank lines.
fn elide(hunks: &mut [Hunk]) -> Option<()> {
    let blank = |l: &Line| matches!(l, Line::Context(t) if t.trim().is_empty());
    for hunk in hunks.iter_mut() {
        let lead = hunk.lines.iter().take_while(|l| blank(l)).count();
        hunk.lines.drain(..lead);
        hunk.old_start += lead;
        hunk.new_start += lead;
        let trail = hunk.lines.iter().rev().take_while(|l| blank(l)).count();
        hunk.lines.truncate(hunk.lines.len() - trail);
    }
    let mut best: Option<(usize, usize, usize)> = None;
    for (h, hunk) in hunks.iter().enumerate() {
        let mut i = 0;
        while i < hunk.lines.len() {
            let run = hunk.lines[i..]
                .iter()
                .take_while(|l| matches!(l, Line::Context(_)))
                .count();
            if run >= 5 && best.is_none_or(|(_, _, n)| run > n) {
                best = Some((h, i, run));
            }
            i += run.max(1);
        }
    }
    let (h, i, run) = best?;
    let lines = &mut hunks[h].lines;
    let first = lines[i + 1].text();
    let indent = &first[..first.len() - first.trim_start().len()];
    let marker = Line::Context(format!("{indent}..."));
    lines.splice(i + 1..i + run - 1, [marker]);
    Some(())
}

/// `before` and `after` with the changed block (and one line around it)
/// copied to a place at least 12 lines away from the change.
fn duplicate(before: &str, after: &str, rng: &mut Rng) -> Option<(String, String)> {
    let changes = diff::hunks(before, after, 0);
    let (first, last) = (changes.first()?, changes.last()?);
    let old_end = last.old_start + last.lines.iter().filter(|l| l.is_old()).count();
    let old = lines_of(before);
    let from = first.old_start.saturating_sub(1);
    let to = (old_end + 1).max(from + 2).min(old.len());
    let block: Vec<&str> = old[from..to].to_vec();
    let places: Vec<usize> = (0..=old.len())
        .filter(|&p| p + 12 <= from || p >= to + 12)
        .collect();
    let at = *places.get(rng.usize(..places.len().max(1)))?;
    let delta = lines_of(after).len() as isize - old.len() as isize;
    let insert = |text: &str, at: usize| {
        let mut lines = lines_of(text);
        lines.splice(at..at, block.iter().copied());
        let mut out = lines.join("\n");
        out.push('\n');
        out
    };
    let at_after = if at <= from {
        at
    } else {
        at.checked_add_signed(delta)?
    };
    Some((insert(before, at), insert(after, at_after)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edits::corpus::Source;

    fn edit() -> Edit {
        let before: String = (0..40)
            .map(|i| format!("    let v{i} = f({i});\n"))
            .collect();
        let after = before.replace(
            "    let v20 = f(20);\n",
            "    let v20 = f(21);\n    g(v20);\n",
        );
        Edit {
            source: Source::RustCrates,
            path: "a.rs".into(),
            origin: String::new(),
            before,
            after,
            kind: "modify".into(),
        }
    }

    #[test]
    fn every_perturbation_changes_the_clean_patch() {
        let e = edit();
        let clean = build(
            &e,
            Format::UnifiedDiff,
            Perturbation::Clean,
            &mut Rng::with_seed(1),
        )
        .map(|c| c.patch);
        for p in Perturbation::ALL {
            let f = if p == Perturbation::Elision {
                Format::ApplyPatch
            } else {
                Format::UnifiedDiff
            };
            let case = build(&e, f, p, &mut Rng::with_seed(3)).unwrap_or_else(|| panic!("{p:?}"));
            let same_patch = matches!(
                p,
                Perturbation::Clean | Perturbation::Crlf | Perturbation::Duplicate
            );
            if !same_patch && f == Format::UnifiedDiff {
                assert_ne!(Some(case.patch.clone()), clean, "{p:?}");
            }
            if p == Perturbation::Duplicate {
                assert_eq!(case.start.matches("let v20 = f(20);").count(), 2);
                assert_eq!(case.expected.matches("let v20 = f(20);").count(), 1);
            }
            assert!(!case.ambiguous, "{p:?}");
        }
    }

    #[test]
    fn elision_keeps_run_ends() {
        let case = build(
            &edit(),
            Format::SearchReplace,
            Perturbation::Elision,
            &mut Rng::with_seed(1),
        )
        .unwrap();
        assert!(
            case.patch
                .contains("    let v14 = f(14);\n    ...\n    let v19 = f(19);\n"),
            "{}",
            case.patch
        );
    }
}
