//! Drawing the screen: a header, the body (the conversation, a waiting
//! plan or question, or a panel), the input line and a key hint; the help
//! overlay on top. Colours are dropped under `NO_COLOR`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::{App, Tone, View, Waiting};

/// Whether colours are on (off under `NO_COLOR`).
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    /// Colours on.
    pub color: bool,
}

impl Palette {
    /// From the environment: `NO_COLOR` set (to anything) turns colours off.
    pub fn from_env() -> Self {
        Self {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn fg(self, color: Color) -> Style {
        if self.color {
            Style::default().fg(color)
        } else {
            Style::default()
        }
    }

    /// The style of a transcript line.
    pub fn tone(self, tone: Tone) -> Style {
        match tone {
            Tone::User => self.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            Tone::Head => Style::default().add_modifier(Modifier::BOLD),
            Tone::Tool => self.fg(Color::Blue),
            Tone::Output | Tone::Dim => self.fg(Color::DarkGray),
            Tone::Good | Tone::Added => self.fg(Color::Green),
            Tone::Bad | Tone::Removed => self.fg(Color::Red),
        }
    }
}

/// Draws the whole screen; `show_transcript` is false in inline mode,
/// where finished lines live in the terminal's scrollback instead.
pub fn draw(frame: &mut Frame, app: &App, palette: Palette, show_transcript: bool) {
    let area = frame.area();
    let [head, body, input, hint] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let running = app
        .running
        .as_ref()
        .map(|(id, doing)| format!(" · ▶ {} {doing}", id.get(..8).unwrap_or(id)))
        .unwrap_or_default();
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" chamber ", palette.tone(Tone::User)),
            Span::raw(format!("{} · {}{running}", app.header, app.view.title())),
        ])),
        head,
    );
    match (&app.waiting, app.view) {
        (Some(waiting), _) => draw_waiting(frame, body, waiting, palette),
        (None, View::Chat) => draw_chat(frame, body, app, palette, show_transcript),
        (None, view) => draw_panel(frame, body, app, view, palette),
    }
    let prompt = match app.view {
        _ if app.feedback => "instead ›",
        View::Index => "search ›",
        View::Logs => "filter ›",
        _ => "›",
    };
    frame.render_widget(
        Paragraph::new(format!("{prompt} {}▏", app.input))
            .block(Block::default().borders(Borders::ALL)),
        input,
    );
    let keys = match &app.waiting {
        Some(Waiting::Plan(_)) => "y approve · e edit · n reject",
        Some(Waiting::Action(_)) if app.feedback => {
            "type what the model should do instead · Enter sends · Esc back"
        }
        Some(Waiting::Action(_)) => "y once · a session · p prefix · n deny · e say what instead",
        None if app.running.is_some() => "Ctrl-C stop the run · Tab panels · F1 help",
        None => "Enter send · Tab/F2-F8 panels · F1 or ? help · Ctrl-C quit",
    };
    frame.render_widget(
        Paragraph::new(Span::styled(keys, palette.tone(Tone::Dim))),
        hint,
    );
    if app.help {
        draw_help(frame, area, palette);
    }
}

fn styled_lines(lines: &[(Tone, String)], palette: Palette) -> Vec<Line<'static>> {
    lines
        .iter()
        .map(|(tone, text)| Line::from(Span::styled(text.clone(), palette.tone(*tone))))
        .collect()
}

fn draw_chat(frame: &mut Frame, area: Rect, app: &App, palette: Palette, show_transcript: bool) {
    let from = if show_transcript { 0 } else { app.flushed };
    let lines = &app.transcript[from.min(app.transcript.len())..];
    let height = area.height as usize;
    let tail = &lines[lines.len().saturating_sub(height)..];
    let text = if tail.is_empty() && app.transcript.is_empty() {
        vec![Line::from(Span::styled(
            "Ask for a change: it becomes a plan you approve, then a run you watch.",
            palette.tone(Tone::Dim),
        ))]
    } else {
        styled_lines(tail, palette)
    };
    frame.render_widget(Paragraph::new(text), area);
}

fn draw_waiting(frame: &mut Frame, area: Rect, waiting: &Waiting, palette: Palette) {
    let (title, lines) = match waiting {
        Waiting::Plan(plan) => {
            let mut lines = vec![Line::from(Span::styled(
                format!("Plan: {}", plan.title),
                palette.tone(Tone::Head),
            ))];
            for (i, s) in plan.steps.iter().enumerate() {
                let mut spans = vec![Span::raw(format!("{}. {}", i + 1, s.title))];
                if let Some(action) = &s.action {
                    spans.push(Span::styled(
                        format!("  [by rule: {}]", action.rule),
                        palette.tone(Tone::Good),
                    ));
                }
                lines.push(Line::from(spans));
            }
            (" Approve the plan? ", lines)
        }
        Waiting::Action(q) => {
            let mut lines = vec![
                Line::from(Span::styled(
                    q.description.clone(),
                    palette.tone(Tone::Head),
                )),
                Line::from(Span::styled(
                    format!("{} (risk {})", q.reason, q.tier),
                    palette.tone(Tone::Dim),
                )),
            ];
            if let Some(prefix) = &q.prefix {
                lines.push(Line::from(format!(
                    "p allows every `{prefix} …` this session"
                )));
            }
            (" Allow this action? ", lines)
        }
    };
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(title)),
        area,
    );
}

