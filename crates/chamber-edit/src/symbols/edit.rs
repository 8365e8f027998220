//! Replacing, inserting next to and deleting whole symbols.

use super::layout::{self, Region};
use super::{Symbol, SymbolError, SymbolKind, find_symbol};
use crate::syntax::{Lang, check_edit_as};

/// The result of a symbol edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolEdit {
    /// The whole new file text.
    pub text: String,
    /// The full path of the symbol the edit was anchored on.
    pub symbol: String,
    /// What that symbol is.
    pub kind: SymbolKind,
    /// 1-based first line of the new code in `text`; for a delete, the
    /// first line the symbol occupied in the old text.
    pub start_line: usize,
    /// 1-based last line of the new code in `text`; for a delete, the last
    /// line the symbol occupied in the old text.
    pub end_line: usize,
}

/// Replaces the symbol `symbol` names with `new_code`, re-indented to the
/// symbol's indentation.
///
/// Leading docs: when `new_code` begins with a comment, an attribute
/// (`#[...]`) or a decorator (`@...`), it replaces the symbol's whole span,
/// its doc comments, attributes and decorators included. Otherwise those
/// are kept and only the definition itself is replaced.
pub fn replace_symbol(
    lang: Lang,
    text: &str,
    symbol: &str,
    new_code: &str,
) -> Result<SymbolEdit, SymbolError> {
    if new_code.trim().is_empty() {
        return Err(SymbolError::EmptyCode);
    }
    let sym = find_symbol(lang, text, symbol)?;
    let span = if starts_with_leading_block(lang, new_code) {
        sym.span.clone()
    } else {
        sym.definition.start..sym.span.end
    };
    let region = layout::region(text, &span);
    let eol = layout::eol(text);
    let indent = layout::indent_at(text, span.start);
    let code = layout::reindent(lang, new_code, indent, region.starts_line, eol);
    let mut tail = String::new();
    if region.ends_line && needs_line_end(text, &region) {
        tail.push_str(eol);
    }
    splice(lang, text, &sym, &region, "", &code, &tail)
}

/// Inserts `code` as a sibling right before the symbol (and its leading
/// docs), indented like it and separated from it by blank lines following
/// the surrounding style (see [`insert_after_symbol`]).
pub fn insert_before_symbol(
    lang: Lang,
    text: &str,
    symbol: &str,
    code: &str,
) -> Result<SymbolEdit, SymbolError> {
    let InsertSite {
        sym,
        region,
        eol,
        indent,
        gap,
    } = insert_site(lang, text, symbol, code)?;
    let code = layout::reindent(lang, code, indent, region.starts_line, eol);
    let at = if region.starts_line {
        region.range.start
    } else {
        sym.span.start
    };
    let insert = Region {
        range: at..at,
        starts_line: region.starts_line,
        ends_line: false,
    };
    let mut head = String::new();
    let mut tail = format!("{eol}{gap}");
    if region.starts_line {
        let (before, _) = layout::blank_lines_before(text, at);
        if sym.placement.has_prev && before == 0 {
            head.push_str(&gap);
        }
    } else {
        tail.push_str(indent);
    }
    splice(lang, text, &sym, &insert, &head, &code, &tail)
}

/// Inserts `code` as a sibling right after the symbol, indented like it.
///
/// Blank lines: the new code is separated from the symbol by the number of
/// blank lines already separating the symbol from its neighbours (1 or 2;
/// with no neighbour, 1, or 2 at the top level of a Python module; 0 when
/// a one-line symbol sits in a packed group and the new code is one line
/// too). When the symbol was directly followed by another item, the same
/// gap is added after the new code too.
pub fn insert_after_symbol(
    lang: Lang,
    text: &str,
    symbol: &str,
    code: &str,
) -> Result<SymbolEdit, SymbolError> {
    let InsertSite {
        sym,
        region,
        eol,
        indent,
        gap,
    } = insert_site(lang, text, symbol, code)?;
    let code = layout::reindent(lang, code, indent, true, eol);
    let at = if region.ends_line {
        region.range.end
    } else {
        sym.span.end
    };
    let insert = Region {
        range: at..at,
        starts_line: true,
        ends_line: false,
    };
    let mut head = String::new();
    let mut tail = String::new();
    if !region.ends_line || !needs_line_end(text, &region) {
        head.push_str(eol);
    }
    head.push_str(&gap);
    if region.ends_line {
        tail.push_str(eol);
        let (after, _) = layout::blank_lines_after(text, at);
        if sym.placement.has_next && after == 0 {
            tail.push_str(&gap);
        }
    } else {
        tail.push_str(eol);
        tail.push_str(indent);
    }
    splice(lang, text, &sym, &insert, &head, &code, &tail)
}

