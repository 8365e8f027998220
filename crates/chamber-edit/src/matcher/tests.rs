#![allow(clippy::unwrap_used)]

use super::*;

fn opts() -> MatchOptions {
    MatchOptions::default()
}

fn loc(file: &[&str], search: &[&str], replace: &[&str]) -> Result<Located, MatchFailure> {
    locate(file, search, replace, &opts())
}

#[test]
fn exact_match() {
    let found = loc(&["a", "b", "c"], &["b"], &["x"]).unwrap();
    assert_eq!(
        (found.start, found.end, found.level),
        (1, 2, MatchLevel::Exact)
    );
    assert_eq!(found.replacement, ["x"]);
}

#[test]
fn trailing_whitespace_level() {
    let found = loc(&["a  ", "b\t"], &["a", "b"], &["a", "c"]).unwrap();
    assert_eq!(found.level, MatchLevel::TrailingWhitespace);
    assert_eq!(
        found.replacement,
        ["a  ", "c"],
        "context keeps the file's bytes"
    );
}

#[test]
fn indentation_level_reindents() {
    let file = ["class A:", "    def f(self):", "        return 1", "x = 2"];
    let search = ["def f(self):", "    return 1"];
    let replace = [
        "def f(self):",
        "    if self.ok:",
        "        return 2",
        "    return 1",
    ];
    let found = loc(&file, &search, &replace).unwrap();
    assert_eq!(found.level, MatchLevel::Indentation);
    assert_eq!((found.start, found.end), (1, 3));
    assert_eq!(
        found.replacement,
        [
            "    def f(self):",
            "        if self.ok:",
            "            return 2",
            "        return 1"
        ]
    );
}

#[test]
fn punctuation_level() {
    let file = ["print(\"don't\")", "x = 1 - 2"];
    let search = ["print(\u{201c}don\u{2019}t\u{201d})", "x = 1 \u{2013} 2"];
    let found = loc(&file, &search, &["print(\"do\")"]).unwrap();
    assert_eq!(found.level, MatchLevel::Punctuation);
    assert_eq!((found.start, found.end), (0, 2));
}

#[test]
fn elision_level_keeps_elided_lines() {
    let file = [
        "fn a() {",
        "    one();",
        "    two();",
        "    old();",
        "}",
        "fn b() {}",
    ];
    let search = ["fn a() {", "    // ...", "    old();", "}"];
    let replace = ["fn a() {", "    // ...", "    new();", "}"];
    let found = loc(&file, &search, &replace).unwrap();
    assert_eq!(found.level, MatchLevel::Elision);
    assert_eq!((found.start, found.end), (0, 5));
    assert_eq!(
        found.replacement,
        ["fn a() {", "    one();", "    two();", "    new();", "}"]
    );
}

#[test]
fn literal_dots_in_file_match_exactly_first() {
    let file = ["def stub():", "    ...", "x"];
    let found = loc(
        &file,
        &["def stub():", "    ..."],
        &["def stub():", "    pass"],
    )
    .unwrap();
    assert_eq!(found.level, MatchLevel::Exact);
}

#[test]
fn fuzzy_level_with_threshold() {
    let file = [
        "fn compute_total(items: &[Item]) -> u64 {",
        "    items.iter().map(|item| item.price * item.quantity).sum()",
        "}",
        "fn other() {}",
    ];
    let search = [
        "fn compute_total(items: &[Item]) -> u64 {",
        "    items.iter().map(|it| it.price * it.quantity).sum()",
        "}",
    ];
    let found = loc(&file, &search, &["fn compute_total() -> u64 { 0 }"]).unwrap();
    assert_eq!(found.level, MatchLevel::Fuzzy);
    assert_eq!((found.start, found.end), (0, 3));
    assert!(found.score >= 0.9 && found.score < 1.0);
    let strict = MatchOptions {
        fuzzy_threshold: 0.99,
        ..opts()
    };
    let err = locate(&file, &search, &["x"], &strict).unwrap_err();
    assert!(matches!(err, MatchFailure::NotFound { .. }));
}

#[test]
fn fuzzy_needs_a_clear_winner() {
    let file = [
        "let alpha_value = compute(first, second);",
        "store(alpha_value);",
        "let alpha_value = compute(first, secund);",
        "store(alpha_value);",
    ];
    let search = [
        "let alpha_value = compute(first, seond);",
        "store(alpha_value);",
    ];
    let err = loc(&file, &search, &["x"]).unwrap_err();
    assert_eq!(
        err,
        MatchFailure::Ambiguous {
            level: MatchLevel::Fuzzy,
            candidates: vec![1, 3]
        }
    );
    // With a tiny margin the better one wins.
    let lax = MatchOptions {
        fuzzy_margin: 0.0001,
        ..opts()
    };
    assert_eq!(locate(&file, &search, &["x"], &lax).unwrap().start, 0);
}

#[test]
fn fuzzy_skips_single_lines() {
    let err = loc(
        &["let total = compute(a, b);"],
        &["let total = compute(a, c);"],
        &["x"],
    )
    .unwrap_err();
    assert!(matches!(err, MatchFailure::NotFound { .. }));
}

#[test]
fn ambiguity_lists_candidates() {
    let file = ["x", "a", "b", "y", "a", "b"];
    let err = loc(&file, &["a", "b"], &["c"]).unwrap_err();
    assert_eq!(
        err,
        MatchFailure::Ambiguous {
            level: MatchLevel::Exact,
            candidates: vec![2, 5]
        }
    );
}

