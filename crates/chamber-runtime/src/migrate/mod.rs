//! `chamber migrate make`: a new database migration made the way the
//! project's migration tool makes it. The tool runs when its program is
//! installed; for the tools whose migrations are plain files in a fixed
//! layout (sqlx, diesel, golang-migrate, numbered SQL) the same files are
//! written without it. A test that applies the migrations is added once.

mod detect;
mod layout;
mod runner;
mod templates;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use detect::Detected;

/// A migration tool Chamber knows how to drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    /// Alembic (SQLAlchemy): `alembic revision -m`.
    Alembic,
    /// Django: `manage.py makemigrations --empty APP -n NAME`.
    Django,
    /// Prisma: `prisma migrate dev --create-only --name NAME`.
    Prisma,
    /// sqlx-cli: `sqlx migrate add -r NAME`.
    Sqlx,
    /// diesel_cli: `diesel migration generate NAME`.
    Diesel,
    /// golang-migrate: `migrate create -ext sql -dir DIR -seq NAME`.
    GolangMigrate,
    /// Plain numbered SQL files (`NNNN_name.sql`), no program.
    Sql,
}

/// The names `--tool` accepts, in the order detection reports them.
pub const SUPPORTED: &str = "alembic, django, prisma, sqlx, diesel, golang-migrate, sql";

impl Tool {
    /// Every tool.
    pub const ALL: [Tool; 7] = [
        Tool::Alembic,
        Tool::Django,
        Tool::Prisma,
        Tool::Sqlx,
        Tool::Diesel,
        Tool::GolangMigrate,
        Tool::Sql,
    ];

    /// The tool's name as `--tool` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Alembic => "alembic",
            Tool::Django => "django",
            Tool::Prisma => "prisma",
            Tool::Sqlx => "sqlx",
            Tool::Diesel => "diesel",
            Tool::GolangMigrate => "golang-migrate",
            Tool::Sql => "sql",
        }
    }

    /// The tool a `--tool` value names (`migrate` is golang-migrate's program).
    pub fn parse(name: &str) -> Option<Tool> {
        let name = name.trim().to_ascii_lowercase();
        let alias = match name.as_str() {
            "migrate" | "golang_migrate" => "golang-migrate",
            "sqlx-cli" => "sqlx",
            "diesel-cli" | "diesel_cli" => "diesel",
            "plain-sql" => "sql",
            other => other,
        };
        Tool::ALL.into_iter().find(|t| t.name() == alias)
    }

    /// Whether its migrations are plain files Chamber can write without it.
    pub fn writes_plain_files(self) -> bool {
        matches!(
            self,
            Tool::Sqlx | Tool::Diesel | Tool::GolangMigrate | Tool::Sql
        )
    }
}

/// What `migrate make` was asked for.
#[derive(Debug, Clone)]
pub struct MakeRequest {
    /// The project root.
    pub root: PathBuf,
    /// The migration's title, as the person wrote it.
    pub title: String,
    /// `--tool`: skip detection.
    pub tool: Option<String>,
    /// `--app`: the Django app (needed when there are several).
    pub app: Option<String>,
    /// `--dir`: the migrations directory, relative to the root.
    pub dir: Option<PathBuf>,
    /// Add the test template (unless it is already there).
    pub with_test: bool,
}

/// How the migration was made.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The tool's own program made it.
    Tool,
    /// Chamber wrote the files the tool would have written.
    Files,
}

/// The test template that applies the migrations.
#[derive(Debug, Clone, Serialize)]
pub struct TestFile {
    /// Relative to the root.
    pub path: String,
    /// `false`: it was already there and was left as it is.
    pub written: bool,
    /// How to run it.
    pub run: String,
}

/// What `migrate make` did.
#[derive(Debug, Clone, Serialize)]
pub struct Made {
    /// The tool used.
    pub tool: Tool,
    /// Whether it was detected (rather than named with `--tool`).
    pub detected: bool,
    /// The migration's name as files carry it (the title in snake case).
    pub name: String,
    /// Whether the tool or Chamber made the files.
    pub method: Method,
    /// The command that ran, when the tool did.
    pub command: Option<Vec<String>>,
    /// The tool's output (stdout then stderr), when it ran.
    pub tool_output: Option<String>,
    /// The program that was missing, when Chamber wrote the files instead.
    pub missing_program: Option<String>,
    /// The migration files created, relative to the root.
    pub files: Vec<String>,
    /// The test template, unless `with_test` was off.
    pub test: Option<TestFile>,
}

