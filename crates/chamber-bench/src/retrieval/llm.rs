//! `--llm`: the configured model re-ranks the top candidates.

use std::time::Duration;

use chamber_index::retrieve::RankedFile;
use chamber_llm::{ChatRequest, Message, Provider, collect};

/// Candidates shown to the model.
pub const CANDIDATES: usize = 20;
/// Issue text shown at most, in characters.
const ISSUE_MAX: usize = 6000;

/// The re-ranking request for `issue` over `candidates`.
pub fn prompt(issue: &str, candidates: &[RankedFile]) -> String {
    let issue: String = issue.chars().take(ISSUE_MAX).collect();
    let mut text = format!(
        "An issue was reported against a repository. Which files must change to fix it?\n\n\
         # Issue\n{}\n\n# Candidate files (with why a search picked them)\n",
        issue.trim()
    );
    for (i, c) in candidates.iter().enumerate() {
        let why = c
            .reasons
            .iter()
            .take(2)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ");
        text.push_str(&format!("{}. {} — {why}\n", i + 1, c.path));
    }
    text.push_str(
        "\nAnswer with JSON only: {\"files\": [\"path\", …]}, the candidate paths most likely \
         to need a change first, at most 10.\n",
    );
    text
}

/// The paths the answer lists, in order, keeping only candidates.
pub fn parse_answer(answer: &str, candidates: &[RankedFile]) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    let json = answer
        .find('{')
        .and_then(|a| answer.rfind('}').map(|b| &answer[a..=b]))
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok());
    if let Some(files) = json.as_ref().and_then(|v| v["files"].as_array()) {
        for f in files.iter().filter_map(|f| f.as_str()) {
            if candidates.iter().any(|c| c.path == f) && !order.iter().any(|o| o == f) {
                order.push(f.to_string());
            }
        }
    }
    if order.is_empty() {
        // Paths mentioned in prose, in order of first mention.
        let mut found: Vec<(usize, &str)> = candidates
            .iter()
            .filter_map(|c| answer.find(&c.path).map(|at| (at, c.path.as_str())))
            .collect();
        found.sort();
        order = found.into_iter().map(|(_, p)| p.to_string()).collect();
    }
    order
}

/// Re-ranks: the model's order first, then the rest as they were.
pub async fn rerank(
    provider: &dyn Provider,
    model: &str,
    issue: &str,
    ranked: &[RankedFile],
) -> Result<Vec<String>, String> {
    let candidates = &ranked[..ranked.len().min(CANDIDATES)];
    let mut request = ChatRequest::new(
        model.to_string(),
        vec![Message::user(prompt(issue, candidates))],
    );
    request.temperature = Some(0.0);
    request.max_tokens = Some(400);
    let response = collect(provider, &request, Duration::from_secs(120), &mut |_| {})
        .await
        .map_err(|e| e.to_string())?;
    let mut order = parse_answer(&response.content, candidates);
    for r in ranked {
        if !order.contains(&r.path) {
            order.push(r.path.clone());
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rf(p: &str) -> RankedFile {
        RankedFile {
            path: p.into(),
            score: 1.0,
            reasons: vec!["BM25 rank 1 (whole text)".into()],
        }
    }

    #[test]
    fn answers_are_parsed_as_json_or_prose() {
        let c = [rf("a.py"), rf("b.py"), rf("c.py")];
        let json = "Sure: {\"files\": [\"c.py\", \"zzz.py\", \"a.py\"]}";
        assert_eq!(parse_answer(json, &c), vec!["c.py", "a.py"]);
        assert_eq!(
            parse_answer("I think b.py then a.py", &c),
            vec!["b.py", "a.py"]
        );
        assert!(prompt("Boom", &c).contains("2. b.py — BM25 rank 1"));
    }
}
