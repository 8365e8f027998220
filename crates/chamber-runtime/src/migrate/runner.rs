//! Making the migration: with the tool's own program when it is installed
//! (the project's `.venv/bin`, `venv/bin` and `node_modules/.bin` first,
//! then `PATH`), else, for plain-file tools, by writing its files.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chamber_tools::FileImage;
use chamber_tools::patches::{PlannedFile, write_planned};

use super::detect::Detected;
use super::layout::{self, GoVersion, NewFile};
use super::{Method, MigrateError, Tool};

/// Longest a migration tool may run (Prisma may fetch its engines).
const TIMEOUT: Duration = Duration::from_secs(300);
/// Characters of a failed tool's output kept in the error.
const OUTPUT_TAIL: usize = 4_000;

/// What making the migration did.
pub struct Outcome {
    /// The tool or Chamber made the files.
    pub method: Method,
    /// The command line, when the tool ran.
    pub command: Option<Vec<String>>,
    /// Its output, when it ran.
    pub output: Option<String>,
    /// The missing program, when Chamber wrote the files instead.
    pub missing_program: Option<String>,
    /// The files created, relative to the root.
    pub files: Vec<String>,
}

/// An executable `name` in the project's environments or on `PATH`.
pub fn find_program(root: &Path, name: &str) -> Option<PathBuf> {
    let local = [".venv/bin", "venv/bin", "node_modules/.bin"].map(|d| root.join(d));
    let path = std::env::var_os("PATH").unwrap_or_default();
    local
        .into_iter()
        .chain(std::env::split_paths(&path))
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The program to run for `tool` and its arguments, or why there is none.
enum Plan {
    Run(Vec<OsString>),
    Missing { program: String, install: String },
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn missing(program: &str, install: &str) -> Plan {
    Plan::Missing {
        program: program.into(),
        install: install.into(),
    }
}

async fn plan(root: &Path, found: &Detected, title: &str, name: &str) -> Plan {
    let dir = found.dir.to_string_lossy().into_owned();
    match found.tool {
        Tool::Alembic => match find_program(root, "alembic") {
            Some(p) => Plan::Run(vec![p.into(), "revision".into(), "-m".into(), title.into()]),
            None => missing(
                "`alembic`",
                "pip install alembic (in the project's virtualenv)",
            ),
        },
        Tool::Django => {
            let Some(python) = ["python3", "python"]
                .into_iter()
                .find_map(|p| find_program(root, p))
            else {
                return missing(
                    "`python3`",
                    "install Python 3 and Django (pip install django)",
                );
            };
            if !imports_django(root, &python).await {
                return missing(
                    &format!("the `django` package for {}", python.display()),
                    "pip install django (in the project's virtualenv)",
                );
            }
            let app = found.app.clone().unwrap_or_default();
            let label = app.rsplit('/').next().unwrap_or_default().to_string();
            let mut args = vec![python.into_os_string()];
            args.extend(os(&[
                "manage.py",
                "makemigrations",
                "--empty",
                &label,
                "-n",
                name,
            ]));
            Plan::Run(args)
        }
        Tool::Prisma => match find_program(root, "prisma") {
            Some(p) => {
                let mut args = vec![p.into_os_string()];
                args.extend(os(&["migrate", "dev", "--create-only", "--name", name]));
                Plan::Run(args)
            }
            None => missing("`prisma`", "npm install --save-dev prisma"),
        },
        Tool::Sqlx => match find_program(root, "sqlx") {
            Some(p) => {
                let mut args = vec![p.into_os_string()];
                args.extend(os(&["migrate", "add", "--source", &dir, "-r", name]));
                Plan::Run(args)
            }
            None => missing("`sqlx`", "cargo install sqlx-cli"),
        },
        Tool::Diesel => match find_program(root, "diesel") {
            Some(p) => {
                let mut args = vec![p.into_os_string()];
                args.extend(os(&[
                    "migration",
                    "--migration-dir",
                    &dir,
                    "generate",
                    name,
                ]));
                Plan::Run(args)
            }
            None => missing("`diesel`", "cargo install diesel_cli"),
        },
        Tool::GolangMigrate => match find_program(root, "migrate") {
            Some(p) => {
                let mut args = vec![p.into_os_string()];
                args.extend(os(&["create", "-ext", "sql", "-dir", &dir]));
                if let Ok(GoVersion::Sequence { digits }) = layout::go_version(root, &found.dir) {
                    args.extend(os(&["-seq", "-digits", &digits.to_string()]));
                }
                args.push(name.into());
                Plan::Run(args)
            }
            None => missing(
                "`migrate`",
                "go install -tags 'postgres' github.com/golang-migrate/migrate/v4/cmd/migrate@latest",
            ),
        },
        Tool::Sql => missing("no program", "plain SQL files need none"),
    }
}

async fn imports_django(root: &Path, python: &Path) -> bool {
    let mut cmd = tokio::process::Command::new(python);
    cmd.args(["-c", "import django"])
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    matches!(
        tokio::time::timeout(Duration::from_secs(60), cmd.status()).await,
        Ok(Ok(s)) if s.success()
    )
}

/// Runs the tool, or writes its files when its program is missing.
pub async fn make_migration(
    root: &Path,
    found: &Detected,
    title: &str,
    name: &str,
) -> Result<Outcome, MigrateError> {
    match plan(root, found, title, name).await {
        Plan::Run(args) => run_tool(root, found, args).await,
        Plan::Missing { program, install } => {
            if !found.tool.writes_plain_files() {
                return Err(MigrateError::MissingProgram {
                    tool: found.tool.name(),
                    program,
                    install,
                });
            }
            let files = planned_files(root, found, title, name)?;
            write_new(root, &files)?;
            Ok(Outcome {
                method: Method::Files,
                command: None,
                output: None,
                missing_program: (found.tool != Tool::Sql).then_some(program),
                files: files.into_iter().map(|(p, _)| p).collect(),
            })
        }
    }
}

fn planned_files(
    root: &Path,
    found: &Detected,
    title: &str,
    name: &str,
) -> Result<Vec<NewFile>, MigrateError> {
    let now = chrono::Utc::now();
    let dir = &found.dir;
    match found.tool {
        Tool::Sqlx => layout::sqlx(root, dir, name, now),
        Tool::Diesel => layout::diesel(root, dir, name, now),
        Tool::GolangMigrate => {
            let version = layout::go_version(root, dir)?;
            layout::golang_migrate(root, dir, name, version, now)
        }
        _ => layout::plain_sql(root, dir, name, title),
    }
}

/// Creates `files`, all or none (atomic writes; on a failure the ones
/// already written are removed); refuses to replace an existing file.
pub fn write_new(root: &Path, files: &[NewFile]) -> Result<(), MigrateError> {
    if let Some((path, _)) = files.iter().find(|(p, _)| root.join(p).exists()) {
        return Err(MigrateError::Layout(format!(
            "{path} already exists; nothing was written"
        )));
    }
    let planned: Vec<PlannedFile> = files
        .iter()
        .map(|(path, text)| PlannedFile {
            path: path.clone(),
            after: Some(FileImage {
                bytes: text.as_bytes().to_vec(),
                executable: false,
            }),
        })
        .collect();
    write_planned(root, &planned).map_err(|e| MigrateError::Io {
        action: "cannot write the migration under",
        path: root.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(())
}

/// The directory whose new files are the tool's output.
fn watched(root: &Path, found: &Detected) -> PathBuf {
    match found.tool {
        Tool::Django => root
            .join(found.app.as_deref().unwrap_or_default())
            .join("migrations"),
        _ => root.join(&found.dir),
    }
}

async fn run_tool(
    root: &Path,
    found: &Detected,
    args: Vec<OsString>,
) -> Result<Outcome, MigrateError> {
    let watch = watched(root, found);
    let before = files_under(&watch, 3);
    let shown: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let line = super::command_line(&shown);
    let mut cmd = tokio::process::Command::new(&args[0]);
    cmd.args(&args[1..])
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let out = match tokio::time::timeout(TIMEOUT, cmd.output()).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return Err(MigrateError::io("cannot run", Path::new(&args[0]))(e)),
        Err(_) => {
            return Err(MigrateError::ToolFailed {
                command: line,
                status: format!("still running after {} s, stopped", TIMEOUT.as_secs()),
                output: String::new(),
            });
        }
    };
    let mut output = String::from_utf8_lossy(&out.stdout).into_owned();
    output.push_str(&String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        let start = output
            .char_indices()
            .rev()
            .nth(OUTPUT_TAIL)
            .map_or(0, |(i, _)| i);
        return Err(MigrateError::ToolFailed {
            command: line,
            status: out.status.to_string(),
            output: output[start..].trim_end().to_string(),
        });
    }
    let after = files_under(&watch, 3);
    let files = after
        .into_iter()
        // Not the tool's by-products: diesel's lock file, Python's bytecode.
        .filter(|f| !before.contains(f) && !f.ends_with(".diesel_lock"))
        .filter(|f| !f.components().any(|c| c.as_os_str() == "__pycache__"))
        .filter_map(|f| {
            f.strip_prefix(root)
                .ok()
                .map(|p| p.to_string_lossy().into_owned())
        })
        .collect();
    Ok(Outcome {
        method: Method::Tool,
        command: Some(shown),
        output: Some(output.trim_end().to_string()),
        missing_program: None,
        files,
    })
}

/// Files under `dir`, `depth` levels down at most, sorted.
fn files_under(dir: &Path, depth: usize) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() && depth > 1 => out.extend(files_under(&path, depth - 1)),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
    out.sort();
    out
}
