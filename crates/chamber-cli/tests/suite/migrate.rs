//! `chamber migrate make`: the tool's own files when its program is
//! missing (golang-migrate, sqlx, numbered SQL), the program when it is
//! there, clear refusals that write nothing, and a test template that runs.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::harness::{NO_MODEL, Project, Run, snapshot};

/// A `PATH` holding only what is linked into it (nothing by default), so
/// no migration tool installed on this machine is found.
struct Bin(tempfile::TempDir);

impl Bin {
    fn empty() -> Self {
        Bin(tempfile::tempdir().unwrap())
    }

    fn path(&self) -> PathBuf {
        self.0.path().to_path_buf()
    }

    fn script(&self, name: &str, text: &str) {
        use std::os::unix::fs::PermissionsExt;
        let path = self.0.path().join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

async fn make(p: &Project, bin: &Bin, args: &[&str]) -> Run {
    let mut all = vec!["migrate", "make", "--json"];
    all.extend_from_slice(args);
    let path = bin.path();
    p.run_env(&all, &[("PATH", path.as_os_str())]).await
}

fn files(env: &serde_json::Value) -> Vec<String> {
    env["payload"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect()
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn golang_migrate_layout_gets_the_next_numbers_without_the_program() {
    let p = Project::git(NO_MODEL);
    p.write("go.mod", "module example.com/shop\n\ngo 1.22\n");
    for f in [
        "001_init.up.sql",
        "001_init.down.sql",
        "002_orders.up.sql",
        "002_orders.down.sql",
    ] {
        p.write(&format!("db/migrations/{f}"), "SELECT 1;\n");
    }
    let bin = Bin::empty();

    let out = make(&p, &bin, &["Add users table"]).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["payload"]["tool"], "golang-migrate", "{env}");
    assert_eq!(env["payload"]["detected"], true);
    assert_eq!(env["payload"]["method"], "files");
    assert_eq!(env["payload"]["missing_program"], "`migrate`");
    let made = [
        "db/migrations/003_add_users_table.up.sql",
        "db/migrations/003_add_users_table.down.sql",
    ];
    assert_eq!(files(&env), made);
    for f in made {
        assert_eq!(
            p.read(f).as_deref(),
            Some(""),
            "golang-migrate creates empty files"
        );
    }
    let test = &env["payload"]["test"];
    assert_eq!(test["path"], "db/migrations/migrations_test.go");
    assert_eq!(test["written"], true);
    let go_test = p.read("db/migrations/migrations_test.go").unwrap();
    assert!(go_test.contains("package migrations_test"), "{go_test}");
    assert!(
        go_test.contains("golang-migrate/migrate/v4/database/sqlite"),
        "{go_test}"
    );

    let again = make(&p, &bin, &["drop", "legacy!"]).await;
    again.assert_code(0);
    let env = again.envelope();
    assert_eq!(
        files(&env),
        [
            "db/migrations/004_drop_legacy.up.sql",
            "db/migrations/004_drop_legacy.down.sql"
        ]
    );
    assert_eq!(
        env["payload"]["test"]["written"], false,
        "the test is kept, not rewritten"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tool_runs_when_its_program_is_installed() {
    let p = Project::git(NO_MODEL);
    p.write("go.mod", "module example.com/shop\n");
    p.write("migrations/0001_init.up.sql", "");
    p.write("migrations/0001_init.down.sql", "");
    let bin = Bin::empty();
    // A stand-in for golang-migrate's `migrate`: records its arguments and
    // creates what `create -seq` would (the last argument is the name).
    bin.script(
        "migrate",
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > args.txt\nfor a; do name=$a; done\n: > migrations/0002_$name.up.sql\n: > migrations/0002_$name.down.sql\necho created\n",
    );
    let out = make(&p, &bin, &["Add users", "--no-test"]).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["payload"]["method"], "tool", "{env}");
    let args = p.read("args.txt").unwrap();
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        [
            "create",
            "-ext",
            "sql",
            "-dir",
            "migrations",
            "-seq",
            "-digits",
            "4",
            "add_users"
        ]
    );
    assert_eq!(
        files(&env),
        [
            "migrations/0002_add_users.down.sql",
            "migrations/0002_add_users.up.sql"
        ]
    );
    assert_eq!(env["payload"]["tool_output"], "created");
    assert!(env["payload"]["test"].is_null(), "--no-test");

    bin.script(
        "migrate",
        "#!/bin/sh\necho 'no database driver' >&2\nexit 3\n",
    );
    let failed = make(&p, &bin, &["Another"]).await;
    failed.assert_code(18);
    let env = failed.envelope();
    assert_eq!(env["error"]["code"], "migration_tool_failed");
    assert!(
        env["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no database driver"),
        "{env}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlx_layout_follows_sqlx_cli_numbering() {
    let p = Project::git(NO_MODEL);
    p.write(
        "Cargo.toml",
        "[package]\nname = \"shop\"\nversion = \"0.1.0\"\n\n[dependencies]\nsqlx = { version = \"0.8\", features = [\"sqlite\", \"runtime-tokio\"] }\n",
    );
    for f in [
        "0001_init.up.sql",
        "0001_init.down.sql",
        "0002_orders.up.sql",
        "0002_orders.down.sql",
    ] {
        p.write(&format!("migrations/{f}"), "");
    }
    let bin = Bin::empty();
    let out = make(&p, &bin, &["Add index"]).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["payload"]["tool"], "sqlx", "{env}");
    assert_eq!(env["payload"]["missing_program"], "`sqlx`");
    assert_eq!(
        files(&env),
        [
            "migrations/0003_add_index.up.sql",
            "migrations/0003_add_index.down.sql"
        ]
    );
    assert_eq!(
        p.read("migrations/0003_add_index.up.sql").as_deref(),
        Some("-- Add up migration script here\n")
    );
    assert_eq!(
        p.read("migrations/0003_add_index.down.sql").as_deref(),
        Some("-- Add down migration script here\n")
    );
    let test = p.read("tests/migrations.rs").unwrap();
    assert!(
        test.contains("sqlx::SqlitePool") && test.contains("sqlx::migrate!(\"./migrations\")"),
        "{test}"
    );

    // Timestamped, simple migrations: a new timestamp, a simple file.
    let q = Project::git(NO_MODEL);
    q.write("Cargo.toml", "[dependencies]\nsqlx = \"0.8\"\n");
    q.write("migrations/20240101000000_init.sql", "");
    q.write("migrations/20240301000000_more.sql", "");
    let before = chrono_now_digits();
    let out = make(&q, &bin, &["Add index", "--no-test"]).await;
    out.assert_code(0);
    let made = files(&out.envelope());
    let after = chrono_now_digits();
    assert_eq!(made.len(), 1, "{made:?}");
    let name = made[0].strip_prefix("migrations/").unwrap();
    let (stamp, rest) = name.split_once('_').unwrap();
    assert_eq!(rest, "add_index.sql");
    assert!(
        stamp.len() == 14 && (before..=after).contains(&stamp.to_string()),
        "{stamp}"
    );
}

/// The UTC time as sqlx-cli writes it (`%Y%m%d%H%M%S`), from `date`.
fn chrono_now_digits() -> String {
    let out = Command::new("date")
        .args(["-u", "+%Y%m%d%H%M%S"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_tools_and_projects_without_one_are_refused_listing_the_supported() {
    let p = Project::git(NO_MODEL);
    p.write("migrations/0001_init.sql", "");
    let bin = Bin::empty();
    let before = snapshot(p.path());

    let out = make(&p, &bin, &["--tool", "nope", "x"]).await;
    out.assert_code(2);
    let env = out.envelope();
    assert_eq!(env["error"]["code"], "unknown_migration_tool");
    let message = env["error"]["message"].as_str().unwrap();
    for tool in [
        "alembic",
        "django",
        "prisma",
        "sqlx",
        "diesel",
        "golang-migrate",
        "sql",
    ] {
        assert!(message.contains(tool), "{message}");
    }

    let empty = Project::git(NO_MODEL);
    let out = make(&empty, &bin, &["x"]).await;
    out.assert_code(5);
    let env = out.envelope();
    assert_eq!(env["error"]["code"], "no_migration_tool");
    assert!(
        env["error"]["message"]
            .as_str()
            .unwrap()
            .contains("golang-migrate"),
        "{env}"
    );

    let out = make(&p, &bin, &["--", "!!"]).await;
    out.assert_code(2);
    assert_eq!(snapshot(p.path()), before, "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_that_needs_its_program_says_which_is_missing_and_writes_nothing() {
    let p = Project::git(NO_MODEL);
    p.write("alembic.ini", "[alembic]\nscript_location = migrations\n");
    p.write("migrations/env.py", "from alembic import context\n");
    p.write("migrations/versions/.keep", "");
    let bin = Bin::empty();
    let before = snapshot(p.path());
    let out = make(&p, &bin, &["Add users"]).await;
    out.assert_code(17);
    let env = out.envelope();
    assert_eq!(env["error"]["code"], "missing_program", "{env}");
    assert!(
        env["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`alembic`"),
        "{env}"
    );
    assert!(
        env["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("pip install alembic"),
        "{env}"
    );
    assert_eq!(snapshot(p.path()), before, "nothing was written");

    let human = p
        .run_env(
            &["migrate", "make", "Add users"],
            &[("PATH", bin.path().as_os_str())],
        )
        .await;
    human.assert_code(17);
    assert!(
        human
            .stderr
            .contains("alembic needs `alembic`, which is not installed"),
        "{}",
        human.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbered_sql_gets_a_test_that_applies_every_migration() {
    let p = Project::git(NO_MODEL);
    p.write(
        "migrations/0001_create_users.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
    );
    let out = make(&p, &Bin::empty(), &["add email"]).await;
    out.assert_code(0);
    let env = out.envelope();
    assert_eq!(env["payload"]["tool"], "sql", "{env}");
    assert!(env["payload"]["missing_program"].is_null());
    assert_eq!(files(&env), ["migrations/0002_add_email.sql"]);
    assert_eq!(
        p.read("migrations/0002_add_email.sql").as_deref(),
        Some("-- add email\n")
    );
    assert_eq!(
        names_in(&p.path().join("tests")),
        ["__init__.py", "test_migrations.py"]
    );

    let unittest = |p: &Project| {
        Command::new("python3")
            .args(["-m", "unittest", "discover", "-s", "tests", "-v"])
            .current_dir(p.path())
            .output()
            .unwrap()
    };
    p.write(
        "migrations/0002_add_email.sql",
        "-- add email\nALTER TABLE users ADD COLUMN email TEXT;\n",
    );
    let ok = unittest(&p);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    p.write(
        "migrations/0002_add_email.sql",
        "ALTER TABLE nobody ADD COLUMN email TEXT;\n",
    );
    let bad = unittest(&p);
    assert!(!bad.status.success(), "a broken migration fails the test");
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("0002_add_email.sql") && stderr.contains("no such table"),
        "{stderr}"
    );
}
