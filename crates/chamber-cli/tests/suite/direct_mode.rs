//! Direct mode (`--strategy direct`, the default for small models) on a
//! real exercise-shaped Python project with the scripted model: the harness
//! (not the model) reads the files, a wrong first answer is fixed in the
//! second round from the test failure, malformed answers get precise
//! retries, and best of three applies the smallest passing diff.

use chamber_mock_llm::{MockServer, RecordedRequest, Turn};
use serde_json::Value;

use super::harness::{Project, contents, run_id};

const STUB: &str = "def leap_year(year):\n    pass\n";
const TESTS: &str = "import unittest\n\nfrom leap import leap_year\n\n\nclass LeapTest(unittest.TestCase):\n    def test_2015_is_not_leap(self):\n        self.assertIs(leap_year(2015), False)\n\n    def test_2016_is_leap(self):\n        self.assertIs(leap_year(2016), True)\n\n    def test_1900_is_not_leap(self):\n        self.assertIs(leap_year(1900), False)\n\n    def test_2000_is_leap(self):\n        self.assertIs(leap_year(2000), True)\n";
const INSTRUCTIONS: &str = "# Instructions\n\nA leap year occurs on every year that is divisible by 4, except every year that is evenly divisible by 100, unless the year is also divisible by 400.\n";
const RIGHT: &str =
    "def leap_year(year):\n    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)\n";
const WRONG: &str = "def leap_year(year):\n    return year % 4 == 0\n";
const RIGHT_LONG: &str = "def leap_year(year):\n    \"\"\"Whether year is a leap year.\"\"\"\n    by_four = year % 4 == 0\n    by_hundred = year % 100 == 0\n    by_four_hundred = year % 400 == 0\n    if by_four_hundred:\n        return True\n    if by_hundred:\n        return False\n    return by_four\n";
const OTHER: &str = "SECRET_UNRELATED_MARKER = 1\n";
const TASK: &str = "Solve the exercise described in .docs/instructions.md so that the tests pass.";

/// A committed project: the stub, its tests, the instructions, and an
/// unrelated module the harness must not show.
fn exercise(base_url: &str) -> Project {
    let p = Project::git(base_url);
    p.write("leap.py", STUB);
    p.write("leap_test.py", TESTS);
    p.write(".docs/instructions.md", INSTRUCTIONS);
    p.write("other.py", OTHER);
    p.git_ok(&["add", "-A"]);
    p.git_ok(&["commit", "-q", "-m", "exercise"]);
    p
}

fn fenced(code: &str) -> Turn {
    Turn::text(format!("```python\n{code}```"))
}

fn user_text(req: &RecordedRequest) -> String {
    contents(req, "user").join("\n")
}

