//! The TUI's state and what keys and run events do to it. Pure: no
//! terminal, no channels, so the screens can be snapshot-tested.

use chamber_agent::ActionQuestion;
use chamber_protocol::{Event, EventKind, Plan, StepPath, ToolStatus};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::panels::PanelData;

/// Most transcript lines kept in memory; older ones are in the terminal's
/// scrollback (inline mode) or dropped (fullscreen).
pub const TRANSCRIPT_CAP: usize = 5000;

/// What the body of the screen shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The conversation.
    Chat,
    /// The repo map and the file tree.
    Map,
    /// Runs: queued, running, finished.
    Tasks,
    /// Search and symbols.
    Index,
    /// Running runs (the organisation, once it exists).
    Agents,
    /// Runs' changes, their diffs, and rollback.
    Patches,
    /// The last test report.
    Tests,
    /// The event tail, filtered.
    Logs,
}

impl View {
    /// Every view, in the order Tab walks them.
    pub const ALL: [View; 8] = [
        View::Chat,
        View::Map,
        View::Tasks,
        View::Index,
        View::Agents,
        View::Patches,
        View::Tests,
        View::Logs,
    ];

    /// Its title.
    pub fn title(self) -> &'static str {
        match self {
            View::Chat => "Chat",
            View::Map => "Project Map",
            View::Tasks => "Tasks",
            View::Index => "Index",
            View::Agents => "Agents",
            View::Patches => "Patches",
            View::Tests => "Tests",
            View::Logs => "Logs",
        }
    }

    /// The function key that opens it (F2 for the first panel…).
    pub fn key(self) -> u8 {
        View::ALL.iter().position(|v| *v == self).unwrap_or(0) as u8 + 1
    }
}

/// How a transcript line is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// What the person typed.
    User,
    /// Headings: a step, the plan.
    Head,
    /// A tool call.
    Tool,
    /// Command output.
    Output,
    /// Success.
    Good,
    /// Failure.
    Bad,
    /// Quiet detail.
    Dim,
    /// A diff line added.
    Added,
    /// A diff line removed.
    Removed,
}

/// What is waiting for the person.
#[derive(Debug, Clone, PartialEq)]
pub enum Waiting {
    /// The plan: approve (y), edit (e) or reject (n).
    Plan(Plan),
    /// An action: once (y), session (a), prefix (p), no (n).
    Action(ActionQuestion),
}

/// What a key asks the loop to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    /// Nothing beyond the state change.
    Nothing,
    /// Send the message (a request, or a follow-up).
    Submit(String),
    /// Answer the plan: approve, edit, reject.
    PlanAnswer(char),
    /// Answer the action: y, a, p, n.
    ActionAnswer(char),
    /// Decline the action, telling the model what to do instead.
    ActionFeedback(String),
    /// Stop the running run.
    Cancel,
    /// Leave.
    Quit,
    /// Load the data of this panel again.
    Refresh(View),
    /// Re-run the tests (Tests panel).
    RerunTests,
    /// Roll back the selected run (Patches panel).
    Rollback(String),
    /// Search the index (Index panel).
    Search(String),
    /// Show a file around a line (Index panel): path, 1-based line.
    Jump(String, usize),
}

/// The whole state of the screen.
#[derive(Debug, Clone)]
pub struct App {
    /// The body's view.
    pub view: View,
    /// The help overlay is open.
    pub help: bool,
    /// The input line.
    pub input: String,
    /// Sent messages, for Up/Down.
    pub history: Vec<String>,
    history_at: Option<usize>,
    /// The conversation so far.
    pub transcript: Vec<(Tone, String)>,
    /// How many of the transcript lines went to the scrollback already.
    pub flushed: usize,
    /// What waits for an answer.
    pub waiting: Option<Waiting>,
    /// The input is the person's "do this instead" for the waiting action.
    pub feedback: bool,
    /// The running run: id and what it is doing.
    pub running: Option<(String, String)>,
    /// Data of the panels.
    pub panels: PanelData,
    /// The selected row of the current panel.
    pub selected: usize,
    /// The Logs panel's filter (an event type or words).
    pub filter: String,
    /// Model and project, for the header.
    pub header: String,
    /// The events of the current (or last) run, for the Logs panel.
    pub events: Vec<Event>,
}

impl App {
    /// An empty screen with `header` on top.
    pub fn new(header: impl Into<String>) -> Self {
        Self {
            view: View::Chat,
            help: false,
            input: String::new(),
            history: Vec::new(),
            history_at: None,
            transcript: Vec::new(),
            flushed: 0,
            waiting: None,
            feedback: false,
            running: None,
            panels: PanelData::default(),
            selected: 0,
            filter: String::new(),
            header: header.into(),
            events: Vec::new(),
        }
    }

