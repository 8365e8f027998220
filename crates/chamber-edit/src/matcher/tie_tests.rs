//! The matcher's tie rules and re-indentation, end to end through
//! [`locate`]: cases from the edit benchmark's failures.

#![allow(clippy::unwrap_used)]

use super::*;

fn opts() -> MatchOptions {
    MatchOptions::default()
}

fn loc(file: &[&str], search: &[&str], replace: &[&str]) -> Result<Located, MatchFailure> {
    locate(file, search, replace, &opts())
}

#[test]
fn tab_patch_on_space_file_is_written_in_spaces() {
    // stringprep.py: added lines one level deeper than their anchor.
    let file = [
        "def f(al):",
        "    if b != c:",
        "        return c",
        "    else:",
        "        return al",
    ];
    let search = ["\tif b != c:", "\t\treturn c", "\telse:", "\t\treturn al"];
    let mut replace = search.to_vec();
    replace.insert(3, "\t\tchecked_0 = len(al)");
    let found = loc(&file, &search, &replace).unwrap();
    assert_eq!(found.replacement[3], "        checked_0 = len(al)");
    // And the other way round: a space patch on a tab file.
    let file = ["fn f() {", "\tif x {", "\t\ty();", "\t}", "}"];
    let search = ["    if x {", "        y();", "    }"];
    let replace = [
        "    if x {",
        "        y();",
        "        if z {",
        "            w();",
        "        }",
        "    }",
    ];
    let found = loc(&file, &search, &replace).unwrap();
    assert_eq!(
        found.replacement,
        [
            "\tif x {",
            "\t\ty();",
            "\t\tif z {",
            "\t\t\tw();",
            "\t\t}",
            "\t}"
        ]
    );
}

#[test]
fn elision_after_a_common_line_is_not_ambiguous() {
    // tracing span.rs: `///` occurs in every doc comment before the
    // distinctive lines after the marker; all candidates give one result.
    let file = [
        "    /// One.",
        "    ///",
        "    /// Two.",
        "    pub fn other(&self) {}",
        "    /// Three.",
        "    ///",
        "    /// Four.",
        "    pub fn entered(self) -> EnteredSpan {",
        "        self.do_enter();",
        "    }",
    ];
    let search = [
        "    ///",
        "    ...",
        "    pub fn entered(self) -> EnteredSpan {",
        "        self.do_enter();",
    ];
    let mut replace = search.to_vec();
    replace[3] = "        self.do_enter_checked();";
    let found = loc(&file, &search, &replace).unwrap();
    assert_eq!((found.start, found.end), (5, 9));
    assert_eq!(found.replacement[3], "        self.do_enter_checked();");
    // Editing the common line itself is a real ambiguity.
    replace[0] = "    /// Changed.";
    let err = loc(&file, &search, &replace).unwrap_err();
    assert!(
        matches!(
            err,
            MatchFailure::Ambiguous {
                level: MatchLevel::Elision,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn hint_breaks_a_fuzzy_tie_only_when_it_points_at_one_place() {
    let block = [
        "        generics,",
        "        paren_token,",
        "        arg,",
        "        colon_token,",
        "        from_types,",
    ];
    let mut file = vec!["fn a() {"];
    file.extend(block);
    file.extend(["}", "fn b() {", "    x();", "}", "fn c() {"]);
    file.extend(block);
    file.push("}");
    // Stale context: one word changed; both copies score the same.
    let mut search = block.to_vec();
    search[1] = "        paren_tokens,";
    let mut replace = search.to_vec();
    replace[3] = "        colon_token, // kept";
    let err = loc(&file, &search, &replace).unwrap_err();
    assert!(
        matches!(
            err,
            MatchFailure::Ambiguous {
                level: MatchLevel::Fuzzy,
                ..
            }
        ),
        "{err:?}"
    );
    let at = |hint| MatchOptions {
        hint: Some(hint),
        ..opts()
    };
    let found = locate(&file, &search, &replace, &at(13)).unwrap();
    assert_eq!((found.start, found.level), (11, MatchLevel::Fuzzy));
    assert_eq!(
        found.replacement[1], "        paren_token,",
        "context stays the file's"
    );
    assert_eq!(locate(&file, &search, &replace, &at(3)).unwrap().start, 1);
    assert!(
        locate(&file, &search, &replace, &at(8)).is_err(),
        "between the places"
    );
}

#[test]
fn a_fuzzy_tie_goes_to_the_one_place_indented_like_the_search() {
    // ref-cast lib.rs: the same fields at two depths, one stale word.
    let fields = [
        "generics,",
        "paren_token,",
        "arg,",
        "colon_token,",
        "from_type,",
    ];
    let deep: Vec<String> = fields.iter().map(|f| format!("            {f}")).collect();
    let shallow: Vec<String> = fields.iter().map(|f| format!("        {f}")).collect();
    let mut file: Vec<&str> = vec!["fn a() {"];
    file.extend(deep.iter().map(String::as_str));
    file.extend(["}", "fn b() {"]);
    file.extend(shallow.iter().map(String::as_str));
    file.push("}");
    let mut search: Vec<&str> = deep.iter().map(String::as_str).collect();
    search[4] = "            from_types,";
    let mut replace = search.clone();
    replace[3] = "            colon_token, // kept";
    let found = loc(&file, &search, &replace).unwrap();
    assert_eq!((found.start, found.level), (1, MatchLevel::Fuzzy));
    // Indented like neither: still a tie.
    let four: Vec<String> = search.iter().map(|l| format!("    {}", l.trim())).collect();
    let err = locate(&file, &four, &four, &opts()).unwrap_err();
    assert!(
        matches!(
            err,
            MatchFailure::Ambiguous {
                level: MatchLevel::Fuzzy,
                ..
            }
        ),
        "{err:?}"
    );
    // A hint at the other place contradicts the indentation: refused.
    let at = MatchOptions {
        hint: Some(8),
        ..opts()
    };
    assert!(locate(&file, &search, &replace, &at).is_err());
}

#[test]
fn elision_prefers_the_block_indented_like_the_search() {
    // portable-atomic s390x.rs: the same asm block at two depths.
    let file = [
        "    \"jl 2b\",",
        "    x,",
        "    in(val_lo) lo,",
        "    options(nostack),",
        "mod inner {",
        "        \"jl 2b\",",
        "        y,",
        "        in(val_lo) lo,",
        "        options(nostack),",
        "}",
    ];
    let search = [
        "    \"jl 2b\",",
        "    ...",
        "    in(val_lo) lo,",
        "    options(nostack),",
    ];
    let replace = ["    \"jl 2b\",", "    ...", "    options(nostack),"];
    let found = loc(&file, &search, &replace).unwrap();
    assert_eq!((found.start, found.end), (0, 4));
    assert_eq!(
        found.replacement,
        ["    \"jl 2b\",", "    x,", "    options(nostack),"]
    );
    // Indented like neither: ambiguous.
    let trimmed: Vec<&str> = search.iter().map(|l| l.trim()).collect();
    let edited: Vec<&str> = replace.iter().map(|l| l.trim()).collect();
    let err = loc(&file, &trimmed, &edited).unwrap_err();
    assert!(
        matches!(
            err,
            MatchFailure::Ambiguous {
                level: MatchLevel::Elision,
                ..
            }
        ),
        "{err:?}"
    );
}
