//! `chamber chat`: a line-mode conversation for terminals where a TUI is
//! unwanted (or stdin is a pipe). Each message becomes a run, a follow-up
//! continues the previous run's branch; plans and approvals are asked in
//! line; slash commands reach the usual tools. In a terminal the input is
//! a line editor with the saved history.

use std::io::{BufRead, Write};

use chamber_runtime::Setup;
use chamber_runtime::conversation::{Conversation, Turn};
use serde_json::json;

use crate::cli::RunFlags;
use crate::exit::{CliError, status};
use crate::output::{Output, style};

/// The slash commands, for `/help`.
const HELP: &[(&str, &str)] = &[
    ("/plan TEXT", "show the plan for TEXT without running it"),
    ("/undo", "take back the last run's changes"),
    ("/diff", "the last run's changes"),
    ("/test", "run the project's tests"),
    ("/model [NAME]", "show the model, or use NAME from now on"),
    ("/cost", "what this conversation has cost so far"),
    ("/history", "the messages of this conversation"),
    ("/help", "this list"),
    ("/exit", "leave (so does end of input)"),
];

/// Runs the conversation until `/exit` or end of input; the exit status
/// is that of the last run (0 when none failed).
pub async fn chat(
    setup: &Setup,
    flags: RunFlags,
    out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let mut setup = setup.clone();
    let mut flags = flags;
    // A conversation is interactive by nature: approvals are asked on
    // stdin even when it is a pipe (unless --yes).
    flags.prompt = true;
    let mut talk = Conversation::default();
    let mut last_code = status::OK;
    let history_file = setup.dirs.data.join("chat_history");
    out.line(Output::styled(
        style::DIM,
        "chamber chat: type a request; /help lists commands, /exit leaves.",
    ));
    let mut input = Input::open(&history_file);
    while let Some(line) = input.next_line() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        remember(&history_file, line);
        let (command, rest) = match line.split_once(char::is_whitespace) {
            Some((c, r)) => (c, r.trim()),
            None => (line, ""),
        };
        match command {
            "/exit" | "/quit" => break,
            "/help" => {
                for (cmd, what) in HELP {
                    out.line(format!(
                        "  {}  {what}",
                        Output::styled(style::HEAD, format!("{cmd:14}"))
                    ));
                }
            }
            "/history" => {
                for (i, t) in talk.turns.iter().enumerate() {
                    out.line(format!(
                        "  {}. {}  [{} · {}]",
                        i + 1,
                        t.message,
                        t.status,
                        short(&t.run_id)
                    ));
                }
            }
            "/cost" => {
                let (cost, tokens) = talk.totals();
                out.line(format!(
                    "{} run(s), {tokens} tokens, ${cost:.4}",
                    talk.turns.len()
                ));
            }
            "/model" if rest.is_empty() => {
                let c = &setup.loaded.config.provider;
                out.line(format!("model: {} ({})", c.model, c.name));
            }
            "/model" => {
                setup.loaded.config.provider.model = rest.to_string();
                out.line(format!("model: {rest} from the next message on"));
            }
            "/test" => {
                let timeout = setup.loaded.config.test.timeout_secs;
                last_code = report(super::test::test(&setup, timeout, false, out).await);
            }
            // The whole conversation's change: from where its first run
            // started to its branch now.
            "/diff" => match talk.turns.iter().find(|t| t.branch.is_some()) {
                Some(turn) => {
                    let base = setup
                        .store()
                        .await?
                        .get_run(&turn.run_id)
                        .await
                        .ok()
                        .and_then(|r| r.base_branch)
                        .unwrap_or_else(|| "HEAD".into());
                    show_diff(
                        &setup,
                        &base,
                        turn.branch.as_deref().unwrap_or_default(),
                        out,
                    );
                }
                None => out.line("no run of this conversation has a branch yet"),
            },
            "/undo" => match talk.last_run().map(String::from) {
                Some(run) => {
                    last_code = report(
                        super::undo::undo(&setup, Some(run), 0, true, out)
                            .await
                            .map(|v| (v, status::OK)),
                    );
                }
                None => out.line("nothing to undo yet"),
            },
            "/plan" if rest.is_empty() => out.line("usage: /plan TEXT"),
            "/plan" => {
                let act = chamber_runtime::Act::New {
                    prompt: rest.to_string(),
                    plan_only: true,
                    dry_run: false,
                };
                let mut engine = setup.engine(&crate::setup::notice_for(out)).await?;
                last_code = report(super::run::act(&mut engine, act, &flags, out).await);
            }
            c if c.starts_with('/') => {
                out.line(format!("unknown command {c}; /help lists them"));
            }
            _ => {
                let act = talk.act_for(line);
                let mut engine = setup.engine(&crate::setup::notice_for(out)).await?;
                match super::run::act(&mut engine, act, &flags, out).await {
                    Ok((payload, code)) => {
                        last_code = code;
                        talk.record(turn_of(line, &payload));
                    }
                    Err(e) => last_code = report(Err(e)),
                }
            }
        }
    }
    let (cost, tokens) = talk.totals();
    let turns: Vec<_> = talk
        .turns
        .iter()
        .map(|t| json!({"message": t.message, "run_id": t.run_id, "status": t.status, "branch": t.branch}))
        .collect();
    Ok((
        json!({"turns": turns, "cost_usd": cost, "tokens": tokens}),
        last_code,
    ))
}

