//! `chamber bench edits`: a small corpus end to end, checking the report's
//! structure and that Chamber never writes an edit in the wrong place.

use std::path::PathBuf;

use serde_json::Value;

use super::harness::{NO_MODEL, Project, json_out};

/// A Rust file whose function body is long enough to be edited.
fn source(version: usize) -> String {
    let mut text = String::from("pub fn total(items: &[u32]) -> u32 {\n");
    text.push_str("    let mut sum = 0;\n");
    for i in 0..12 {
        text.push_str(&format!(
            "    sum += items.get({i}).copied().unwrap_or({version});\n"
        ));
    }
    text.push_str("    let count = items.len() as u32;\n");
    text.push_str("    sum + count\n}\n\n");
    text.push_str("pub fn other() -> u32 {\n    7\n}\n");
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bench_edits_reports_every_format_and_never_a_wrong_place() {
    let p = Project::git(NO_MODEL);
    // History for the git source: two commits modifying a .rs file.
    for version in 0..3 {
        p.write("src/lib.rs", &source(version));
        p.git_ok(&["add", "-A"]);
        p.git_ok(&["commit", "-q", "-m", &format!("v{version}")]);
    }
    // The harness gives the binary its own HOME; point it at the real
    // cargo registry so that the Rust-crates source has files (if any).
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    let out = p
        .run_env(
            &["bench", "edits", "--files", "6", "--json"],
            &[("CARGO_HOME", cargo_home)],
        )
        .await;
    out.assert_code(0);
    let lines = json_out(&out);
    let env = lines.last().unwrap();
    assert_eq!(env["ok"], true, "{}", out.dump());
    assert_eq!(env["cmd"], "bench edits");
    let payload = &env["payload"];

    let corpus = &payload["corpus"];
    assert!(corpus["edits"].as_u64().unwrap() >= 2, "{corpus}");
    assert!(
        corpus["by_source"]["git_history"].as_u64().unwrap() >= 1,
        "{corpus}"
    );
    assert_eq!(payload["appliers"][0], "chamber");
    for key in ["formats", "perturbations", "results", "totals", "cases"] {
        assert!(payload[key].is_array(), "{key} missing");
    }

    let results = payload["results"].as_array().unwrap();
    for row in results {
        for key in [
            "applier",
            "format",
            "perturbation",
            "cases",
            "correct",
            "wrong_place",
            "rejected",
            "rejected_useful",
            "correct_pct",
            "mean_us",
            "median_us",
        ] {
            assert!(!row[key].is_null(), "{key} missing in {row}");
        }
    }
    let chamber = |format: &str| -> Vec<&Value> {
        results
            .iter()
            .filter(|r| r["applier"] == "chamber" && r["format"] == format)
            .collect()
    };
    for format in [
        "apply_patch",
        "search_replace",
        "unified_diff",
        "whole_file",
    ] {
        assert!(!chamber(format).is_empty(), "no {format} rows");
    }
    let perturbations: Vec<&str> = chamber("unified_diff")
        .iter()
        .filter_map(|r| r["perturbation"].as_str())
        .collect();
    for p in [
        "clean",
        "trailing_ws",
        "indentation",
        "line_numbers",
        "crlf",
    ] {
        assert!(
            perturbations.contains(&p),
            "{p} not tried: {perturbations:?}"
        );
    }

    let total = payload["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["applier"] == "chamber" && t["format"] == "all")
        .unwrap();
    assert!(total["cases"].as_u64().unwrap() > 10, "{total}");
    assert_eq!(total["wrong_place"], 0, "{}", payload["chamber_failures"]);
    let cases = payload["cases"].as_array().unwrap();
    assert!(cases.iter().all(|c| c["outcome"].is_string()));
}
