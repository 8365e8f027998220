//! `chamber completions` and `chamber man`, generated from the argument
//! definitions: each shell's script names real commands and flags, the man
//! pages cover every visible command, and an unknown shell is a usage error.

use super::harness::Project;

#[tokio::test]
async fn completions_for_each_shell_name_the_real_commands() {
    let p = Project::plain("http://127.0.0.1:9");
    for (shell, marker) in [
        ("bash", "complete -F _chamber"),
        ("zsh", "#compdef chamber"),
        ("fish", "complete -c chamber"),
        ("elvish", "edit:completion:arg-completer[chamber]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = p.run(&["completions", shell]).await;
        out.assert_code(0);
        assert!(out.stdout.contains(marker), "{shell}: {}", out.dump());
        // fish writes long flags as `-l strategy`.
        for word in ["resume", "strategy", "completions"] {
            assert!(out.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    let bad = p.run(&["completions", "tcsh"]).await;
    bad.assert_code(2);
    assert!(bad.stderr.contains("possible values"), "{}", bad.dump());
}

#[tokio::test]
async fn man_pages_cover_every_visible_command() {
    let p = Project::plain("http://127.0.0.1:9");
    let top = p.run(&["man"]).await;
    top.assert_code(0);
    assert!(top.stdout.contains(".TH chamber 1"), "{}", top.dump());
    assert!(
        top.stdout.contains("resume"),
        "the command list is in the page"
    );

    let dir = tempfile::tempdir().unwrap();
    let out = p
        .run(&["--json", "man", "--out", dir.path().to_str().unwrap()])
        .await;
    out.assert_code(0);
    let page = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    assert!(
        page("chamber-run.1").contains("\\-\\-strategy"),
        "run's flags"
    );
    assert!(page("chamber-model-install.1").contains(".TH chamber-model-install 1"));
    assert!(
        !dir.path().join("chamber-schemas.1").exists(),
        "hidden commands stay out"
    );
    assert!(!dir.path().join("chamber-help.1").exists());
    let written = out.envelope()["payload"]["written"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(written > 60, "{written} pages");
}