/// Removes the symbol (its leading docs included) and collapses the blank
/// lines around it: between two siblings the larger of the two gaps is
/// kept; as the first (last) item of its block, the gap that separated it
/// from the block's start (end) is kept. The only statement of a Python
/// block is replaced by `pass`.
pub fn delete_symbol(lang: Lang, text: &str, symbol: &str) -> Result<SymbolEdit, SymbolError> {
    let sym = find_symbol(lang, text, symbol)?;
    let region = layout::region(text, &sym.span);
    let eol = layout::eol(text);
    let whole_lines = region.starts_line && region.ends_line;
    let placement = sym.placement;
    let only_statement = !placement.has_prev && !placement.has_next && !placement.top_level;
    let (from, to, filler) = if whole_lines && lang == Lang::Python && only_statement {
        // A Python block cannot be empty (and tree-sitter does not flag
        // one): its only statement gives way to `pass`.
        let indent = layout::indent_at(text, sym.span.start);
        (
            region.range.start,
            region.range.end,
            format!("{indent}pass{eol}"),
        )
    } else if whole_lines {
        let (before, from) = layout::blank_lines_before(text, region.range.start);
        let (after, to) = layout::blank_lines_after(text, region.range.end);
        let keep = match (placement.has_prev, placement.has_next) {
            (true, true) => before.max(after),
            (false, true) => before,
            (true, false) => after,
            (false, false) => 0,
        };
        (from, to, eol.repeat(keep))
    } else {
        (sym.span.start, sym.span.end, String::new())
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(text.get(..from).unwrap_or(""));
    out.push_str(&filler);
    out.push_str(text.get(to..).unwrap_or(""));
    check_edit_as(lang, Some(text), &out)?;
    Ok(SymbolEdit {
        text: out,
        symbol: sym.path.clone(),
        kind: sym.kind,
        start_line: line_of(text, sym.span.start),
        end_line: sym.end_line,
    })
}

/// Writes `head`, `code` and `tail` over `region` of `text`, checks the
/// result and describes it.
fn splice(
    lang: Lang,
    text: &str,
    sym: &Symbol,
    region: &Region,
    head: &str,
    code: &str,
    tail: &str,
) -> Result<SymbolEdit, SymbolError> {
    let before = text.get(..region.range.start).unwrap_or("");
    let mut out = String::with_capacity(text.len() + head.len() + code.len() + tail.len());
    out.push_str(before);
    out.push_str(head);
    let code_start = out.len();
    out.push_str(code);
    let code_end = out.len();
    out.push_str(tail);
    out.push_str(text.get(region.range.end..).unwrap_or(""));
    check_edit_as(lang, Some(text), &out)?;
    let start_line = line_of(&out, code_start);
    let end_line = start_line
        + out
            .get(code_start..code_end)
            .map_or(0, |c| c.matches('\n').count());
    Ok(SymbolEdit {
        text: out,
        symbol: sym.path.clone(),
        kind: sym.kind,
        start_line,
        end_line,
    })
}

/// Whether the region's last line ended with a line break (a text whose
/// last line has none keeps having none).
fn needs_line_end(text: &str, region: &Region) -> bool {
    region.range.end < text.len() || text.ends_with('\n')
}

/// 1-based line of byte `pos`.
fn line_of(text: &str, pos: usize) -> usize {
    text.get(..pos).map_or(0, |s| s.matches('\n').count()) + 1
}

/// The number of blank lines separating the symbol from its neighbours,
/// clamped to 1..=2; 1 without neighbours (2 at a Python module's top
/// level). Tightly packed one-liners (fields, type specs, constants) stay
/// packed: a gap of 0 is kept when both the symbol and `code` are single
/// lines.
/// What both inserts start from: the symbol, its region, the file's line
/// ending, the symbol's indentation and the blank-line gap to keep.
struct InsertSite<'t> {
    sym: Symbol,
    region: Region,
    eol: &'static str,
    indent: &'t str,
    gap: String,
}

fn insert_site<'t>(
    lang: Lang,
    text: &'t str,
    symbol: &str,
    code: &str,
) -> Result<InsertSite<'t>, SymbolError> {
    if code.trim().is_empty() {
        return Err(SymbolError::EmptyCode);
    }
    let sym = find_symbol(lang, text, symbol)?;
    let region = layout::region(text, &sym.span);
    let eol = layout::eol(text);
    let indent = layout::indent_at(text, sym.span.start);
    let gap = eol.repeat(blank_gap(lang, text, &sym, &region, code));
    Ok(InsertSite {
        sym,
        region,
        eol,
        indent,
        gap,
    })
}

fn blank_gap(lang: Lang, text: &str, sym: &Symbol, region: &Region, code: &str) -> usize {
    let mut observed = None::<usize>;
    if sym.placement.has_next && region.ends_line {
        let (after, _) = layout::blank_lines_after(text, region.range.end);
        observed = Some(after);
    }
    if sym.placement.has_prev && region.starts_line {
        let (before, _) = layout::blank_lines_before(text, region.range.start);
        observed = Some(observed.map_or(before, |o| o.max(before)));
    }
    let one_liners = text
        .get(sym.span.clone())
        .is_some_and(|s| !s.contains('\n'))
        && code.trim().lines().count() == 1;
    match observed {
        Some(0) if one_liners => 0,
        Some(gap) => gap.clamp(1, 2),
        None if lang == Lang::Python && sym.placement.top_level => 2,
        None => 1,
    }
}

/// Whether `code` starts with a comment, attribute or decorator, i.e.
/// brings its own leading docs.
fn starts_with_leading_block(lang: Lang, code: &str) -> bool {
    let first = code
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let comment = first.starts_with("//") || first.starts_with("/*");
    match lang {
        Lang::Rust => comment || first.starts_with("#["),
        Lang::Python => first.starts_with('@') || first.starts_with('#'),
        Lang::TypeScript | Lang::Tsx | Lang::JavaScript => comment || first.starts_with('@'),
        Lang::Go => comment,
    }
}
