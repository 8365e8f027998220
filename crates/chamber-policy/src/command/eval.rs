//! Walks a parsed command line the way a shell would run it: strips the
//! wrappers (`sudo`, `env`, `xargs`, `timeout`, …), recurses into scripts
//! (`sh -c`, `eval`, `find -exec`, `alias`, here-documents fed to a shell,
//! `echo … | sh`), follows `cd`, and collects every built-in objection per
//! simple command. User rules are applied afterwards by [`crate::Policy`].

use super::deny::{self, Env, Finding, write_target};
use super::parse::{MAX_DEPTH, parse_script};
use super::paths::{CommandContext, Loc, credentials, home_loc, resolve, workspace_loc};
use super::script::{Script, SimpleCommand, Word};
use super::words::{
    basename, is_assignment, is_decoder, is_downloader, is_interpreter, is_shell, option_values,
    strip_options,
};

/// One simple command as judged: its layers (outermost wrapper first, each
/// with the command name reduced to its base name) and the objections.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    /// The innermost command, as text.
    pub command: String,
    /// The command with each wrapper, outermost first, for user rules.
    pub layers: Vec<Vec<String>>,
    /// Built-in objections.
    pub findings: Vec<Finding>,
    /// The command only hands over to a script judged on its own
    /// (`bash -c '…'`), so it needs no allow rule itself.
    pub delegated: bool,
}

/// Judges a command line; returns every simple command inside it.
pub(crate) fn evaluate(line: &str, ctx: &CommandContext<'_>) -> Vec<Part> {
    let mut e = Eval {
        ctx,
        parts: Vec::new(),
        depth: 0,
        branch_changed: false,
    };
    let mut cwd = workspace_loc(ctx);
    e.text(line, &mut cwd);
    e.parts
}

pub(super) struct Eval<'c> {
    pub(super) ctx: &'c CommandContext<'c>,
    pub(super) parts: Vec<Part>,
    pub(super) depth: usize,
    pub(super) branch_changed: bool,
}

