//! Which migration tool a project uses, and where its migrations live,
//! read from the project's files (nothing is run).

use std::path::{Path, PathBuf};

use super::{MigrateError, Tool};

/// A tool found in the project, with its migrations directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// The tool.
    pub tool: Tool,
    /// Its migrations directory, relative to the root (Alembic: the script
    /// location; Django: set once the app is known).
    pub dir: PathBuf,
    /// The Django app the migration is for.
    pub app: Option<String>,
}

/// Directories never searched for migrations.
const SKIP: &[&str] = &[
    "node_modules",
    "target",
    "vendor",
    "venv",
    "__pycache__",
    "dist",
    "build",
];

/// The one tool the project uses; an error when there is none or several.
pub fn detect(root: &Path) -> Result<Detected, MigrateError> {
    let mut found: Vec<Detected> = Vec::new();
    if let Some(dir) = alembic_dir(root) {
        found.push(at(Tool::Alembic, dir));
    }
    if root.join("manage.py").is_file() && !django_apps(root).is_empty() {
        found.push(at(Tool::Django, PathBuf::new()));
    }
    if root.join("prisma/schema.prisma").is_file() {
        found.push(at(Tool::Prisma, "prisma/migrations".into()));
    }
    if cargo_uses_sqlx(root) && root.join("migrations").is_dir() {
        found.push(at(Tool::Sqlx, "migrations".into()));
    }
    if root.join("diesel.toml").is_file() {
        found.push(at(Tool::Diesel, diesel_dir(root)));
    }
    if root.join("go.mod").is_file()
        && let Some(dir) = find_dir(root, is_up_down)
    {
        found.push(at(Tool::GolangMigrate, dir));
    }
    if found.is_empty()
        && let Some(dir) = find_dir(root, |n| is_numbered_sql(n) && !is_up_down(n))
    {
        found.push(at(Tool::Sql, dir));
    }
    match found.len() {
        0 => Err(MigrateError::NoneDetected(root.to_path_buf())),
        1 => Ok(found.remove(0)),
        _ => Err(MigrateError::Ambiguous(
            found.iter().map(|d| d.tool.name()).collect(),
        )),
    }
}

/// The tool named with `--tool`, its directory found as detection would,
/// else the tool's default.
pub fn for_tool(root: &Path, tool: Tool) -> Detected {
    let dir = match tool {
        Tool::Alembic => alembic_dir(root).unwrap_or_else(|| "alembic".into()),
        Tool::Django => PathBuf::new(),
        Tool::Prisma => "prisma/migrations".into(),
        Tool::Sqlx => "migrations".into(),
        Tool::Diesel => diesel_dir(root),
        Tool::GolangMigrate => find_dir(root, is_up_down).unwrap_or_else(|| "migrations".into()),
        Tool::Sql => find_dir(root, |n| is_numbered_sql(n) && !is_up_down(n))
            .unwrap_or_else(|| "migrations".into()),
    };
    at(tool, dir)
}

fn at(tool: Tool, dir: PathBuf) -> Detected {
    Detected {
        tool,
        dir,
        app: None,
    }
}

