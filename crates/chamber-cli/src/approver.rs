use std::io::{BufRead, IsTerminal, Write};

use chamber_agent::{Approver, PlanDecision};
use chamber_protocol::Plan;

use crate::render::plan_text;

/// Asks on the terminal (prompts go to stderr, answers come from stdin).
/// Without a terminal it is non-interactive and approves nothing by itself.
pub struct TerminalApprover {
    interactive: bool,
    name: String,
}

impl TerminalApprover {
    /// Detects whether stdin is a terminal; `approver` names who answers.
    pub fn new(approver: &str) -> Self {
        let name = if approver.is_empty() {
            std::env::var("USER").unwrap_or_else(|_| "user".into())
        } else {
            approver.to_string()
        };
        Self {
            interactive: std::io::stdin().is_terminal(),
            name,
        }
    }
}

fn ask(prompt: String) -> String {
    let mut err = std::io::stderr();
    let _ = write!(err, "{prompt}");
    let _ = err.flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    line.trim().to_ascii_lowercase()
}

fn edit_plan(plan: &Plan) -> Result<Plan, String> {
    let mut file = tempfile::Builder::new()
        .prefix("chamber-plan-")
        .suffix(".json")
        .tempfile()
        .map_err(|e| format!("cannot create a temp file: {e}"))?;
    let text = serde_json::to_string_pretty(plan).map_err(|e| e.to_string())?;
    file.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
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
                eprintln!("\n{}", plan_text(&current));
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
                        Err(e) => eprintln!("edit not used: {e}"),
                    },
                    other => eprintln!("unrecognised answer {other:?}"),
                }
            }
        })
        .await
        .unwrap_or(PlanDecision::Reject("the prompt failed".into()))
    }

    async fn approve_action(&self, description: &str, reason: &str) -> bool {
        let prompt = format!("Allow {description}?  ({reason}) [y/N]: ");
        tokio::task::spawn_blocking(move || matches!(ask(prompt).as_str(), "y" | "yes"))
            .await
            .unwrap_or(false)
    }
}
