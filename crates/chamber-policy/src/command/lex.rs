//! The lexer: quoting, escapes, expansions and operators, as bash reads
//! them. Substitutions are parsed on the spot into the shared [`Script`], so
//! words only carry their indices.

use super::escapes::{decode_escapes, scan_substitutions};
use super::parse::{ParseError, parse_nested};
use super::script::{RedirOp, Script, Word};

/// Marks for unquoted `{`, `,` and `}` until brace expansion has run.
pub(crate) const BRACE_OPEN: char = '\u{E000}';
pub(crate) const BRACE_COMMA: char = '\u{E001}';
pub(crate) const BRACE_CLOSE: char = '\u{E002}';

/// Control operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    And,
    Or,
    Semi,
    Amp,
    Pipe,
    LParen,
    RParen,
    Newline,
}

/// One token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A word, before brace expansion.
    Word(Word),
    /// A control operator.
    Op(Op),
    /// A redirection with its target; here-documents carry their body slot.
    Redir {
        fd: Option<u32>,
        op: RedirOp,
        target: Word,
        slot: Option<usize>,
    },
}

struct PendingDoc {
    delim: String,
    strip_tabs: bool,
    expands: bool,
    slot: usize,
}

/// Reads tokens from a command line.
pub(crate) struct Lexer {
    chars: Vec<char>,
    pub(super) pos: usize,
    depth: usize,
    /// Here-document bodies by slot (`None` until read).
    pub heredocs: Vec<Option<String>>,
    pending: Vec<PendingDoc>,
}