impl Eval<'_> {
    fn objection(&mut self, command: &str, finding: Finding) {
        self.parts.push(Part {
            command: command.to_string(),
            layers: Vec::new(),
            findings: vec![finding],
            delegated: true,
        });
    }

    /// Parses and judges a script text.
    pub(super) fn text(&mut self, text: &str, cwd: &mut Loc) {
        if self.depth > MAX_DEPTH {
            self.objection(
                text,
                Finding::ask("unparseable", "the command nests too deeply to follow"),
            );
            return;
        }
        match parse_script(text) {
            Ok(script) => {
                self.depth += 1;
                self.script(&script, cwd);
                self.depth -= 1;
            }
            Err(e) => self.objection(text, Finding::ask("unparseable", e.to_string())),
        }
    }

    fn script(&mut self, script: &Script, cwd: &mut Loc) {
        self.fork_bombs(script);
        let mut feeders: Vec<Vec<usize>> = vec![Vec::new(); script.commands.len()];
        for p in &script.pipelines {
            for (i, stage) in p.stages.iter().enumerate().skip(1) {
                let before: Vec<usize> = p.stages[..i].iter().flatten().copied().collect();
                for &c in stage {
                    feeders[c] = before.clone();
                }
            }
        }
        for (i, cmd) in script.commands.iter().enumerate() {
            self.simple(script, cmd, cwd, &feeders[i]);
        }
    }

    /// A function whose body calls itself in a pipeline or in the
    /// background multiplies processes without end.
    fn fork_bombs(&mut self, script: &Script) {
        for f in &script.functions {
            let calls_itself = f.body.iter().any(|&c| {
                peel(&script.commands[c].words)
                    .first()
                    .is_some_and(|w| w.text == f.name)
            });
            let concurrent = script.pipelines.iter().any(|p| {
                (p.stages.len() > 1 || p.background)
                    && p.stages.iter().flatten().any(|c| f.body.contains(c))
            });
            if calls_itself && concurrent {
                self.objection(
                    &f.name,
                    Finding::deny(
                        "fork-bomb",
                        format!("`{}` calls itself in parallel: a fork bomb", f.name),
                    ),
                );
            }
        }
    }

    pub(super) fn simple(
        &mut self,
        script: &Script,
        cmd: &SimpleCommand,
        cwd: &mut Loc,
        feeders: &[usize],
    ) {
        let mut findings = Vec::new();
        for r in cmd.redirects.iter().filter(|r| r.writes_file()) {
            let env = Env {
                ctx: self.ctx,
                cwd,
                stdin_args: false,
                branch_changed: self.branch_changed,
            };
            write_target(&r.target, &env, "a redirection", &mut findings);
        }
        let mut words = cmd.words.clone();
        let mut layers = Vec::new();
        let mut stdin_args = false;
        let mut delegated = false;
        loop {
            while words.first().is_some_and(|w| is_assignment(&w.text)) {
                words.remove(0);
            }
            let Some(head) = words.first().cloned() else {
                break;
            };
            let mut layer: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
            layer[0] = basename(&head.text).to_string();
            layers.push(layer);
            if head.dynamic {
                let rule = if self.fetches(script, &head) {
                    Finding::deny(
                        "pipe-to-shell",
                        "runs a command name produced by a download or a decoder",
                    )
                } else {
                    Finding::ask(
                        "dynamic-command",
                        format!(
                            "the command name `{}` is only known when it runs",
                            head.text
                        ),
                    )
                };
                findings.push(rule);
                break;
            }
            let name = basename(&head.text).to_string();
            match name.as_str() {
                "sudo" | "doas" | "pkexec" => {
                    findings.push(Finding::ask(
                        "sudo",
                        format!("`{name}` runs the command with root rights"),
                    ));
                    strip_options(
                        &mut words,
                        &['u', 'g', 'C', 'D', 'h', 'p', 'r', 't', 'T', 'U'],
                        &[
                            "user",
                            "group",
                            "chdir",
                            "host",
                            "prompt",
                            "role",
                            "type",
                            "close-from",
                            "other-user",
                            "command-timeout",
                        ],
                    );
                }
                "su" | "runuser" => {
                    findings.push(Finding::ask(
                        "sudo",
                        format!("`{name}` runs the command as another user"),
                    ));
                    let rest = words[1..].to_vec();
                    for code in option_values(&rest, "-c", "--command") {
                        self.nested_word(script, &code, cwd, &mut findings);
                    }
                    delegated = true;
                    break;
                }
                "env" => {
                    let rest = words[1..].to_vec();
                    let split = option_values(&rest, "-S", "--split-string");
                    strip_options(
                        &mut words,
                        &['u', 'C', 'S'],
                        &["unset", "chdir", "split-string"],
                    );
                    if let Some(s) = split.first() {
                        let mut joined = s.text.clone();
                        for w in &words {
                            joined.push(' ');
                            joined.push_str(&w.text);
                        }
                        self.nested_word(
                            script,
                            &Word {
                                text: joined,
                                ..s.clone()
                            },
                            cwd,
                            &mut findings,
                        );
                        delegated = true;
                        break;
                    }
                }
                "nice" => strip_options(&mut words, &['n'], &["adjustment"]),
                "nohup" | "setsid" | "builtin" | "unbuffer" | "busybox" | "toybox" | "chronic"
                | "catchsegv" | "fakeroot" | "proxychains" | "proxychains4" | "torsocks"
                | "firejail" | "doppler" => strip_options(&mut words, &[], &[]),
                "time" => strip_options(&mut words, &['f', 'o'], &["format", "output"]),
                "exec" => strip_options(&mut words, &['a'], &[]),
                "stdbuf" => {
                    strip_options(&mut words, &['i', 'o', 'e'], &["input", "output", "error"])
                }
                "ionice" => strip_options(
                    &mut words,
                    &['c', 'n', 'p', 'P', 'u'],
                    &["class", "classdata"],
                ),
                "command" => {
                    if words
                        .get(1)
                        .is_some_and(|w| w.text.starts_with("-v") || w.text.starts_with("-V"))
                    {
                        break;
                    }
                    strip_options(&mut words, &[], &[]);
                }
                "timeout" => {
                    strip_options(&mut words, &['s', 'k'], &["signal", "kill-after"]);
                    if !words.is_empty() {
                        words.remove(0);
                    }
                }
                "taskset" | "chroot" | "flock" | "unshare" | "nsenter" | "sg" => {
                    if name == "chroot" || name == "nsenter" || name == "unshare" {
                        findings.push(Finding::ask("sudo", format!("`{name}` needs root rights")));
                    }
                    let rest = words[1..].to_vec();
                    if name == "flock" || name == "sg" {
                        for code in option_values(&rest, "-c", "--command") {
                            self.nested_word(script, &code, cwd, &mut findings);
                        }
                    }
                    strip_options(
                        &mut words,
                        &['w', 'E', 'c', 'o'],
                        &["timeout", "conflict-exit-code", "command"],
                    );
                    if !words.is_empty() && name != "unshare" && name != "nsenter" {
                        words.remove(0);
                    }
                }
                "watch" => {
                    strip_options(&mut words, &['n', 'd', 'q'], &["interval", "differences"]);
                    let joined: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
                    self.text(&joined.join(" "), &mut cwd.clone());
                    delegated = true;
                    break;
                }
                "xargs" => {
                    strip_options(
                        &mut words,
                        &['I', 'n', 'P', 'L', 'l', 'd', 'E', 'e', 's', 'a'],
                        &[
                            "max-args",
                            "max-procs",
                            "max-lines",
                            "delimiter",
                            "eof",
                            "max-chars",
                            "arg-file",
                            "replace",
                        ],
                    );
                    stdin_args = true;
                    if words.is_empty() {
                        words.push(Word::lit("echo"));
                    }
                }
                "eval" => {
                    let mut joined = Word::default();
                    for (i, w) in words[1..].iter().enumerate() {
                        if i > 0 {
                            joined.text.push(' ');
                        }
                        joined.text.push_str(&w.text);
                        joined.dynamic |= w.dynamic;
                        joined.subs.extend(&w.subs);
                    }
                    self.nested_word(script, &joined, cwd, &mut findings);
                    delegated = true;
                    break;
                }
                "alias" => {
                    for w in &words[1..] {
                        if let Some((_, body)) = w.text.split_once('=') {
                            self.nested_word(
                                script,
                                &Word {
                                    text: body.to_string(),
                                    ..w.clone()
                                },
                                cwd,
                                &mut findings,
                            );
                        }
                    }
                    delegated = true;
                    break;
                }
                "trap" => {
                    if let Some(w) = words.get(1).filter(|w| !w.text.starts_with('-')) {
                        self.nested_word(script, &w.clone(), cwd, &mut findings);
                    }
                    delegated = true;
                    break;
                }
                "find" => {
                    self.find(script, &words, cwd, &mut findings);
                    break;
                }
                "source" | "." => {
                    if words[1..].iter().any(|w| self.fetches(script, w)) {
                        findings.push(Finding::deny(
                            "pipe-to-shell",
                            "sources a downloaded or decoded script unseen",
                        ));
                    }
                    break;
                }
                n if is_shell(n) => {
                    self.shell(
                        script,
                        cmd,
                        &words,
                        feeders,
                        cwd,
                        &mut findings,
                        &mut delegated,
                    );
                    break;
                }
                n if is_interpreter(n) => {
                    self.interpreter(script, cmd, &words, feeders, &mut findings);
                    break;
                }
                _ => break,
            }
        }
        self.opaque(script, &words, feeders, cwd, &mut findings);
        let env = Env {
            ctx: self.ctx,
            cwd,
            stdin_args,
            branch_changed: self.branch_changed,
        };
        findings.extend(deny::check(&words, &env));
        let read_targets = cmd
            .redirects
            .iter()
            .filter(|r| r.op == super::script::RedirOp::Read)
            .map(|r| &r.target);
        for w in words.iter().skip(1).chain(read_targets) {
            if let Some(why) = resolve(w, cwd, self.ctx).and_then(|l| credentials(&l, self.ctx)) {
                findings.push(Finding::deny(
                    "read-credentials",
                    format!("`{}` {why}", w.text),
                ));
            }
        }
        let command: Vec<String> = words.iter().map(|w| w.text.clone()).collect();
        match words.first().map(|w| basename(&w.text)) {
            Some("cd" | "pushd") => *cwd = self.cd(words.get(1), cwd),
            Some("popd") => *cwd = Loc::unknown(),
            Some("git") if super::git::switches_branch(&words[1..], &env) => {
                self.branch_changed = true
            }
            _ => {}
        }
        let command = if command.is_empty() {
            cmd_text(cmd)
        } else {
            command.join(" ")
        };
        self.parts.push(Part {
            command,
            layers,
            findings,
            delegated,
        });
    }

    fn cd(&self, target: Option<&Word>, cwd: &Loc) -> Loc {
        match target {
            None => home_loc(self.ctx),
            Some(w) if w.text == "-" => Loc::unknown(),
            Some(w) => resolve(w, cwd, self.ctx).unwrap_or_else(Loc::unknown),
        }
    }

    /// A script given as one word (`sh -c WORD`, `eval`, `alias x=WORD`).
    pub(super) fn nested_word(
        &mut self,
        script: &Script,
        w: &Word,
        cwd: &Loc,
        findings: &mut Vec<Finding>,
    ) {
        if self.fetches(script, w) {
            findings.push(Finding::deny(
                "pipe-to-shell",
                "runs a downloaded or decoded script unseen",
            ));
        } else if w.dynamic {
            findings.push(Finding::ask(
                "dynamic-command",
                format!("runs `{}`, which is only known when it runs", w.text),
            ));
        } else {
            self.text(&w.text, &mut cwd.clone());
        }
    }

    /// Does a word's substitution download or decode something?
    pub(super) fn fetches(&self, script: &Script, w: &Word) -> bool {
        w.subs.iter().any(|&s| {
            script.subs.get(s).is_some_and(|cmds| {
                cmds.iter()
                    .any(|&c| is_source_of_hidden_code(&script.commands[c].words))
            })
        })
    }
}