/// Where messages come from: a line editor with history (Up/Down, the
/// saved history) in a terminal, plain lines from a pipe.
enum Input {
    /// A terminal.
    Editor(Box<rustyline::DefaultEditor>),
    /// A pipe or file.
    Lines,
}

impl Input {
    /// The editor when stdin is a terminal, loaded with the last 500
    /// messages of `history`.
    fn open(history: &std::path::Path) -> Self {
        use std::io::IsTerminal;
        if !std::io::stdin().is_terminal() {
            return Input::Lines;
        }
        let Ok(mut editor) = rustyline::DefaultEditor::new() else {
            return Input::Lines;
        };
        let saved = std::fs::read_to_string(history).unwrap_or_default();
        let lines: Vec<&str> = saved.lines().collect();
        for line in &lines[lines.len().saturating_sub(500)..] {
            let _ = editor.add_history_entry(*line);
        }
        Input::Editor(Box::new(editor))
    }

    /// The next message; `None` at the end of input.
    fn next_line(&mut self) -> Option<String> {
        match self {
            Input::Editor(editor) => loop {
                match editor.readline("› ") {
                    Ok(line) => {
                        let _ = editor.add_history_entry(line.as_str());
                        return Some(line);
                    }
                    // Ctrl-C clears the line; Ctrl-D (or an error) ends.
                    Err(rustyline::error::ReadlineError::Interrupted) => continue,
                    Err(_) => return None,
                }
            },
            Input::Lines => {
                prompt_marker();
                let mut line = String::new();
                match std::io::stdin().lock().read_line(&mut line) {
                    Ok(0) | Err(_) => None,
                    Ok(_) => Some(line),
                }
            }
        }
    }
}

fn prompt_marker() {
    let mut err = anstream::AutoStream::new(std::io::stderr(), anstream::ColorChoice::Auto);
    let _ = write!(err, "{} ", Output::styled(style::HEAD, "›"));
    let _ = err.flush();
}

/// Prints an error the way the CLI does, and keeps the conversation going.
fn report(result: Result<(serde_json::Value, i32), CliError>) -> i32 {
    match result {
        Ok((_, code)) => code,
        Err(e) => {
            let mut err = anstream::AutoStream::new(std::io::stderr(), anstream::ColorChoice::Auto);
            let _ = writeln!(
                err,
                "{} {}",
                Output::styled(style::BAD, "error:"),
                e.message
            );
            if let Some(hint) = &e.hint {
                let _ = writeln!(err, "  {hint}");
            }
            e.exit
        }
    }
}

fn turn_of(message: &str, payload: &serde_json::Value) -> Turn {
    let usage = &payload["usage"];
    Turn {
        message: message.to_string(),
        run_id: payload["run_id"].as_str().unwrap_or_default().to_string(),
        branch: payload["branch"].as_str().map(String::from),
        status: payload["status"].as_str().unwrap_or("unknown").to_string(),
        cost_usd: payload["cost_usd"].as_f64().unwrap_or(0.0),
        tokens: usage["prompt_tokens"].as_u64().unwrap_or(0)
            + usage["completion_tokens"].as_u64().unwrap_or(0),
    }
}

fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// `git diff BASE...BRANCH`: what the conversation's branch changed.
fn show_diff(setup: &Setup, base: &str, branch: &str, out: &Output) {
    let diff = chamber_tools::Git::discover(&setup.root)
        .and_then(|git| git.branch_diff(base, branch).ok())
        .unwrap_or_default();
    if diff.trim().is_empty() {
        out.line(format!("{branch} has no changes against {base}"));
    } else {
        out.line(crate::diff_view::colored(diff.trim_end()));
    }
}

/// Appends a line to the chat history file (best effort: a history that
/// cannot be written never stops the conversation).
fn remember(file: &std::path::Path, line: &str) {
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
    {
        let _ = writeln!(f, "{line}");
    }
}
