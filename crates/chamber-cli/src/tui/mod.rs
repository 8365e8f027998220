//! `chamber ui` (and `chamber` alone in a terminal): the TUI. Inline by
//! default, so the terminal's and tmux's scrollback keep the session;
//! `--fullscreen` uses the alternate screen. Frames are drawn inside
//! synchronized updates so tmux does not flicker.

pub mod app;
mod bridge;
pub mod panels;
mod remote;
mod stats;
pub mod view;

use std::io::Write;
use std::sync::Arc;

use chamber_agent::{ActionAnswer, CancelToken, PlanDecision};
use chamber_policy::GrantScope;
use chamber_runtime::Setup;
use chamber_runtime::conversation::{Conversation, Turn};
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures::StreamExt;
use ratatui::backend::CrosstermBackend;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};
use ratatui::{Terminal, TerminalOptions, Viewport};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

use self::app::{App, Intent, Tone, View, Waiting};
use self::bridge::{Ended, TuiApprover, TuiObserver, UiMsg};
use self::view::Palette;
use crate::cli::RunFlags;
use crate::exit::{CliError, status};
use crate::output::Output;

/// Most run messages taken in before the next frame.
const MSGS_PER_FRAME: usize = 512;

/// Rows of the inline viewport at most.
const INLINE_ROWS: u16 = 18;

type Term = Terminal<CrosstermBackend<std::io::Stdout>>;

/// Opens the TUI and runs it until the person quits.
pub async fn ui(
    setup: &Setup,
    fullscreen: bool,
    server: Option<(String, Option<String>)>,
    flags: RunFlags,
    _out: &Output,
) -> Result<(serde_json::Value, i32), CliError> {
    let api = server.map(|(url, token)| {
        Arc::new(crate::commands::service::api_client::Api::new(
            &url,
            token.as_deref(),
        ))
    });
    let header = format!(
        "{} · {}",
        match &api {
            Some(api) => format!("server {}", api.base),
            None => setup.loaded.config.provider.model.clone(),
        },
        setup
            .root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    let mut terminal = open(fullscreen)?;
    let ctx = Ctx { setup, api, flags };
    let result = run_loop(&mut terminal, &ctx, App::new(header), fullscreen).await;
    close(&mut terminal, fullscreen);
    result
}

fn term_error(e: std::io::Error) -> CliError {
    CliError::new(
        "terminal_failed",
        format!("the terminal could not be set up: {e}"),
        Some("use `chamber chat` (line mode) or `chamber run`"),
        status::INTERNAL,
    )
}

fn open(fullscreen: bool) -> Result<Term, CliError> {
    crossterm::terminal::enable_raw_mode().map_err(term_error)?;
    let mut stdout = std::io::stdout();
    let viewport = if fullscreen {
        crossterm::execute!(stdout, crossterm::terminal::EnterAlternateScreen)
            .map_err(term_error)?;
        Viewport::Fullscreen
    } else {
        let rows = crossterm::terminal::size().map(|(_, r)| r).unwrap_or(24);
        Viewport::Inline(rows.clamp(8, INLINE_ROWS))
    };
    Terminal::with_options(CrosstermBackend::new(stdout), TerminalOptions { viewport })
        .map_err(term_error)
}

fn close(terminal: &mut Term, fullscreen: bool) {
    let _ = crossterm::terminal::disable_raw_mode();
    if fullscreen {
        let _ = crossterm::execute!(
            terminal.backend_mut(),
            crossterm::terminal::LeaveAlternateScreen
        );
    } else {
        let _ = terminal.clear();
    }
    let _ = terminal.show_cursor();
    let _ = writeln!(std::io::stdout());
}

/// What the loop works with: the project, the server (when remote) and
/// the run flags.
struct Ctx<'a> {
    setup: &'a Setup,
    api: Option<Arc<crate::commands::service::api_client::Api>>,
    flags: RunFlags,
}

/// The answers a waiting plan or action is owed.
#[derive(Default)]
struct Owed {
    plan: Option<oneshot::Sender<PlanDecision>>,
    action: Option<oneshot::Sender<ActionAnswer>>,
}

