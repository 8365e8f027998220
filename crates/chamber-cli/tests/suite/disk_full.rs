//! A full disk: the project on a small tmpfs filled to the last byte. A run, an index
//! build and a patch apply each stop with a `disk_full` error (exit 16) and a hint, leave
//! no half-written or temp file behind, and everything works again once there is room
//! (the run resumes to completion). Needs root to mount the tmpfs: without it the test
//! says so and checks nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use chamber_mock_llm::{MockServer, Turn};
use serde_json::json;

use super::harness::{Project, Run, plan_turn};

/// A tmpfs mounted on a temp dir, unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(kib: u32) -> Option<Tmpfs> {
        let dir = tempfile::Builder::new()
            .prefix("chamber-full-")
            .tempdir()
            .ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs { dir })
    }

    fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Fills the filesystem holding `dir` until it refuses, leaving `room` bytes free.
fn fill(dir: &Path, name: &str, room: u64) {
    use std::io::Write;
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    let block = vec![0u8; 4096];
    while f.write_all(&block).and_then(|()| f.flush()).is_ok() {}
    // Small writes may still fit a partial block: fill that too.
    while f.write_all(b"x").and_then(|()| f.flush()).is_ok() {}
    let len = std::fs::metadata(&path).unwrap().len();
    f.set_len(len.saturating_sub(room)).unwrap();
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .unwrap()
        .success();
    assert!(ok, "git {args:?}");
}

fn stray_temp_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in walk(dir) {
        let name = entry.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with(".chamber-tmp-") || name.starts_with(".tmp") {
            out.push(entry.display().to_string());
        }
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn assert_disk_full(out: &Run) {
    assert_eq!(out.code, 16, "{}", out.dump());
    let env = out.envelope();
    assert_eq!(env["error"]["code"], "disk_full", "{env}");
    assert!(
        env["error"]["hint"]
            .as_str()
            .unwrap_or("")
            .contains("free some space"),
        "{env}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_stops_run_index_and_patch_apply_cleanly() {
    let Some(fs) = Tmpfs::mount(4096) else {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    };
    let big = "x".repeat(200_000) + "\n";
    let server = MockServer::start(vec![
        plan_turn("Big", &[("1", "Write big.txt")]),
        Turn::call("write_file", json!({"path": "big.txt", "content": big})),
        // After the resume, once there is room.
        Turn::call("write_file", json!({"path": "big.txt", "content": big})),
        Turn::text("wrote it"),
    ])
    .await
    .unwrap();
    // HOME, the data dir and config stay on the normal disk; the project is on the tmpfs.
    let p = Project::plain(&server.base_url());
    let root = fs.path().join("proj");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("notes.txt"), "keep me\n").unwrap();
    std::fs::write(root.join("main.py"), "def main():\n    return 1\n").unwrap();
    git(&root, &["init", "-q", "-b", "main"]);
    git(
        &root,
        &["-c", "user.name=T", "-c", "user.email=t@e", "add", "."],
    );
    git(
        &root,
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@e",
            "commit",
            "-q",
            "-m",
            "init",
        ],
    );
    p.run_in(&root, &["init", "-q"]).await.assert_code(0);
    git(
        &root,
        &["-c", "user.name=T", "-c", "user.email=t@e", "add", "."],
    );
    git(
        &root,
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@e",
            "commit",
            "-q",
            "-m",
            "chamber",
        ],
    );
    // Room for the run to start (git status, the run log), not for its 200 KB write.
    fill(&fs.path(), "filler", 96 * 1024);

    // A run: stops at the write, with the file untouched.
    let out = p
        .run_in(&root, &["run", "--yes", "--json", "write big.txt"])
        .await;
    assert_disk_full(&out);
    assert!(!root.join("big.txt").exists(), "a half-written big.txt");

    // Not a byte left now.
    fill(&fs.path(), "filler-2", 0);

    // An index build.
    let out = p.run_in(&root, &["index", "--json"]).await;
    assert_disk_full(&out);

    // A patch apply.
    std::fs::write(
        p.path().join("change.diff"),
        "--- a/notes.txt\n+++ b/notes.txt\n@@ -1 +1,2 @@\n keep me\n+".to_string()
            + &"y".repeat(100_000)
            + "\n",
    )
    .unwrap();
    let diff = p.path().join("change.diff");
    let out = p
        .run_in(&root, &["patch", "apply", diff.to_str().unwrap(), "--json"])
        .await;
    assert_disk_full(&out);
    assert_eq!(
        std::fs::read_to_string(root.join("notes.txt")).unwrap(),
        "keep me\n"
    );
    assert_eq!(stray_temp_files(&root), Vec::<String>::new());

    // Room again: the store opens, the run is resumable and finishes.
    std::fs::remove_file(fs.path().join("filler")).unwrap();
    std::fs::remove_file(fs.path().join("filler-2")).unwrap();
    let list = p.run_in(&root, &["runs", "list", "--json"]).await;
    list.assert_code(0);
    let run = list.envelope()["payload"]["runs"][0].clone();
    assert_eq!(run["status"], "interrupted", "{run}");
    let id = run["id"].as_str().unwrap().to_string();
    let out = p.run_in(&root, &["resume", &id, "--yes", "--json"]).await;
    out.assert_code(0);
    assert_eq!(std::fs::read_to_string(root.join("big.txt")).unwrap(), big);
}
