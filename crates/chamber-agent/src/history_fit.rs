//! Keeps a conversation inside a small model's context window. Old tool
//! results are cut down first (the model has acted on them already); the
//! system prompt, the step request and the latest exchanges stay whole.
//! This is the last resort after context compaction (`compaction`).
//!
//! Cutting rewrites messages already sent, which throws away the server's
//! prompt cache from the first one cut onwards. So a cut, once needed, goes
//! down to two thirds of the budget: the turns after it append to an
//! unchanged prefix until the history fills the budget again.

use chamber_llm::{Message, Role};

/// Characters per token assumed when estimating (conservative for code).
const CHARS_PER_TOKEN: usize = 3;

/// How much of an old tool result survives trimming.
const KEPT_CHARS: usize = 300;

/// Shortens old tool results once the messages outgrow `context_tokens`
/// less a quarter left for the answer, down to two thirds of that. Returns
/// how many messages were shortened.
pub fn fit_history(messages: &mut [Message], context_tokens: usize) -> usize {
    let budget = context_tokens * 3 / 4 * CHARS_PER_TOKEN;
    let mut size: usize = messages.iter().map(|x| x.content.len() + 16).sum();
    if size <= budget {
        return 0;
    }
    let low_water = budget * 2 / 3;
    let mut trimmed = 0;
    // The last two messages are the call and result the model works on.
    let protected_from = messages.len().saturating_sub(2);
    for m in &mut messages[..protected_from] {
        if size <= low_water {
            break;
        }
        // Results trimmed on an earlier turn stay as they are.
        if m.role == Role::Tool && m.content.len() > KEPT_CHARS + 40 && !m.content.ends_with(MARK) {
            let before = m.content.len();
            let cut = m.content.floor_char_boundary(KEPT_CHARS);
            let dropped = before - cut;
            m.content.truncate(cut);
            m.content.push_str(&format!(
                "\n[… {dropped} characters of this old result {MARK}"
            ));
            size = size - before + m.content.len();
            trimmed += 1;
        }
    }
    trimmed
}

/// How a trimmed result ends.
const MARK: &str = "trimmed to fit the context …]";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_tool_results_are_trimmed_first_and_recent_ones_kept() {
        let big = "x".repeat(5000);
        let mut m = vec![
            Message::system("sys"),
            Message::user("step"),
            Message::assistant("", vec![]),
            Message::tool("c1", big.clone()),
            Message::assistant("", vec![]),
            Message::tool("c2", big.clone()),
            Message::assistant("", vec![]),
            Message::tool("c3", big.clone()),
        ];
        // 1000 tokens ≈ 2250 characters of budget: both old results go.
        let n = fit_history(&mut m, 1000);
        assert_eq!(n, 2);
        assert!(m[3].content.len() < 500 && m[3].content.contains("trimmed"));
        assert_eq!(m[7].content.len(), 5000, "the latest result stays whole");
        assert_eq!(m[1].content, "step");
        // Already small enough: nothing changes.
        let mut small = vec![Message::user("hi"), Message::tool("c", "ok")];
        assert_eq!(fit_history(&mut small, 8192), 0);
    }

    #[test]
    fn a_trimmed_result_is_not_trimmed_again() {
        let big = "y".repeat(5000);
        let mut m = vec![
            Message::tool("c1", big.clone()),
            Message::tool("c2", big.clone()),
            Message::tool("c3", big.clone()),
        ];
        assert_eq!(fit_history(&mut m, 1000), 1);
        let once = m[0].content.clone();
        assert!(once.contains("4700 characters"), "{once}");
        m.push(Message::tool("c4", big.clone()));
        m.push(Message::tool("c5", big));
        fit_history(&mut m, 1000);
        assert_eq!(m[0].content, once, "the count of what was cut survives");
    }

    #[test]
    fn a_cut_leaves_room_so_the_next_turns_keep_the_prefix() {
        // 1000 tokens: a budget of 2250 characters, cut down to 1500.
        let mut m = vec![
            Message::system("sys"),
            Message::user("step"),
            Message::tool("c1", "a".repeat(1200)),
            Message::tool("c2", "b".repeat(1200)),
            Message::tool("c3", "c".repeat(100)),
            Message::tool("c4", "d".repeat(100)),
        ];
        // Cutting c1 alone would fit the budget; c2 goes too.
        assert_eq!(fit_history(&mut m, 1000), 2, "cut below the low-water mark");
        let sent = m.clone();
        // Two more results later the history still fits: nothing already
        // sent is rewritten.
        m.push(Message::tool("c5", "e".repeat(300)));
        m.push(Message::tool("c6", "f".repeat(300)));
        assert_eq!(fit_history(&mut m, 1000), 0);
        assert_eq!(m[..sent.len()], sent[..]);
    }
}