fn last_user(req: &RecordedRequest) -> String {
    contents(req, "user").pop().unwrap_or_default()
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_harness_reads_the_files_and_one_answer_solves_it() {
    let server = MockServer::start(vec![fenced(RIGHT)]).await.unwrap();
    let p = exercise(&server.base_url());
    let out = p
        .run(&["run", "--yes", "--json", "--strategy", "direct", TASK])
        .await;
    out.assert_code(0);
    assert_eq!(p.read("leap.py").unwrap(), RIGHT);
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "no planning call, no tool turns");
    let req = &requests[0];
    assert!(
        req.body
            .get("tools")
            .is_none_or(|t| t.as_array().is_none_or(|a| a.is_empty()))
    );
    let sent = user_text(req);
    assert!(
        sent.contains("divisible by 400"),
        "instructions shown: {sent}"
    );
    assert!(
        sent.contains("test_1900_is_not_leap"),
        "tests shown: {sent}"
    );
    assert!(
        sent.contains("def leap_year(year):\n    pass"),
        "stub shown: {sent}"
    );
    assert!(
        sent.contains("`leap.py`"),
        "the file to write is named: {sent}"
    );
    assert!(
        !sent.contains("SECRET_UNRELATED_MARKER"),
        "unrelated code stays out"
    );
    let events = p.events_file(&run_id(&out.envelope()));
    let focus = of_type(&events, "focus_found");
    assert_eq!(focus[0]["targets"][0]["path"], "leap.py", "{:?}", focus);
    assert_eq!(focus[0]["tests"][0], "leap_test.py");
    assert!(!of_type(&events, "committed").is_empty());
    assert!(p.git_ok(&["log", "-1", "--format=%s"]).trim().len() > 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_first_answer_is_fixed_in_the_second_round() {
    let server = MockServer::start(vec![fenced(WRONG), fenced(RIGHT)])
        .await
        .unwrap();
    let p = exercise(&server.base_url());
    let out = p
        .run(&["run", "--yes", "--json", "--strategy", "direct", TASK])
        .await;
    out.assert_code(0);
    assert_eq!(p.read("leap.py").unwrap(), RIGHT);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let feedback = last_user(&requests[1]);
    assert!(feedback.contains("1 failing"), "{feedback}");
    assert!(feedback.contains("test_1900_is_not_leap"), "{feedback}");
    assert!(
        feedback.contains("leap_year(1900)"),
        "the failing line is quoted: {feedback}"
    );
    assert!(feedback.contains("`leap.py`"), "{feedback}");
    // The first request is the prefix of the second (the cache can reuse it).
    let first: Vec<Value> = requests[0].body["messages"].as_array().unwrap().clone();
    let second: Vec<Value> = requests[1].body["messages"].as_array().unwrap().clone();
    assert_eq!(first[..], second[..first.len()]);
    let events = p.events_file(&run_id(&out.envelope()));
    let checks: Vec<(u64, bool)> = of_type(&events, "tests_checked")
        .iter()
        .map(|e| (e["round"].as_u64().unwrap(), e["passed"].as_bool().unwrap()))
        .collect();
    assert_eq!(checks, vec![(0, false), (1, false), (2, true)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_truncated_and_prose_answers_get_precise_retries() {
    let server = MockServer::start(vec![
        Turn::text(""),
        Turn::text("```python\ndef leap_year(year):\n    return year % 4"),
        Turn::text("You should use the modulo operator for this."),
        fenced(STUB),
        fenced(RIGHT),
    ])
    .await
    .unwrap();
    let p = exercise(&server.base_url());
    let out = p
        .run(&["run", "--yes", "--json", "--strategy", "direct", TASK])
        .await;
    out.assert_code(0);
    assert_eq!(p.read("leap.py").unwrap(), RIGHT);
    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    assert!(last_user(&requests[1]).contains("was empty"));
    assert!(last_user(&requests[2]).contains("cut off"));
    assert!(last_user(&requests[3]).contains("no code block"));
    assert!(last_user(&requests[4]).contains("exactly as it is now"));
    for r in &requests[1..] {
        assert!(last_user(r).contains("`leap.py`"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn best_of_three_applies_the_smallest_passing_diff() {
    let server = MockServer::start(vec![fenced(WRONG), fenced(RIGHT_LONG), fenced(RIGHT)])
        .await
        .unwrap();
    let p = exercise(&server.base_url());
    let out = p
        .run_env(
            &[
                "run",
                "--yes",
                "--json",
                "--strategy",
                "direct",
                "--candidates",
                "3",
                TASK,
            ],
            &[("CHAMBER_AGENT__DIRECT_ROUNDS", "1")],
        )
        .await;
    out.assert_code(0);
    assert_eq!(p.read("leap.py").unwrap(), RIGHT);
    let events = p.events_file(&run_id(&out.envelope()));
    let scored: Vec<(bool, u64)> = of_type(&events, "candidate_scored")
        .iter()
        .map(|e| {
            (
                e["passed"].as_bool().unwrap(),
                e["diff_lines"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(scored.len(), 3, "{scored:?}");
    assert_eq!(
        scored.iter().map(|s| s.0).collect::<Vec<_>>(),
        vec![false, true, true]
    );
    assert!(scored[1].1 > scored[2].1, "{scored:?}");
    let chosen = of_type(&events, "candidate_chosen");
    assert_eq!(chosen[0]["candidate"], 3, "{chosen:?}");
    assert!(
        chosen[0]["reason"]
            .as_str()
            .unwrap()
            .contains("smallest diff")
    );
    // Only the winner touched the project: one recorded write, committed.
    let writes = of_type(&events, "patch_recorded");
    assert_eq!(writes.len(), 1, "{writes:?}");
    let last = p.git_ok(&["show", "HEAD:leap.py"]);
    assert_eq!(last.trim_end(), RIGHT.trim_end());
}
