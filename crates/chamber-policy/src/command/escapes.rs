//! Text inside expansions: substitutions in here-documents and `${…}`, and
//! the backslash escapes of `$'…'`, `echo -e` and `printf`.

use super::lex::Lexer;
use super::parse::ParseError;
use super::script::{Script, Word};

/// Finds `$(…)` and backticks in expanding text (here-document bodies,
/// `${…}`, arithmetic) and parses them as substitutions.
pub(crate) fn scan_substitutions(
    text: &str,
    depth: usize,
    script: &mut Script,
) -> Result<(), ParseError> {
    if !text.contains("$(") && !text.contains('`') {
        return Ok(());
    }
    let mut lexer = Lexer::new(text, depth);
    let mut w = Word::default();
    while let Some(c) = lexer.peek() {
        match c {
            '\\' => lexer.pos += 2,
            '`' => {
                lexer.pos += 1;
                let inner = lexer.backticks()?;
                lexer.substitute(&inner, &mut w, script)?;
            }
            '$' if lexer.peek_at(1) == Some('(') => lexer.dollar(&mut w, script, true)?,
            _ => lexer.pos += 1,
        }
    }
    Ok(())
}

/// Decodes the escapes of `$'…'` and `echo -e`/`printf`: `\n`, `\t`,
/// `\xHH`, `\NNN` (octal), `\uHHHH`, `\\`, `\'`, `\"`, `\e`.
pub(crate) fn decode_escapes(raw: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = raw.chars().collect();
    let mut i = 0;
    let radix = |digits: &[char], base: u32| {
        let s: String = digits.iter().collect();
        u32::from_str_radix(&s, base).ok().and_then(char::from_u32)
    };
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '\\' || i >= chars.len() {
            out.push(c);
            continue;
        }
        let e = chars[i];
        i += 1;
        let take = |i: &mut usize, max: usize, ok: fn(&char) -> bool| {
            let start = *i;
            while *i < chars.len() && *i - start < max && ok(&chars[*i]) {
                *i += 1;
            }
            chars[start..*i].to_vec()
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'e' | 'E' => out.push('\u{1b}'),
            'a' => out.push('\u{7}'),
            '0'..='7' => {
                i -= 1;
                let d = take(&mut i, 4, |c| ('0'..='7').contains(c));
                let d = if d.first() == Some(&'0') && d.len() > 1 {
                    &d[1..]
                } else {
                    &d[..]
                };
                out.extend(radix(d, 8));
            }
            'x' => {
                let d = take(&mut i, 2, char::is_ascii_hexdigit);
                out.extend(radix(&d, 16));
            }
            'u' | 'U' => {
                let d = take(
                    &mut i,
                    if e == 'u' { 4 } else { 8 },
                    char::is_ascii_hexdigit,
                );
                out.extend(radix(&d, 16));
            }
            other => {
                if !matches!(other, '\\' | '\'' | '"' | '?') {
                    out.push('\\');
                }
                out.push(other);
            }
        }
    }
    out
}