#[test]
fn ambiguity_is_reported_at_the_first_level_that_matches() {
    // One exact match wins even though a lenient level would find two.
    let file = ["  a", "a"];
    assert_eq!(loc(&file, &["a"], &["b"]).unwrap().start, 1);
    let file = ["  a ", "\ta"];
    let err = loc(&file, &["a"], &["b"]).unwrap_err();
    assert_eq!(
        err,
        MatchFailure::Ambiguous {
            level: MatchLevel::Indentation,
            candidates: vec![1, 2]
        }
    );
}

#[test]
fn hint_breaks_ties_only_when_exact() {
    let file = ["a", "b", "a", "b"];
    let on = MatchOptions {
        hint: Some(3),
        ..opts()
    };
    assert_eq!(locate(&file, &["a", "b"], &["c"], &on).unwrap().start, 2);
    let near = MatchOptions {
        hint: Some(4),
        ..opts()
    };
    assert!(matches!(
        locate(&file, &["a", "b"], &["c"], &near),
        Err(MatchFailure::Ambiguous { .. })
    ));
    // A hint never moves a unique match.
    let wrong = MatchOptions {
        hint: Some(1),
        ..opts()
    };
    assert_eq!(
        locate(&["x", "a"], &["a"], &["c"], &wrong).unwrap().start,
        1
    );
}

#[test]
fn not_found_reports_closest_region_and_diff() {
    let file = [
        "use std::io;",
        "",
        "fn main() {",
        "    let x = 1;",
        "    println!(\"{x}\");",
        "}",
    ];
    let search = [
        "fn main() {",
        "    let total = compute();",
        "    println!(\"{total}\");",
        "}",
    ];
    let err = loc(&file, &search, &["x"]).unwrap_err();
    let MatchFailure::NotFound { closest, diff } = err else {
        panic!("{err:?}")
    };
    assert_eq!(closest, Some(LineSpan { start: 3, end: 6 }));
    assert!(
        diff.contains("-    let total = compute();") && diff.contains("+    let x = 1;"),
        "{diff}"
    );
}

#[test]
fn from_and_at_end_restrict_the_place() {
    let file = ["a", "b", "a"];
    let after = MatchOptions { from: 1, ..opts() };
    assert_eq!(locate(&file, &["a"], &["c"], &after).unwrap().start, 2);
    let end = MatchOptions {
        at_end: true,
        ..opts()
    };
    assert_eq!(locate(&file, &["a"], &["c"], &end).unwrap().start, 2);
}

#[test]
fn empty_search_is_refused() {
    assert_eq!(
        loc(&["a"], &[], &["b"]).unwrap_err(),
        MatchFailure::EmptySearch
    );
}

#[test]
fn max_level_limits_the_cascade() {
    let strict = MatchOptions {
        max_level: MatchLevel::Exact,
        ..opts()
    };
    assert!(locate(&["a "], &["a"], &["b"], &strict).is_err());
}

#[test]
fn fuzzy_never_invents_context_nor_drops_unseen_lines() {
    let file: Vec<String> = (1..=14)
        .map(|i| format!("let value_{i} = compute_something({i});"))
        .collect();
    // The model's copy of lines 3-13 skips line 8 and invents a line.
    let mut search: Vec<String> = Vec::new();
    for i in 3..=13 {
        match i {
            8 => {}
            10 => {
                search.push(file[i - 1].clone());
                search.push("let invented = true;".to_owned());
            }
            _ => search.push(file[i - 1].clone()),
        }
    }
    let replace: Vec<String> = search
        .iter()
        .map(|l| {
            if l.contains("value_12 ") {
                "let value_12 = 0;".to_owned()
            } else {
                l.clone()
            }
        })
        .collect();
    let found = loc(
        &file.iter().map(String::as_str).collect::<Vec<_>>(),
        &search.iter().map(String::as_str).collect::<Vec<_>>(),
        &replace.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .unwrap();
    assert_eq!(found.level, MatchLevel::Fuzzy);
    let mut expected: Vec<String> = file[found.start..found.end].to_vec();
    let at = expected
        .iter()
        .position(|l| l.contains("value_12 "))
        .unwrap();
    expected[at] = "let value_12 = 0;".to_owned();
    assert_eq!(found.replacement, expected);
}

#[test]
fn fuzzy_pairs_changed_lines_by_similarity() {
    let head: Vec<String> = (1..=8)
        .map(|i| format!("    builder.set_option_{i}(Value::from({i}));"))
        .collect();
    let with = |middle: &[&str]| -> Vec<String> {
        let mut v = vec!["fn configure(builder: &mut Builder) {".to_owned()];
        v.extend(head.iter().cloned());
        v.extend(middle.iter().map(|l| (*l).to_owned()));
        v.extend(["    builder.finish();".to_owned(), "}".to_owned()]);
        v
    };
    let file = with(&["    builder.set_retries(5);"]);
    // An invented line before a line with a typo: the typo'd line must pair
    // with `set_retries`, so removing it removes that line.
    let search = with(&[
        "    builder.enable_logging(true);",
        "    builder.set_retrys(5);",
    ]);
    let replace = with(&["    builder.enable_logging(true);"]);
    let found = locate(&file, &search, &replace, &opts()).unwrap();
    assert_eq!(found.level, MatchLevel::Fuzzy);
    assert_eq!(found.replacement, with(&[]));
}
