//! Resolving a symbol path (`Foo::bar`, `Outer.Inner.m`, `fmt@42`) against
//! the symbols of a file, and suggesting close names when nothing matches.

use super::{Segment, Symbol, SymbolError, SymbolSummary};

/// How many similar names a not-found error lists.
const CLOSEST: usize = 5;

/// A parsed symbol path.
struct Query {
    segments: Vec<String>,
    line: Option<usize>,
}

/// The one symbol `query` names.
pub(crate) fn resolve<'a>(symbols: &'a [Symbol], query: &str) -> Result<&'a Symbol, SymbolError> {
    let parsed = parse(query)?;
    let mut exact = Vec::new();
    let mut suffix = Vec::new();
    for symbol in symbols {
        match match_level(symbol, &parsed.segments) {
            Some(true) => exact.push(symbol),
            Some(false) => suffix.push(symbol),
            None => {}
        }
    }
    for mut pool in [exact, suffix] {
        if let Some(line) = parsed.line {
            pool.retain(|s| (s.line..=s.end_line).contains(&line));
            // Nested matches covering the line: the innermost one wins.
            if let Some(inner) = pool.iter().min_by_key(|s| s.span.len()).copied() {
                pool = vec![inner];
            }
        }
        match pool.as_slice() {
            [] => {}
            [only] => return Ok(only),
            many => {
                return Err(SymbolError::Ambiguous {
                    query: query.trim().to_owned(),
                    candidates: many.iter().map(|s| s.summary()).collect(),
                });
            }
        }
    }
    Err(SymbolError::NotFound {
        query: query.trim().to_owned(),
        closest: closest(symbols, &parsed.segments),
    })
}

fn invalid(query: &str, reason: &str) -> SymbolError {
    SymbolError::InvalidQuery {
        query: query.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Splits a path into normalised segments and an optional `@LINE`.
fn parse(query: &str) -> Result<Query, SymbolError> {
    let mut text = query.trim();
    let mut line = None;
    if let Some((path, tail)) = text.rsplit_once('@')
        && !tail.is_empty()
        && tail.chars().all(|c| c.is_ascii_digit())
    {
        line = Some(
            tail.parse::<usize>()
                .map_err(|_| invalid(query, "the line after `@` is too large"))?,
        );
        text = path.trim();
    }
    if text.is_empty() {
        return Err(invalid(query, "it is empty"));
    }
    let segments: Vec<String> = split(text).iter().map(|s| normalize(s)).collect();
    if segments.iter().any(String::is_empty) {
        return Err(invalid(
            query,
            "it has an empty segment; write names joined by `.` or `::`, e.g. `Class.method`",
        ));
    }
    Ok(Query { segments, line })
}

/// Splits on `::` and `.` outside angle brackets; a segment starting with
/// `impl` runs to the end (an impl block's name may contain `::`).
fn split(text: &str) -> Vec<String> {
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if current.trim().is_empty() && (rest.starts_with("impl ") || rest.starts_with("impl<")) {
            current.push_str(rest);
            break;
        }
        let sep_len = if depth > 0 {
            0
        } else if rest.starts_with("::") {
            2
        } else if c == '.' {
            1
        } else {
            0
        };
        if sep_len > 0 {
            segments.push(std::mem::take(&mut current));
            rest = rest.get(sep_len..).unwrap_or("");
            continue;
        }
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            _ => {}
        }
        current.push(c);
        rest = rest.get(c.len_utf8()..).unwrap_or("");
    }
    segments.push(current);
    segments
}

/// The canonical form of a segment: whitespace collapsed, a trailing `()`
/// dropped, and `<Foo<T> as a::Trait>` / `impl<T> a::Trait for Foo<T>`
/// reduced to bare type names.
fn normalize(segment: &str) -> String {
    let collapsed = segment.split_whitespace().collect::<Vec<_>>().join(" ");
    let trimmed = collapsed.strip_suffix("()").unwrap_or(&collapsed).trim();
    if let Some(inner) = trimmed.strip_prefix('<').and_then(|s| s.strip_suffix('>'))
        && let Some((ty, tr)) = inner.split_once(" as ")
    {
        return format!("<{} as {}>", bare_type(ty), bare_type(tr));
    }
    if let Some(rest) = trimmed.strip_prefix("impl")
        && (rest.starts_with(' ') || rest.starts_with('<'))
    {
        let rest = skip_generics(rest.trim_start()).trim();
        return match rest.split_once(" for ") {
            Some((tr, ty)) => format!("impl {} for {}", bare_type(tr), bare_type(ty)),
            None => format!("impl {}", bare_type(rest)),
        };
    }
    trimmed.to_owned()
}

