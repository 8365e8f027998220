//! How two lines are compared at each level of the cascade, and the small
//! line predicates the levels share (indentation, elision markers).

use std::borrow::Cow;

use super::MatchLevel;

/// The form of `line` compared at `level`: each level forgives what the
/// previous ones did and one more thing.
pub(crate) fn key(line: &str, level: MatchLevel) -> Cow<'_, str> {
    match level {
        MatchLevel::Exact => Cow::Borrowed(line),
        MatchLevel::TrailingWhitespace => Cow::Borrowed(line.trim_end()),
        MatchLevel::Indentation => Cow::Borrowed(line.trim()),
        MatchLevel::Punctuation | MatchLevel::Elision | MatchLevel::Fuzzy => {
            normalize_punctuation(line.trim())
        }
    }
}

/// The keys of all `lines` at `level`.
pub(crate) fn keys<'a>(lines: &'a [&'a str], level: MatchLevel) -> Vec<Cow<'a, str>> {
    lines.iter().map(|l| key(l, level)).collect()
}

/// Replaces typographic punctuation with its ASCII counterpart: curly
/// quotes become straight ones, dashes and the minus sign `-`, the
/// ellipsis character `...`, exotic spaces a plain space; zero-width
/// characters are dropped. Text without any of them is borrowed as is.
pub(crate) fn normalize_punctuation(s: &str) -> Cow<'_, str> {
    if s.is_ascii() || !s.chars().any(|c| replacement(c).is_some()) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match replacement(c) {
            Some(r) => out.push_str(r),
            None => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn replacement(c: char) -> Option<&'static str> {
    Some(match c {
        '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' | '\u{2032}' => "'",
        '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{201f}' | '\u{2033}' => "\"",
        '\u{2010}'..='\u{2015}' | '\u{2212}' => "-",
        '\u{2026}' => "...",
        '\u{00a0}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{205f}' | '\u{3000}' => " ",
        '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' => "",
        _ => return None,
    })
}

/// The leading whitespace of `line`.
pub(crate) fn indent(line: &str) -> &str {
    let body = line.trim_start();
    &line[..line.len() - body.len()]
}

/// Whether `line` is blank (empty or whitespace only).
pub(crate) fn is_blank(line: &str) -> bool {
    line.trim().is_empty()
}

/// Whether `line` is an elision marker: `...` or `…` alone, or as the whole
/// body of a comment (`// ...`, `# ...`, `/* ... */`, `<!-- ... -->`,
/// `-- ...`), or a comment whose body starts and ends with one
/// (`// ... existing code ...`).
pub(crate) fn is_elision(line: &str) -> bool {
    let mut body = line.trim();
    for open in ["//", "#", "--", "/*", "<!--", ";", "*"] {
        if let Some(rest) = body.strip_prefix(open) {
            body = rest;
            break;
        }
    }
    for close in ["*/", "-->"] {
        if let Some(rest) = body.strip_suffix(close) {
            body = rest;
            break;
        }
    }
    let body = body.trim();
    let starts = body.starts_with("...") || body.starts_with('\u{2026}');
    let ends = body.ends_with("...") || body.ends_with('\u{2026}');
    starts && ends
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_is_normalised() {
        assert_eq!(
            normalize_punctuation("\u{201c}hi\u{201d} \u{2014} it\u{2019}s\u{2026}"),
            "\"hi\" - it's..."
        );
        assert_eq!(normalize_punctuation("a\u{a0}b"), "a b");
        assert!(matches!(normalize_punctuation("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn keys_per_level() {
        assert_eq!(key("  a  ", MatchLevel::Exact), "  a  ");
        assert_eq!(key("  a  ", MatchLevel::TrailingWhitespace), "  a");
        assert_eq!(key("  a  ", MatchLevel::Indentation), "a");
        assert_eq!(key("  \u{2018}a\u{2019}", MatchLevel::Punctuation), "'a'");
    }

    #[test]
    fn elision_markers() {
        for yes in [
            "...",
            "  \u{2026}",
            "// ...",
            "# ...",
            "/* ... */",
            "<!-- ... -->",
            "// ... existing code ...",
        ] {
            assert!(is_elision(yes), "{yes}");
        }
        for no in ["", "x = ...", "// todo", "..x", "print('...')"] {
            assert!(!is_elision(no), "{no}");
        }
    }

    #[test]
    fn indentation() {
        assert_eq!(indent("\t  x"), "\t  ");
        assert_eq!(indent("x"), "");
        assert_eq!(indent("   "), "   ");
    }
}
