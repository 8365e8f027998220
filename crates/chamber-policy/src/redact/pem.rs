//! Private key blocks. Found by hand rather than by regex, because the key
//! material often arrives decorated: numbered lines (`  8│ MIIE…`), quoted
//! or JSON-escaped (`\n` as two characters), or cut off before `END`.

/// How far after `BEGIN` the `END` marker is looked for.
const MAX_BLOCK: usize = 64 * 1024;

/// The label private key blocks get.
pub(crate) const LABEL: &str = "private-key";

/// Spans of private key blocks in `text`: from `-----BEGIN … PRIVATE KEY-----`
/// to the end of its `END` line, or, when the block is cut off, to the end
/// of its last line of key material. A header without key material after
/// it (code that names the marker) is not a block.
pub(crate) fn spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find("-----BEGIN ") {
        let begin = from + found;
        let Some(header_end) = header_end(text, begin) else {
            from = begin + 11;
            continue;
        };
        let window_end = floor_boundary(text, (header_end + MAX_BLOCK).min(text.len()));
        let window = &text[header_end..window_end];
        let (body_len, end) = match window.find("-----END ") {
            Some(e) => {
                let footer_end = header_end + e + 9;
                let close = text[footer_end..]
                    .find("-----")
                    .filter(|c| text[footer_end..footer_end + c].contains("PRIVATE KEY"));
                match close {
                    Some(c) => (e, Some(footer_end + c + 5)),
                    None => (e, None),
                }
            }
            None => (window.len(), None),
        };
        let body = &text[header_end..header_end + body_len];
        let lines = body_lines(body);
        let key_lines = lines.iter().filter(|l| key_like(l)).count();
        let only_key = lines.iter().all(|l| key_like(l) || neutral(l));
        let span_end = match end {
            Some(end) if only_key && key_lines > 0 => Some(end),
            _ => cut_off_end(header_end, body),
        };
        match span_end {
            Some(end) => {
                out.push((begin, end));
                from = end;
            }
            None => from = header_end,
        }
    }
    out
}

/// The end of a `-----BEGIN … PRIVATE KEY-----` header starting at `begin`.
fn header_end(text: &str, begin: usize) -> Option<usize> {
    let rest = &text[begin + 11..];
    let close = rest.find("-----")?;
    let name = &rest[..close];
    (close <= 40 && (name.ends_with("PRIVATE KEY") || name.ends_with("PRIVATE KEY BLOCK")))
        .then_some(begin + 11 + close + 5)
}

/// For a block without a usable `END`: the end of the run of key lines
/// right after the header, if there is one.
fn cut_off_end(header_end: usize, body: &str) -> Option<usize> {
    let mut end = None;
    let mut at = header_end;
    for piece in split_keep(body) {
        let line = piece.trim_end_matches(['\n', '\r']);
        let line = line.strip_suffix("\\n").unwrap_or(line);
        if key_like(line) {
            end = Some(at + piece.len());
        } else if !neutral(line) {
            break;
        }
        at += piece.len();
    }
    end
}

/// The body's lines, split at real newlines and at escaped `\n`.
fn body_lines(body: &str) -> Vec<&str> {
    body.split('\n')
        .flat_map(|l| l.split("\\n"))
        .map(|l| l.trim_end_matches('\r'))
        .collect()
}

/// Pieces of `body` each ending with its newline (real or escaped).
fn split_keep(body: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' {
            out.push(&body[start..=i]);
            start = i + 1;
        } else if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'n') {
            out.push(&body[start..i + 2]);
            start = i + 2;
            i += 1;
        }
        i += 1;
    }
    if start < body.len() {
        out.push(&body[start..]);
    }
    out
}

/// A line of key material: a base64 run of 16+ characters that makes up
/// most of the line (line-number gutters and quotes around it are fine).
fn key_like(line: &str) -> bool {
    let mut best = 0;
    let mut run = 0;
    let mut total = 0;
    for c in line.chars() {
        if c.is_whitespace() {
            run = 0;
            continue;
        }
        total += 1;
        if c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '=' {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best >= 16 && best * 10 >= total * 7
}

/// Lines a key block may hold besides key material: blank lines, PEM
/// headers, gutters and quotes.
fn neutral(line: &str) -> bool {
    let t = line.trim();
    t.len() <= 8 || t.contains("Proc-Type:") || t.contains("DEK-Info:") || t.contains("Comment:")
}

/// The largest char boundary at or below `i`.
fn floor_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}
