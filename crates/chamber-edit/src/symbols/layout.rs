//! Line-level text layout for symbol edits: whole-line regions,
//! indentation, re-indenting new code and counting blank lines.

use std::ops::Range;

use crate::syntax::Lang;

/// A byte range widened to whole lines where only whitespace surrounds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Region {
    /// The bytes the symbol occupies (whole lines when `starts_line` /
    /// `ends_line`; the newline of the last line included).
    pub(crate) range: Range<usize>,
    /// `range.start` is the start of a line.
    pub(crate) starts_line: bool,
    /// `range.end` is the start of a line (or the end of a text whose last
    /// line the symbol ends).
    pub(crate) ends_line: bool,
}

/// The start of the line holding byte `pos`.
pub(crate) fn line_start(text: &str, pos: usize) -> usize {
    text.get(..pos)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1)
}

/// The start of the line after the one holding byte `pos` (or the end of
/// the text).
pub(crate) fn next_line_start(text: &str, pos: usize) -> usize {
    text.get(pos..)
        .and_then(|s| s.find('\n'))
        .map_or(text.len(), |i| pos + i + 1)
}

/// `span` widened to whole lines on each side where only whitespace lies
/// between it and the line boundary.
pub(crate) fn region(text: &str, span: &Range<usize>) -> Region {
    let ls = line_start(text, span.start);
    let starts_line = text
        .get(ls..span.start)
        .is_some_and(|s| s.trim().is_empty());
    let le = next_line_start(text, span.end);
    let ends_line = text.get(span.end..le).is_some_and(|s| s.trim().is_empty());
    Region {
        range: (if starts_line { ls } else { span.start })..(if ends_line { le } else { span.end }),
        starts_line,
        ends_line,
    }
}

/// The leading whitespace of the line holding byte `pos`.
pub(crate) fn indent_at(text: &str, pos: usize) -> &str {
    let start = line_start(text, pos);
    let line = text.get(start..).unwrap_or("");
    let width = line.len() - line.trim_start_matches([' ', '\t']).len();
    line.get(..width).unwrap_or("")
}

/// The line ending `text` uses (`"\r\n"` when it has any).
pub(crate) fn eol(text: &str) -> &'static str {
    if text.contains("\r\n") { "\r\n" } else { "\n" }
}

fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// The blank lines right before the line starting at `pos`: how many, and
/// the byte where the first of them starts.
pub(crate) fn blank_lines_before(text: &str, pos: usize) -> (usize, usize) {
    let mut count = 0;
    let mut at = pos;
    while at > 0 {
        let prev = line_start(text, at - 1);
        if !text.get(prev..at).is_some_and(is_blank) {
            break;
        }
        count += 1;
        at = prev;
    }
    (count, at)
}

/// The blank lines starting at the line start `pos`: how many, and the
/// byte just after the last of them.
pub(crate) fn blank_lines_after(text: &str, pos: usize) -> (usize, usize) {
    let mut count = 0;
    let mut at = pos;
    while at < text.len() {
        let next = next_line_start(text, at);
        if !text.get(at..next).is_some_and(is_blank) {
            break;
        }
        count += 1;
        at = next;
    }
    (count, at)
}

fn indent_width(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

/// `code` re-indented for a symbol whose first line is indented by
/// `indent`: its common indentation is removed and `indent` put in front of
/// every non-blank line (but the first when `indent_first` is false, for a
/// symbol that does not start its line). Leading and trailing blank lines
/// are dropped; lines are joined with `eol`, with no final line ending.
///
/// A snippet whose first line is unindented while all the others keep the
/// symbol's original depth (copied from the file without the first line's
/// indentation) is detected and treated as if the first line had it too.
pub(crate) fn reindent(
    lang: Lang,
    code: &str,
    indent: &str,
    indent_first: bool,
    eol: &str,
) -> String {
    let mut lines: Vec<&str> = code.lines().collect();
    while lines.first().is_some_and(|l| is_blank(l)) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| is_blank(l)) {
        lines.pop();
    }
    let mut widths: Vec<Option<usize>> = lines
        .iter()
        .map(|l| (!is_blank(l)).then(|| indent_width(l)))
        .collect();
    let target = indent.chars().count();
    if copied_without_first_indent(lang, &lines, &widths, target)
        && let Some(first) = widths.first_mut()
    {
        *first = Some(target);
    }
    let common = widths.iter().flatten().copied().min().unwrap_or(0);
    let mut out = String::new();
    for (i, (line, width)) in lines.iter().zip(&widths).enumerate() {
        if i > 0 {
            out.push_str(eol);
        }
        let Some(width) = width else {
            continue;
        };
        let own = indent_width(line);
        // Characters of indentation to keep beyond the common depth.
        let keep = width.saturating_sub(common);
        if i > 0 || indent_first {
            out.push_str(indent);
        }
        let body = line.get(own..).unwrap_or(line);
        let kept = line.get(own.saturating_sub(keep)..own).unwrap_or("");
        if own >= keep {
            out.push_str(kept);
        } else {
            out.push_str(&" ".repeat(keep));
        }
        out.push_str(body.trim_end());
    }
    out
}

/// See [`reindent`]: the first line is flush left, the symbol is indented,
/// every other line is at least as deep as the symbol, and either one is
/// deeper or (outside Python) the last line closes a block at the symbol's
/// depth.
fn copied_without_first_indent(
    lang: Lang,
    lines: &[&str],
    widths: &[Option<usize>],
    target: usize,
) -> bool {
    if target == 0 || lines.len() < 2 || widths.first().copied().flatten() != Some(0) {
        return false;
    }
    let rest: Vec<usize> = widths.iter().skip(1).flatten().copied().collect();
    let Some(min) = rest.iter().copied().min() else {
        return false;
    };
    if min < target {
        return false;
    }
    if min > target {
        return true;
    }
    let closes = lines.last().is_some_and(|l| {
        let t = l.trim();
        t.starts_with(['}', ')', ']']) && indent_width(l) == target
    });
    lang != Lang::Python && closes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_widens_to_whole_lines() {
        let text = "a\n  fn x() {}\nb\n";
        let r = region(text, &(4..13));
        assert_eq!(&text[r.range.clone()], "  fn x() {}\n");
        assert!(r.starts_line && r.ends_line);
    }

    #[test]
    fn reindents_dedented_code() {
        let code = "def f(self):\n    return 1\n";
        assert_eq!(
            reindent(Lang::Python, code, "    ", true, "\n"),
            "    def f(self):\n        return 1"
        );
    }

    #[test]
    fn detects_first_line_stripped_copies() {
        let py = "def f(self):\n        return 1";
        assert_eq!(
            reindent(Lang::Python, py, "    ", true, "\n"),
            "    def f(self):\n        return 1"
        );
        let rs = "fn f() {\n        1\n    }";
        assert_eq!(
            reindent(Lang::Rust, rs, "    ", true, "\n"),
            "    fn f() {\n        1\n    }"
        );
        let plain = "fn f() {\n    1\n}";
        assert_eq!(
            reindent(Lang::Rust, plain, "    ", true, "\n"),
            "    fn f() {\n        1\n    }"
        );
    }

    #[test]
    fn counts_blank_lines() {
        let text = "a\n\n\nb\n";
        assert_eq!(blank_lines_before(text, 4), (2, 2));
        assert_eq!(blank_lines_after(text, 2), (2, 4));
    }
}