async fn run_loop(
    terminal: &mut Term,
    ctx: &Ctx<'_>,
    mut app: App,
    fullscreen: bool,
) -> Result<(serde_json::Value, i32), CliError> {
    let setup = ctx.setup;
    let palette = Palette::from_env();
    let (tx, mut rx) = mpsc::unbounded_channel::<UiMsg>();
    let mut keys = EventStream::new();
    let mut owed = Owed::default();
    let mut talk = Conversation::default();
    let mut cancel: Option<CancelToken> = None;
    let name = std::env::var("USER").unwrap_or_else(|_| "user".into());
    let mut last_code = status::OK;
    let mut stats = stats::Stats::from_env();
    loop {
        let start = std::time::Instant::now();
        frame(terminal, &mut app, palette, fullscreen)?;
        stats.frame(start);
        tokio::select! {
            // Keys first: typing never waits behind a flood of output.
            biased;
            key = keys.next() => {
                let Some(Ok(TermEvent::Key(key))) = key else {
                    if key.is_none() { break; }
                    continue;
                };
                if key.kind != KeyEventKind::Press {
                    continue;
                }
                stats.key(matches!(key.code, crossterm::event::KeyCode::Char(_)) && key.modifiers.is_empty());
                match app.key(key) {
                    Intent::Nothing => {}
                    Intent::Quit => break,
                    Intent::Cancel => {
                        if let Some(token) = &cancel {
                            token.cancel("stopped in the TUI (Ctrl-C)");
                            app.say(Tone::Bad, "stopping the run at its next safe point…");
                        }
                    }
                    Intent::Submit(text) => {
                        let token = CancelToken::default();
                        cancel = Some(token.clone());
                        match &ctx.api {
                            Some(api) => remote::start(
                                api.clone(),
                                setup.root.display().to_string(),
                                text.clone(),
                                talk.turns.iter().rev().find_map(|t| t.branch.clone()),
                                ctx.flags.yes,
                                tx.clone(),
                            ),
                            None => start_run(setup, &talk, &text, &ctx.flags, token, &tx, &name).await,
                        }
                        app.running = Some((String::new(), "planning".into()));
                    }
                    Intent::PlanAnswer('e') if ctx.api.is_some() => app.say(
                        Tone::Bad,
                        "a server run cannot take an edited plan: approve it (y) or reject it (n)",
                    ),
                    Intent::PlanAnswer(c) => answer_plan(terminal, &mut app, &mut owed, c, fullscreen),
                    Intent::ActionAnswer(c) => {
                        let scope = match c {
                            'a' => GrantScope::Exact,
                            'p' => GrantScope::Prefix,
                            _ => GrantScope::Once,
                        };
                        let answer = ActionAnswer { approved: c != 'n', scope, approvers: vec![name.clone()], feedback: None };
                        if let Some(reply) = owed.action.take() {
                            let _ = reply.send(answer);
                        }
                        app.say(Tone::Dim, if c == 'n' { "  denied" } else { "  allowed" });
                        app.waiting = None;
                    }
                    Intent::ActionFeedback(text) => {
                        let answer = ActionAnswer {
                            approved: false,
                            scope: GrantScope::Once,
                            approvers: vec![name.clone()],
                            feedback: Some(text.clone()),
                        };
                        if let Some(reply) = owed.action.take() {
                            let _ = reply.send(answer);
                        }
                        app.say(Tone::Dim, format!("  declined; instead: {text}"));
                        app.waiting = None;
                    }
                    Intent::Refresh(view) => {
                        panels::load(setup, view, &mut app.panels).await;
                        if let (Some(api), View::Tasks | View::Agents | View::Patches) = (&ctx.api, view) {
                            remote::load_tasks(api, &mut app.panels).await;
                        }
                    }
                    Intent::RerunTests => {
                        app.panels.tests = vec!["running the tests…".into()];
                        frame(terminal, &mut app, palette, fullscreen)?;
                        panels::run_tests(setup, &mut app.panels).await;
                    }
                    Intent::Rollback(id) => {
                        let quiet = Output::new(true, true, 0, "undo");
                        match crate::commands::undo::undo(setup, Some(id.clone()), 0, true, &quiet).await {
                            Ok(_) => app.panels.note = Some(format!("run {} rolled back", &id[..id.len().min(8)])),
                            Err(e) => app.panels.note = Some(e.message),
                        }
                        panels::load(setup, View::Patches, &mut app.panels).await;
                    }
                    Intent::Search(query) => {
                        app.panels.peek.clear();
                        panels::search(setup, &query, &mut app.panels).await;
                    }
                    Intent::Jump(path, line) => panels::peek(setup, &path, line, &mut app.panels),
                }
            }
            Some(msg) = rx.recv() => {
                // Everything already queued goes into one frame, so a
                // flood of output never falls behind the screen.
                let mut next = Some(msg);
                let mut taken = 0;
                while let Some(msg) = next {
                    if let Some(code) = on_msg(setup, &mut app, &mut owed, &mut talk, msg) {
                        cancel = None;
                        last_code = code;
                    }
                    taken += 1;
                    // Bounded, so a frame (and a key) comes soon.
                    next = if taken < MSGS_PER_FRAME { rx.try_recv().ok() } else { None };
                }
            }
        }
    }
    stats.write(app.transcript.len());
    let (cost, tokens) = talk.totals();
    Ok((
        json!({"turns": talk.turns.len(), "cost_usd": cost, "tokens": tokens}),
        last_code,
    ))
}

