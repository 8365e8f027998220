//! `chamber budget set|show` and `chamber provider set` write the project's
//! config in place: comments stay, the result loads, and bad input (an
//! unknown provider, no limit, a broken file) changes nothing.

use super::harness::Project;

#[tokio::test]
async fn budget_set_writes_the_project_config_and_show_reads_it_back() {
    let p = Project::git("http://127.0.0.1:9");
    p.write(
        ".chamber/config.toml",
        "# team settings\n[agent]\nmax_turns_per_step = 9 # keep\n",
    );
    let out = p
        .run(&["budget", "set", "--cost", "0.25", "--latency", "1m30s"])
        .await;
    out.assert_code(0);
    let text = p.read(".chamber/config.toml").unwrap_or_default();
    assert!(
        text.contains("# team settings") && text.contains("# keep"),
        "{text}"
    );
    assert!(
        text.contains("cost_usd = 0.25") && text.contains("time_secs = 90"),
        "{text}"
    );

    let show = p.run(&["--json", "budget", "show"]).await;
    show.assert_code(0);
    let b = show.envelope()["payload"].clone();
    assert_eq!(b["cost_usd"], 0.25);
    assert_eq!(b["time_secs"], 90);
    assert_eq!(b["tokens"], 0);
    assert_eq!(b["origins"]["cost_usd"], "project");
    assert_eq!(b["origins"]["tokens"], "default");

    // No limit given: a usage error, the file as it was.
    let none = p.run(&["budget", "set"]).await;
    none.assert_code(2);
    assert_eq!(p.read(".chamber/config.toml").unwrap_or_default(), text);
}

#[tokio::test]
async fn provider_set_names_a_known_provider_or_changes_nothing() {
    let p = Project::git("http://127.0.0.1:9");
    let out = p
        .run(&["provider", "set", "anthropic", "--model", "claude-x"])
        .await;
    out.assert_code(0);
    let text = p.read(".chamber/config.toml").unwrap_or_default();
    assert!(
        text.contains("name = \"anthropic\"") && text.contains("model = \"claude-x\""),
        "{text}"
    );
    let status = p.run(&["--json", "config", "show"]).await;
    assert!(status.stdout.contains("anthropic"), "{}", status.dump());

    let bad = p.run(&["provider", "set", "nope"]).await;
    bad.assert_code(8);
    assert!(bad.stderr.contains("known: openai"), "{}", bad.dump());
    assert_eq!(p.read(".chamber/config.toml").unwrap_or_default(), text);

    // A broken file is reported, not overwritten.
    p.write(".chamber/config.toml", "[provider\nname = ");
    let broken = p.run(&["budget", "set", "--tokens", "5000"]).await;
    broken.assert_code(5);
    assert!(
        broken.stderr.contains("invalid configuration"),
        "{}",
        broken.dump()
    );
    assert_eq!(
        p.read(".chamber/config.toml").as_deref(),
        Some("[provider\nname = ")
    );
}
