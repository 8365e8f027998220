use super::*;
use crate::FileEntry;

fn entry(path: &str) -> FileEntry {
    FileEntry {
        path: path.into(),
        lang: Some("python".into()),
        size: 1,
        hash: String::new(),
        mtime_ns: 0,
        is_test: looks_like_test(path),
    }
}

fn symbol(path: &str, name: &str, start: u32, end: u32) -> Symbol {
    Symbol {
        path: path.into(),
        kind: "function".into(),
        name: name.into(),
        qualified: name.into(),
        start_line: start,
        end_line: end,
        signature: format!("def {name}(x):"),
    }
}

/// A project with a long module, a short one, a test and instructions.
fn project() -> (tempfile::TempDir, Snapshot) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    std::fs::create_dir_all(root.join("tests")).unwrap();
    let mut long = String::from("\"\"\"The long module.\"\"\"\n");
    let mut symbols = Vec::new();
    for i in 0..80 {
        let start = long.lines().count() as u32 + 1;
        long.push_str(&format!(
            "def helper_{i}(x):\n    y = x + {i}\n    return y\n\n"
        ));
        symbols.push(symbol(
            "pkg/long.py",
            &format!("helper_{i}"),
            start,
            start + 2,
        ));
    }
    long.push_str("# END OF FILE\n");
    std::fs::write(root.join("pkg/long.py"), &long).unwrap();
    std::fs::write(root.join("pkg/short.py"), "def tiny(x):\n    return x\n").unwrap();
    symbols.push(symbol("pkg/short.py", "tiny", 1, 2));
    std::fs::write(
        root.join("tests/test_long.py"),
        "from pkg.long import helper_40\n\ndef test_helper():\n    assert helper_40(1) == 41\n",
    )
    .unwrap();
    symbols.push(symbol("tests/test_long.py", "test_helper", 3, 4));
    std::fs::write(root.join("AGENTS.md"), "Always run the tests.\n").unwrap();
    let snapshot = Snapshot {
        files: ["pkg/long.py", "pkg/short.py", "tests/test_long.py"]
            .map(entry)
            .to_vec(),
        symbols,
        references: vec![],
        imports: vec![],
    };
    (dir, snapshot)
}

fn ranked() -> Vec<RankedFile> {
    vec![
        RankedFile {
            path: "pkg/long.py".into(),
            score: 2.0,
            reasons: vec!["defines `helper_40` named in the task".into()],
        },
        RankedFile {
            path: "pkg/short.py".into(),
            score: 1.0,
            reasons: vec!["BM25 rank 2 (whole text)".into()],
        },
    ]
}

#[test]
fn pieces_come_in_order_with_reasons_and_long_files_are_summarised() {
    let (dir, snap) = project();
    let built = build_context(
        dir.path(),
        "Fix `helper_40` in pkg/long.py",
        &snap,
        &ranked(),
        &ContextOptions::default(),
    );
    let kinds: Vec<PieceKind> = built.pieces.iter().map(|p| p.kind).collect();
    assert_eq!(kinds[0], PieceKind::Instructions, "{kinds:?}");
    assert_eq!(kinds[1], PieceKind::RepoMap, "{kinds:?}");
    let long = built
        .pieces
        .iter()
        .find(|p| p.path.as_deref() == Some("pkg/long.py"))
        .unwrap();
    assert_eq!(long.kind, PieceKind::FileSummary);
    assert!(
        long.reason.contains("defines `helper_40`"),
        "{}",
        long.reason
    );
    // Head, the window around the named symbol, the tail; not everything.
    assert!(long.text.contains("The long module."));
    assert!(long.text.contains("y = x + 40"), "{}", long.text);
    assert!(long.text.contains("# END OF FILE"));
    assert!(!long.text.contains("y = x + 70"));
    let short = built
        .pieces
        .iter()
        .find(|p| p.path.as_deref() == Some("pkg/short.py"))
        .unwrap();
    assert_eq!(short.kind, PieceKind::File);
    assert!(short.text.contains("return x"));
    let test = built
        .pieces
        .iter()
        .find(|p| p.kind == PieceKind::Test)
        .unwrap();
    assert_eq!(test.path.as_deref(), Some("tests/test_long.py"));
    assert_eq!(test.reason, "tests pkg/long.py");
    assert!(estimate_tokens(&built.render()) <= built.tokens());
}

#[test]
fn the_context_never_exceeds_its_budget() {
    let (dir, snap) = project();
    for budget in [0, 10, 50, 120, 300, 700, 2000, 20_000] {
        let opts = ContextOptions {
            budget_tokens: budget,
            ..ContextOptions::default()
        };
        let built = build_context(dir.path(), "Fix `helper_40`", &snap, &ranked(), &opts);
        assert!(built.tokens() <= budget, "{budget}: {}", built.tokens());
        assert!(estimate_tokens(&built.render()) <= budget);
        if budget >= 700 {
            assert!(
                built
                    .pieces
                    .iter()
                    .any(|p| p.path.as_deref() == Some("pkg/long.py"))
            );
        }
        if budget <= 50 {
            assert!(!built.left_out.is_empty(), "{budget}");
        }
    }
}
