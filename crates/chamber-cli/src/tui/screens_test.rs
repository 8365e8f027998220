//! Snapshots of the TUI's screens at 80 and 120 columns: the chat with a
//! plan awaiting approval, an action question, a streaming run, each
//! panel, and the help overlay.

use chamber_agent::ActionQuestion;
use chamber_protocol::{Event, EventKind, FixedCall, Plan, Step, StepAction, StepKind, ToolCall};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::{App, Intent, Tone, View, Waiting};
use super::panels::RunRow;
use super::view::{Palette, draw};

fn step(id: &str, title: &str, rule: Option<&str>) -> Step {
    Step {
        id: id.into(),
        title: title.into(),
        detail: String::new(),
        kind: StepKind::Edit,
        depends_on: Vec::new(),
        notes: None,
        action: rule.map(|r| StepAction {
            rule: r.into(),
            calls: vec![FixedCall {
                tool: "shell".into(),
                arguments: serde_json::json!({"command": "python3 -m pytest -q"}),
            }],
        }),
    }
}

fn event(seq: u64, kind: EventKind) -> Event {
    Event {
        run_id: "3f2a9c1d0b7e".into(),
        seq,
        ts: chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default(),
        kind,
    }
}

fn sample() -> App {
    let mut app = App::new("gpt-4o-mini · shop");
    app.say(Tone::User, "› add a /health endpoint");
    app.panels.runs = vec![
        RunRow {
            id: "3f2a9c1d0b7e".into(),
            status: "running".into(),
            prompt: "add a /health endpoint".into(),
            branch: Some("chamber/3f2a9c1d".into()),
            base: Some("main".into()),
        },
        RunRow {
            id: "88c1d2e3f4a5".into(),
            status: "completed".into(),
            prompt: "fix the failing tests".into(),
            branch: Some("chamber/88c1d2e3".into()),
            base: Some("main".into()),
        },
    ];
    app
}

fn streaming() -> App {
    let mut app = sample();
    app.running = Some(("3f2a9c1d0b7e".into(), String::new()));
    let call = ToolCall {
        id: "c1".into(),
        name: "shell".into(),
        arguments: r#"{"command":"python3 -m pytest -q"}"#.into(),
    };
    for e in [
        event(
            1,
            EventKind::StepStarted {
                step_id: "1".into(),
                title: "Add the handler".into(),
            },
        ),
        event(
            2,
            EventKind::StepCompleted {
                step_id: "1".into(),
                summary: "Added health() to app.py".into(),
            },
        ),
        event(
            3,
            EventKind::StepStarted {
                step_id: "2".into(),
                title: "Run the tests".into(),
            },
        ),
        event(
            4,
            EventKind::StepRouted {
                step_id: "2".into(),
                path: chamber_protocol::StepPath::Rule,
                rule: Some("run_tests".into()),
            },
        ),
        event(
            5,
            EventKind::ToolStarted {
                step_id: "2".into(),
                call,
            },
        ),
        event(
            6,
            EventKind::ToolOutput {
                call_id: "c1".into(),
                stream: chamber_protocol::OutputStream::Stdout,
                chunk: "....\n4 passed in 0.02s\n".into(),
            },
        ),
    ] {
        app.apply(&e);
    }
    app
}

fn render(app: &App, width: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, 24)).unwrap();
    terminal
        .draw(|f| draw(f, app, Palette { color: false }, true))
        .unwrap();
    terminal
}

fn snap(name: &str, app: &App) {
    for width in [80, 120] {
        let terminal = render(app, width);
        insta::assert_snapshot!(format!("{name}_{width}"), terminal.backend());
    }
}

#[test]
fn chat_with_a_plan_awaiting_approval() {
    let mut app = sample();
    app.waiting = Some(Waiting::Plan(Plan {
        title: "Add a /health endpoint".into(),
        steps: vec![
            step("1", "Add the handler and its route", None),
            step("2", "Add a test for GET /health", None),
            step("3", "Run the tests", Some("run_tests")),
        ],
    }));
    snap("plan_waiting", &app);
}

