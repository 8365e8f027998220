//! No input may panic the parsers or the planners: thousands of random and
//! mutated patches (lines deleted, duplicated, swapped, bytes flipped,
//! cut short, spliced together) are fed to each format. The generator is
//! seeded, so a failure names a reproducible input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};

use chamber_edit::{
    check_apply_patch, check_unified_diff, parse_search_replace, plan_apply_patch,
    plan_search_replace, plan_unified_diff,
};

const APPLY_PATCH: &[&str] = &[
    "*** Begin Patch\n*** Add File: a.txt\n+hello\n+world\n*** Delete File: b.txt\n*** Update File: c.py\n*** Move to: d.py\n@@ def f():\n     x = 1\n-    y = 2\n+    y = 3\n@@\n-tail\n+TAIL\n*** End of File\n*** End Patch\n",
    "*** Begin Patch\n*** Update File: c.py\n@@ class A:\n@@     def f(self):\n         return 1\n-        pass\n+        ...\n*** End Patch\n",
    "*** Begin Patch\n*** Update File: src/main.rs\n@@\n fn main() {\n-    println!(\"hi\");\n+    println!(\"hé…\");\n }\n*** End Patch",
];

const SEARCH_REPLACE: &[&str] = &[
    "c.py\n```python\n<<<<<<< SEARCH\ndef f():\n    x = 1\n=======\ndef f():\n    x = 2\n>>>>>>> REPLACE\n```\n",
    "src/main.rs\n<<<<<<< SEARCH\nfn main() {\n    // ...\n}\n=======\nfn main() {\n    // ...\n    done();\n}\n>>>>>>> REPLACE\n<<<<<<< SEARCH\n=======\nnew\n>>>>>>> REPLACE\n",
];

const UNIFIED: &[&str] = &[
    "diff --git a/c.py b/c.py\nindex 1..2 100644\n--- a/c.py\n+++ b/c.py\n@@ -1,4 +1,4 @@ def f():\n def f():\n-    x = 1\n+    x = 2\n     y = 2\n\\ No newline at end of file\n",
    "--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+a\n+b\ndiff --git a/src/main.rs b/src/moved.rs\nrename from src/main.rs\nrename to src/moved.rs\n--- a/a.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-hello\n",
    "--- \"a/sp ace\\303\\251\"\n+++ \"b/sp ace\\303\\251\"\n@@ -3,7 +3,7 @@\n x\n-y\n+z\n",
];

/// Text fragments mutations insert: markers of all formats, edge cases.
const FRAGMENTS: &[&str] = &[
    "*** Begin Patch",
    "*** End Patch",
    "*** Add File: ",
    "*** Update File: c.py",
    "*** Delete File: ",
    "*** Move to: ../x",
    "*** End of File",
    "@@",
    "@@ -",
    "@@ -1,2 +3,4 @@",
    "@@ -99999999999999999999 @@",
    "<<<<<<< SEARCH",
    "=======",
    ">>>>>>> REPLACE",
    "--- a/c.py",
    "+++ b/c.py",
    "--- /dev/null",
    "+++ /dev/null",
    "diff --git a/x b/y",
    "\\ No newline at end of file",
    "new file mode 100644",
    "deleted file mode 100644",
    "rename from /etc/passwd",
    "Binary files a and b differ",
    "...",
    "// ...",
    "\u{2026}",
    "\u{201c}",
    "é",
    "\t",
    "\r",
    "",
    " ",
    "-",
    "+",
    "\"",
    "\\",
    "```",
    "/",
    "..",
    "\u{0}",
];

fn mutate(rng: &mut fastrand::Rng, text: &str, seeds: &[&str]) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    for _ in 0..rng.usize(1..=4) {
        let n = lines.len().max(1);
        match rng.u8(0..9) {
            0 if !lines.is_empty() => {
                lines.remove(rng.usize(0..lines.len()));
            }
            1 if !lines.is_empty() => {
                let i = rng.usize(0..lines.len());
                lines.insert(i, lines[i].clone());
            }
            2 if lines.len() > 1 => {
                let (a, b) = (rng.usize(0..lines.len()), rng.usize(0..lines.len()));
                lines.swap(a, b);
            }
            3 => {
                let fragment = FRAGMENTS[rng.usize(0..FRAGMENTS.len())];
                lines.insert(rng.usize(0..=lines.len()), fragment.to_owned());
            }
            4 if !lines.is_empty() => {
                // Flip bytes of one line (kept as lossy UTF-8).
                let i = rng.usize(0..lines.len());
                let mut bytes = lines[i].clone().into_bytes();
                for _ in 0..rng.usize(1..=3) {
                    if bytes.is_empty() {
                        bytes.push(rng.u8(..));
                    } else {
                        let at = rng.usize(0..bytes.len());
                        bytes[at] ^= 1 << rng.u8(0..8);
                    }
                }
                lines[i] = String::from_utf8_lossy(&bytes).into_owned();
            }
            5 if !lines.is_empty() => {
                let i = rng.usize(0..lines.len());
                let fragment = FRAGMENTS[rng.usize(0..FRAGMENTS.len())];
                let at = lines[i]
                    .char_indices()
                    .map(|(b, _)| b)
                    .nth(rng.usize(0..=lines[i].chars().count()))
                    .unwrap_or(lines[i].len());
                lines[i].insert_str(at, fragment);
            }
            6 => lines.truncate(rng.usize(0..n)),
            7 => {
                let other = seeds[rng.usize(0..seeds.len())];
                let cut = rng.usize(0..=lines.len());
                lines.truncate(cut);
                lines.extend(other.split('\n').skip(rng.usize(0..4)).map(str::to_owned));
            }
            _ => {
                let i = rng.usize(0..=lines.len());
                let prefix = [" ", "-", "+", "@", "*", "<", ">", "=", "\\"][rng.usize(0..9)];
                lines.insert(i, format!("{prefix}{}", random_text(rng)));
            }
        }
    }
    let sep = if rng.u8(0..10) == 0 { "\r\n" } else { "\n" };
    lines.join(sep)
}