/// A command's words without assignments and common wrappers.
pub(super) fn peel(words: &[Word]) -> Vec<Word> {
    let mut w = words.to_vec();
    loop {
        while w.first().is_some_and(|x| is_assignment(&x.text)) {
            w.remove(0);
        }
        match w.first().map(|x| basename(&x.text).to_string()).as_deref() {
            Some("sudo" | "doas") => strip_options(&mut w, &['u', 'g', 'C'], &["user", "group"]),
            Some("env") => strip_options(&mut w, &['u', 'C'], &["unset", "chdir"]),
            Some("nice" | "nohup" | "command" | "exec" | "busybox" | "stdbuf" | "time") => {
                strip_options(&mut w, &['n'], &[])
            }
            _ => return w,
        }
    }
}

/// Does this command download something or decode hidden text?
pub(super) fn is_source_of_hidden_code(words: &[Word]) -> bool {
    let w = peel(words);
    let Some(head) = w.first() else {
        return false;
    };
    let name = basename(&head.text);
    is_downloader(name) || is_decoder(name, &w[1..])
}

fn cmd_text(cmd: &SimpleCommand) -> String {
    let mut s = cmd.joined();
    for r in &cmd.redirects {
        s.push_str(&format!(" >{}", r.target.text));
    }
    s.trim().to_string()
}
