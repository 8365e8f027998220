use super::*;
use crate::{FileEntry, Reference, Symbol};

fn file(path: &str) -> FileEntry {
    FileEntry {
        path: path.into(),
        lang: Some("python".into()),
        size: 10,
        hash: String::new(),
        mtime_ns: 0,
        is_test: looks_like_test(path),
    }
}

fn sym(path: &str, kind: &str, name: &str, qualified: &str) -> Symbol {
    Symbol {
        path: path.into(),
        kind: kind.into(),
        name: name.into(),
        qualified: qualified.into(),
        start_line: 1,
        end_line: 5,
        signature: format!("def {name}():"),
    }
}

fn snapshot() -> Snapshot {
    Snapshot {
        files: [
            "pkg/__init__.py",
            "pkg/models.py",
            "pkg/sessions.py",
            "pkg/utils.py",
            "tests/test_models.py",
            "docs/models.rst",
        ]
        .map(file)
        .to_vec(),
        symbols: vec![
            sym(
                "pkg/models.py",
                "class",
                "PreparedRequest",
                "PreparedRequest",
            ),
            sym(
                "pkg/models.py",
                "method",
                "prepare_body",
                "PreparedRequest.prepare_body",
            ),
            sym("pkg/sessions.py", "class", "Session", "Session"),
            sym("pkg/utils.py", "function", "get_encoding", "get_encoding"),
            sym(
                "tests/test_models.py",
                "function",
                "test_prepare_body",
                "test_prepare_body",
            ),
        ],
        references: vec![Reference {
            path: "pkg/sessions.py".into(),
            name: "PreparedRequest".into(),
            line: 3,
            kind: "call".into(),
        }],
        imports: vec![],
    }
}

fn hit(path: &str, score: f32) -> SearchHit {
    SearchHit {
        path: path.into(),
        score,
        symbols: vec![],
        lines: vec![],
    }
}

#[test]
fn the_defining_file_wins_with_a_reason() {
    let task = "`PreparedRequest.prepare_body` always sets Content-Length, even for GET.";
    let ranked = rank(task, &snapshot(), &[]);
    assert_eq!(ranked[0].path, "pkg/models.py", "{ranked:#?}");
    assert!(
        ranked[0]
            .reasons
            .iter()
            .any(|r| r == "defines `PreparedRequest.prepare_body` named in the task"),
        "{:?}",
        ranked[0].reasons
    );
}

#[test]
fn stack_frames_and_bm25_carry_reasons_and_tests_are_demoted() {
    let task = "Crash:\nTraceback (most recent call last):\n  File \"/venv/lib/site-packages/pkg/utils.py\", line 12, in x\nValueError";
    let bm25 = [Bm25Run {
        label: "whole text".into(),
        hits: vec![
            hit("tests/test_models.py", 9.0),
            hit("pkg/sessions.py", 5.0),
        ],
    }];
    let ranked = rank(task, &snapshot(), &bm25);
    assert_eq!(ranked[0].path, "pkg/utils.py", "{ranked:#?}");
    assert!(ranked[0].reasons.iter().any(|r| r.contains("stack frame")));
    let pos = |p: &str| ranked.iter().position(|r| r.path == p).unwrap_or(99);
    // BM25's first hit is a test: it falls below the source BM25 found.
    assert!(
        pos("pkg/sessions.py") < pos("tests/test_models.py"),
        "{ranked:#?}"
    );
    let sessions = &ranked[pos("pkg/sessions.py")];
    assert!(
        sessions
            .reasons
            .iter()
            .any(|r| r == "BM25 rank 2 (whole text)")
    );
    let test = &ranked[pos("tests/test_models.py")];
    assert!(test.reasons.iter().any(|r| r.contains("test file")));
}

#[test]
fn module_paths_resolve_to_files() {
    let ranked = rank("Calling pkg.sessions.Session fails", &snapshot(), &[]);
    assert_eq!(ranked[0].path, "pkg/sessions.py", "{ranked:#?}");
    assert!(
        ranked[0]
            .reasons
            .iter()
            .any(|r| r.contains("names this module"))
    );
}

#[test]
fn test_file_detection() {
    assert!(looks_like_test("tests/test_x.py"));
    assert!(looks_like_test("pkg/x_test.go"));
    assert!(looks_like_test("web/a.test.ts"));
    assert!(looks_like_test("sympy/core/tests/test_basic.py"));
    assert!(!looks_like_test("src/_pytest/python.py"));
    assert!(!looks_like_test("sympy/utilities/randtest.py"));
}

#[test]
fn queries_cover_text_identifiers_title_and_prose() {
    let task = "Crash in parse_header\nIt fails:\n```\nparse_header('x')\n```\nTraceback:\n  File \"a.py\", line 1\n";
    let q = bm25_queries(task);
    let labels: Vec<&str> = q.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["whole text", "identifiers", "title", "prose"]);
    assert_eq!(q[2].1, "Crash in parse_header");
    assert!(!q[3].1.contains("parse_header('x')"), "{}", q[3].1);
    assert!(q[1].1.contains("parse_header"));
}

#[test]
fn vendored_and_static_files_are_demoted() {
    assert!(looks_vendored("pkg/extern/jquery/jquery.js"));
    assert!(looks_vendored("web/static/app.min.js"));
    assert!(!looks_vendored("pkg/static.py"));
    let mut snap = snapshot();
    snap.files.push(file("pkg/static/viewer.js"));
    let bm25 = [Bm25Run {
        label: "whole text".into(),
        hits: vec![hit("pkg/static/viewer.js", 9.0), hit("pkg/utils.py", 5.0)],
    }];
    let ranked = rank("the viewer breaks", &snap, &bm25);
    let pos = |p: &str| ranked.iter().position(|r| r.path == p).unwrap_or(99);
    assert!(
        pos("pkg/utils.py") < pos("pkg/static/viewer.js"),
        "{ranked:#?}"
    );
}
