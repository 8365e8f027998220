//! `chamber patch apply` reads every edit format the engine knows (issue 15,
//! defect 3): unified diffs, `apply_patch` envelopes and search/replace
//! blocks, detected from the text. The shared `apply_patch` conformance
//! scenarios pass through the CLI too, and a patch that does not fit says
//! so in words meant for the person at the terminal (defect 7).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::harness::{NO_MODEL, Project};

/// The shared scenarios, read in place (`../shared/conformance/apply-patch`
/// beside the workspace, or `$CHAMBER_SHARED_DIR/conformance/apply-patch`).
fn conformance_dir() -> Option<PathBuf> {
    let beside =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/apply-patch");
    let from_env = std::env::var_os("CHAMBER_SHARED_DIR")
        .map(|d| PathBuf::from(d).join("conformance/apply-patch"));
    [from_env, Some(beside)]
        .into_iter()
        .flatten()
        .find(|d| d.is_dir())
}

/// Every file under `root` (`.chamber/` left out), relative path -> bytes.
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if rel.starts_with(".chamber") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Copies `from` (files and directories) into `to`.
fn copy_into(from: &Path, to: &Path) {
    let Ok(entries) = std::fs::read_dir(from) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_into(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// All 23 scenarios through `chamber patch apply`: an accepted patch gives
/// `expected/` byte for byte; a rejected one exits 9 with an error envelope
/// and, the command being all or nothing, leaves `input/` as it was. That is
/// `expected/` too for every rejection but 015, whose reference semantics
/// keep the operations before the failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_patch_conformance_through_the_cli() {
    let Some(dir) = conformance_dir() else {
        if std::env::var("CHAMBER_REQUIRE_CONFORMANCE").is_ok_and(|v| v == "1") {
            panic!("conformance folder not found and CHAMBER_REQUIRE_CONFORMANCE=1");
        }
        eprintln!("skipping: conformance folder not found");
        return;
    };
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("patch.txt").is_file())
        .collect();
    cases.sort();
    assert_eq!(cases.len(), 23, "{}", dir.display());
    let mut failures = Vec::new();
    let mut not_expected = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let p = Project::plain(NO_MODEL);
        copy_into(&case.join("input"), p.path());
        let input = tree(p.path());
        let patch = case.join("patch.txt");
        let out = p
            .run(&["patch", "apply", patch.to_str().unwrap(), "--json"])
            .await;
        let env = out.envelope();
        let got = tree(p.path());
        let expected = tree(&case.join("expected"));
        let wanted = match out.code {
            0 => &expected,
            9 => {
                let err = &env["error"];
                if env["ok"] != false || !err["code"].is_string() || !err["hint"].is_string() {
                    failures.push(format!(
                        "{name}: rejection without an error envelope: {env}"
                    ));
                }
                &input
            }
            other => {
                failures.push(format!("{name}: exit {other}\n{}", out.dump()));
                continue;
            }
        };
        if &got != wanted {
            failures.push(format!(
                "{name} (exit {}): tree differs\nwanted: {wanted:?}\ngot: {got:?}\n{}",
                out.code,
                out.dump()
            ));
        }
        if got != expected {
            not_expected.push(name);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(
        not_expected,
        ["015_failure_after_partial_success_leaves_changes"],
        "only the partial-success case differs from expected/ (all or nothing)"
    );
}

/// A project with `src/app.py` committed.
fn app_project() -> Project {
    let p = Project::git(NO_MODEL);
    p.write(
        "src/app.py",
        "def greet(name):\n    return 'hello ' + name\n\n\ndef main():\n    print(greet('x'))\n",
    );
    p.git_ok(&["add", "."]);
    p.git_ok(&["commit", "-q", "-m", "app"]);
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_patch_envelopes_apply() {
    let p = app_project();
    p.write(
        "change.patch",
        "*** Begin Patch\n*** Update File: src/app.py\n@@ def greet(name):\n-    return 'hello ' + name\n+    return 'hi ' + name\n*** Add File: NOTES.md\n+notes\n*** End Patch\n",
    );
    let out = p.run(&["patch", "apply", "change.patch", "--json"]).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["payload"]["format"], "apply_patch", "{env}");
    assert!(
        p.read("src/app.py")
            .unwrap()
            .contains("return 'hi ' + name"),
        "{}",
        out.dump()
    );
    assert_eq!(p.read("NOTES.md").as_deref(), Some("notes\n"));
    // Recorded like a diff: rolling it back restores both files.
    let id = env["payload"]["patch"]["id"].as_str().unwrap().to_string();
    p.run(&["patch", "rollback", &id, "--json"])
        .await
        .assert_code(0);
    assert!(p.read("src/app.py").unwrap().contains("'hello '"));
    assert_eq!(p.read("NOTES.md"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_replace_blocks_apply() {
    let p = app_project();
    p.write(
        "change.txt",
        "src/app.py\n<<<<<<< SEARCH\ndef main():\n    print(greet('x'))\n=======\ndef main():\n    print(greet('world'))\n>>>>>>> REPLACE\n",
    );
    let out = p.run(&["patch", "apply", "change.txt", "--json"]).await;
    out.assert_code(0);
    assert_eq!(out.envelope()["payload"]["format"], "search/replace");
    assert!(
        p.read("src/app.py")
            .unwrap()
            .contains("print(greet('world'))"),
        "{}",
        out.dump()
    );
}

/// The failure names the file and hunk and the closest region in plain
/// words, with a hint for a person; none of the advice meant for a model
/// ("re-read it", "retry").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patch_that_does_not_fit_is_explained_for_a_person() {
    let p = app_project();
    p.write(
        "change.patch",
        "*** Begin Patch\n*** Update File: src/app.py\n@@\n-def farewell(name):\n-    return 'bye ' + name\n+def farewell(name):\n+    return 'ciao ' + name\n*** End Patch\n",
    );
    let before = p.read("src/app.py");
    let out = p.run(&["patch", "apply", "change.patch"]).await;
    out.assert_code(9);
    assert_eq!(p.read("src/app.py"), before);
    let err = out.stderr.to_lowercase();
    assert!(err.contains("src/app.py"), "{}", out.dump());
    assert!(err.contains("nothing was changed"), "{}", out.dump());
    assert!(err.contains("hint:"), "{}", out.dump());
    for model_talk in ["re-read", "retry", "copy the lines"] {
        assert!(
            !err.contains(model_talk),
            "{model_talk:?} in\n{}",
            out.dump()
        );
    }
}
