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
/// less a quarter left for the answer, down to two thirds of that; then
/// drops whole old turns if those alone still fill half of it. Returns how
/// many messages were shortened or dropped.
pub fn fit_history(messages: &mut Vec<Message>, context_tokens: usize) -> usize {
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
            // A new string, not `truncate`: that keeps the old capacity,
            // and a long run then holds every result it ever trimmed.
            m.content = format!(
                "{}\n[… {dropped} characters of this old result {MARK}",
                &m.content[..cut]
            );
            size = size - before + m.content.len();
            trimmed += 1;
        }
    }
    trimmed + drop_old_turns(messages, budget)
}

/// When the old turns alone still fill half the budget (a step of
/// thousands of turns, their results trimmed), drops whole old turns after the pinned head (system prompt and
/// step request): an assistant message with the tool results answering it,
/// so every result stays with its call. One note after the head counts
/// what went. Without this the history, and the memory of a long run, grew
/// with every turn. Returns how many messages went.
fn drop_old_turns(messages: &mut Vec<Message>, budget: usize) -> usize {
    let head = messages
        .iter()
        .position(|m| m.role == Role::User)
        .map_or(0, |i| i + 1);
    // The latest turn is what the model works on; with no turns there is
    // nothing to drop.
    let Some(protected_from) = messages.iter().rposition(|m| m.role == Role::Assistant) else {
        return 0;
    };
    let note_at = messages
        .get(head)
        .filter(|m| m.role == Role::User && m.content.starts_with(DROPPED_HEAD))
        .map(|_| head);
    let mut dropped_turns = note_at.map_or(0, |i| {
        messages[i].content[DROPPED_HEAD.len()..]
            .split_whitespace()
            .next()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0)
    });
    let first = head + usize::from(note_at.is_some());
    // Only when the old turns themselves (their results trimmed already)
    // fill half the budget; then down to a third, so later turns append.
    let mut size: usize = messages[first..protected_from]
        .iter()
        .map(|m| m.content.len() + 16)
        .sum();
    if size <= budget / 2 {
        return 0;
    }
    let low_water = budget / 3;
    let mut keep = vec![true; messages.len()];
    let mut i = first;
    while i < protected_from && size > low_water {
        let mut next = i + 1;
        while next < protected_from && messages[next].role == Role::Tool {
            next += 1;
        }
        // Other messages (a compaction summary, feedback) stay.
        if messages[i].role == Role::Assistant {
            for (k, m) in keep.iter_mut().zip(messages.iter()).take(next).skip(i) {
                *k = false;
                size -= m.content.len() + 16;
            }
            dropped_turns += 1;
        }
        i = next;
    }
    let gone = keep.iter().filter(|k| !**k).count();
    if gone == 0 {
        return 0;
    }
    let mut flags = keep.into_iter();
    messages.retain(|_| flags.next().unwrap_or(true));
    let note = Message::user(format!(
        "{DROPPED_HEAD}{dropped_turns} earlier turns of this step were dropped to fit the context.]"
    ));
    match note_at {
        Some(i) => messages[i] = note,
        None => messages.insert(head, note),
    }
    gone
}

/// How the note on dropped turns starts.
const DROPPED_HEAD: &str = "[… ";

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
        assert!(
            m[3].content.capacity() < 1000,
            "a trimmed result gives its memory back"
        );
        assert_eq!(m[7].content.len(), 5000, "the latest result stays whole");
        assert_eq!(m[1].content, "step");
        // Already small enough: nothing changes.
        let mut small = vec![Message::user("hi"), Message::tool("c", "ok")];
        assert_eq!(fit_history(&mut small, 8192), 0);
    }

    #[test]
    fn thousands_of_turns_stay_bounded_and_pairs_stay_whole() {
        let mut m = vec![Message::system("sys"), Message::user("step")];
        for i in 0..3000 {
            m.push(Message::assistant("", vec![]));
            m.push(Message::tool(format!("c{i}"), "z".repeat(2000)));
            fit_history(&mut m, 2000);
        }
        let size: usize = m.iter().map(|x| x.content.len() + 16).sum();
        assert!(size <= 2000 * 3 / 4 * CHARS_PER_TOKEN, "{size}");
        assert_eq!(m[0].content, "sys");
        assert_eq!(m[1].content, "step");
        assert!(m[2].content.contains("earlier turns"), "{}", m[2].content);
        let n: usize = m[2].content[DROPPED_HEAD.len()..]
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let kept = m.iter().filter(|x| x.role == Role::Assistant).count();
        assert_eq!(n + kept, 3000, "every dropped turn is counted once");
        assert_eq!(m[3].role, Role::Assistant, "a turn starts after the note");
        assert_eq!(m.last().map(|x| x.content.len()), Some(2000));
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
