//! The parser: lists, pipelines, groups, subshells, function definitions and
//! the bodies of `if`/`while`/`for`, built on [`Lexer`]. What it cannot
//! follow is a [`ParseError`], which the policy turns into "ask".

use super::lex::{BRACE_CLOSE, BRACE_COMMA, BRACE_OPEN, Lexer, Op, Tok};
use super::script::{Function, Pipeline, RedirOp, Redirect, Script, SimpleCommand, Word};

/// How deep substitutions, groups and `sh -c` may nest before the parser
/// gives up (and the policy asks).
pub const MAX_DEPTH: usize = 12;

/// Words longer than this after brace expansion are not expanded further.
const MAX_BRACE_WORDS: usize = 64;

/// Why a command line could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot parse the command: {message}")]
pub struct ParseError {
    /// What was wrong.
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// Parses a command line as bash would.
pub fn parse_script(line: &str) -> Result<Script, ParseError> {
    let mut script = Script::default();
    parse_nested(line, 0, &mut script)?;
    Ok(script)
}

/// Parses `text` into `script` as a substitution at `depth`; returns the
/// substitution's index in [`Script::subs`].
pub(crate) fn parse_nested(
    text: &str,
    depth: usize,
    script: &mut Script,
) -> Result<usize, ParseError> {
    if depth > MAX_DEPTH {
        return Err(ParseError::new("nested too deeply"));
    }
    let mut parser = Parser {
        lexer: Lexer::new(text, depth),
        peeked: None,
        depth,
    };
    let first = script.commands.len();
    parser.list(script, Stop::End)?;
    fill_heredocs(&mut script.commands[first..], &parser.lexer.heredocs);
    script.subs.push((first..script.commands.len()).collect());
    Ok(script.subs.len() - 1)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    End,
    Paren,
    Brace,
}

struct Parser {
    lexer: Lexer,
    peeked: Option<Tok>,
    depth: usize,
}

enum Ended {
    Sep(Op),
    Close,
    Eof,
}

impl Parser {
    fn peek(&mut self, script: &mut Script) -> Result<Option<&Tok>, ParseError> {
        if self.peeked.is_none() {
            self.peeked = self.lexer.next(script)?;
        }
        Ok(self.peeked.as_ref())
    }

    fn take(&mut self, script: &mut Script) -> Result<Option<Tok>, ParseError> {
        self.peek(script)?;
        Ok(self.peeked.take())
    }

    /// A list of pipelines up to `stop`; returns every command index in it.
    fn list(&mut self, script: &mut Script, stop: Stop) -> Result<Vec<usize>, ParseError> {
        if self.depth > MAX_DEPTH {
            return Err(ParseError::new("nested too deeply"));
        }
        let mut all = Vec::new();
        loop {
            let (pipeline, ended) = self.pipeline(script, stop)?;
            let background = matches!(ended, Ended::Sep(Op::Amp));
            if !pipeline.stages.is_empty() {
                for stage in &pipeline.stages {
                    all.extend(stage.iter().copied());
                }
                script.pipelines.push(Pipeline {
                    background,
                    ..pipeline
                });
            }
            match ended {
                Ended::Sep(_) => {}
                Ended::Close if stop != Stop::End => return Ok(all),
                Ended::Eof if stop == Stop::End => return Ok(all),
                Ended::Close => return Err(ParseError::new("an unmatched `)` or `}`")),
                Ended::Eof => return Err(ParseError::new("an unclosed `(` or `{`")),
            }
        }
    }

    fn pipeline(
        &mut self,
        script: &mut Script,
        stop: Stop,
    ) -> Result<(Pipeline, Ended), ParseError> {
        let mut pipeline = Pipeline::default();
        loop {
            let (stage, ended) = self.command(script, stop)?;
            if !stage.is_empty() {
                pipeline.stages.push(stage);
            }
            match ended {
                Ended::Sep(Op::Pipe) => {}
                other => return Ok((pipeline, other)),
            }
        }
    }

