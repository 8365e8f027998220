use chamber_llm::{ChatRequest, Message, ResponseFormat};
use chamber_protocol::{Plan, Step, StepKind};

use crate::AgentError;
use crate::engine::Engine;
use crate::prompts;
use crate::recorder::Recorder;
use crate::step_needs::StepNeeds;

/// Cap on a plan answer from the local model.
const LOCAL_PLAN_MAX_TOKENS: u32 = 1024;

/// Most steps in a plan from the local model.
const LOCAL_MAX_STEPS: u64 = 3;

/// Why planning gave up: the model never produced a usable plan.
pub struct PlanFailure(pub String);

/// Asks the model for a plan until it returns one that parses and
/// validates, feeding each error back. Constrained JSON output is requested
/// when the config allows it.
pub async fn request_plan(
    engine: &Engine,
    rec: &mut Recorder,
    user_text: String,
    task: &str,
) -> Result<Result<Plan, PlanFailure>, AgentError> {
    let mut messages = vec![
        Message::system(prompts::PLAN_SYSTEM),
        Message::user(user_text),
    ];
    let attempts = engine.config.agent.plan_attempts.max(1);
    let mut last_error = String::new();
    for _ in 0..attempts {
        let mut request = ChatRequest::new(engine.choice.model.clone(), messages.clone());
        if engine.choice.local {
            // Small models can ramble inside a constrained string; a plan of
            // at most six short steps fits well within this.
            request.max_tokens = Some(LOCAL_PLAN_MAX_TOKENS);
        }
        if engine.config.provider.structured_plan {
            request.response_format = Some(ResponseFormat {
                name: "plan".into(),
                schema: plan_schema(engine.choice.local.then_some(LOCAL_MAX_STEPS)),
            });
        }
        let response = engine
            .model_turn(rec, &request, None, crate::providers::RouteRole::Strategic)
            .await?;
        match parse_plan(&response.content) {
            Ok(plan) if engine.choice.local => return Ok(Ok(complete_plan(plan, task))),
            Ok(plan) => return Ok(Ok(plan)),
            Err(e) => {
                last_error = e;
                messages.push(Message::assistant(response.content, Vec::new()));
                messages.push(Message::user(prompts::plan_retry(&last_error)));
            }
        }
    }
    Ok(Err(PlanFailure(format!(
        "the model did not produce a usable plan in {attempts} attempts; last problem: {last_error}"
    ))))
}

/// Makes a small model's plan do what the task asks: a task that asks for a
/// change gets a step that makes it, and one that asks to run something
/// gets a step that runs it, when the model's plan has none (0.5B models
/// often plan only reading). The added steps say so in their notes.
pub fn complete_plan(mut plan: Plan, task: &str) -> Plan {
    let asked = StepNeeds::of(&Step {
        id: String::new(),
        title: task.to_string(),
        detail: String::new(),
        kind: StepKind::Other,
        depends_on: Vec::new(),
        notes: None,
        action: None,
    });
    let has =
        |plan: &Plan, f: fn(StepNeeds) -> bool| plan.steps.iter().any(|s| f(StepNeeds::of(s)));
    let add = |plan: &mut Plan, title: &str, kind: StepKind| {
        let step = Step {
            id: format!("{}", plan.steps.len() + 1),
            title: title.to_string(),
            detail: task.to_string(),
            kind,
            depends_on: Vec::new(),
            notes: Some(
                "added by Chamber: the task asks for this and the plan had no such step".into(),
            ),
            action: None,
        };
        // A change goes before the first step that runs something (tests).
        let at = match kind {
            StepKind::Edit => plan
                .steps
                .iter()
                .position(|s| StepNeeds::of(s).exec)
                .unwrap_or(plan.steps.len()),
            _ => plan.steps.len(),
        };
        plan.steps.insert(at, step);
    };
    if asked.write && !has(&plan, |n| n.write) {
        add(
            &mut plan,
            "Make the change the task asks for",
            StepKind::Edit,
        );
    }
    if asked.exec && !has(&plan, |n| n.exec) {
        add(&mut plan, "Run the tests", StepKind::Test);
    }
    plan
}