/// Why no migration was made. Nothing is written when one of these is returned
/// (except [`MigrateError::ToolFailed`], where the tool may have written).
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// `--tool` names no supported tool.
    #[error("unknown migration tool {0:?}; supported: {SUPPORTED}")]
    UnknownTool(String),
    /// Nothing in the project says which tool it uses.
    #[error("no migration tool detected in {0}; supported: {SUPPORTED}")]
    NoneDetected(PathBuf),
    /// More than one tool was detected.
    #[error("several migration tools detected: {}", .0.join(", "))]
    Ambiguous(Vec<&'static str>),
    /// The title cannot become a migration name, or a flag does not fit.
    #[error("{0}")]
    Usage(String),
    /// The tool's program (or Python package) is not installed.
    #[error("{tool} needs {program}, which is not installed; nothing was written")]
    MissingProgram {
        /// The tool.
        tool: &'static str,
        /// What is missing.
        program: String,
        /// How to install it.
        install: String,
    },
    /// The tool ran and failed.
    #[error("`{command}` failed ({status}):\n{output}")]
    ToolFailed {
        /// The command line.
        command: String,
        /// Its exit status, or why it ended.
        status: String,
        /// The end of its output.
        output: String,
    },
    /// The existing migrations do not allow a new one (a malformed name,
    /// a version already taken).
    #[error("{0}")]
    Layout(String),
    /// A file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl MigrateError {
    fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| MigrateError::Io {
            action,
            path,
            source,
        }
    }
}

/// A command line as a shell would read it back (words with spaces or
/// quotes in single quotes), for showing what ran.
pub fn command_line(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:@%+,".contains(c));
            if plain {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The migration's file name part: the title in lower snake case
/// (ASCII letters and digits), at most 80 characters.
pub fn migration_name(title: &str) -> Result<String, MigrateError> {
    if title.chars().any(char::is_control) {
        return Err(MigrateError::Usage(
            "the title must be one line of text".into(),
        ));
    }
    let mut name = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('_') {
            name.push('_');
        }
    }
    let mut name = name.trim_end_matches('_').to_string();
    name.truncate(80);
    let name = name.trim_end_matches('_').to_string();
    if name.is_empty() {
        return Err(MigrateError::Usage(format!(
            "the title {title:?} has no letters or digits to name the migration with"
        )));
    }
    Ok(name)
}

/// Makes the migration: detects (or takes) the tool, runs it or writes its
/// files, then adds the test template when it is missing.
pub async fn make(req: &MakeRequest) -> Result<Made, MigrateError> {
    let name = migration_name(&req.title)?;
    let (found, detected) = match &req.tool {
        Some(t) => {
            let tool = Tool::parse(t).ok_or_else(|| MigrateError::UnknownTool(t.clone()))?;
            (detect::for_tool(&req.root, tool), false)
        }
        None => (detect::detect(&req.root)?, true),
    };
    let mut found = found;
    if let Some(dir) = &req.dir {
        if dir.is_absolute() || dir.components().any(|c| c.as_os_str() == "..") {
            return Err(MigrateError::Usage(
                "--dir must be a directory inside the project, relative to its root".into(),
            ));
        }
        found.dir = dir.clone();
    }
    if found.tool == Tool::Django {
        found.app = Some(detect::django_app(&req.root, req.app.as_deref())?);
    } else if req.app.is_some() {
        return Err(MigrateError::Usage("--app is only for Django".into()));
    }
    let template = if req.with_test {
        templates::template(&req.root, &found)
    } else {
        None
    };
    let made = runner::make_migration(&req.root, &found, &req.title, &name).await?;
    let test = match template {
        Some(t) => Some(templates::write(&req.root, t)?),
        None => None,
    };
    Ok(Made {
        tool: found.tool,
        detected,
        name,
        method: made.method,
        command: made.command,
        tool_output: made.output,
        missing_program: made.missing_program,
        files: made.files,
        test,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_snake_case_names() {
        assert_eq!(
            migration_name("Add users table").unwrap(),
            "add_users_table"
        );
        assert_eq!(
            migration_name("  email: unique!! ").unwrap(),
            "email_unique"
        );
        assert!(migration_name("—!?").is_err());
        assert!(migration_name("two\nlines").is_err());
    }

    #[test]
    fn command_lines_quote_what_needs_it() {
        let args = ["alembic", "revision", "-m", "Add users' table"].map(String::from);
        assert_eq!(
            command_line(&args),
            r"alembic revision -m 'Add users'\'' table'"
        );
    }

    #[test]
    fn tool_names_and_aliases() {
        for tool in Tool::ALL {
            assert_eq!(Tool::parse(tool.name()), Some(tool));
            assert!(SUPPORTED.contains(tool.name()));
        }
        assert_eq!(Tool::parse("migrate"), Some(Tool::GolangMigrate));
        assert_eq!(Tool::parse("nope"), None);
    }
}
