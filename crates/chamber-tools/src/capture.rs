//! Bounded capture of a process's output: keeps the head and the tail, drops
//! the middle, so a chatty command cannot flood the model's context.

/// `text` cut to at most `cap` bytes the way command output is (head and
/// tail kept, the middle replaced by a marker): for tools whose whole
/// answer arrives at once, such as an MCP server's.
pub fn cap_text(text: &str, cap: usize) -> String {
    let mut capture = Capture::new(cap);
    capture.push(text.as_bytes());
    capture.render()
}

/// Output kept from one stream, at most `cap` bytes plus a marker.
#[derive(Debug)]
pub(crate) struct Capture {
    head: Vec<u8>,
    tail: Vec<u8>,
    head_cap: usize,
    tail_cap: usize,
    total: usize,
}

impl Capture {
    /// A capture keeping at most `cap` bytes: half from the start, half from the end.
    pub(crate) fn new(cap: usize) -> Self {
        let head_cap = cap / 2;
        Self {
            head: Vec::new(),
            tail: Vec::new(),
            head_cap,
            tail_cap: cap - head_cap,
            total: 0,
        }
    }

    /// Adds bytes as they arrive.
    pub(crate) fn push(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len();
        let room = self.head_cap.saturating_sub(self.head.len());
        if room > 0 {
            let take = room.min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
        }
        if bytes.is_empty() {
            return;
        }
        self.tail.extend_from_slice(bytes);
        // Trim lazily so pushes stay amortised O(n).
        if self.tail.len() > self.tail_cap.saturating_mul(2).max(4096) {
            let excess = self.tail.len() - self.tail_cap;
            self.tail.drain(..excess);
        }
    }

    /// The kept text, with `[… N bytes truncated …]` where the middle was dropped.
    pub(crate) fn render(&self) -> String {
        let tail_start = self.tail.len().saturating_sub(self.tail_cap);
        let tail = &self.tail[tail_start..];
        let kept = self.head.len() + tail.len();
        let dropped = self.total - kept;
        if dropped == 0 {
            let mut all = self.head.clone();
            all.extend_from_slice(tail);
            return String::from_utf8_lossy(&all).into_owned();
        }
        // Cut on character boundaries so the marker does not split a character.
        let head_end = utf8_prefix_len(&self.head);
        let tail_skip = tail.iter().take_while(|b| (**b & 0xC0) == 0x80).count();
        let dropped = dropped + (self.head.len() - head_end) + tail_skip;
        let mut out = String::from_utf8_lossy(&self.head[..head_end]).into_owned();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("[… {dropped} bytes truncated …]\n"));
        out.push_str(&String::from_utf8_lossy(&tail[tail_skip..]));
        out
    }
}

/// Length of the longest prefix that does not end inside a UTF-8 character.
fn utf8_prefix_len(bytes: &[u8]) -> usize {
    match std::str::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        // An invalid sequence in the middle is fine (rendered lossily); only an
        // incomplete one at the very end is cut.
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => bytes.len(),
    }
}

/// Turns a byte stream into text chunks without splitting UTF-8 characters
/// across chunk boundaries.
#[derive(Debug, Default)]
pub(crate) struct Utf8Chunker {
    pending: Vec<u8>,
}

impl Utf8Chunker {
    /// Text for `bytes`, holding back an incomplete trailing character.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> String {
        self.pending.extend_from_slice(bytes);
        let end = utf8_prefix_len(&self.pending);
        let text = String::from_utf8_lossy(&self.pending[..end]).into_owned();
        self.pending.drain(..end);
        text
    }

    /// Whatever is left at end of stream.
    pub(crate) fn finish(&mut self) -> String {
        let text = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        text
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn small_output_is_kept_whole() {
        let mut c = Capture::new(100);
        c.push(b"hello ");
        c.push(b"world");
        assert_eq!(c.render(), "hello world");
    }

    #[test]
    fn large_output_keeps_head_and_tail() {
        let mut c = Capture::new(20);
        for i in 0..1000 {
            c.push(format!("{i}\n").as_bytes());
        }
        let text = c.render();
        assert!(text.starts_with("0\n1\n2\n"), "{text}");
        assert!(text.ends_with("998\n999\n"), "{text}");
        assert!(text.contains("bytes truncated"), "{text}");
    }

    #[test]
    fn chunker_does_not_split_characters() {
        let mut ch = Utf8Chunker::default();
        let bytes = "é".as_bytes();
        assert_eq!(ch.feed(&bytes[..1]), "");
        assert_eq!(ch.feed(&bytes[1..]), "é");
        assert_eq!(ch.finish(), "");
    }
}
