//! The table `chamber ab` prints: one row per attempt, the winner marked.

use super::attempt::Attempt;
use crate::{Paint, Tone};

/// The attempts, one row each, and which one was applied.
pub(crate) fn lines(
    attempts: &[Attempt],
    winner: Option<usize>,
    applied: Option<&str>,
    paint: &dyn Paint,
) -> Vec<String> {
    let mut out = vec![format!(
        "{:<3}{:<34} {:<10} {:<14} {:>6} {:>9} {:>8}",
        "", "provider", "status", "tests", "diff", "cost", "time"
    )];
    for (i, a) in attempts.iter().enumerate() {
        let mark = if Some(i) == winner { "★" } else { " " };
        let tests = match a.tests {
            Some((true, _, Some(p))) => format!("pass ({p})"),
            Some((true, _, None)) => "pass".to_string(),
            Some((false, f, _)) => format!("{f} failing"),
            None => "-".to_string(),
        };
        out.push(format!(
            "{mark:<3}{:<34} {:<10} {:<14} {:>6} {:>9} {:>7.1}s",
            a.spec.label,
            a.status,
            tests,
            a.diff_lines,
            format!("${:.4}", a.cost_usd),
            a.secs
        ));
    }
    out.push(match (winner, applied) {
        (Some(i), Some(branch)) => format!(
            "\n{} {} wins: checked out {branch} (the others' branches are kept)",
            paint.paint(Tone::Good, "✔"),
            attempts[i].spec.label
        ),
        _ => format!(
            "\n{} no attempt committed a change; nothing applied",
            paint.paint(Tone::Bad, "✘")
        ),
    });
    out
}