/// Takes in one message from the run side; the run's exit status when it
/// ended.
fn on_msg(
    setup: &Setup,
    app: &mut App,
    owed: &mut Owed,
    talk: &mut Conversation,
    msg: UiMsg,
) -> Option<i32> {
    match msg {
        UiMsg::Event(event) => {
            if let (Some((id, _)), chamber_protocol::EventKind::RunStarted { .. }) =
                (&mut app.running, &event.kind)
            {
                *id = event.run_id.clone();
            }
            app.apply(&event);
        }
        UiMsg::Plan(plan, reply) => {
            app.waiting = Some(Waiting::Plan(*plan));
            owed.plan = Some(reply);
        }
        UiMsg::Action(question, reply) => {
            app.waiting = Some(Waiting::Action(*question));
            owed.action = Some(reply);
        }
        UiMsg::Finished(result) => {
            app.running = None;
            app.waiting = None;
            return Some(finished(setup, app, talk, *result));
        }
    }
    None
}

/// Draws a frame (inside a synchronized update), first moving finished
/// transcript lines into the scrollback in inline mode.
fn frame(
    terminal: &mut Term,
    app: &mut App,
    palette: Palette,
    fullscreen: bool,
) -> Result<(), CliError> {
    let _ = crossterm::queue!(std::io::stdout(), BeginSynchronizedUpdate);
    if !fullscreen && app.flushed < app.transcript.len() && app.waiting.is_none() {
        let width = terminal.size().map(|s| s.width).unwrap_or(80).max(1) as usize;
        let lines: Vec<Line> = app.transcript[app.flushed..]
            .iter()
            .map(|(tone, text)| Line::from(Span::styled(text.clone(), palette.tone(*tone))))
            .collect();
        let height: usize = app.transcript[app.flushed..]
            .iter()
            .map(|(_, t)| t.chars().count().max(1).div_ceil(width))
            .sum();
        terminal
            .insert_before(height as u16, |buf| {
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .render(buf.area, buf);
            })
            .map_err(term_error)?;
        app.flushed = app.transcript.len();
    }
    terminal
        .draw(|f| view::draw(f, app, palette, fullscreen))
        .map_err(term_error)?;
    let _ = crossterm::execute!(std::io::stdout(), EndSynchronizedUpdate);
    Ok(())
}

