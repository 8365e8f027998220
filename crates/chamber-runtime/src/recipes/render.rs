//! Turning a recipe and its `--param` values into a run: the values are
//! checked against their types, placeholders filled (shell-quoted inside
//! commands), and the expected steps become a preset plan whose fixed
//! actions run by rule.

use std::collections::BTreeMap;
use std::path::Path;

use chamber_protocol::{FixedCall, Plan, Step, StepAction};
use serde_json::json;

use super::model::{ParamKind, Recipe};
use crate::error::{ErrorKind, RuntimeError};
use crate::plugins::Plugin;

/// A recipe made ready to run.
#[derive(Debug, Clone)]
pub struct RecipeRun {
    /// The task text.
    pub prompt: String,
    /// The preset plan, when the recipe lists steps.
    pub plan: Option<Plan>,
    /// The success checks, as (name, command).
    pub checks: Vec<(String, String)>,
    /// The schema the last step's answer must match.
    pub answer_schema: Option<serde_json::Value>,
}

/// What the placeholders may refer to besides the parameters.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The project's test command (`{{test_command}}`).
    pub test_command: Option<String>,
}

impl Facts {
    /// The facts of the project at `root` under its `[test]` section.
    pub fn detect(test: &chamber_config::TestConfig, root: &Path) -> Self {
        Self {
            test_command: crate::detect_tests(test, root)
                .ok()
                .and_then(|found| found.into_iter().next())
                .map(|d| d.command),
        }
    }
}

/// Checks `given` (name → value) against the recipe's parameters and fills
/// defaults; an unknown, missing or ill-typed one is an error listing what
/// the recipe takes.
pub fn bind(
    recipe: &Recipe,
    given: &[(String, String)],
    root: &Path,
) -> Result<BTreeMap<String, String>, RuntimeError> {
    let mut values = BTreeMap::new();
    for (name, value) in given {
        if !recipe.params.iter().any(|p| &p.name == name) {
            return Err(bad(recipe, format!("unknown parameter {name:?}")));
        }
        values.insert(name.clone(), value.clone());
    }
    for p in &recipe.params {
        let value = match values.get(&p.name).cloned().or_else(|| p.default.clone()) {
            Some(v) => v,
            None if p.required => {
                return Err(bad(recipe, format!("missing parameter {:?}", p.name)));
            }
            None => String::new(),
        };
        if let Err(why) = check(p, &value, root) {
            return Err(bad(recipe, format!("parameter {:?}: {why}", p.name)));
        }
        values.insert(p.name.clone(), value);
    }
    Ok(values)
}

/// Whether `value` fits parameter `p` (an empty optional value always does).
fn check(p: &super::model::Param, value: &str, root: &Path) -> Result<(), String> {
    if value.is_empty() && !p.required {
        return Ok(());
    }
    match p.kind {
        ParamKind::String | ParamKind::Command => {}
        ParamKind::Integer => {
            value
                .parse::<i64>()
                .map_err(|_| format!("{value:?} is not a whole number"))?;
        }
        ParamKind::Boolean => {
            if !matches!(value, "true" | "false") {
                return Err(format!("{value:?} is not true or false"));
            }
        }
        ParamKind::Choice => {
            if !p.choices.iter().any(|c| c == value) {
                return Err(format!("{value:?} is not one of {}", p.choices.join(", ")));
            }
        }
        ParamKind::Path | ParamKind::NewPath => {
            let path = Path::new(value);
            let inside = path.is_relative()
                && !path
                    .components()
                    .any(|c| matches!(c, std::path::Component::ParentDir));
            if !inside {
                return Err(format!("{value:?} must be a path inside the project"));
            }
            if p.kind == ParamKind::Path && !root.join(path).exists() {
                return Err(format!("{value:?} does not exist in the project"));
            }
        }
        ParamKind::Identifier => {
            let mut chars = value.chars();
            let ok = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && chars.all(|c| c.is_alphanumeric() || c == '_');
            if !ok {
                return Err(format!("{value:?} is not an identifier"));
            }
        }
    }
    if let Some(pattern) = &p.pattern {
        let whole = format!("^(?:{pattern})$");
        let re = regex::Regex::new(&whole).map_err(|e| e.to_string())?;
        if !re.is_match(value) {
            return Err(format!("{value:?} does not match {pattern}"));
        }
    }
    Ok(())
}

