//! `chamber policy guard`: the path rules listed with the files they cover,
//! a staged change checked against them, and the check installed as git's
//! pre-commit hook, where it refuses a commit until approved.

use super::harness::Project;

fn repo() -> Project {
    let p = Project::git("http://127.0.0.1:9");
    p.write("db/migrations/001.sql", "create table t (id int);\n");
    p.write("app.py", "print('hi')\n");
    p.git_ok(&["add", "-A"]);
    p.git_ok(&["commit", "-q", "-m", "app"]);
    p
}

#[tokio::test]
async fn guard_lists_the_rules_and_checks_the_staged_change() {
    let p = repo();
    let list = p.run(&["--json", "policy", "guard"]).await;
    list.assert_code(0);
    let payload = list.envelope()["payload"].clone();
    assert_eq!(
        payload["protected"]["files"],
        serde_json::json!(["db/migrations/001.sql"])
    );
    assert!(
        payload["read_deny"]["patterns"]
            .to_string()
            .contains(".env")
    );

    // An ordinary change passes.
    p.write("app.py", "print('hello')\n");
    p.git_ok(&["add", "app.py"]);
    p.run(&["policy", "guard", "--check"]).await.assert_code(0);

    // A staged migration does not, unless approved.
    p.write("db/migrations/001.sql", "create table t (id bigint);\n");
    p.git_ok(&["add", "db/migrations/001.sql"]);
    let refused = p.run(&["--json", "policy", "guard", "--check"]).await;
    refused.assert_code(15);
    let touched = refused.envelope()["payload"]["touched"].clone();
    assert_eq!(
        touched[0]["path"],
        "db/migrations/001.sql",
        "{}",
        refused.dump()
    );
    assert_eq!(touched[0]["rule"], "protected");
    let approved = p
        .run_env(
            &["policy", "guard", "--check"],
            &[("CHAMBER_GUARD_APPROVED", "1")],
        )
        .await;
    approved.assert_code(0);
}

#[tokio::test]
async fn the_installed_hook_refuses_a_commit_until_approved() {
    let p = repo();
    p.run(&["policy", "guard", "--install-hook"])
        .await
        .assert_code(0);
    p.write("db/migrations/002.sql", "drop table t;\n");
    p.git_ok(&["add", "-A"]);
    let refused = std::process::Command::new("git")
        .current_dir(p.path())
        .args(["commit", "-q", "-m", "drop"])
        .env_remove("CHAMBER_GUARD_APPROVED")
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "the hook let a protected path through"
    );
    let ok = std::process::Command::new("git")
        .current_dir(p.path())
        .args(["commit", "-q", "-m", "drop"])
        .env("CHAMBER_GUARD_APPROVED", "1")
        .output()
        .unwrap();
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    // Someone else's hook is not replaced without --force.
    let hook = p.path().join(".git/hooks/pre-commit");
    std::fs::write(&hook, "#!/bin/sh\nexit 0\n").unwrap();
    p.run(&["policy", "guard", "--install-hook"])
        .await
        .assert_code(9);
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\nexit 0\n"
    );
    p.run(&["policy", "guard", "--install-hook", "--force"])
        .await
        .assert_code(0);
}
