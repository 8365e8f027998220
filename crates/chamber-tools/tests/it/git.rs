use std::path::Path;
use std::process::Command;

use chamber_tools::{Git, GitError};

use crate::put;

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

/// A fresh repository with a test identity and one commit.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["config", "user.name", "Test"]);
    git(dir.path(), &["config", "user.email", "test@example.com"]);
    put(dir.path(), "README.md", "hello\n");
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "init"]);
    dir
}

#[test]
fn discover_finds_the_top_level_from_a_subdirectory() {
    let dir = repo();
    put(dir.path(), "src/lib.rs", "");
    let g = Git::discover(&dir.path().join("src")).unwrap();
    assert_eq!(g.root(), dir.path().canonicalize().unwrap());
    let plain = tempfile::tempdir().unwrap();
    assert!(Git::discover(plain.path()).is_none());
}

#[test]
fn branches_and_head() {
    let dir = repo();
    let g = Git::discover(dir.path()).unwrap();
    assert_eq!(g.current_branch().unwrap(), "main");
    assert_eq!(g.head().unwrap().unwrap().len(), 40);
    assert!(!g.branch_exists("chamber/x").unwrap());
    g.create_branch_and_switch("chamber/x").unwrap();
    assert!(g.branch_exists("chamber/x").unwrap());
    assert_eq!(g.current_branch().unwrap(), "chamber/x");
    g.switch("main").unwrap();
    assert_eq!(g.current_branch().unwrap(), "main");
    match g.switch("no-such-branch") {
        Err(GitError::Failed {
            command, stderr, ..
        }) => {
            assert_eq!(command, "git switch no-such-branch");
            assert!(!stderr.is_empty());
        }
        other => panic!("expected failure, got {other:?}"),
    }
}

#[test]
fn head_is_none_before_the_first_commit() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "trunk"]);
    let g = Git::discover(dir.path()).unwrap();
    assert_eq!(g.head().unwrap(), None);
    assert_eq!(g.current_branch().unwrap(), "trunk");
}

#[test]
fn dirty_paths_excludes_chamber_state() {
    let dir = repo();
    let g = Git::discover(dir.path()).unwrap();
    assert!(g.dirty_paths().unwrap().is_empty());
    put(dir.path(), "README.md", "changed\n");
    put(dir.path(), "new/file.txt", "x");
    put(dir.path(), ".chamber/runs.db", "state");
    put(dir.path(), ".chambers.txt", "not state");
    let mut dirty = g.dirty_paths().unwrap();
    dirty.sort();
    assert_eq!(dirty, vec![".chambers.txt", "README.md", "new/file.txt"]);
}

#[test]
fn commit_all_returns_the_files_and_none_when_clean() {
    let dir = repo();
    let g = Git::discover(dir.path()).unwrap();
    assert_eq!(g.commit_all("nothing").unwrap(), None);
    put(dir.path(), "a.txt", "a");
    put(dir.path(), "README.md", "changed\n");
    put(dir.path(), ".chamber/state.json", "{}");
    let info = g.commit_all("chamber: change").unwrap().unwrap();
    assert_eq!(info.id.len(), 40);
    assert_eq!(info.files, vec!["README.md", "a.txt"]);
    assert_eq!(g.head().unwrap().as_deref(), Some(info.id.as_str()));
    assert_eq!(g.dirty_paths().unwrap(), Vec::<String>::new());
    let diff = g.diff_against("HEAD~1").unwrap();
    assert!(diff.contains("+changed"), "{diff}");
}

/// Set in the child process that runs the identity-less commit.
const ISOLATED: &str = "CHAMBER_TEST_ISOLATED_GIT";

#[test]
fn commit_all_works_without_an_identity() {
    if std::env::var_os(ISOLATED).is_none() {
        // Re-run this test in a child process whose git sees no global or
        // system config, so no identity is configured anywhere.
        let home = tempfile::tempdir().unwrap();
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "git::commit_all_works_without_an_identity",
                "--nocapture",
            ])
            .env(ISOLATED, "1")
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
            .env("GIT_CONFIG_GLOBAL", home.path().join("gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_AUTHOR_EMAIL")
            .env_remove("GIT_COMMITTER_EMAIL")
            .env_remove("EMAIL")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("1 passed"), "{text}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    put(dir.path(), "a.txt", "a");
    let g = Git::discover(dir.path()).unwrap();
    let info = g.commit_all("first").unwrap().unwrap();
    assert_eq!(info.files, vec!["a.txt"]);
    let author = Command::new("git")
        .arg("-C")
        .arg(dir.path())
        .args(["log", "-1", "--format=%an <%ae>"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&author.stdout).trim(),
        "Chamber <chamber@localhost>"
    );
}
