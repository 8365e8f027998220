//! `chamber ab` across two mock providers on a real git project: each runs
//! `chamber run` in its own worktree, the table is printed, and the one
//! whose change passes the tests is checked out.

use chamber_mock_llm::{MockServer, Turn};

use super::harness::Project;

const STUB: &str = "def double(n):\n    pass\n";
const TESTS: &str = "import unittest\n\nfrom double import double\n\n\nclass DoubleTest(unittest.TestCase):\n    def test_two(self):\n        self.assertEqual(double(2), 4)\n\n    def test_zero(self):\n        self.assertEqual(double(0), 0)\n";
const RIGHT: &str = "def double(n):\n    return n * 2\n";
const WRONG: &str = "def double(n):\n    return n + 2\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_is_printed_and_the_passing_attempt_is_checked_out() {
    let alpha = MockServer::start(vec![Turn::text(format!("```python\n{WRONG}```"))])
        .await
        .unwrap();
    let beta = MockServer::start(vec![Turn::text(format!("```python\n{RIGHT}```"))])
        .await
        .unwrap();
    let p = Project::git(&alpha.base_url());
    p.write("double.py", STUB);
    p.write("double_test.py", TESTS);
    p.write(
        ".chamber/config.toml",
        &format!(
            "[providers.alpha]\nwire = \"openai-chat\"\nbase_url = \"{}\"\napi_key_env = \"\"\ndefault_model = \"alpha-model\"\n\n[providers.beta]\nwire = \"openai-chat\"\nbase_url = \"{}\"\napi_key_env = \"\"\ndefault_model = \"beta-model\"\n",
            alpha.base_url(),
            beta.base_url()
        ),
    );
    p.git_ok(&["add", "-A"]);
    p.git_ok(&["commit", "-q", "-m", "double"]);
    let out = p
        .run_env(
            &[
                "ab",
                "--providers",
                "alpha,beta",
                "--strategy",
                "direct",
                "Make double(n) in double.py return twice n.",
            ],
            &[("CHAMBER_AGENT__DIRECT_ROUNDS", "1")],
        )
        .await;
    out.assert_code(0);
    let table = &out.stdout;
    let row = |name: &str| {
        table
            .lines()
            .find(|l| l.contains(name) && (l.contains("completed") || l.contains("failed")))
            .unwrap_or_else(|| panic!("no row for {name}: {table}"))
            .to_string()
    };
    assert!(row("alpha").contains("failing"), "{table}");
    assert!(row("beta").contains("pass"), "{table}");
    assert!(row("beta").starts_with('★'), "{table}");
    assert!(table.contains("beta wins"), "{table}");
    // Each provider got its own request; the winner's branch is checked out.
    assert_eq!(alpha.requests().len(), 1);
    assert_eq!(beta.requests().len(), 1);
    assert_eq!(p.read("double.py").unwrap(), RIGHT);
    let branch = p.git_ok(&["branch", "--show-current"]);
    assert!(branch.trim().starts_with("chamber/"), "{branch}");
    // The loser's branch is kept; no worktree is left behind.
    assert!(
        p.branches()
            .iter()
            .filter(|b| b.starts_with("chamber/"))
            .count()
            >= 1
    );
    let worktrees = p.git_ok(&["worktree", "list"]);
    assert_eq!(worktrees.lines().count(), 1, "{worktrees}");
}
