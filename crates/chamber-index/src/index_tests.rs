use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::update::UpdateStats;

fn write(root: &Path, rel: &str, content: &str) {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap();
    }
    fs::write(path, content).unwrap();
}

fn small_repo(root: &Path) {
    write(
        root,
        "app/store.py",
        "from app.util import parse_request\n\nclass SessionStore:\n    def load_session(self, key):\n        return parse_request(key)\n",
    );
    write(
        root,
        "app/util.py",
        "def parse_request(raw):\n    \"\"\"Parse an HTTP request.\"\"\"\n    return raw.split()\n",
    );
    write(root, "app/__init__.py", "");
    write(
        root,
        "tests/test_store.py",
        "from app.store import SessionStore\n\ndef test_load():\n    assert SessionStore().load_session('k')\n",
    );
    write(
        root,
        "src/lib.rs",
        "mod cache;\npub fn fetch_user(id: u32) -> cache::Entry { cache::lookup(id) }\n",
    );
    write(
        root,
        "src/cache.rs",
        "pub struct Entry;\npub fn lookup(_id: u32) -> Entry { Entry }\n",
    );
    write(
        root,
        "README.md",
        "# Demo\nA session store and a user cache.\n",
    );
}

async fn update(index: &Index) -> UpdateStats {
    index.update(&|_| {}).await.unwrap()
}

/// Changes a file's content and makes sure its mtime moves too.
fn rewrite(root: &Path, rel: &str, content: &str) {
    std::thread::sleep(Duration::from_millis(20));
    write(root, rel, content);
}

#[tokio::test]
async fn incremental_updates_reparse_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    small_repo(root);
    let index = Index::open(root, IndexOptions::default()).await.unwrap();
    let first = update(&index).await;
    assert_eq!(first.files_total, 7);
    assert_eq!(first.files_parsed, 7);
    assert!(first.symbols >= 8, "{first:?}");
    assert!(root.join(".chamber/index/index.db").exists());

    let again = update(&index).await;
    assert_eq!((again.files_parsed, again.files_unchanged), (0, 7));
    assert_eq!(again.symbols, first.symbols);

    rewrite(
        root,
        "app/util.py",
        "def parse_request(raw):\n    return raw\n\ndef render_page():\n    pass\n",
    );
    let changed = update(&index).await;
    assert_eq!((changed.files_parsed, changed.files_unchanged), (1, 6));
    assert_eq!(changed.symbols, first.symbols + 1);
    assert_eq!(index.definitions("render_page").await.unwrap().len(), 1);

    // Same content, new mtime: hashed, not parsed.
    rewrite(
        root,
        "README.md",
        "# Demo\nA session store and a user cache.\n",
    );
    let touched = update(&index).await;
    assert_eq!((touched.files_parsed, touched.files_unchanged), (0, 7));

    fs::remove_file(root.join("src/cache.rs")).unwrap();
    let removed = update(&index).await;
    assert_eq!((removed.files_removed, removed.files_total), (1, 6));
    assert!(index.definitions("lookup").await.unwrap().is_empty());
    let snapshot = index.snapshot().await.unwrap();
    assert!(snapshot.files.iter().all(|f| f.path != "src/cache.rs"));
    assert!(snapshot.symbols.iter().all(|s| s.path != "src/cache.rs"));
    assert!(snapshot.references.iter().all(|r| r.path != "src/cache.rs"));
    let hits = index.search("lookup Entry", 10).await.unwrap();
    assert!(hits.iter().all(|h| h.path != "src/cache.rs"), "{hits:?}");

    // A fresh open of the same directory sees the same index.
    drop(index);
    let reopened = Index::open(root, IndexOptions::default()).await.unwrap();
    let after = update(&reopened).await;
    assert_eq!((after.files_parsed, after.files_total), (0, 6));
}

#[tokio::test]
async fn snapshot_resolves_imports_and_maps_tests() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    small_repo(root);
    let index = Index::open(root, IndexOptions::default()).await.unwrap();
    update(&index).await;
    let snapshot = index.snapshot().await.unwrap();
    let resolved = |from: &str, target: &str| {
        snapshot
            .imports
            .iter()
            .find(|i| i.path == from && i.target == target)
            .and_then(|i| i.resolved.clone())
    };
    assert_eq!(
        resolved("app/store.py", "app.util.parse_request").as_deref(),
        Some("app/util.py")
    );
    assert_eq!(
        resolved("src/lib.rs", "self::cache").as_deref(),
        Some("src/cache.rs")
    );
    let test_file = snapshot
        .files
        .iter()
        .find(|f| f.path == "tests/test_store.py")
        .unwrap();
    assert!(test_file.is_test);
    assert_eq!(test_file.lang.as_deref(), Some("python"));
    assert_eq!(
        crate::related_tests(&snapshot, "app/store.py"),
        ["tests/test_store.py"]
    );
    assert!(crate::related_tests(&snapshot, "app/util.py").is_empty());
    let method = snapshot
        .symbols
        .iter()
        .find(|s| s.name == "load_session")
        .unwrap();
    assert_eq!(method.qualified, "SessionStore.load_session");
    assert_eq!(method.kind, "method");
    assert!(
        snapshot
            .references
            .iter()
            .any(|r| r.path == "app/store.py" && r.name == "parse_request" && r.line == 5)
    );
}

