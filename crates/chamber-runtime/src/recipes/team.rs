//! Multi-agent recipes (`chamber agent run recipe.yml`): roles and a
//! workflow. Until the organisation of agents exists, the workflow is a
//! sequence of runs on one branch, each by its role (with its own model
//! and instructions), each stage a recipe or a task.

use std::collections::BTreeMap;
use std::path::Path;

use chamber_protocol::Plan;
use serde::{Deserialize, Serialize};

use super::model::{Check, Param, Recipe};
use super::{RecipeBook, bind, prepare_with};
use crate::error::{ErrorKind, RuntimeError};

/// A multi-agent recipe file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamRecipe {
    /// Its name.
    pub name: String,
    /// What it does.
    #[serde(default)]
    pub description: String,
    /// Typed parameters, as in a recipe.
    #[serde(default)]
    pub params: Vec<Param>,
    /// The roles.
    pub agents: Vec<Agent>,
    /// The stages, in order.
    pub workflow: Vec<Stage>,
    /// Commands that must pass at the end.
    #[serde(default)]
    pub checks: Vec<Check>,
}

/// A role.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    /// Its name (`implementer`, `reviewer`).
    pub role: String,
    /// How it works, put before each of its tasks.
    #[serde(default)]
    pub instructions: String,
    /// The model it uses (default: the configured one).
    #[serde(default)]
    pub model: Option<String>,
}

/// One stage: a role doing a recipe or a task.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// The role doing it.
    pub agent: String,
    /// A recipe to run (by name).
    #[serde(default)]
    pub recipe: Option<String>,
    /// Or a task in words.
    #[serde(default)]
    pub task: Option<String>,
    /// The recipe's parameters; `{{param}}` takes the team recipe's.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
}

/// A multi-agent recipe made ready: its stages and the final checks as
/// (name, command).
#[derive(Debug, Clone)]
pub struct ReadyTeam {
    /// The stages, in order.
    pub stages: Vec<ReadyStage>,
    /// The recipes' and the team's checks.
    pub checks: Vec<(String, String)>,
}

/// A stage made ready to run.
#[derive(Debug, Clone)]
pub struct ReadyStage {
    /// The role.
    pub role: String,
    /// Its model override.
    pub model: Option<String>,
    /// The task text.
    pub prompt: String,
    /// The preset plan (a recipe stage with steps).
    pub plan: Option<Plan>,
}

fn invalid(file: &str, why: impl std::fmt::Display) -> RuntimeError {
    RuntimeError::setting(
        "recipe_invalid",
        format!("multi-agent recipe {file}: {why}"),
        Some("see docs/recipes.md#multi-agent-recipes"),
        ErrorKind::Config,
    )
}

/// Reads a multi-agent recipe (YAML or TOML by extension) and checks
/// that each stage names a role and one of `recipe`/`task`.
pub fn parse_team(file: &str, text: &str) -> Result<TeamRecipe, RuntimeError> {
    let team: TeamRecipe = if file.ends_with(".toml") {
        toml::from_str(text).map_err(|e| invalid(file, e))?
    } else {
        serde_saphyr::from_str(text).map_err(|e| invalid(file, e))?
    };
    if team.workflow.is_empty() {
        return Err(invalid(file, "the workflow has no stage"));
    }
    for (i, s) in team.workflow.iter().enumerate() {
        if !team.agents.iter().any(|a| a.role == s.agent) {
            let roles: Vec<&str> = team.agents.iter().map(|a| a.role.as_str()).collect();
            return Err(invalid(
                file,
                format!(
                    "stage {} names role {:?}; the roles are: {}",
                    i + 1,
                    s.agent,
                    roles.join(", ")
                ),
            ));
        }
        if s.recipe.is_some() == s.task.is_some() {
            return Err(invalid(
                file,
                format!("stage {} needs exactly one of `recipe` and `task`", i + 1),
            ));
        }
    }
    Ok(team)
}

/// Binds `params` and prepares every stage (recipes checked and rendered
/// now, so a bad stage fails before anything runs).
pub fn prepare_team(
    book: &RecipeBook,
    team: &TeamRecipe,
    params: &[(String, String)],
    root: &Path,
    test: &chamber_config::TestConfig,
) -> Result<ReadyTeam, RuntimeError> {
    let shell = Recipe {
        name: team.name.clone(),
        params: team.params.clone(),
        checks: team.checks.clone(),
        ..Recipe::default()
    };
    let values = bind(&shell, params, root)?;
    let facts = super::Facts::detect(test, root);
    let mut stages = Vec::new();
    let mut checks = Vec::new();
    for stage in &team.workflow {
        let agent = team.agents.iter().find(|a| a.role == stage.agent);
        let role = agent.map(|a| a.role.clone()).unwrap_or_default();
        let mut lead = format!("You are the {role} of a team working on this change.");
        if let Some(text) = agent
            .map(|a| a.instructions.trim())
            .filter(|t| !t.is_empty())
        {
            lead.push(' ');
            lead.push_str(text);
        }
        let (prompt, plan) = match (&stage.recipe, &stage.task) {
            (Some(name), _) => {
                let given: Vec<(String, String)> = stage
                    .params
                    .iter()
                    .map(|(k, v)| (k.clone(), super::render::fill(v, &values, false)))
                    .collect();
                let (_, ready) = prepare_with(book, name, &given, root, &facts)?;
                checks.extend(ready.checks);
                (format!("{lead}\n\n{}", ready.prompt), ready.plan)
            }
            (None, Some(task)) => (
                format!("{lead}\n\n{}", super::render::fill(task, &values, false)),
                None,
            ),
            (None, None) => (lead, None),
        };
        stages.push(ReadyStage {
            role,
            model: agent.and_then(|a| a.model.clone()),
            prompt,
            plan,
        });
    }
    let own = super::render(&shell, values, &facts, &book.plugins)?;
    checks.extend(own.checks);
    checks.dedup();
    Ok(ReadyTeam { stages, checks })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_must_name_roles_and_one_kind_of_work() {
        let ok = "name: t\nagents:\n  - role: dev\nworkflow:\n  - agent: dev\n    task: do it\n";
        assert!(parse_team("t.yml", ok).is_ok());
        let bad_role = ok.replace("agent: dev", "agent: qa");
        let err = parse_team("t.yml", &bad_role).unwrap_err().to_string();
        assert!(err.contains("the roles are: dev"), "{err}");
        let both = ok.replace("task: do it", "task: do it\n    recipe: fix-tests");
        assert!(parse_team("t.yml", &both).is_err());
    }
}