    /// One command: simple, a group, a subshell or a function definition.
    fn command(
        &mut self,
        script: &mut Script,
        stop: Stop,
    ) -> Result<(Vec<usize>, Ended), ParseError> {
        let mut stage = Vec::new();
        let mut cmd = SimpleCommand::default();
        loop {
            let Some(tok) = self.take(script)? else {
                self.flush(script, &mut cmd, &mut stage);
                return Ok((stage, Ended::Eof));
            };
            match tok {
                Tok::Op(Op::RParen) if stop == Stop::Paren => {
                    self.flush(script, &mut cmd, &mut stage);
                    return Ok((stage, Ended::Close));
                }
                Tok::Op(Op::RParen) => return Err(ParseError::new("an unmatched `)`")),
                Tok::Op(Op::LParen) if cmd.words.len() == 1 && cmd.redirects.is_empty() => {
                    // `name() body`
                    if self.take(script)? != Some(Tok::Op(Op::RParen)) {
                        return Err(ParseError::new("`(` after a word"));
                    }
                    let name = cmd.words.remove(0).text;
                    self.function(script, name)?;
                }
                Tok::Op(Op::LParen) if cmd.words.is_empty() => {
                    self.depth += 1;
                    let inner = self.list(script, Stop::Paren)?;
                    self.depth -= 1;
                    stage.extend(inner);
                }
                Tok::Op(Op::LParen) => {
                    return Err(ParseError::new("`(` in the middle of a command"));
                }
                Tok::Op(op) => {
                    self.flush(script, &mut cmd, &mut stage);
                    return Ok((stage, Ended::Sep(op)));
                }
                Tok::Redir {
                    fd,
                    op,
                    target,
                    slot,
                } => {
                    let body = match op {
                        RedirOp::HereDoc => None,
                        RedirOp::HereString => Some(format!("{}\n", target.text)),
                        _ => None,
                    };
                    cmd.redirects.push(Redirect {
                        fd,
                        op,
                        target: finish_word(target),
                        body,
                    });
                    if let (Some(slot), Some(r)) = (slot, cmd.redirects.last_mut()) {
                        // Filled in once the line ends; remember the slot.
                        r.body = Some(format!("\u{0}{slot}"));
                    }
                }
                Tok::Word(w) => {
                    let at_start = cmd.words.is_empty();
                    let text = w.text.as_str();
                    if at_start && text == BRACE_OPEN.to_string() {
                        self.depth += 1;
                        let inner = self.list(script, Stop::Brace)?;
                        self.depth -= 1;
                        stage.extend(inner);
                        continue;
                    }
                    if at_start && text == BRACE_CLOSE.to_string() {
                        if stop != Stop::Brace {
                            return Err(ParseError::new("an unmatched `}`"));
                        }
                        self.flush(script, &mut cmd, &mut stage);
                        return Ok((stage, Ended::Close));
                    }
                    if at_start && cmd.redirects.is_empty() {
                        match text {
                            "!" | "if" | "then" | "else" | "elif" | "do" | "while" | "until"
                            | "fi" | "done" | "esac" => continue,
                            "case" => return Err(ParseError::new("`case` is not followed")),
                            "function" => {
                                let Some(Tok::Word(name)) = self.take(script)? else {
                                    return Err(ParseError::new("`function` without a name"));
                                };
                                if self.peek(script)? == Some(&Tok::Op(Op::LParen)) {
                                    self.take(script)?;
                                    if self.take(script)? != Some(Tok::Op(Op::RParen)) {
                                        return Err(ParseError::new("bad function definition"));
                                    }
                                }
                                self.function(script, name.text)?;
                                continue;
                            }
                            "for" | "select" => {
                                self.skip_header(script)?;
                                continue;
                            }
                            _ => {}
                        }
                    }
                    cmd.words.extend(expand_braces(w));
                }
            }
        }
    }

    /// Skips `for x in a b c` up to its separator (the loop body follows).
    fn skip_header(&mut self, script: &mut Script) -> Result<(), ParseError> {
        while let Some(tok) = self.peek(script)? {
            if matches!(tok, Tok::Op(Op::Semi | Op::Newline)) {
                self.take(script)?;
                return Ok(());
            }
            if let Tok::Op(Op::LParen) = tok {
                return Err(ParseError::new("arithmetic `for` is not followed"));
            }
            self.take(script)?;
        }
        Ok(())
    }

