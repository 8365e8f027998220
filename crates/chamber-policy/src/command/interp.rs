//! The parts of the walk that deal with interpreters: shells running `-c`
//! scripts or standard input, other languages' inline code, and `find`'s
//! `-exec` and `-delete`.

use super::deny::{self, Env, Finding, write_target};
use super::escapes::decode_escapes;
use super::eval::{Eval, is_source_of_hidden_code, peel};
use super::paths::{Loc, workspace_loc};
use super::script::{RedirOp, Script, SimpleCommand, Word};
use super::words::{basename, inline_code_flag};

impl Eval<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn shell(
        &mut self,
        script: &Script,
        cmd: &SimpleCommand,
        words: &[Word],
        feeders: &[usize],
        cwd: &Loc,
        findings: &mut Vec<Finding>,
        delegated: &mut bool,
    ) {
        let mut i = 1;
        let mut reads_stdin = true;
        while let Some(w) = words.get(i) {
            let t = w.text.as_str();
            if t == "--" || !t.starts_with(['-', '+']) {
                break;
            }
            if t.starts_with('-') && !t.starts_with("--") && t.contains('c') {
                if let Some(code) = words.get(i + 1) {
                    self.nested_word(script, code, cwd, findings);
                }
                *delegated = true;
                return;
            }
            if matches!(t, "-o" | "-O" | "+o" | "+O" | "--rcfile" | "--init-file") {
                i += 1;
            }
            i += 1;
        }
        if let Some(file) = words.get(i).filter(|w| w.text != "--") {
            if self.fetches(script, file) {
                findings.push(Finding::deny(
                    "pipe-to-shell",
                    "runs a downloaded or decoded script unseen",
                ));
            }
            reads_stdin = file.text == "-" || file.text == "/dev/stdin";
        }
        if reads_stdin {
            self.stdin_script(script, cmd, feeders, cwd, findings, true);
        }
    }

    pub(super) fn interpreter(
        &mut self,
        script: &Script,
        cmd: &SimpleCommand,
        words: &[Word],
        feeders: &[usize],
        findings: &mut Vec<Finding>,
    ) {
        let name = basename(&words[0].text);
        let mut code = None;
        let mut i = 1;
        while let Some(w) = words.get(i) {
            if inline_code_flag(name, &w.text) {
                code = words.get(i + 1);
                break;
            }
            if !w.text.starts_with('-') || w.text == "-" {
                break;
            }
            i += 1;
        }
        if let Some(code) = code {
            findings.push(Finding::ask(
                "inline-code",
                format!("`{name}` runs inline code that Chamber cannot read"),
            ));
            self.inline_code(&code.text, findings);
            return;
        }
        let file = words.get(i);
        if file.is_some_and(|f| self.fetches(script, f)) {
            findings.push(Finding::deny(
                "pipe-to-shell",
                "runs a downloaded or decoded script unseen",
            ));
        }
        if file.is_none_or(|f| f.text == "-" || f.text == "/dev/stdin") {
            self.stdin_script(script, cmd, feeders, &Loc::unknown(), findings, false);
        }
    }

    /// Code for another language: its string literals are judged as shell
    /// commands (they usually go to `system`), and `fork` in a loop is a
    /// fork bomb.
    pub(super) fn inline_code(&mut self, code: &str, findings: &mut Vec<Finding>) {
        if code.contains("fork")
            && ["while", "for", "loop", "until"]
                .iter()
                .any(|k| code.contains(k))
        {
            findings.push(Finding::deny("fork-bomb", "inline code forks in a loop"));
        }
        let mut sub = Eval {
            ctx: self.ctx,
            parts: Vec::new(),
            depth: self.depth + 1,
            branch_changed: self.branch_changed,
        };
        for lit in string_literals(code) {
            sub.text(&lit, &mut workspace_loc(self.ctx));
        }
        for part in sub.parts {
            findings.extend(
                part.findings
                    .into_iter()
                    .filter(|f| f.decision == crate::Decision::Deny),
            );
        }
    }

    /// An interpreter reading its program from standard input: from a
    /// here-document, a here-string or a pipe.
    pub(super) fn stdin_script(
        &mut self,
        script: &Script,
        cmd: &SimpleCommand,
        feeders: &[usize],
        cwd: &Loc,
        findings: &mut Vec<Finding>,
        is_shell: bool,
    ) {
        let body = cmd
            .redirects
            .iter()
            .rev()
            .find(|r| matches!(r.op, RedirOp::HereDoc | RedirOp::HereString | RedirOp::Read));
        if let Some(r) = body {
            match (&r.body, is_shell) {
                (Some(text), true) if !self.fetches(script, &r.target) => {
                    self.text(text, &mut cwd.clone())
                }
                (Some(text), false) => {
                    findings.push(Finding::ask(
                        "inline-code",
                        "an interpreter runs code Chamber cannot read",
                    ));
                    self.inline_code(text, findings);
                }
                _ if self.fetches(script, &r.target) => findings.push(Finding::deny(
                    "pipe-to-shell",
                    "runs a downloaded or decoded script unseen",
                )),
                _ => findings.push(Finding::ask(
                    "piped-script",
                    "runs a script read from a file",
                )),
            }
            return;
        }
        if feeders.is_empty() {
            return;
        }
        let feeds: Vec<Vec<Word>> = feeders
            .iter()
            .map(|&c| peel(&script.commands[c].words))
            .collect();
        if feeds.iter().any(|w| is_source_of_hidden_code(w)) {
            findings.push(Finding::deny(
                "pipe-to-shell",
                "pipes a download or decoded text into an interpreter",
            ));
            return;
        }
        let literal = feeds.len() == 1
            && feeds[0]
                .first()
                .is_some_and(|w| matches!(w.text.as_str(), "echo" | "printf"))
            && feeds[0].iter().all(|w| !w.dynamic);
        if literal && is_shell {
            let args: Vec<String> = feeds[0][1..]
                .iter()
                .filter(|w| !w.text.starts_with('-'))
                .map(|w| decode_escapes(&w.text))
                .collect();
            self.text(&args.join(" "), &mut cwd.clone());
        } else {
            findings.push(Finding::ask(
                "piped-script",
                "an interpreter runs whatever the pipe feeds it",
            ));
        }
    }

    /// `find ROOTS … -exec CMD {} ;` and `-delete`.
    pub(super) fn find(
        &mut self,
        script: &Script,
        words: &[Word],
        cwd: &mut Loc,
        findings: &mut Vec<Finding>,
    ) {
        let args = &words[1..];
        let roots: Vec<Word> = args
            .iter()
            .take_while(|w| !w.text.starts_with(['-', '(', '!']))
            .cloned()
            .collect();
        let roots = if roots.is_empty() {
            vec![Word::lit(".")]
        } else {
            roots
        };
        let mut i = 0;
        while i < args.len() {
            let t = args[i].text.as_str();
            if matches!(t, "-exec" | "-execdir" | "-ok" | "-okdir") {
                let end = args[i + 1..]
                    .iter()
                    .position(|w| w.text == ";" || w.text == "+")
                    .map_or(args.len(), |p| i + 1 + p);
                let inner = &args[i + 1..end];
                for root in &roots {
                    let words: Vec<Word> = inner
                        .iter()
                        .map(|w| {
                            // `{}` names what is found under the root, as
                            // `-delete` below: `find . -exec rm {} +` stays
                            // inside `.`.
                            if w.text == "{}" {
                                Word {
                                    text: format!("{}/*", root.text.trim_end_matches('/')),
                                    glob: true,
                                    ..root.clone()
                                }
                            } else {
                                w.clone()
                            }
                        })
                        .collect();
                    let cmd = SimpleCommand {
                        words,
                        redirects: Vec::new(),
                    };
                    self.simple(script, &cmd, &mut cwd.clone(), &[]);
                }
                i = end;
            } else if t == "-delete" {
                // `-delete` removes what is under each root.
                let mut words = vec![Word::lit("rm"), Word::lit("-r")];
                words.extend(roots.iter().map(|r| Word {
                    text: format!("{}/*", r.text.trim_end_matches('/')),
                    glob: true,
                    ..r.clone()
                }));
                let env = Env {
                    ctx: self.ctx,
                    cwd,
                    stdin_args: false,
                    branch_changed: false,
                };
                findings.extend(deny::check(&words, &env));
            } else if let Some(file) = args
                .get(i + 1)
                .filter(|_| matches!(t, "-fprint" | "-fprint0" | "-fprintf" | "-fls"))
            {
                let env = Env {
                    ctx: self.ctx,
                    cwd,
                    stdin_args: false,
                    branch_changed: false,
                };
                write_target(file, &env, "find", findings);
            }
            i += 1;
        }
    }
}

/// The string literals of code in another language.
fn string_literals(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        if c == '"' || c == '\'' {
            let mut lit = String::new();
            let mut escaped = false;
            for d in chars.by_ref() {
                if escaped {
                    lit.push(d);
                    escaped = false;
                } else if d == '\\' {
                    escaped = true;
                } else if d == c {
                    break;
                } else {
                    lit.push(d);
                }
            }
            out.push(lit);
        }
    }
    out
}