fn random_text(rng: &mut fastrand::Rng) -> String {
    let alphabet: Vec<char> = " \t-+@*<>=\\/.abcxyz(){}[];:'\"é…\u{201c}\u{2014}\u{a0}\r0123456789"
        .chars()
        .collect();
    (0..rng.usize(0..24))
        .map(|_| alphabet[rng.usize(0..alphabet.len())])
        .collect()
}

fn inputs(seed: u64, seeds: &[&str], count: usize) -> Vec<String> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut out: Vec<String> = seeds.iter().map(|s| (*s).to_owned()).collect();
    while out.len() < count {
        let text = match rng.u8(0..10) {
            0 => random_text(&mut rng),
            1 => (0..rng.usize(1..12))
                .map(|_| random_text(&mut rng))
                .collect::<Vec<_>>()
                .join("\n"),
            2..=4 => {
                // Keep the first and last lines (the patch frame), so that
                // more inputs get past the parser into the planner.
                let base = seeds[rng.usize(0..seeds.len())].trim_end();
                let (head, rest) = base.split_once('\n').unwrap_or((base, ""));
                let (body, tail) = rest.rsplit_once('\n').unwrap_or((rest, ""));
                format!("{head}\n{}\n{tail}\n", mutate(&mut rng, body, seeds))
            }
            _ => {
                let base = if rng.bool() {
                    seeds[rng.usize(0..seeds.len())].to_owned()
                } else {
                    out[rng.usize(0..out.len())].clone()
                };
                mutate(&mut rng, &base, seeds)
            }
        };
        out.push(text);
    }
    out
}

fn no_panic(what: &str, input: &str, f: impl FnOnce()) {
    if catch_unwind(AssertUnwindSafe(f)).is_err() {
        panic!("{what} panicked on input {input:?}");
    }
}

fn sample_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("a.txt", "hello\n"),
        ("b.txt", "bye\n"),
        (
            "c.py",
            "def f():\n    x = 1\n    y = 2\n\nclass A:\n    def f(self):\n        return 1\n        pass\ntail",
        ),
        (
            "src/main.rs",
            "fn main() {\r\n    println!(\"hi\");\r\n}\r\n",
        ),
        ("sp ace\u{e9}", "x\ny\nz\n"),
    ];
    for (path, text) in files {
        let p = dir.path().join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    fs::create_dir_all(dir.path().join("dir")).unwrap();
    dir
}

#[test]
fn parsers_never_panic() {
    for text in inputs(1, APPLY_PATCH, 5000) {
        no_panic("check_apply_patch", &text, || {
            drop(check_apply_patch(&text))
        });
    }
    for text in inputs(2, SEARCH_REPLACE, 5000) {
        no_panic("parse_search_replace", &text, || {
            drop(parse_search_replace(&text))
        });
    }
    for text in inputs(3, UNIFIED, 5000) {
        no_panic("check_unified_diff", &text, || {
            drop(check_unified_diff(&text))
        });
    }
}

#[test]
fn planners_never_panic() {
    let dir = sample_tree();
    let root = dir.path();
    let before = fs::read_to_string(root.join("c.py")).unwrap();
    for text in inputs(4, APPLY_PATCH, 2000) {
        no_panic("plan_apply_patch", &text, || {
            drop(plan_apply_patch(root, &text))
        });
    }
    for text in inputs(5, SEARCH_REPLACE, 2000) {
        no_panic("plan_search_replace", &text, || {
            if let Ok(blocks) = parse_search_replace(&text) {
                drop(plan_search_replace(root, &blocks));
            }
        });
    }
    for text in inputs(6, UNIFIED, 2000) {
        no_panic("plan_unified_diff", &text, || {
            drop(plan_unified_diff(root, &text))
        });
    }
    assert_eq!(
        fs::read_to_string(root.join("c.py")).unwrap(),
        before,
        "planning writes nothing"
    );
}