    /// A function body after `name()`: a group or subshell.
    fn function(&mut self, script: &mut Script, name: String) -> Result<(), ParseError> {
        while self.peek(script)? == Some(&Tok::Op(Op::Newline)) {
            self.take(script)?;
        }
        let stop = match self.take(script)? {
            Some(Tok::Word(w)) if w.text == BRACE_OPEN.to_string() => Stop::Brace,
            Some(Tok::Op(Op::LParen)) => Stop::Paren,
            _ => {
                return Err(ParseError::new(format!(
                    "the body of `{name}` is not a group"
                )));
            }
        };
        self.depth += 1;
        let body = self.list(script, stop)?;
        self.depth -= 1;
        script.functions.push(Function { name, body });
        Ok(())
    }

    fn flush(&mut self, script: &mut Script, cmd: &mut SimpleCommand, stage: &mut Vec<usize>) {
        if cmd.words.is_empty() && cmd.redirects.is_empty() {
            return;
        }
        script.commands.push(std::mem::take(cmd));
        stage.push(script.commands.len() - 1);
    }
}

/// Fills in here-document bodies recorded as slots.
fn fill_heredocs(commands: &mut [SimpleCommand], bodies: &[Option<String>]) {
    for cmd in commands {
        for r in &mut cmd.redirects {
            if let Some(slot) = r.body.as_deref().and_then(|b| b.strip_prefix('\u{0}')) {
                let idx: usize = slot.parse().unwrap_or(usize::MAX);
                r.body = bodies.get(idx).cloned().flatten();
            }
        }
    }
}

/// Turns the brace marks back into characters.
fn finish_word(mut w: Word) -> Word {
    w.text = w
        .text
        .replace(BRACE_OPEN, "{")
        .replace(BRACE_COMMA, ",")
        .replace(BRACE_CLOSE, "}");
    w
}

/// Brace expansion (`{rm,-rf,/}`, `/{etc,usr}`) of unquoted braces.
fn expand_braces(w: Word) -> Vec<Word> {
    let mut done = Vec::new();
    let mut todo = vec![w.text.clone()];
    while let Some(text) = todo.pop() {
        match split_brace(&text) {
            Some(parts) if done.len() + todo.len() < MAX_BRACE_WORDS => {
                todo.extend(parts.into_iter().rev());
            }
            _ => done.push(text),
        }
    }
    done.into_iter()
        .map(|text| finish_word(Word { text, ..w.clone() }))
        .collect()
}

/// The first `{a,b}` group with a comma: its alternatives with prefix and
/// suffix attached.
fn split_brace(text: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = text.chars().collect();
    let open = chars.iter().position(|&c| c == BRACE_OPEN)?;
    let mut depth = 0;
    let mut commas = Vec::new();
    let mut close = None;
    for (i, &c) in chars.iter().enumerate().skip(open) {
        match c {
            BRACE_OPEN => depth += 1,
            BRACE_CLOSE => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            BRACE_COMMA if depth == 1 => commas.push(i),
            _ => {}
        }
    }
    let close = close?;
    if commas.is_empty() {
        return None;
    }
    let prefix: String = chars[..open].iter().collect();
    let suffix: String = chars[close + 1..].iter().collect();
    let mut bounds = vec![open];
    bounds.extend(&commas);
    bounds.push(close);
    Some(
        bounds
            .windows(2)
            .map(|b| {
                let mid: String = chars[b[0] + 1..b[1]].iter().collect();
                format!("{prefix}{mid}{suffix}")
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_past_the_limit_is_an_error() {
        let mut line = "ls".to_string();
        for _ in 0..MAX_DEPTH + 2 {
            line = format!("echo $({line})");
        }
        assert!(parse_script(&line).is_err());
        assert!(parse_script("echo $(echo $(ls))").is_ok());
    }

    #[test]
    fn pipelines_functions_and_redirects_are_recorded() {
        let s = parse_script("f() { f | f & }; a 2>&1 >> log | b <<< 'x' &").unwrap();
        assert_eq!(s.functions.len(), 1);
        assert_eq!(s.functions[0].name, "f");
        let bg: Vec<bool> = s.pipelines.iter().map(|p| p.background).collect();
        assert_eq!(bg, [true, true]);
        let a = s.commands.iter().find(|c| c.joined() == "a").unwrap();
        assert_eq!(a.redirects.len(), 2);
        assert!(!a.redirects[0].writes_file());
        assert!(a.redirects[1].writes_file());
        let b = s.commands.iter().find(|c| c.joined() == "b").unwrap();
        assert_eq!(b.redirects[0].body.as_deref(), Some("x\n"));
    }
}
