use std::path::Path;

use chamber_edit::syntax::{Lang, check_edit, syntax_errors};

#[test]
fn languages_come_from_extensions() {
    let cases = [
        ("a.rs", Some(Lang::Rust)),
        ("a.py", Some(Lang::Python)),
        ("a.pyi", Some(Lang::Python)),
        ("a.ts", Some(Lang::TypeScript)),
        ("a.mts", Some(Lang::TypeScript)),
        ("a.cts", Some(Lang::TypeScript)),
        ("a.tsx", Some(Lang::Tsx)),
        ("a.js", Some(Lang::JavaScript)),
        ("a.mjs", Some(Lang::JavaScript)),
        ("a.cjs", Some(Lang::JavaScript)),
        ("a.JSX", Some(Lang::JavaScript)),
        ("a.go", Some(Lang::Go)),
        ("a.md", None),
        ("Makefile", None),
    ];
    for (path, lang) in cases {
        assert_eq!(Lang::from_path(Path::new(path)), lang, "{path}");
    }
    for lang in [
        Lang::Rust,
        Lang::Python,
        Lang::TypeScript,
        Lang::Tsx,
        Lang::JavaScript,
        Lang::Go,
    ] {
        assert!(lang.parser().is_ok(), "{lang:?}");
    }
}

#[test]
fn reports_error_and_missing_nodes() {
    assert!(syntax_errors(Lang::Rust, "fn ok() {}\n").is_empty());
    let issues = syntax_errors(Lang::Python, "def f(:\n    pass\n");
    assert_eq!(issues.len(), 1);
    assert_eq!((issues[0].line, issues[0].column), (1, 7));
    assert_eq!(issues[0].kind, "missing \")\"");
    assert_eq!(issues[0].snippet, "def f(:");

    let issues = syntax_errors(Lang::Go, "package p\n\nfunc f() {\n\tx := = 1\n}\n");
    assert!(!issues.is_empty());
    assert_eq!(issues[0].line, 4);
    for (lang, broken) in [
        (Lang::TypeScript, "let x: number = ;\n"),
        (Lang::Tsx, "const a = <div>;\n"),
        (Lang::JavaScript, "function (a {\n"),
        (Lang::Rust, "struct S { a: }\n"),
    ] {
        assert!(
            !syntax_errors(lang, broken).is_empty(),
            "{lang:?}: {broken}"
        );
    }
}

#[test]
fn rejects_an_edit_that_breaks_a_clean_file() {
    let before = "fn main() {\n    let x = 1;\n    println!(\"{x}\");\n}\n";
    let after = "fn main() {\n    let x = ;\n    println!(\"{x}\");\n}\n";
    let err = check_edit(Path::new("src/main.rs"), Some(before), after).unwrap_err();
    assert_eq!((err.line, err.before_count), (2, 0));
    let msg = err.to_string();
    assert!(msg.starts_with("src/main.rs:2:"), "{msg}");
    assert!(msg.contains("let x = ;"), "{msg}");
    assert!(
        msg.contains("the edit was not applied; fix the syntax and retry"),
        "{msg}"
    );
    assert!(check_edit(Path::new("src/main.rs"), Some(before), before).is_ok());
}

#[test]
fn new_files_must_parse() {
    assert!(check_edit(Path::new("new.py"), None, "def f():\n    return 1\n").is_ok());
    let err = check_edit(Path::new("new.py"), None, "def f(:\n    return 1\n").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("new.py:1:7: syntax error (missing \")\")"),
        "{err}"
    );
}

#[test]
fn already_broken_files_may_be_edited_without_adding_errors() {
    // An unfinished call on line 3 stays broken; the edit renames a variable elsewhere.
    let before = "package p\n\nfunc a() { f(1 }\n\nfunc b() int {\n\treturn 1\n}\n";
    let after = "package p\n\nfunc a() { f(1 }\n\nfunc b() int {\n\treturn 2\n}\n";
    assert!(!syntax_errors(Lang::Go, before).is_empty());
    assert!(check_edit(Path::new("p.go"), Some(before), after).is_ok());
    // Fixing the old error while keeping everything else is fine too.
    let fixed = "package p\n\nfunc a() { f(1) }\n\nfunc b() int {\n\treturn 1\n}\n";
    assert!(check_edit(Path::new("p.go"), Some(before), fixed).is_ok());
    // A second error is not.
    let worse = "package p\n\nfunc a() { f(1 }\n\nfunc b() int {\n\treturn 1 +\n}\n";
    let err = check_edit(Path::new("p.go"), Some(before), worse).unwrap_err();
    assert!(err.after_count > err.before_count);
    assert_eq!((err.line, err.snippet.as_str()), (6, "return 1 +"), "{err}");
}

#[test]
fn unknown_languages_are_accepted() {
    assert!(check_edit(Path::new("notes.txt"), Some("a"), "fn (((").is_ok());
    assert!(check_edit(Path::new("Makefile"), None, "{{{").is_ok());
}