#[test]
fn an_action_question() {
    let mut app = streaming();
    app.waiting = Some(Waiting::Action(ActionQuestion {
        description: "shell: pip install requests".into(),
        reason: "the command policy asks for installs".into(),
        tier: "high".into(),
        approvers: 1,
        prefix: Some("pip install".into()),
        rememberable: true,
    }));
    snap("action_waiting", &app);
}

#[test]
fn a_streaming_run() {
    snap("streaming", &streaming());
}

#[test]
fn every_panel() {
    let mut app = streaming();
    app.panels.map = vec![
        "app.py".into(),
        "  def health()".into(),
        "  def handle(method, path)".into(),
    ];
    app.panels.files = vec!["app.py".into(), "test_app.py".into()];
    app.panels.hits = vec!["app.py  3.21".into(), "  app.py:14  function handle".into()];
    app.panels.peek = vec![
        "— app.py:14 —".into(),
        "     13| ".into(),
        "▶   14| def handle(method, path):".into(),
        "     15|     handler = ROUTES.get((method, path))".into(),
    ];
    app.panels.diff = vec![
        "--- a/app.py".into(),
        "+++ b/app.py".into(),
        "+def health():".into(),
        "-    pass".into(),
    ];
    app.panels.tests = vec![
        "FAILED: 3 passed, 1 failed  (python3 -m pytest -q)".into(),
        "✘ test_health  test_app.py:12".into(),
        "    AssertionError: 404 != 200".into(),
    ];
    for view in View::ALL.into_iter().skip(1) {
        app.view = view;
        snap(
            &format!("panel_{}", view.title().to_lowercase().replace(' ', "_")),
            &app,
        );
    }
}

#[test]
fn the_help_overlay() {
    let mut app = sample();
    app.help = true;
    snap("help", &app);
}

fn press(app: &mut App, code: KeyCode) -> Intent {
    app.key(KeyEvent::new(code, KeyModifiers::NONE))
}

#[test]
fn keys_drive_the_conversation_and_the_panels() {
    let mut app = sample();
    for c in "hello".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        Intent::Submit("hello".into())
    );
    assert_eq!(press(&mut app, KeyCode::Up), Intent::Nothing);
    assert_eq!(app.input, "hello");
    press(&mut app, KeyCode::Esc);
    assert_eq!(press(&mut app, KeyCode::Tab), Intent::Refresh(View::Map));
    assert_eq!(press(&mut app, KeyCode::F(7)), Intent::Refresh(View::Tests));
    assert_eq!(press(&mut app, KeyCode::Char('r')), Intent::RerunTests);
    app.waiting = Some(Waiting::Plan(Plan {
        title: "t".into(),
        steps: vec![],
    }));
    assert_eq!(press(&mut app, KeyCode::Char('x')), Intent::Nothing);
    assert_eq!(press(&mut app, KeyCode::Char('y')), Intent::PlanAnswer('y'));
    app.waiting = None;
    app.running = Some(("id".into(), String::new()));
    assert_eq!(
        app.key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        Intent::Cancel
    );
}

#[test]
fn the_transcript_is_capped() {
    let mut app = App::new("h");
    for i in 0..(super::app::TRANSCRIPT_CAP + 100) {
        app.say(Tone::Output, format!("line {i}"));
    }
    assert_eq!(app.transcript.len(), super::app::TRANSCRIPT_CAP);
}

#[test]
fn an_index_hit_jumps_to_its_line() {
    let mut app = sample();
    app.view = View::Index;
    app.panels.hits = vec!["app.py  3.21".into(), "  app.py:14  function handle".into()];
    press(&mut app, KeyCode::Down);
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        Intent::Jump("app.py".into(), 14)
    );
}

#[test]
fn e_on_an_action_asks_what_to_do_instead() {
    let mut app = streaming();
    app.waiting = Some(Waiting::Action(ActionQuestion {
        description: "shell: rm -rf build".into(),
        reason: "asks".into(),
        tier: "high".into(),
        approvers: 1,
        prefix: None,
        rememberable: true,
    }));
    assert_eq!(press(&mut app, KeyCode::Char('e')), Intent::Nothing);
    assert!(app.feedback);
    for c in "use make clean".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        Intent::ActionFeedback("use make clean".into())
    );
    assert!(!app.feedback);
}