    /// Adds a transcript line, keeping at most [`TRANSCRIPT_CAP`].
    pub fn say(&mut self, tone: Tone, text: impl Into<String>) {
        for line in text.into().lines() {
            self.transcript.push((tone, line.to_string()));
        }
        if self.transcript.len() > TRANSCRIPT_CAP {
            let drop = self.transcript.len() - TRANSCRIPT_CAP;
            self.transcript.drain(..drop);
            self.flushed = self.flushed.saturating_sub(drop);
        }
    }

    /// Handles one key.
    pub fn key(&mut self, key: KeyEvent) -> Intent {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c')) {
            return if self.running.is_some() {
                Intent::Cancel
            } else {
                Intent::Quit
            };
        }
        if ctrl && matches!(key.code, KeyCode::Char('d')) && self.input.is_empty() {
            return Intent::Quit;
        }
        if self.help {
            self.help = false;
            return Intent::Nothing;
        }
        if self.feedback {
            match key.code {
                KeyCode::Enter if !self.input.trim().is_empty() => {
                    self.feedback = false;
                    return Intent::ActionFeedback(
                        std::mem::take(&mut self.input).trim().to_string(),
                    );
                }
                KeyCode::Esc => {
                    self.feedback = false;
                    self.input.clear();
                }
                KeyCode::Backspace => {
                    self.input.pop();
                }
                KeyCode::Char(c) => self.input.push(c),
                _ => {}
            }
            return Intent::Nothing;
        }
        if let Some(waiting) = &self.waiting
            && let KeyCode::Char(c) = key.code
        {
            let c = c.to_ascii_lowercase();
            match waiting {
                Waiting::Plan(_) if matches!(c, 'y' | 'e' | 'n') => return Intent::PlanAnswer(c),
                Waiting::Action(_) if matches!(c, 'y' | 'a' | 'p' | 'n') => {
                    return Intent::ActionAnswer(c);
                }
                Waiting::Action(_) if c == 'e' => {
                    self.feedback = true;
                    self.input.clear();
                    return Intent::Nothing;
                }
                _ => return Intent::Nothing,
            }
        }
        match key.code {
            KeyCode::F(1) => self.help = true,
            KeyCode::Char('?') if self.input.is_empty() => self.help = true,
            KeyCode::F(n) if (2..=9).contains(&n) => {
                return self.switch(View::ALL[(n - 1) as usize % View::ALL.len()]);
            }
            KeyCode::Tab => {
                let next = (self.view.key() as usize) % View::ALL.len();
                return self.switch(View::ALL[next]);
            }
            KeyCode::BackTab => {
                let at = self.view.key() as usize - 1;
                let prev = (at + View::ALL.len() - 1) % View::ALL.len();
                return self.switch(View::ALL[prev]);
            }
            KeyCode::Esc => {
                if self.view == View::Chat {
                    self.input.clear();
                } else {
                    self.view = View::Chat;
                }
            }
            KeyCode::Up if self.view == View::Chat => self.recall(true),
            KeyCode::Down if self.view == View::Chat => self.recall(false),
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down => self.selected += 1,
            KeyCode::Backspace => {
                self.input.pop();
            }
            KeyCode::Enter => return self.enter(),
            KeyCode::Char(c)
                if self.view != View::Chat
                    && self.view != View::Index
                    && self.view != View::Logs
                    && self.input.is_empty() =>
            {
                return self.panel_key(c);
            }
            KeyCode::Char(c) => self.input.push(c),
            _ => {}
        }
        Intent::Nothing
    }

    fn switch(&mut self, view: View) -> Intent {
        self.view = view;
        self.selected = 0;
        if view == View::Chat {
            Intent::Nothing
        } else {
            Intent::Refresh(view)
        }
    }

    fn recall(&mut self, older: bool) {
        if self.history.is_empty() {
            return;
        }
        let last = self.history.len() - 1;
        let at = match (self.history_at, older) {
            (None, true) => Some(last),
            (None, false) => None,
            (Some(i), true) => Some(i.saturating_sub(1)),
            (Some(i), false) if i < last => Some(i + 1),
            (Some(_), false) => None,
        };
        self.history_at = at;
        self.input = at.map(|i| self.history[i].clone()).unwrap_or_default();
    }

    fn enter(&mut self) -> Intent {
        let text = std::mem::take(&mut self.input);
        let text = text.trim().to_string();
        match self.view {
            View::Index if !text.is_empty() => Intent::Search(text),
            View::Index => match self
                .panels
                .hits
                .get(self.selected)
                .and_then(|h| jump_target(h))
            {
                Some((path, line)) => Intent::Jump(path, line),
                None => Intent::Nothing,
            },
            View::Logs => {
                self.filter = text;
                Intent::Nothing
            }
            View::Patches => match self.panels.runs.get(self.selected).map(|r| r.id.clone()) {
                Some(id) => {
                    self.panels.preview = Some(id);
                    Intent::Refresh(View::Patches)
                }
                None => Intent::Nothing,
            },
            _ if text.is_empty() => Intent::Nothing,
            _ if self.running.is_some() => {
                self.say(
                    Tone::Dim,
                    "a run is going on; send the follow-up when it ends",
                );
                self.input = text;
                Intent::Nothing
            }
            _ => {
                self.history.push(text.clone());
                self.history_at = None;
                self.view = View::Chat;
                self.say(Tone::User, format!("› {text}"));
                Intent::Submit(text)
            }
        }
    }

    fn panel_key(&mut self, c: char) -> Intent {
        match (self.view, c) {
            (View::Tests, 'r') => Intent::RerunTests,
            (View::Patches, 'u') => match self.panels.runs.get(self.selected) {
                Some(run) => Intent::Rollback(run.id.clone()),
                None => Intent::Nothing,
            },
            (_, 'q') => {
                self.view = View::Chat;
                Intent::Nothing
            }
            (view, 'g') => Intent::Refresh(view),
            _ => Intent::Nothing,
        }
    }

    /// Takes in one event of the running run.
    pub fn apply(&mut self, event: &Event) {
        self.events.push(event.clone());
        if self.events.len() > TRANSCRIPT_CAP {
            self.events.remove(0);
        }
        match &event.kind {
            EventKind::PlanApproved { by, .. } => {
                self.say(Tone::Dim, format!("plan approved by {by}"))
            }
            EventKind::StepStarted { step_id, title } => {
                if let Some((_, doing)) = &mut self.running {
                    *doing = format!("step {step_id}: {title}");
                }
                self.say(Tone::Head, format!("Step {step_id}: {title}"));
            }
            EventKind::StepRouted {
                path: StepPath::Rule,
                rule: Some(rule),
                ..
            } => self.say(Tone::Dim, format!("  by rule `{rule}`: no model turn")),
            EventKind::ToolStarted { call, .. } => {
                self.say(Tone::Tool, format!("  {}", crate::render::call_text(call)));
            }
            EventKind::ToolOutput { chunk, .. } => {
                for line in chunk.trim_end().lines() {
                    self.say(Tone::Output, format!("    │ {line}"));
                }
            }
            EventKind::ToolFinished { result, .. } if result.status != ToolStatus::Ok => {
                let why = result.error.clone().unwrap_or_else(|| "failed".into());
                self.say(Tone::Bad, format!("  ✘ {why}"));
            }
            EventKind::StepCompleted { summary, .. } => {
                let first = summary.lines().next().unwrap_or_default();
                self.say(Tone::Good, format!("  ✔ {first}"));
            }
            EventKind::StepFailed { error, .. } => {
                let first = error.lines().next().unwrap_or_default();
                self.say(Tone::Bad, format!("  ✘ {first}"));
            }
            _ => {}
        }
    }

    /// Shows a diff in the transcript, coloured by line.
    pub fn show_diff(&mut self, diff: &str) {
        for line in diff.lines() {
            let tone = if line.starts_with('+') && !line.starts_with("+++") {
                Tone::Added
            } else if line.starts_with('-') && !line.starts_with("---") {
                Tone::Removed
            } else {
                Tone::Dim
            };
            self.say(tone, line);
        }
    }

    /// The events the Logs panel shows: those whose type or text holds
    /// the filter.
    pub fn filtered_events(&self) -> Vec<String> {
        let words = self.filter.to_lowercase();
        self.events
            .iter()
            .map(|e| {
                let name = e.kind.type_name();
                let text = serde_json::to_string(&e.kind).unwrap_or_default();
                let text = text.replacen(&format!("\"type\":\"{name}\","), "", 1);
                format!("#{:<4} {:<16} {}", e.seq, name, text)
            })
            .filter(|line| words.is_empty() || line.to_lowercase().contains(&words))
            .collect()
    }
}

/// The `path:line` a search hit row names (`  src/a.py:14  function f`),
/// or its path alone (line 1) for a file row.
fn jump_target(row: &str) -> Option<(String, usize)> {
    let first = row.split_whitespace().next()?;
    match first.rsplit_once(':') {
        Some((path, line)) => Some((path.to_string(), line.parse().ok()?)),
        None => Some((first.to_string(), 1)),
    }
}