fn bad(recipe: &Recipe, why: String) -> RuntimeError {
    let takes: Vec<String> = recipe
        .params
        .iter()
        .map(|p| {
            let mut s = format!("{} ({:?}", p.name, p.kind).to_lowercase();
            if p.required && p.default.is_none() {
                s.push_str(", required");
            }
            if let Some(d) = &p.default {
                s.push_str(&format!(", default {d:?}"));
            }
            if !p.choices.is_empty() {
                s.push_str(&format!(", one of {}", p.choices.join("|")));
            }
            s.push(')');
            s
        })
        .collect();
    let list = if takes.is_empty() {
        "no parameters".to_string()
    } else {
        takes.join("; ")
    };
    RuntimeError::setting(
        "bad_param",
        format!("recipe {}: {why}; it takes: {list}", recipe.name),
        Some("pass parameters as --param name=value; `chamber recipe show NAME` explains each"),
        ErrorKind::Config,
    )
}

/// Fills `{{name}}` placeholders; `shell` quotes each value for `bash -c`.
pub(crate) fn fill(text: &str, values: &BTreeMap<String, String>, shell: bool) -> String {
    let mut out = text.to_string();
    for (name, value) in values {
        let value = if shell { quote(value) } else { value.clone() };
        out = out.replace(&format!("{{{{{name}}}}}"), &value);
    }
    out
}