#[tokio::test]
async fn search_splits_identifiers_and_never_fails_on_user_text() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    small_repo(root);
    let index = Index::open(root, IndexOptions::default()).await.unwrap();
    update(&index).await;

    let hits = index.search("parseRequest", 5).await.unwrap();
    assert_eq!(hits[0].path, "app/util.py", "{hits:?}");
    assert_eq!(hits[0].symbols[0].name, "parse_request");
    assert_eq!(hits[0].lines[0], (1, "def parse_request(raw):".to_owned()));

    let hits = index.search("session store", 5).await.unwrap();
    assert_eq!(hits[0].path, "app/store.py", "{hits:?}");

    let hits = index.search("fetch user", 5).await.unwrap();
    assert_eq!(hits[0].path, "src/lib.rs", "{hits:?}");

    for weird in [
        "",
        "((( AND OR NOT",
        "\"unterminated",
        "a:b:c [1 TO",
        "*?~^",
        "🙂",
    ] {
        index.search(weird, 5).await.unwrap();
    }
    assert!(index.search("", 5).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_lost_fulltext_index_or_unfinished_rows_are_completed_by_the_next_update() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    small_repo(root);
    let index = Index::open(root, IndexOptions::default()).await.unwrap();
    let clean = update(&index).await;
    drop(index);

    // The full-text directory is gone (as if killed before its first
    // commit): reopening rebuilds it and the update re-adds every file.
    fs::remove_dir_all(root.join(".chamber/index/fulltext")).unwrap();
    let index = Index::open(root, IndexOptions::default()).await.unwrap();
    assert!(index.search("parse request", 5).await.unwrap().is_empty());
    let redo = update(&index).await;
    assert_eq!(redo.files_parsed, clean.files_total);
    assert_eq!(
        (redo.symbols, redo.references),
        (clean.symbols, clean.references)
    );
    assert_eq!(
        index.search("parse request", 5).await.unwrap()[0].path,
        "app/util.py"
    );
    assert_eq!(index.fulltext.doc_count(), clean.files_total as u64);

    // Rows written but never committed to the full-text index.
    index.store.mark_all_pending().await.unwrap();
    let redo = update(&index).await;
    assert_eq!(redo.files_parsed, clean.files_total);
    assert_eq!(index.fulltext.doc_count(), clean.files_total as u64);
    let settled = update(&index).await;
    assert_eq!(settled.files_parsed, 0);
}

#[tokio::test]
async fn an_index_stored_inside_the_tree_does_not_index_itself() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    small_repo(root);
    let index = Index::open_at(root, &root.join("idx"), IndexOptions::default())
        .await
        .unwrap();
    let stats = update(&index).await;
    assert_eq!(stats.files_total, 7);
    let again = update(&index).await;
    assert_eq!(again.files_parsed, 0);
}

#[tokio::test]
async fn update_paths_checks_only_the_named_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    small_repo(root);
    let index = Index::open(root, IndexOptions::default()).await.unwrap();
    let first = update(&index).await;

    rewrite(
        root,
        "app/util.py",
        "def parse_request(raw):\n    return raw\n\ndef render_page():\n    pass\n",
    );
    // Changed on disk but not named: left alone by this call.
    rewrite(
        root,
        "src/cache.rs",
        "pub struct Entry;\npub fn lookup_v2() {}\n",
    );
    let stats = index
        .update_paths(&[root.join("app/util.py")], &|_| {})
        .await
        .unwrap();
    assert_eq!((stats.files_parsed, stats.files_unchanged), (1, 0));
    assert_eq!(index.definitions("render_page").await.unwrap().len(), 1);
    assert!(index.definitions("lookup_v2").await.unwrap().is_empty());

    fs::remove_file(root.join("README.md")).unwrap();
    let stats = index
        .update_paths(&[PathBuf::from("README.md")], &|_| {})
        .await
        .unwrap();
    assert_eq!(
        (stats.files_removed, stats.files_total),
        (1, first.files_total - 1)
    );

    // A file the index has never seen needs the walk (its ignore rules):
    // the call falls back to a full update, which also picks up cache.rs.
    write(root, "app/new_module.py", "def fresh():\n    pass\n");
    let stats = index
        .update_paths(&[root.join("app/new_module.py")], &|_| {})
        .await
        .unwrap();
    assert_eq!(stats.files_parsed, 2, "{stats:?}");
    assert_eq!(index.definitions("fresh").await.unwrap().len(), 1);
    assert_eq!(index.definitions("lookup_v2").await.unwrap().len(), 1);
    // A new file ignored by the root's .gitignore needs no walk.
    write(root, ".gitignore", "target/\n");
    drop(index);
    let index = Index::open(root, IndexOptions::default()).await.unwrap();
    write(root, "target/debug/build.rs", "fn built() {}\n");
    let stats = index
        .update_paths(&[root.join("target/debug/build.rs")], &|_| {})
        .await
        .unwrap();
    assert_eq!((stats.files_parsed, stats.files_unchanged), (0, 0));
    assert!(index.definitions("built").await.unwrap().is_empty());
    // Paths outside the tree or in .git/ are ignored.
    let stats = index
        .update_paths(
            &[PathBuf::from("/nonexistent/x.py"), root.join(".git/HEAD")],
            &|_| {},
        )
        .await
        .unwrap();
    assert_eq!(stats.files_parsed + stats.files_removed, 0);
}