/// The Django app: `--app` (which must have `migrations/`), else the only
/// app that has one.
pub fn django_app(root: &Path, wanted: Option<&str>) -> Result<String, MigrateError> {
    let apps = django_apps(root);
    if let Some(app) = wanted {
        if apps.iter().any(|a| a == app) {
            return Ok(app.to_string());
        }
        return Err(MigrateError::Usage(format!(
            "no Django app {app:?} with a migrations/ package here; apps with one: {}",
            list_or_none(&apps)
        )));
    }
    match apps.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(MigrateError::Usage(
            "no Django app with a migrations/ package (migrations/__init__.py) here".into(),
        )),
        _ => Err(MigrateError::Usage(format!(
            "several Django apps have migrations ({}); pass --app NAME",
            apps.join(", ")
        ))),
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

/// Apps (as paths relative to the root, `/`-separated) holding
/// `migrations/__init__.py`, up to two levels down.
fn django_apps(root: &Path) -> Vec<String> {
    let mut apps = Vec::new();
    for dir in subdirs(root, 2) {
        if dir.join("migrations/__init__.py").is_file()
            && let Ok(rel) = dir.strip_prefix(root)
        {
            apps.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    apps.sort();
    apps
}

/// Alembic's script location: `script_location` of `alembic.ini`, else a
/// `migrations/` or `alembic/` whose `env.py` uses Alembic.
fn alembic_dir(root: &Path) -> Option<PathBuf> {
    if let Ok(text) = std::fs::read_to_string(root.join("alembic.ini")) {
        let location = text.lines().find_map(|line| {
            let (key, value) = line.split_once('=')?;
            (key.trim() == "script_location").then(|| value.trim().to_string())
        });
        let location = location.unwrap_or_else(|| "alembic".into());
        let location = location
            .trim_start_matches("%(here)s/")
            .trim_start_matches("./");
        return Some(PathBuf::from(location));
    }
    ["migrations", "alembic"].into_iter().find_map(|d| {
        let env = std::fs::read_to_string(root.join(d).join("env.py")).ok()?;
        env.contains("alembic").then(|| PathBuf::from(d))
    })
}

/// Whether the root `Cargo.toml` depends on sqlx.
fn cargo_uses_sqlx(root: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(root.join("Cargo.toml")) else {
        return false;
    };
    text.lines().any(|l| {
        let l = l.trim();
        l.starts_with("sqlx ")
            || l.starts_with("sqlx=")
            || l.starts_with("sqlx.")
            || (l.starts_with('[') && l.trim_end_matches(']').ends_with("dependencies.sqlx"))
    })
}

/// `[migrations_directory] dir` of `diesel.toml`, else `migrations`.
fn diesel_dir(root: &Path) -> PathBuf {
    let dir = std::fs::read_to_string(root.join("diesel.toml"))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| {
            t.get("migrations_directory")?
                .get("dir")?
                .as_str()
                .map(String::from)
        });
    match dir {
        Some(d) if !Path::new(&d).is_absolute() => PathBuf::from(d.trim_start_matches("./")),
        _ => "migrations".into(),
    }
}

/// `NNN_name.up.sql` / `NNN_name.down.sql`.
pub fn is_up_down(name: &str) -> bool {
    is_numbered_sql(name) && (name.ends_with(".up.sql") || name.ends_with(".down.sql"))
}

/// `NNN_name….sql`.
pub fn is_numbered_sql(name: &str) -> bool {
    let Some((digits, rest)) = name.split_once('_') else {
        return false;
    };
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && rest.len() > ".sql".len()
        && rest.ends_with(".sql")
}

/// The first directory named `migrations` or `migration` (three levels
/// down at most, shallowest first) holding a file `wanted` accepts.
fn find_dir(root: &Path, wanted: impl Fn(&str) -> bool) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = subdirs(root, 3)
        .into_iter()
        .filter(|d| {
            d.file_name()
                .is_some_and(|n| n == "migrations" || n == "migration")
        })
        .collect();
    dirs.sort_by_key(|d| (d.components().count(), d.clone()));
    dirs.into_iter().find_map(|dir| {
        let entries = std::fs::read_dir(&dir).ok()?;
        let holds = entries
            .flatten()
            .any(|e| wanted(&e.file_name().to_string_lossy()));
        if holds {
            dir.strip_prefix(root).ok().map(Path::to_path_buf)
        } else {
            None
        }
    })
}

/// Directories under `root`, `depth` levels down at most, skipping hidden
/// ones and dependency or build folders.
fn subdirs(root: &Path, depth: usize) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut level = vec![root.to_path_buf()];
    for _ in 0..depth {
        let mut next = Vec::new();
        for dir in &level {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                if is_dir && !name.starts_with('.') && !SKIP.contains(&name.as_str()) {
                    next.push(entry.path());
                }
            }
        }
        out.extend(next.iter().cloned());
        level = next;
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = tmp.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        tmp
    }

    fn tool_of(files: &[(&str, &str)]) -> Result<Detected, MigrateError> {
        let tmp = project(files);
        detect(tmp.path())
    }

    #[test]
    fn each_layout_is_recognised() {
        let d = tool_of(&[("alembic.ini", "[alembic]\nscript_location = %(here)s/db\n")]).unwrap();
        assert_eq!((d.tool, d.dir), (Tool::Alembic, PathBuf::from("db")));
        let d = tool_of(&[("manage.py", ""), ("shop/migrations/__init__.py", "")]).unwrap();
        assert_eq!(d.tool, Tool::Django);
        let d = tool_of(&[("prisma/schema.prisma", "")]).unwrap();
        assert_eq!(d.tool, Tool::Prisma);
        let d = tool_of(&[
            (
                "Cargo.toml",
                "[dependencies]\nsqlx = { version = \"0.8\" }\n",
            ),
            ("migrations/.keep", ""),
        ])
        .unwrap();
        assert_eq!(d.tool, Tool::Sqlx);
        let d = tool_of(&[(
            "diesel.toml",
            "[migrations_directory]\ndir = \"db/migrations\"\n",
        )])
        .unwrap();
        assert_eq!(
            (d.tool, d.dir),
            (Tool::Diesel, PathBuf::from("db/migrations"))
        );
        let d = tool_of(&[
            ("go.mod", "module x\n"),
            ("db/migrations/000001_init.up.sql", ""),
        ])
        .unwrap();
        assert_eq!(
            (d.tool, d.dir),
            (Tool::GolangMigrate, PathBuf::from("db/migrations"))
        );
        let d = tool_of(&[("migrations/0001_init.sql", "")]).unwrap();
        assert_eq!(d.tool, Tool::Sql);
    }

    #[test]
    fn none_or_several_are_errors() {
        assert!(matches!(
            tool_of(&[("README.md", "")]),
            Err(MigrateError::NoneDetected(_))
        ));
        let err = tool_of(&[("diesel.toml", ""), ("prisma/schema.prisma", "")]).unwrap_err();
        assert!(matches!(err, MigrateError::Ambiguous(ref t) if t == &["prisma", "diesel"]));
        // sqlx in Cargo.toml but no migrations/ yet: not detected, `--tool sqlx` works.
        assert!(tool_of(&[("Cargo.toml", "[dependencies]\nsqlx = \"0.8\"\n")]).is_err());
    }

    #[test]
    fn django_needs_one_app_or_app_flag() {
        let tmp = project(&[
            ("manage.py", ""),
            ("a/migrations/__init__.py", ""),
            ("b/migrations/__init__.py", ""),
        ]);
        assert!(django_app(tmp.path(), None).is_err());
        assert_eq!(django_app(tmp.path(), Some("b")).unwrap(), "b");
        assert!(django_app(tmp.path(), Some("c")).is_err());
    }

    #[test]
    fn numbered_names() {
        assert!(is_up_down("000001_init.up.sql"));
        assert!(!is_up_down("0001_init.sql"));
        assert!(is_numbered_sql("0001_init.sql"));
        assert!(!is_numbered_sql("init.sql"));
        assert!(!is_numbered_sql("01a_x.sql"));
    }
}
