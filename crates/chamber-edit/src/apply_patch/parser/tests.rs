#![allow(clippy::unwrap_used)]

use super::*;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

#[test]
fn parses_all_operations() {
    let text = "*** Begin Patch\n\
                *** Add File: new.txt\n+one\n+two\n\
                *** Delete File: old.txt\n\
                *** Update File: a.py\n*** Move to: b.py\n\
                @@ class A\n@@     def f(self):\n     x = 1\n-    y = 2\n+    y = 3\n\
                @@\n-tail\n+TAIL\n*** End of File\n\
                *** End Patch\n";
    let patch = parse(text).unwrap();
    assert_eq!(patch.ops.len(), 3);
    assert_eq!(
        patch.ops[0],
        Op::Add {
            path: "new.txt".into(),
            lines: s(&["one", "two"])
        }
    );
    assert_eq!(
        patch.ops[1],
        Op::Delete {
            path: "old.txt".into()
        }
    );
    let Op::Update {
        path,
        move_to,
        chunks,
    } = &patch.ops[2]
    else {
        panic!()
    };
    assert_eq!((path.as_str(), move_to.as_deref()), ("a.py", Some("b.py")));
    assert_eq!(chunks.len(), 2);
    assert_eq!(chunks[0].anchors, s(&["class A", "def f(self):"]));
    assert_eq!(chunks[0].old, s(&["    x = 1", "    y = 2"]));
    assert_eq!(chunks[0].new, s(&["    x = 1", "    y = 3"]));
    assert!(!chunks[0].at_eof && chunks[1].at_eof);
}

#[test]
fn first_hunk_may_omit_its_header() {
    let patch = parse("*** Begin Patch\n*** Update File: f\n-a\n+b\n*** End Patch").unwrap();
    let Op::Update { chunks, .. } = &patch.ops[0] else {
        panic!()
    };
    assert_eq!(chunks[0].old, s(&["a"]));
}

#[test]
fn padded_markers_heredoc_and_crlf() {
    let text = "apply_patch <<'EOF'\r\n  *** Begin Patch \r\n   *** Update File: f.txt\r\n@@\r\n-a\r\n+b\r\n *** End Patch\r\nEOF\r\n";
    let patch = parse(text).unwrap();
    assert_eq!(patch.ops.len(), 1);
}

#[test]
fn empty_lines_inside_hunks_are_context_but_not_at_the_end() {
    let text = "*** Begin Patch\n*** Update File: f\n@@\n a\n\n-b\n+c\n\n*** End Patch\n";
    let patch = parse(text).unwrap();
    let Op::Update { chunks, .. } = &patch.ops[0] else {
        panic!()
    };
    assert_eq!(chunks[0].old, s(&["a", "", "b"]));
}

#[test]
fn errors_name_the_line() {
    let cases = [
        ("hello\n*** Begin Patch\n*** End Patch", "line 1", "before"),
        (
            "*** Begin Patch\n*** Add File: a\n+x\n",
            "line 3",
            "missing `*** End Patch`",
        ),
        (
            "*** Begin Patch\n*** Frobnicate File: foo\n*** End Patch",
            "line 2",
            "unknown operation",
        ),
        (
            "*** Begin Patch\n*** Update File: foo\n*** End Patch",
            "line 2",
            "has no hunks",
        ),
        (
            "*** Begin Patch\n*** Update File: f\n@@\nx\n*** End Patch",
            "line 4",
            "must start with ' '",
        ),
        (
            "*** Begin Patch\n*** Add File: f\nno plus\n*** End Patch",
            "line 3",
            "must start with `+`",
        ),
        (
            "*** Begin Patch\n*** Add File:\n*** End Patch",
            "line 2",
            "needs a path",
        ),
        (
            "*** Begin Patch\n*** Update File: f\n@@ ctx\n*** End Patch",
            "line 3",
            "no lines",
        ),
    ];
    for (text, line, what) in cases {
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains(line) && err.contains(what), "{text:?}: {err}");
    }
}

#[test]
fn empty_patch_parses_to_nothing() {
    assert!(
        parse("*** Begin Patch\n*** End Patch\n")
            .unwrap()
            .ops
            .is_empty()
    );
}

#[test]
fn multibyte_first_characters_do_not_panic() {
    let err = parse("*** Begin Patch\n*** Update File: f\n@@\né\n*** End Patch").unwrap_err();
    assert!(matches!(err, EditError::Parse { line: 4, .. }));
}
