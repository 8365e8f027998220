//! A text file as lines: matching works on line contents without their
//! terminators, and rendering puts back what the file had (CRLF or LF per
//! line, the final newline or its absence, a UTF-8 byte order mark).

/// A file split into lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Document {
    /// Line contents, without `\n` or the `\r` of a CRLF terminator.
    lines: Vec<String>,
    /// Per line: whether its terminator is `\r\n`.
    crlf: Vec<bool>,
    /// The terminator new lines get: the one most lines use.
    crlf_default: bool,
    /// Whether the last line ends with a terminator.
    final_newline: bool,
    /// Whether the text started with a UTF-8 byte order mark.
    bom: bool,
}

impl Document {
    /// Splits `text` into lines. An empty text has no lines (and gets a
    /// final newline once lines are added to it).
    pub(crate) fn parse(text: &str) -> Document {
        let (bom, body) = match text.strip_prefix('\u{feff}') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let mut lines = Vec::new();
        let mut crlf = Vec::new();
        let mut rest = body;
        let mut final_newline = true;
        while !rest.is_empty() {
            match rest.find('\n') {
                Some(i) => {
                    let line = &rest[..i];
                    match line.strip_suffix('\r') {
                        Some(content) => {
                            lines.push(content.to_owned());
                            crlf.push(true);
                        }
                        None => {
                            lines.push(line.to_owned());
                            crlf.push(false);
                        }
                    }
                    rest = &rest[i + 1..];
                }
                None => {
                    lines.push(rest.to_owned());
                    crlf.push(false);
                    final_newline = false;
                    rest = "";
                }
            }
        }
        let terminated = if final_newline {
            crlf.len()
        } else {
            crlf.len().saturating_sub(1)
        };
        let crlf_count = crlf.iter().take(terminated).filter(|&&c| c).count();
        Document {
            lines,
            crlf,
            crlf_default: crlf_count * 2 > terminated,
            final_newline,
            bom,
        }
    }

    /// The line contents.
    pub(crate) fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Whether the last line ends with a newline.
    pub(crate) fn final_newline(&self) -> bool {
        self.final_newline
    }

    /// Sets whether the last line ends with a newline.
    pub(crate) fn set_final_newline(&mut self, yes: bool) {
        self.final_newline = yes;
    }

    /// Replaces lines `start..end` with `new` (which get the file's usual
    /// terminator). Out-of-range bounds are clamped.
    pub(crate) fn splice(&mut self, start: usize, end: usize, new: Vec<String>) {
        let end = end.min(self.lines.len());
        let start = start.min(end);
        let count = new.len();
        self.lines.splice(start..end, new);
        self.crlf
            .splice(start..end, std::iter::repeat_n(self.crlf_default, count));
    }

    /// The text back, with the terminators, final newline and byte order
    /// mark of the original.
    pub(crate) fn render(&self) -> String {
        let size: usize = self.lines.iter().map(|l| l.len() + 2).sum();
        let mut out = String::with_capacity(size + 3);
        if self.bom {
            out.push('\u{feff}');
        }
        let last = self.lines.len().saturating_sub(1);
        for (i, line) in self.lines.iter().enumerate() {
            out.push_str(line);
            if i < last || self.final_newline {
                let crlf = self.crlf.get(i).copied().unwrap_or(self.crlf_default);
                out.push_str(if crlf { "\r\n" } else { "\n" });
            }
        }
        out
    }
}

/// Splits text written by the model (search or replacement text) into
/// lines: terminators (`\n` or `\r\n`) dropped, a final newline ignored.
pub(crate) fn split_lines(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    body.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned())
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for text in [
            "",
            "a",
            "a\n",
            "a\nb",
            "a\r\nb\r\n",
            "a\r\nb\nc",
            "\u{feff}x\n",
            "\n\n",
        ] {
            assert_eq!(Document::parse(text).render(), text, "{text:?}");
        }
    }

    #[test]
    fn crlf_lines_lose_their_cr_and_new_lines_get_it() {
        let mut doc = Document::parse("a\r\nb\r\nc\r\n");
        assert_eq!(doc.lines(), ["a", "b", "c"]);
        doc.splice(1, 2, vec!["x".into(), "y".into()]);
        assert_eq!(doc.render(), "a\r\nx\r\ny\r\nc\r\n");
    }

    #[test]
    fn missing_final_newline_is_kept() {
        let mut doc = Document::parse("a\nb");
        assert!(!doc.final_newline());
        doc.splice(1, 2, vec!["c".into(), "d".into()]);
        assert_eq!(doc.render(), "a\nc\nd");
        doc.set_final_newline(true);
        assert_eq!(doc.render(), "a\nc\nd\n");
    }

    #[test]
    fn empty_document_grows_with_newline() {
        let mut doc = Document::parse("");
        doc.splice(0, 0, vec!["a".into()]);
        assert_eq!(doc.render(), "a\n");
    }

    #[test]
    fn model_text_splits() {
        assert_eq!(split_lines("a\r\nb\n"), ["a", "b"]);
        assert_eq!(split_lines("a\n\n"), ["a", ""]);
        assert!(split_lines("").is_empty());
    }
}