/// Starts the run for `text` on its own task: a new run, or a reply on
/// the conversation's branch.
async fn start_run(
    setup: &Setup,
    talk: &Conversation,
    text: &str,
    flags: &RunFlags,
    cancel: CancelToken,
    tx: &mpsc::UnboundedSender<UiMsg>,
    name: &str,
) {
    let act = talk.act_for(text);
    let silent: &(dyn Fn(&str) + Sync) = &|_| {};
    let mut engine = match setup.engine(silent).await {
        Ok(engine) => engine,
        Err(e) => {
            let _ = tx.send(UiMsg::Finished(Box::new(Err(e.to_string()))));
            return;
        }
    };
    let mut settings = flags.settings();
    settings.cancel = cancel;
    let approver = TuiApprover {
        tx: tx.clone(),
        name: name.to_string(),
    };
    let observer = Arc::new(TuiObserver(tx.clone()));
    let tx = tx.clone();
    tokio::spawn(async move {
        let result =
            chamber_runtime::execute(&mut engine, act, &settings, &approver, observer).await;
        let ended = match result {
            Ok(outcome) => {
                let base = match engine.store.get_run(&outcome.run_id).await {
                    Ok(run) => run.base_branch,
                    Err(_) => None,
                };
                Ok(Ended::of(&outcome, base))
            }
            Err(e) => Err(e.to_string()),
        };
        let _ = tx.send(UiMsg::Finished(Box::new(ended)));
    });
}

fn answer_plan(terminal: &mut Term, app: &mut App, owed: &mut Owed, c: char, fullscreen: bool) {
    let Some(Waiting::Plan(plan)) = app.waiting.clone() else {
        return;
    };
    let decision = match c {
        'y' => PlanDecision::Approve,
        'n' => PlanDecision::Reject("rejected in the TUI".into()),
        _ => {
            // The editor needs the terminal back for a while.
            close(terminal, fullscreen);
            let edited = crate::approver::edit_plan(&plan);
            let _ = crossterm::terminal::enable_raw_mode();
            if fullscreen {
                let _ = crossterm::execute!(
                    std::io::stdout(),
                    crossterm::terminal::EnterAlternateScreen
                );
            }
            let _ = terminal.clear();
            match edited {
                Ok(plan) => PlanDecision::Edited(plan),
                Err(why) => {
                    app.say(Tone::Bad, format!("the edited plan was not used: {why}"));
                    return;
                }
            }
        }
    };
    let said = match &decision {
        PlanDecision::Approve => format!("Plan: {} — approved", plan.title),
        PlanDecision::Edited(p) => format!("Plan: {} — edited and approved", p.title),
        PlanDecision::Reject(_) => format!("Plan: {} — rejected", plan.title),
    };
    app.say(Tone::Head, said);
    for (i, s) in plan.steps.iter().enumerate() {
        app.say(Tone::Dim, format!("  {}. {}", i + 1, s.title));
    }
    if let Some(reply) = owed.plan.take() {
        let _ = reply.send(decision);
    }
    app.waiting = None;
}

/// Reports a finished run: its diff, commit and summary; records it in
/// the conversation.
fn finished(
    setup: &Setup,
    app: &mut App,
    talk: &mut Conversation,
    result: Result<Ended, String>,
) -> i32 {
    let ended = match result {
        Ok(ended) => ended,
        Err(why) => {
            app.say(Tone::Bad, format!("✘ {why}"));
            return status::RUN_FAILED;
        }
    };
    if let Some(branch) = &ended.branch {
        let base = ended.base.clone().unwrap_or_else(|| "HEAD".into());
        let diff = chamber_tools::Git::discover(&setup.root)
            .and_then(|git| git.branch_diff(&base, branch).ok())
            .unwrap_or_default();
        if !diff.trim().is_empty() {
            app.show_diff(diff.trim_end());
        }
    }
    if let Some(commit) = &ended.commit {
        app.say(
            Tone::Good,
            format!(
                "committed {} on {}",
                &commit[..commit.len().min(10)],
                ended.branch.clone().unwrap_or_default()
            ),
        );
    }
    let mark = if ended.ok { "✔" } else { "✘" };
    app.say(
        if ended.ok { Tone::Good } else { Tone::Bad },
        format!("{mark} {}", ended.summary),
    );
    let ok = ended.ok;
    talk.record(Turn {
        message: app.history.last().cloned().unwrap_or_default(),
        run_id: ended.run_id,
        branch: ended.branch,
        status: ended.status,
        cost_usd: ended.cost_usd,
        tokens: ended.tokens,
    });
    if ok { status::OK } else { status::RUN_FAILED }
}

#[cfg(test)]
mod screens_test;