fn draw_panel(frame: &mut Frame, area: Rect, app: &App, view: View, palette: Palette) {
    let data = &app.panels;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(note) = &data.note {
        lines.push(Line::from(Span::styled(
            note.clone(),
            palette.tone(Tone::Bad),
        )));
    }
    let row = |i: usize, text: String| {
        let style = if i == app.selected {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        Line::from(Span::styled(text, style))
    };
    match view {
        View::Map => {
            lines.extend(data.map.iter().map(|l| Line::from(l.clone())));
            lines.push(Line::from(Span::styled(
                format!("— {} files —", data.files.len()),
                palette.tone(Tone::Dim),
            )));
            lines.extend(data.files.iter().map(|f| Line::from(format!("  {f}"))));
        }
        View::Tasks | View::Agents => {
            let runs = data
                .runs
                .iter()
                .filter(|r| view == View::Tasks || r.status == "running");
            for (i, r) in runs.enumerate() {
                lines.push(row(
                    i,
                    format!(
                        "{}  {:<17} {}",
                        r.id.get(..8).unwrap_or(&r.id),
                        r.status,
                        r.prompt
                    ),
                ));
            }
            if view == View::Agents && lines.is_empty() {
                lines.push(Line::from(
                    "no run is going on (agents of the organisation appear here)",
                ));
            }
        }
        View::Patches => {
            for (i, r) in data.runs.iter().filter(|r| r.branch.is_some()).enumerate() {
                let branch = r.branch.clone().unwrap_or_default();
                lines.push(row(i, format!("{branch}  {:<10} {}", r.status, r.prompt)));
            }
            lines.push(Line::from(Span::styled(
                "Enter shows the diff · u rolls the run back",
                palette.tone(Tone::Dim),
            )));
            for l in &data.diff {
                let tone = if l.starts_with('+') && !l.starts_with("+++") {
                    Tone::Added
                } else if l.starts_with('-') && !l.starts_with("---") {
                    Tone::Removed
                } else {
                    Tone::Dim
                };
                lines.push(Line::from(Span::styled(l.clone(), palette.tone(tone))));
            }
        }
        View::Index => {
            if data.hits.is_empty() {
                lines.push(Line::from(
                    "type a query and press Enter: files and symbols, with file:line",
                ));
            }
            lines.extend(data.hits.iter().enumerate().map(|(i, h)| row(i, h.clone())));
            if !data.peek.is_empty() {
                lines.extend(
                    data.peek
                        .iter()
                        .map(|l| Line::from(Span::styled(l.clone(), palette.tone(Tone::Dim)))),
                );
            } else if !data.hits.is_empty() {
                lines.push(Line::from(Span::styled(
                    "Up/Down pick a row · Enter (empty input) shows the file there",
                    palette.tone(Tone::Dim),
                )));
            }
        }
        View::Tests => {
            if data.tests.is_empty() {
                lines.push(Line::from("r runs the tests"));
            }
            for l in &data.tests {
                let tone = if l.starts_with('✘') || l.starts_with("FAILED") {
                    Tone::Bad
                } else if l.starts_with("passed") {
                    Tone::Good
                } else {
                    Tone::Dim
                };
                lines.push(Line::from(Span::styled(l.clone(), palette.tone(tone))));
            }
        }
        View::Logs => {
            let events = app.filtered_events();
            let from = events
                .len()
                .saturating_sub(area.height.saturating_sub(2) as usize);
            lines.extend(events[from..].iter().map(|l| Line::from(l.clone())));
            if events.is_empty() {
                lines.push(Line::from("no events yet (type a filter and press Enter)"));
            }
        }
        View::Chat => {}
    }
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(format!(
            " {} (F{}) ",
            view.title(),
            view.key()
        ))),
        area,
    );
}

/// The key map, as the help overlay lists it.
pub const KEYS: &[(&str, &str)] = &[
    ("Enter", "send the request (a follow-up continues the task)"),
    ("Up / Down", "earlier requests; rows in a panel"),
    ("Tab / Shift-Tab", "next / previous panel"),
    (
        "F2 … F8",
        "Project Map, Tasks, Index, Agents, Patches, Tests, Logs",
    ),
    ("Esc", "back to the chat (clears the input there)"),
    (
        "y a p n e",
        "once, session, prefix, deny; e: edit plan, say instead",
    ),
    ("g", "reload the panel"),
    ("r", "re-run the tests (Tests)"),
    ("u", "roll the selected run back (Patches)"),
    ("F1 or ?", "this help"),
    ("Ctrl-C", "stop the run; quit when none runs"),
];

fn draw_help(frame: &mut Frame, area: Rect, palette: Palette) {
    let width = area.width.saturating_sub(4).min(76);
    let height = (KEYS.len() as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width.saturating_sub(width)) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    };
    let lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!("{k:>16}  "), palette.tone(Tone::Head)),
                Span::raw(*what),
            ])
        })
        .collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" Keys ")),
        popup,
    );
}