impl Lexer {
    pub(crate) fn new(text: &str, depth: usize) -> Self {
        Self {
            chars: text.chars().collect(),
            pos: 0,
            depth,
            heredocs: Vec::new(),
            pending: Vec::new(),
        }
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    pub(super) fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.pos + n).copied()
    }

    fn bump(&mut self) -> Result<char, ParseError> {
        let c = self
            .peek()
            .ok_or_else(|| ParseError::new("unexpected end: an unclosed quote or bracket"))?;
        self.pos += 1;
        Ok(c)
    }

    fn skip_blanks(&mut self) {
        while let Some(c) = self.peek() {
            if c == ' ' || c == '\t' || c == '\r' {
                self.pos += 1;
            } else if c == '\\' && self.peek_at(1) == Some('\n') {
                self.pos += 2;
            } else if c == '$' && self.starts_ifs() {
                self.skip_ifs();
            } else {
                break;
            }
        }
    }

    /// The next token, or `None` at the end.
    pub(crate) fn next(&mut self, script: &mut Script) -> Result<Option<Tok>, ParseError> {
        self.skip_blanks();
        let Some(c) = self.peek() else {
            if !self.pending.is_empty() {
                return Err(ParseError::new("a here-document has no end"));
            }
            return Ok(None);
        };
        if c == '#' {
            while self.peek().is_some_and(|c| c != '\n') {
                self.pos += 1;
            }
            return self.next(script);
        }
        if c == '\n' {
            self.pos += 1;
            self.read_heredocs(script)?;
            return Ok(Some(Tok::Op(Op::Newline)));
        }
        self.token(script).map(Some)
    }

    fn starts_ifs(&self) -> bool {
        let rest: String = self.chars[self.pos..].iter().take(5).collect();
        rest.starts_with("${IFS") && self.peek_at(5) == Some('}')
            || rest.starts_with("$IFS")
                && !rest
                    .chars()
                    .nth(4)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    }

    fn skip_ifs(&mut self) {
        self.pos += if self.peek_at(1) == Some('{') { 6 } else { 4 };
    }

    fn op(&mut self, n: usize, op: Op) -> Result<Tok, ParseError> {
        self.pos += n;
        Ok(Tok::Op(op))
    }

    fn token(&mut self, script: &mut Script) -> Result<Tok, ParseError> {
        let c = self.peek().unwrap_or(' ');
        match (c, self.peek_at(1).unwrap_or('\0')) {
            ('&', '&') => self.op(2, Op::And),
            ('|', '|') => self.op(2, Op::Or),
            ('|', '&') => self.op(2, Op::Pipe),
            ('|', _) => self.op(1, Op::Pipe),
            (';', ';') => self.op(2, Op::Semi),
            (';', '&') => self.op(2, Op::Semi),
            (';', _) => self.op(1, Op::Semi),
            ('&', '>') => {
                self.pos += 1;
                self.redirect(None, script)
            }
            ('&', _) => self.op(1, Op::Amp),
            ('(', _) => self.op(1, Op::LParen),
            (')', _) => self.op(1, Op::RParen),
            ('<' | '>', '(') => Ok(Tok::Word(self.word(script)?.0)),
            ('<' | '>', _) => self.redirect(None, script),
            _ => {
                let (word, quoted) = self.word(script)?;
                let is_fd = !quoted
                    && !word.dynamic
                    && !word.text.is_empty()
                    && word.text.chars().all(|c| c.is_ascii_digit())
                    && matches!(self.peek(), Some('<' | '>'))
                    && self.peek_at(1) != Some('(');
                if is_fd {
                    return self.redirect(word.text.parse().ok(), script);
                }
                Ok(Tok::Word(word))
            }
        }
    }

    /// A redirection operator at `pos` (after any descriptor) and its target.
    fn redirect(&mut self, fd: Option<u32>, script: &mut Script) -> Result<Tok, ParseError> {
        let rest: String = self.chars[self.pos..].iter().take(3).collect();
        let (len, op) = if rest.starts_with("<<<") {
            (3, RedirOp::HereString)
        } else if rest.starts_with("<<") {
            (2, RedirOp::HereDoc)
        } else if rest.starts_with("<>") {
            (2, RedirOp::ReadWrite)
        } else if rest.starts_with("<&") || rest.starts_with(">&") {
            (2, RedirOp::Dup)
        } else if rest.starts_with(">>") {
            (2, RedirOp::Append)
        } else if rest.starts_with(">|") {
            (2, RedirOp::Write)
        } else if rest.starts_with('>') {
            (1, RedirOp::Write)
        } else {
            (1, RedirOp::Read)
        };
        self.pos += len;
        let strip_tabs = op == RedirOp::HereDoc && self.peek() == Some('-');
        if strip_tabs {
            self.pos += 1;
        }
        self.skip_blanks();
        if self.peek().is_none_or(|c| "\n;&|()<>".contains(c)) {
            return Err(ParseError::new("a redirection has no target"));
        }
        let (target, quoted) = self.word(script)?;
        let mut slot = None;
        if op == RedirOp::HereDoc {
            let s = self.heredocs.len();
            self.heredocs.push(None);
            self.pending.push(PendingDoc {
                delim: target.text.clone(),
                strip_tabs,
                expands: !quoted,
                slot: s,
            });
            slot = Some(s);
        }
        Ok(Tok::Redir {
            fd,
            op,
            target,
            slot,
        })
    }

    /// After a newline: the bodies of the here-documents started on the
    /// line just ended.
    fn read_heredocs(&mut self, script: &mut Script) -> Result<(), ParseError> {
        for doc in std::mem::take(&mut self.pending) {
            let mut body = String::new();
            loop {
                if self.pos >= self.chars.len() {
                    return Err(ParseError::new(format!(
                        "the here-document `{}` has no end",
                        doc.delim
                    )));
                }
                let mut line = String::new();
                while let Some(c) = self.peek() {
                    self.pos += 1;
                    if c == '\n' {
                        break;
                    }
                    line.push(c);
                }
                let line = if doc.strip_tabs {
                    line.trim_start_matches('\t').to_string()
                } else {
                    line
                };
                if line == doc.delim {
                    break;
                }
                body.push_str(&line);
                body.push('\n');
            }
            if doc.expands {
                scan_substitutions(&body, self.depth, script)?;
            }
            self.heredocs[doc.slot] = Some(body);
        }
        Ok(())
    }

    /// One word, with quote removal. Also says whether any part was quoted.
    pub(crate) fn word(&mut self, script: &mut Script) -> Result<(Word, bool), ParseError> {
        let mut w = Word::default();
        let mut quoted = false;
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | ')' => break,
                // `name(` starts a function definition: the word ends.
                '(' => break,
                '<' | '>' if self.peek_at(1) == Some('(') => {
                    self.pos += 2;
                    let inner = self.balanced(')')?;
                    self.substitute(&inner, &mut w, script)?;
                    w.text.push_str("/dev/fd/63");
                }
                '<' | '>' => break,
                '\\' => {
                    self.pos += 1;
                    match self.bump()? {
                        '\n' => {}
                        ch => {
                            quoted = true;
                            w.text.push(ch);
                        }
                    }
                }
                '\'' => {
                    self.pos += 1;
                    quoted = true;
                    loop {
                        match self.bump()? {
                            '\'' => break,
                            ch => w.text.push(ch),
                        }
                    }
                }
                '"' => {
                    self.pos += 1;
                    quoted = true;
                    self.double_quoted(&mut w, script)?;
                }
                '`' => {
                    self.pos += 1;
                    let inner = self.backticks()?;
                    self.substitute(&inner, &mut w, script)?;
                    w.text.push_str("$(…)");
                }
                '$' if self.starts_ifs() => break,
                '$' => {
                    quoted |= self.peek_at(1) == Some('\'');
                    self.dollar(&mut w, script, false)?;
                }
                '*' | '?' | '[' => {
                    w.glob = true;
                    w.text.push(c);
                    self.pos += 1;
                }
                '{' => {
                    w.text.push(BRACE_OPEN);
                    self.pos += 1;
                }
                ',' => {
                    w.text.push(BRACE_COMMA);
                    self.pos += 1;
                }
                '}' => {
                    w.text.push(BRACE_CLOSE);
                    self.pos += 1;
                }
                _ => {
                    w.text.push(c);
                    self.pos += 1;
                }
            }
        }
        Ok((w, quoted))
    }

    fn double_quoted(&mut self, w: &mut Word, script: &mut Script) -> Result<(), ParseError> {
        loop {
            match self.peek() {
                None => return Err(ParseError::new("an unclosed double quote")),
                Some('"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some('\\') => {
                    self.pos += 1;
                    match self.bump()? {
                        '\n' => {}
                        ch @ ('$' | '`' | '"' | '\\') => w.text.push(ch),
                        ch => {
                            w.text.push('\\');
                            w.text.push(ch);
                        }
                    }
                }
                Some('`') => {
                    self.pos += 1;
                    let inner = self.backticks()?;
                    self.substitute(&inner, w, script)?;
                    w.text.push_str("$(…)");
                }
                Some('$') if self.starts_ifs() => {
                    self.skip_ifs();
                    w.text.push(' ');
                }
                Some('$') => self.dollar(w, script, true)?,
                Some(c) => {
                    w.text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `$…` at `pos`: substitutions, arithmetic, parameters, `$'…'`.
    pub(super) fn dollar(
        &mut self,
        w: &mut Word,
        script: &mut Script,
        in_dq: bool,
    ) -> Result<(), ParseError> {
        self.pos += 1;
        match self.peek() {
            Some('(') if self.peek_at(1) == Some('(') => {
                self.pos += 2;
                let inner = self.balanced(')')?;
                if self.bump()? != ')' {
                    return Err(ParseError::new("an unclosed `$((`"));
                }
                scan_substitutions(&inner, self.depth, script)?;
                w.dynamic = true;
                w.text.push_str(&format!("$(({inner}))"));
            }
            Some('(') => {
                self.pos += 1;
                let inner = self.balanced(')')?;
                self.substitute(&inner, w, script)?;
                w.text.push_str("$(…)");
            }
            Some('{') => {
                self.pos += 1;
                let inner = self.balanced('}')?;
                scan_substitutions(&inner, self.depth, script)?;
                w.dynamic = true;
                w.text.push_str(&format!("${{{inner}}}"));
            }
            Some('\'') if !in_dq => {
                self.pos += 1;
                let mut raw = String::new();
                loop {
                    match self.bump()? {
                        '\'' => break,
                        '\\' => {
                            raw.push('\\');
                            raw.push(self.bump()?);
                        }
                        ch => raw.push(ch),
                    }
                }
                w.text.push_str(&decode_escapes(&raw));
            }
            Some('"') if !in_dq => {
                self.pos += 1;
                self.double_quoted(w, script)?;
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                w.dynamic = true;
                w.text.push('$');
                while let Some(c) = self
                    .peek()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    w.text.push(c);
                    self.pos += 1;
                }
            }
            Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => {
                w.dynamic = true;
                w.text.push('$');
                w.text.push(c);
                self.pos += 1;
            }
            _ => w.text.push('$'),
        }
        Ok(())
    }

    /// Text up to the matching `close`, respecting quotes and nesting.
    fn balanced(&mut self, close: char) -> Result<String, ParseError> {
        let open = if close == ')' { '(' } else { '{' };
        let mut depth = 1;
        let mut out = String::new();
        loop {
            let c = self.bump()?;
            match c {
                '\\' => {
                    out.push(c);
                    out.push(self.bump()?);
                    continue;
                }
                '\'' => {
                    out.push(c);
                    loop {
                        let q = self.bump()?;
                        out.push(q);
                        if q == '\'' {
                            break;
                        }
                    }
                    continue;
                }
                '"' => {
                    out.push(c);
                    loop {
                        let q = self.bump()?;
                        out.push(q);
                        if q == '\\' {
                            out.push(self.bump()?);
                        } else if q == '"' {
                            break;
                        }
                    }
                    continue;
                }
                c if c == open => depth += 1,
                c if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(out);
                    }
                }
                _ => {}
            }
            out.push(c);
        }
    }

    pub(super) fn backticks(&mut self) -> Result<String, ParseError> {
        let mut out = String::new();
        loop {
            match self.bump()? {
                '`' => return Ok(out),
                '\\' => {
                    let c = self.bump()?;
                    if !matches!(c, '`' | '\\' | '$') {
                        out.push('\\');
                    }
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    }

    /// Parses `inner` as a substitution of `w`.
    pub(super) fn substitute(
        &mut self,
        inner: &str,
        w: &mut Word,
        script: &mut Script,
    ) -> Result<(), ParseError> {
        let idx = parse_nested(inner, self.depth + 1, script)?;
        w.subs.push(idx);
        w.dynamic = true;
        Ok(())
    }
}