/// The plan's JSON Schema; `max_steps` bounds the step list (small local
/// models do better with few, concrete steps).
fn plan_schema(max_steps: Option<u64>) -> serde_json::Value {
    let settings =
        schemars::generate::SchemaSettings::draft07().with(|s| s.inline_subschemas = true);
    let mut schema = settings
        .into_generator()
        .into_root_schema_for::<Plan>()
        .to_value();
    if let Some(obj) = schema.as_object_mut() {
        obj.remove("$schema");
        obj.remove("title");
    }
    if let Some(max) = max_steps
        && let Some(steps) = schema.pointer_mut("/properties/steps")
    {
        steps["minItems"] = serde_json::json!(1);
        steps["maxItems"] = serde_json::json!(max);
    }
    schema
}

/// Reads a plan from model text: bare JSON, fenced JSON, or JSON inside prose.
pub fn parse_plan(text: &str) -> Result<Plan, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("the answer was empty".into());
    }
    let candidate = match (trimmed.find('{'), trimmed.rfind('}')) {
        (Some(start), Some(end)) if end > start => &trimmed[start..=end],
        _ => return Err("the answer contains no JSON object".into()),
    };
    let plan: Plan =
        serde_json::from_str(candidate).map_err(|e| format!("invalid plan JSON: {e}"))?;
    plan.validate()?;
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fenced_and_bare_plans() {
        let bare = r#"{"title":"t","steps":[{"id":"1","title":"do"}]}"#;
        assert_eq!(parse_plan(bare).unwrap().steps.len(), 1);
        let fenced = format!("Here you go:\n```json\n{bare}\n```");
        assert_eq!(parse_plan(&fenced).unwrap().title, "t");
        assert!(parse_plan("no json here").unwrap_err().contains("no JSON"));
        assert!(
            parse_plan(r#"{"title":"t","steps":[]}"#)
                .unwrap_err()
                .contains("at least one step")
        );
        assert!(
            parse_plan(r#"{"title":"t"}"#)
                .unwrap_err()
                .contains("steps")
        );
    }

    #[test]
    fn schema_is_inline() {
        let s = plan_schema(None).to_string();
        let bounded = plan_schema(Some(3));
        assert_eq!(bounded["properties"]["steps"]["maxItems"], 3);
        assert!(!s.contains("$ref"), "{s}");
        assert!(s.contains("depends_on"));
    }
}

#[cfg(test)]
mod completion_tests {
    use super::*;

    fn plan(titles: &[(&str, StepKind)]) -> Plan {
        let steps = titles
            .iter()
            .enumerate()
            .map(|(i, (t, k))| Step {
                id: (i + 1).to_string(),
                title: t.to_string(),
                detail: String::new(),
                kind: *k,
                depends_on: vec![],
                notes: None,
                action: None,
            })
            .collect();
        Plan {
            title: "p".into(),
            steps,
        }
    }

    #[test]
    fn reading_only_plans_get_the_steps_the_task_asks_for() {
        let task = "`is_leap_year` in leap.py is wrong for 2000. Fix the condition. Run the tests.";
        let p = complete_plan(plan(&[("Read the file", StepKind::Analyze)]), task);
        let kinds: Vec<StepKind> = p.steps.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, [StepKind::Analyze, StepKind::Edit, StepKind::Test]);
        assert!(
            p.steps[1]
                .notes
                .as_deref()
                .unwrap()
                .contains("added by Chamber")
        );
        // A plan that already edits and tests is left alone.
        let full = plan(&[
            ("Fix leap.py", StepKind::Edit),
            ("Run the tests", StepKind::Test),
        ]);
        assert_eq!(complete_plan(full.clone(), task).steps.len(), 2);
        // A question asks for nothing to be changed.
        let q = complete_plan(
            plan(&[("Read leap.py", StepKind::Analyze)]),
            "What does leap.py do?",
        );
        assert_eq!(q.steps.len(), 1);
    }
}
