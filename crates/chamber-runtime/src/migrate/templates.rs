//! The test that applies the project's migrations, written once beside its
//! tests in its language. Server databases are only touched through a URL
//! given for the purpose (`MIGRATIONS_TEST_DATABASE_URL`, or sqlx's own
//! throwaway test databases); without one such a test skips and says why.

use std::path::Path;

use super::detect::Detected;
use super::{MigrateError, TestFile, Tool};

/// A test file to add, with how to run it.
pub struct Template {
    path: String,
    text: String,
    run: String,
    /// Also create an empty `__init__.py` beside it (a new Python tests folder).
    package_init: bool,
}

/// The first of `candidates` that is a directory, else the first one.
fn tests_dir(root: &Path, candidates: &[&'static str]) -> &'static str {
    candidates
        .iter()
        .copied()
        .find(|d| root.join(d).is_dir())
        .unwrap_or(candidates[0])
}

fn slash(dir: &Path) -> String {
    dir.to_string_lossy().replace('\\', "/")
}

/// The test for the detected tool.
pub fn template(root: &Path, found: &Detected) -> Option<Template> {
    let dir = slash(&found.dir);
    let python = |text: String| {
        let tests = tests_dir(root, &["tests", "test"]);
        Template {
            path: format!("{tests}/test_migrations.py"),
            text,
            run: "python3 -m unittest discover (or pytest)".into(),
            package_init: !root.join(tests).exists(),
        }
    };
    let cargo = read(root, "Cargo.toml");
    Some(match found.tool {
        Tool::Sql => python(include_str!("templates/sql_test.py").replace("{DIR}", &dir)),
        Tool::Alembic => {
            let ini = root.join("alembic.ini").is_file();
            python(
                include_str!("templates/alembic_test.py")
                    .replace("{INI}", if ini { "\"alembic.ini\"" } else { "None" })
                    .replace("{DIR}", &dir),
            )
        }
        Tool::Django => {
            let app = found.app.clone()?;
            let label = app.rsplit('/').next().unwrap_or_default().to_string();
            let in_tests = root.join(&app).join("tests").is_dir();
            let path = if in_tests {
                format!("{app}/tests/test_migrations.py")
            } else {
                format!("{app}/test_migrations.py")
            };
            Template {
                path,
                text: include_str!("templates/django_test.py").replace("{APP}", &label),
                run: "python manage.py test".into(),
                package_init: false,
            }
        }
        Tool::Prisma => {
            let schema = read(root, "prisma/schema.prisma");
            let sqlite = schema.contains("\"sqlite\"");
            let url_env = env_var_of_url(&schema).unwrap_or_default();
            let tests = tests_dir(root, &["test", "tests", "__tests__"]);
            Template {
                path: format!("{tests}/migrations.test.mjs"),
                text: include_str!("templates/prisma_test.mjs")
                    .replace("{SQLITE}", if sqlite { "true" } else { "false" })
                    .replace("{URL_ENV}", &url_env),
                run: format!("node --test {tests}/"),
                package_init: false,
            }
        }
        Tool::Sqlx => {
            let pool = if cargo.contains("\"postgres\"") {
                "sqlx::PgPool"
            } else if cargo.contains("\"mysql\"") {
                "sqlx::MySqlPool"
            } else if cargo.contains("\"sqlite\"") {
                "sqlx::SqlitePool"
            } else {
                "sqlx::PgPool"
            };
            Template {
                path: "tests/migrations.rs".into(),
                text: include_str!("templates/sqlx_test.rs")
                    .replace("{DIR}", &dir)
                    .replace("{POOL}", pool),
                run: "cargo test --test migrations (DATABASE_URL set, as #[sqlx::test] needs)"
                    .into(),
                package_init: false,
            }
        }
        Tool::Diesel => {
            let (conn, default) = if cargo.contains("\"postgres\"") {
                ("diesel::PgConnection", None)
            } else if cargo.contains("\"mysql\"") {
                ("diesel::MysqlConnection", None)
            } else {
                ("diesel::SqliteConnection", Some(":memory:"))
            };
            let fallback = match default {
                Some(url) => format!("Some(String::from(\"{url}\"))"),
                None => "None".into(),
            };
            Template {
                path: "tests/migrations.rs".into(),
                text: include_str!("templates/diesel_test.rs")
                    .replace("{DIR}", &dir)
                    .replace("{CONN}", conn)
                    .replace("{FALLBACK}", &fallback),
                run: "cargo test --test migrations (needs diesel_migrations as a dev-dependency)"
                    .into(),
                package_init: false,
            }
        }
        Tool::GolangMigrate => {
            let gomod = read(root, "go.mod");
            let driver = if gomod.contains("lib/pq") || gomod.contains("jackc/pgx") {
                "postgres"
            } else if gomod.contains("go-sql-driver/mysql") {
                "mysql"
            } else {
                "sqlite"
            };
            let default_url = if driver == "sqlite" {
                "url = \"sqlite://\" + filepath.Join(t.TempDir(), \"migrations.db\")".to_string()
            } else {
                format!(
                    "t.Skip(\"set MIGRATIONS_TEST_DATABASE_URL to a scratch {driver} database\")"
                )
            };
            Template {
                path: format!("{dir}/migrations_test.go"),
                text: include_str!("templates/golang_migrate_test.go")
                    .replace("{DRIVER}", driver)
                    .replace("{DEFAULT_URL}", &default_url),
                run: format!(
                    "go test ./{dir}/ (after go get github.com/golang-migrate/migrate/v4)"
                ),
                package_init: false,
            }
        }
    })
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap_or_default()
}

/// `url = env("NAME")` of a Prisma schema's datasource.
fn env_var_of_url(schema: &str) -> Option<String> {
    schema.lines().find_map(|l| {
        let rest = l
            .trim()
            .strip_prefix("url")?
            .trim_start()
            .strip_prefix('=')?;
        let inner = rest.trim().strip_prefix("env(\"")?;
        inner.split('"').next().map(String::from)
    })
}

/// Writes the template unless a file is already at its path (kept as it is).
pub fn write(root: &Path, t: Template) -> Result<TestFile, MigrateError> {
    if root.join(&t.path).exists() {
        return Ok(TestFile {
            path: t.path,
            written: false,
            run: t.run,
        });
    }
    let mut files = vec![(t.path.clone(), t.text)];
    if t.package_init
        && let Some((dir, _)) = t.path.rsplit_once('/')
    {
        files.push((format!("{dir}/__init__.py"), String::new()));
    }
    super::runner::write_new(root, &files)?;
    Ok(TestFile {
        path: t.path,
        written: true,
        run: t.run,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn prisma_url_variable_is_read() {
        let schema =
            "datasource db {\n  provider = \"postgresql\"\n  url      = env(\"DB_URL\")\n}\n";
        assert_eq!(env_var_of_url(schema).as_deref(), Some("DB_URL"));
        assert_eq!(env_var_of_url("url = \"file:dev.db\""), None);
    }

    #[test]
    fn every_tool_gets_a_template_without_placeholders_left() {
        let tmp = tempfile::tempdir().unwrap();
        for tool in Tool::ALL {
            let found = Detected {
                tool,
                dir: "db/migrations".into(),
                app: Some("shop".into()),
            };
            let t = template(tmp.path(), &found).unwrap();
            assert!(
                !t.text.contains("{DIR}") && !t.text.contains("{APP}"),
                "{tool:?}"
            );
            assert!(
                !t.text.contains("{POOL}") && !t.text.contains("{CONN}"),
                "{tool:?}"
            );
            assert!(
                !t.text.contains("{DRIVER}") && !t.text.contains("{SQLITE}"),
                "{tool:?}"
            );
            assert!(t.text.contains("chamber migrate make"), "{tool:?}");
        }
    }
}
