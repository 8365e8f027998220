//! What a recipe file holds: a task template with typed parameters, the
//! steps it expects (some with fixed actions), success checks and an
//! optional schema for a structured answer. Read from TOML or YAML.

use std::path::PathBuf;

use chamber_protocol::{FixedCall, StepKind};
use serde::{Deserialize, Serialize};

/// A task template (`chamber recipe run NAME`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// The name it is run by (`fix-tests`).
    pub name: String,
    /// One line saying what it does.
    pub description: String,
    /// The plan's title (the commit subject); parameters allowed. Default:
    /// the description.
    #[serde(default)]
    pub title: Option<String>,
    /// Typed parameters, given as `--param name=value`.
    #[serde(default)]
    pub params: Vec<Param>,
    /// The task text the model reads; `{{param}}` placeholders allowed.
    pub instructions: String,
    /// The steps it expects, in order. None: the model plans.
    #[serde(default)]
    pub steps: Vec<RecipeStep>,
    /// Commands that must pass after the run for the recipe to succeed.
    #[serde(default)]
    pub checks: Vec<Check>,
    /// A JSON Schema the last step's answer must match (a structured final
    /// answer).
    #[serde(default)]
    pub answer_schema: Option<serde_json::Value>,
    /// Tools the recipe needs; a run without them is refused up front.
    #[serde(default)]
    pub tools: Vec<String>,
    /// Paths (globs) it writes to; shown by `recipe show`, and the run's
    /// model steps are told to stay inside them.
    #[serde(default)]
    pub lanes: Vec<String>,
    /// What the front end does after a completed run.
    #[serde(default)]
    pub finish: Option<Finish>,
    /// Where it was read from.
    #[serde(skip)]
    pub source: Source,
}

/// A follow-up the front end carries out once the run completed and the
/// checks passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finish {
    /// Push the branch and open a pull request, titled by the answer's
    /// `title` (`chamber pr open`).
    OpenPr,
}

/// Where a recipe came from; a project recipe hides a user one of the same
/// name, which hides a plugin's, which hides a built-in one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "at", rename_all = "snake_case")]
pub enum Source {
    /// Shipped in the binary.
    #[default]
    Builtin,
    /// `.chamber/recipes/` in the project.
    Project(PathBuf),
    /// `recipes/` in the user's config directory.
    User(PathBuf),
    /// A plugin's `recipes/` directory.
    Plugin(String),
}

impl Source {
    /// A short label for listings.
    pub fn label(&self) -> String {
        match self {
            Source::Builtin => "built-in".into(),
            Source::Project(_) => "project".into(),
            Source::User(_) => "user".into(),
            Source::Plugin(name) => format!("plugin {name}"),
        }
    }
}

/// One typed parameter.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    /// Its name in `--param name=value` and `{{name}}`.
    pub name: String,
    /// What it means.
    #[serde(default)]
    pub description: String,
    /// Its type.
    #[serde(default, rename = "type")]
    pub kind: ParamKind,
    /// Must be given (when there is no default).
    #[serde(default)]
    pub required: bool,
    /// The value when none is given.
    #[serde(default)]
    pub default: Option<String>,
    /// The allowed values, for `choice`.
    #[serde(default)]
    pub choices: Vec<String>,
    /// A regular expression a `string` must match (whole value).
    #[serde(default)]
    pub pattern: Option<String>,
}

/// The type of a parameter, checked before anything runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    /// Any text (optionally matching `pattern`).
    #[default]
    String,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// One of `choices`.
    Choice,
    /// A file or directory that exists, relative to the project root.
    Path,
    /// A new relative path inside the project (no `..`).
    NewPath,
    /// A code identifier (letters, digits, `_`, not starting with a digit).
    Identifier,
    /// A shell command, put into `run` and `checks` as written (the one
    /// kind that is not quoted there).
    Command,
}

/// A step the recipe expects.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipeStep {
    /// Short imperative title; placeholders allowed.
    pub title: String,
    /// What to do.
    #[serde(default)]
    pub detail: String,
    /// What sort of work it is.
    #[serde(default)]
    pub kind: StepKind,
    /// A fixed shell command: the step runs it, with no model turn.
    #[serde(default)]
    pub run: Option<String>,
    /// A fixed tool call: the step makes it, with no model turn.
    #[serde(default)]
    pub action: Option<FixedCall>,
    /// A file written from a template (a plugin's `templates/` file or
    /// inline text), with no model turn.
    #[serde(default)]
    pub template: Option<TemplateWrite>,
}

/// A file written from a template.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateWrite {
    /// The file to write, relative to the project root; placeholders allowed.
    pub path: String,
    /// A template by name (from a plugin's `templates/` directory).
    #[serde(default)]
    pub from: Option<String>,
    /// The template's text inline.
    #[serde(default)]
    pub text: Option<String>,
}

/// A success check.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// What it checks, for the report; default: the command.
    #[serde(default)]
    pub name: String,
    /// The command, run with `bash -c` in the project root; placeholders
    /// allowed (`{{test_command}}` is the project's test command).
    pub run: String,
}
