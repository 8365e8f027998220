use std::io::{BufRead, IsTerminal, Write};

use chamber_agent::{ActionAnswer, ActionQuestion, Approver, PlanDecision};
use chamber_policy::GrantScope;
use chamber_protocol::Plan;

use crate::render::plan_text;

/// Asks on the terminal (prompts go to stderr, answers come from stdin).
/// Without a terminal it is non-interactive and approves nothing by itself.
pub struct TerminalApprover {
    interactive: bool,
    name: String,
}

impl TerminalApprover {
    /// Detects whether stdin is a terminal (or `prompt` forces asking on
    /// stdin anyway); `approver` names who answers.
    pub fn new(approver: &str, prompt: bool) -> Self {
        let name = if approver.is_empty() {
            std::env::var("USER").unwrap_or_else(|_| "user".into())
        } else {
            approver.to_string()
        };
        Self {
            interactive: prompt || std::io::stdin().is_terminal(),
            name,
        }
    }
}

/// Writes to stderr through a colour-aware stream: styles are dropped when
/// `NO_COLOR` is set or stderr is not a terminal.
fn say(text: impl std::fmt::Display) {
    let mut err = anstream::AutoStream::new(std::io::stderr(), anstream::ColorChoice::Auto);
    let _ = writeln!(err, "{text}");
}

fn ask(prompt: String) -> String {
    ask_text(prompt).to_ascii_lowercase()
}

/// A line from the person, as typed (trimmed).
fn ask_text(prompt: String) -> String {
    let mut err = anstream::AutoStream::new(std::io::stderr(), anstream::ColorChoice::Auto);
    let _ = write!(err, "{prompt}");
    let _ = err.flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    line.trim().to_string()
}

pub(crate) fn edit_plan(plan: &Plan) -> Result<Plan, String> {
    let mut file = tempfile::Builder::new()
        .prefix("chamber-plan-")
        .suffix(".json")
        .tempfile()
        .map_err(|e| format!("cannot create a temp file: {e}"))?;
    let text = serde_json::to_string_pretty(plan).map_err(|e| e.to_string())?;
    file.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    // An empty (or blank) VISUAL or EDITOR counts as unset.
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let editor = set("VISUAL")
        .or_else(|| set("EDITOR"))
        .unwrap_or_else(|| "vi".into());
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(file.path())
        .status()
        .map_err(|e| format!("cannot start the editor {editor:?}: {e}"))?;
    if !status.success() {
        return Err(format!("the editor exited with {status}"));
    }
    let edited = std::fs::read_to_string(file.path()).map_err(|e| e.to_string())?;
    let plan: Plan = serde_json::from_str(&edited)
        .map_err(|e| format!("the edited plan is not valid JSON: {e}"))?;
    plan.validate()?;
    Ok(plan)
}

#[async_trait::async_trait]
impl Approver for TerminalApprover {
    fn interactive(&self) -> bool {
        self.interactive
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    async fn review_plan(&self, plan: &Plan) -> PlanDecision {
        let plan = plan.clone();
        tokio::task::spawn_blocking(move || {
            let mut current = plan;
            let mut edited = false;
            loop {
                say(format!("\n{}", plan_text(&current)));
                match ask("Approve this plan? [y]es / [n]o / [e]dit: ".into()).as_str() {
                    "y" | "yes" => {
                        return if edited {
                            PlanDecision::Edited(current)
                        } else {
                            PlanDecision::Approve
                        };
                    }
                    "n" | "no" | "" => {
                        let why = ask("Reason (optional): ".into());
                        return PlanDecision::Reject(if why.is_empty() {
                            "rejected by the user".into()
                        } else {
                            why
                        });
                    }
                    "e" | "edit" => match edit_plan(&current) {
                        Ok(p) => {
                            current = p;
                            edited = true;
                        }
                        Err(e) => say(format!("edit not used: {e}")),
                    },
                    other => say(format!("unrecognised answer {other:?}")),
                }
            }
        })
        .await
        .unwrap_or(PlanDecision::Reject("the prompt failed".into()))
    }

    async fn approve_action(&self, question: &ActionQuestion) -> ActionAnswer {
        let question = question.clone();
        let me = self.name.clone();
        tokio::task::spawn_blocking(move || ask_action(&question, &me))
            .await
            .unwrap_or_else(|_| ActionAnswer::declined())
    }
}

/// Puts one action to the person at the terminal: yes/no, and how far a yes
/// reaches. Under the two-person rule, asks two named approvers in turn.
fn ask_action(q: &ActionQuestion, me: &str) -> ActionAnswer {
    say(format!(
        "\n{} [{} risk]: {}",
        q.description, q.tier, q.reason
    ));
    if q.approvers >= 2 {
        let mut names = Vec::new();
        for i in 1..=q.approvers {
            let name = ask(format!("Approver {i} of {}, your name: ", q.approvers));
            if name.is_empty() {
                return ActionAnswer::declined();
            }
            if names.contains(&name) {
                say(format!(
                    "{name} has approved already: a different person must answer"
                ));
                return ActionAnswer::declined();
            }
            if !matches!(
                ask(format!("{name}, allow it? [y/N]: ")).as_str(),
                "y" | "yes"
            ) {
                return ActionAnswer {
                    approved: false,
                    scope: GrantScope::Once,
                    approvers: vec![name],
                    feedback: None,
                };
            }
            names.push(name);
        }
        return ActionAnswer {
            approved: true,
            scope: GrantScope::Once,
            approvers: names,
            feedback: None,
        };
    }
    let mut choices = String::from("[y]es / [N]o / [e] say what to do instead");
    if q.rememberable {
        choices.push_str(" / [a]lways this exact one");
        if let Some(prefix) = &q.prefix {
            choices.push_str(&format!(" / [p]refix `{prefix} …`"));
        }
        choices.push_str(" (for this session)");
    }
    let answer = ask(format!("Allow it? {choices}: "));
    if matches!(answer.as_str(), "e" | "edit") {
        let instead = ask_text("What should the model do instead? ".into());
        return ActionAnswer {
            approved: false,
            scope: GrantScope::Once,
            approvers: vec![me.to_string()],
            feedback: Some(instead).filter(|t| !t.is_empty()),
        };
    }
    let scope = match answer.as_str() {
        "y" | "yes" => Some(GrantScope::Once),
        "a" | "always" if q.rememberable => Some(GrantScope::Exact),
        "p" | "prefix" if q.rememberable && q.prefix.is_some() => Some(GrantScope::Prefix),
        _ => None,
    };
    ActionAnswer {
        approved: scope.is_some(),
        scope: scope.unwrap_or(GrantScope::Once),
        approvers: vec![me.to_string()],
        feedback: None,
    }
}