/// A value made safe as one shell word.
fn quote(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:=@%+-,".contains(c));
    if plain {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// Fills every string inside a JSON value.
fn fill_json(value: &serde_json::Value, values: &BTreeMap<String, String>) -> serde_json::Value {
    match value {
        serde_json::Value::String(s) => json!(fill(s, values, false)),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(|v| fill_json(v, values)).collect())
        }
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), fill_json(v, values)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Builds the run for `recipe` with bound `values`.
pub fn render(
    recipe: &Recipe,
    mut values: BTreeMap<String, String>,
    facts: &Facts,
    plugins: &[Plugin],
) -> Result<RecipeRun, RuntimeError> {
    let uses_tests = |t: &str| t.contains("{{test_command}}");
    let needs_tests = recipe.checks.iter().any(|c| uses_tests(&c.run))
        || recipe
            .steps
            .iter()
            .any(|s| s.run.as_deref().is_some_and(uses_tests))
        || uses_tests(&recipe.instructions);
    match &facts.test_command {
        Some(cmd) => {
            values.insert("test_command".into(), cmd.clone());
        }
        None if needs_tests => {
            return Err(RuntimeError::setting(
                "no_test_command",
                format!(
                    "recipe {} runs the project's tests, and none were found",
                    recipe.name
                ),
                Some("set [test] command in .chamber/config.toml"),
                ErrorKind::Config,
            ));
        }
        None => {}
    }
    // The test command is inserted already quoted as a whole command.
    // Commands (the test command, `command` parameters) go in as written;
    // everything else as one quoted word.
    let verbatim: Vec<&str> = recipe
        .params
        .iter()
        .filter(|p| p.kind == ParamKind::Command)
        .map(|p| p.name.as_str())
        .chain(["test_command"])
        .collect();
    let shell_fill = |text: &str| {
        let (raw, quoted): (BTreeMap<String, String>, BTreeMap<String, String>) = values
            .clone()
            .into_iter()
            .partition(|(k, _)| verbatim.contains(&k.as_str()));
        fill(&fill(text, &quoted, true), &raw, false)
    };
    let mut prompt = format!(
        "Recipe `{}`: {}\n\n{}",
        recipe.name,
        recipe.description,
        fill(&recipe.instructions, &values, false).trim()
    );
    if !recipe.lanes.is_empty() {
        prompt.push_str(&format!(
            "\n\nOnly change files matching: {}.",
            recipe.lanes.join(", ")
        ));
    }
    let mut steps = Vec::new();
    for (i, s) in recipe.steps.iter().enumerate() {
        let mut detail = fill(&s.detail, &values, false);
        let action = if let Some(run) = &s.run {
            Some(vec![FixedCall {
                tool: "shell".into(),
                arguments: json!({ "command": shell_fill(run) }),
            }])
        } else if let Some(call) = &s.action {
            Some(vec![FixedCall {
                tool: call.tool.clone(),
                arguments: fill_json(&call.arguments, &values),
            }])
        } else if let Some(t) = &s.template {
            let text =
                match (&t.text, &t.from) {
                    (Some(text), _) => text.clone(),
                    (None, Some(name)) => plugins
                        .iter()
                        .find_map(|p| p.template(name))
                        .ok_or_else(|| {
                            RuntimeError::setting(
                                "recipe_invalid",
                                format!("recipe {}: no plugin has template {name:?}", recipe.name),
                                Some("templates live in a plugin's templates/ directory"),
                                ErrorKind::Config,
                            )
                        })?,
                    (None, None) => String::new(),
                };
            Some(vec![FixedCall {
                tool: "write_file".into(),
                arguments: json!({
                    "path": fill(&t.path, &values, false),
                    "content": fill(&text, &values, false),
                }),
            }])
        } else {
            None
        };
        if i + 1 == recipe.steps.len()
            && let Some(schema) = &recipe.answer_schema
        {
            detail.push_str(&format!(
                "\nFinish with your answer as one JSON object matching this schema:\n{schema}"
            ));
        }
        steps.push(Step {
            id: (i + 1).to_string(),
            title: fill(&s.title, &values, false),
            detail,
            kind: s.kind,
            depends_on: Vec::new(),
            notes: None,
            action: action.map(|calls| StepAction {
                rule: "recipe".into(),
                calls,
            }),
        });
    }
    let plan = (!steps.is_empty()).then(|| Plan {
        title: fill(
            recipe.title.as_deref().unwrap_or(&recipe.description),
            &values,
            false,
        ),
        steps,
    });
    if let Some(plan) = &plan {
        plan.validate().map_err(|why| {
            RuntimeError::config(format!("recipe {}: {why}", recipe.name), "recipes")
        })?;
    }
    let checks = recipe
        .checks
        .iter()
        .map(|c| {
            let command = shell_fill(&c.run);
            let name = if c.name.is_empty() {
                command.clone()
            } else {
                fill(&c.name, &values, false)
            };
            (name, command)
        })
        .collect();
    Ok(RecipeRun {
        prompt,
        plan,
        checks,
        answer_schema: recipe.answer_schema.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipe() -> Recipe {
        super::super::book::parse(
            "t.toml",
            r#"
name = "t"
description = "d"
instructions = "rename {{old}} to {{new}}"
[[params]]
name = "old"
type = "identifier"
required = true
[[params]]
name = "new"
type = "identifier"
required = true
[[params]]
name = "mode"
type = "choice"
choices = ["fast", "slow"]
default = "fast"
[[steps]]
title = "Grep {{old}}"
run = "grep -rn {{old}} . || true"
[[checks]]
run = "{{test_command}}"
"#,
        )
        .unwrap()
    }

    #[test]
    fn parameters_are_checked_and_listed() {
        let dir = tempfile::tempdir().unwrap();
        let r = recipe();
        let p = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>()
        };
        let err = bind(&r, &p(&[("old", "a")]), dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing parameter \"new\""), "{err}");
        assert!(
            err.contains("mode (choice, default \"fast\", one of fast|slow)"),
            "{err}"
        );
        let err = bind(&r, &p(&[("old", "a"), ("new", "1x")]), dir.path()).unwrap_err();
        assert!(err.to_string().contains("not an identifier"), "{err}");
        let err = bind(
            &r,
            &p(&[("old", "a"), ("new", "b"), ("x", "1")]),
            dir.path(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown parameter \"x\""), "{err}");
        let values = bind(&r, &p(&[("old", "a"), ("new", "b")]), dir.path()).unwrap();
        assert_eq!(values["mode"], "fast");
    }

    #[test]
    fn rendering_fills_quotes_and_presets_the_plan() {
        let dir = tempfile::tempdir().unwrap();
        let r = recipe();
        let values = bind(
            &r,
            &[("old".into(), "a".into()), ("new".into(), "b".into())],
            dir.path(),
        )
        .unwrap();
        let none = render(&r, values.clone(), &Facts::default(), &[]).unwrap_err();
        assert!(none.to_string().contains("none were found"), "{none}");
        let facts = Facts {
            test_command: Some("python3 -m pytest -q".into()),
        };
        let run = render(&r, values, &facts, &[]).unwrap();
        assert!(run.prompt.contains("rename a to b"));
        let plan = run.plan.unwrap();
        let action = plan.steps[0].action.as_ref().unwrap();
        assert_eq!(action.calls[0].arguments["command"], "grep -rn a . || true");
        assert_eq!(run.checks[0].1, "python3 -m pytest -q");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }
}