/// `text` without a leading `<...>` group.
fn skip_generics(text: &str) -> &str {
    if !text.starts_with('<') {
        return text;
    }
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return text.get(i + 1..).unwrap_or("");
                }
            }
            _ => {}
        }
    }
    ""
}

/// `Foo` for `a::b::Foo<T>`, `&mut Foo` or `*Foo`.
fn bare_type(text: &str) -> String {
    let text = text.trim().trim_start_matches(['&', '*']);
    let text = text.strip_prefix("mut ").unwrap_or(text).trim();
    let head = text.split(['<', '[']).next().unwrap_or(text);
    head.rsplit("::").next().unwrap_or(head).trim().to_owned()
}

fn segment_matches(query: &str, segment: &Segment) -> bool {
    normalize(&segment.name) == query
        || segment
            .alias
            .as_deref()
            .is_some_and(|alias| normalize(alias) == query)
}

/// `Some(true)` when the whole path matches, `Some(false)` when it ends
/// with the query, `None` otherwise.
fn match_level(symbol: &Symbol, query: &[String]) -> Option<bool> {
    let skip = symbol.segments.len().checked_sub(query.len())?;
    let tail = symbol.segments.get(skip..)?;
    let all = tail
        .iter()
        .zip(query)
        .all(|(segment, q)| segment_matches(q, segment));
    all.then_some(skip == 0)
}

/// The symbols most similar to the query, best first.
fn closest(symbols: &[Symbol], query: &[String]) -> Vec<SymbolSummary> {
    let full = query.join(".").to_lowercase();
    let last = query.last().map(|s| s.to_lowercase()).unwrap_or_default();
    let mut scored: Vec<(f64, &Symbol)> = symbols
        .iter()
        .map(|symbol| {
            let name = symbol.name.to_lowercase();
            let path = symbol.path.replace("::", ".").to_lowercase();
            let mut score = similarity(&last, &name).max(similarity(&full, &path));
            let (short, long) = if last.len() <= name.len() {
                (&last, &name)
            } else {
                (&name, &last)
            };
            if short.chars().count() >= 3 && long.contains(short.as_str()) {
                let ratio = short.chars().count() as f64 / long.chars().count() as f64;
                score = score.max(0.6 + 0.3 * ratio);
            }
            (score, symbol)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.line.cmp(&b.1.line)));
    scored
        .into_iter()
        .take(CLOSEST)
        .map(|(_, s)| s.summary())
        .collect()
}

/// 1 for equal strings down to 0 for nothing in common: the normalised
/// edit distance over characters, an adjacent transposition counting as
/// one edit (long names are cut to 64 characters).
fn similarity(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    let width = b.len() + 1;
    // Rows i-2, i-1 and i of the distance table.
    let mut older = vec![0usize; width];
    let mut previous: Vec<usize> = (0..width).collect();
    let mut current = vec![0usize; width];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..width {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j - 1] + cost)
                .min(previous[j] + 1)
                .min(current[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(older[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut older, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    let distance = previous[b.len()];
    1.0 - distance as f64 / longest as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_paths_outside_angle_brackets() {
        assert_eq!(split("a::b.c"), ["a", "b", "c"]);
        assert_eq!(
            split("<Foo as fmt::Display>::fmt"),
            ["<Foo as fmt::Display>", "fmt"]
        );
        assert_eq!(
            split("m::impl fmt::Display for Foo"),
            ["m", "impl fmt::Display for Foo"]
        );
    }

    #[test]
    fn normalizes_qualified_forms() {
        assert_eq!(normalize("<Foo<T> as fmt::Display>"), "<Foo as Display>");
        assert_eq!(normalize("impl<T: Clone>  Foo<T>"), "impl Foo");
        assert_eq!(
            normalize("impl std::fmt::Display for Foo<i32>"),
            "impl Display for Foo"
        );
        assert_eq!(normalize("run()"), "run");
    }

    #[test]
    fn similarity_orders_sensibly() {
        assert!(similarity("strat", "start") > similarity("strat", "stop"));
        assert!((similarity("mian", "main") - 0.75).abs() < 1e-9);
        assert!((similarity("kitten", "sitting") - (1.0 - 3.0 / 7.0)).abs() < 1e-9);
        assert!((similarity("same", "same") - 1.0).abs() < f64::EPSILON);
    }
}
