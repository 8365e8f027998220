//! `chamber api scaffold`: handlers, types and tests for the project's web
//! framework from an OpenAPI 3.x spec, by template (no model involved, so
//! the same spec always gives the same files). Every stub answers 501 Not
//! Implemented with a JSON body, and every generated test checks exactly
//! that, so the new suite passes until someone implements an operation.

mod axum;
mod express;
mod frameworks;
mod go;
mod names;
mod python;
mod python_apps;
mod sample;
mod schemas;
mod spec;

use std::path::{Path, PathBuf};

use chamber_tools::FileImage;
use chamber_tools::patches::{PlannedFile, unified_diff, write_planned};
use serde::Serialize;

pub use frameworks::{FRAMEWORKS, Framework};
pub use spec::{Api, Operation, Schema, Ty};

/// One file the generator makes, relative to the project root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GeneratedFile {
    path: String,
    text: String,
}

/// What `api scaffold` was asked for.
#[derive(Debug, Clone)]
pub struct ScaffoldRequest {
    /// The project root.
    pub root: PathBuf,
    /// The spec file.
    pub spec: PathBuf,
    /// `--framework`: skip detection.
    pub framework: Option<String>,
    /// Replace files that already exist.
    pub force: bool,
}

/// One file of the result.
#[derive(Debug, Clone, Serialize)]
pub struct FileAction {
    /// Relative to the root.
    pub path: String,
    /// `create`, or `overwrite` (with `--force`).
    pub action: &'static str,
    /// Size of the new content.
    pub bytes: usize,
}

/// The generated change, before or after it is written.
#[derive(Debug, Clone, Serialize)]
pub struct Scaffold {
    /// The target.
    pub framework: Framework,
    /// Whether it was detected (rather than named with `--framework`).
    pub detected: bool,
    /// The spec's `info.title` and `info.version`.
    pub title: String,
    /// See `title`.
    pub version: String,
    /// `METHOD /path (operationId)` of each operation.
    pub operations: Vec<String>,
    /// The schema names.
    pub schemas: Vec<String>,
    /// The files, in the order of the diff.
    pub files: Vec<FileAction>,
    /// Every file as one unified diff (new files against `/dev/null`).
    pub diff: String,
    /// The command that runs the generated tests.
    pub run_tests: String,
    /// What to do next (dependencies, wiring, serving).
    pub next_steps: Vec<String>,
    #[serde(skip)]
    generated: Vec<GeneratedFile>,
}

/// Why nothing was generated or written.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// `--framework` names no supported target.
    #[error("unknown framework {0:?}; supported: {FRAMEWORKS}")]
    UnknownFramework(String),
    /// The project's files name no supported framework.
    #[error("no supported web framework detected in {0}; supported: {FRAMEWORKS}")]
    NoFramework(PathBuf),
    /// The project's files name several.
    #[error("several web frameworks detected: {}", .0.join(", "))]
    SeveralFrameworks(Vec<&'static str>),
    /// The spec file does not exist.
    #[error("no spec file at {0}")]
    SpecNotFound(PathBuf),
    /// The spec is not a usable OpenAPI 3 document.
    #[error("{} is not a usable OpenAPI 3 spec ({} problem{}):\n  - {}", .path.display(), .problems.len(), if .problems.len() == 1 { "" } else { "s" }, .problems.join("\n  - "))]
    InvalidSpec {
        /// The spec file.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<String>,
    },
    /// Files the scaffold would write already exist (and no `--force`).
    #[error("these files already exist: {}; nothing was written", .0.join(", "))]
    FilesExist(Vec<String>),
    /// A file could not be read or written.
    #[error("{action} {path}: {message}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The error.
        message: String,
    },
}

/// Reads and checks the spec, picks the framework and generates every
/// file, in memory; refuses (listing them) files that exist unless `force`.
pub fn plan(req: &ScaffoldRequest) -> Result<Scaffold, ScaffoldError> {
    let named = match &req.framework {
        Some(name) => Some(
            Framework::parse(name).ok_or_else(|| ScaffoldError::UnknownFramework(name.clone()))?,
        ),
        None => None,
    };
    let api = load(&req.spec)?;
    let (framework, detected) = match named {
        Some(f) => (f, false),
        None => {
            let found = frameworks::detect(&req.root);
            match found.as_slice() {
                [one] => (*one, true),
                [] => return Err(ScaffoldError::NoFramework(req.root.clone())),
                many => {
                    return Err(ScaffoldError::SeveralFrameworks(
                        many.iter().map(|f| f.name()).collect(),
                    ));
                }
            }
        }
    };
    let problems = target_problems(&api, framework);
    if !problems.is_empty() {
        return Err(ScaffoldError::InvalidSpec {
            path: req.spec.clone(),
            problems,
        });
    }
    let mut generated = generate(&api, framework, &req.root);
    if matches!(
        framework,
        Framework::Fastapi | Framework::Flask | Framework::PythonHttp
    ) && !req.root.join("tests").exists()
    {
        generated.push(GeneratedFile {
            path: "tests/__init__.py".into(),
            text: String::new(),
        });
    }
    let existing: Vec<String> = generated
        .iter()
        .filter(|g| req.root.join(&g.path).exists())
        .map(|g| g.path.clone())
        .collect();
    if !existing.is_empty() && !req.force {
        return Err(ScaffoldError::FilesExist(existing));
    }
    let mut changes = Vec::new();
    let mut files = Vec::new();
    for g in &generated {
        let path = req.root.join(&g.path);
        let before = FileImage::read(&path).map_err(|e| ScaffoldError::Io {
            action: "cannot read",
            path: path.clone(),
            message: e.to_string(),
        })?;
        files.push(FileAction {
            path: g.path.clone(),
            action: if before.is_some() {
                "overwrite"
            } else {
                "create"
            },
            bytes: g.text.len(),
        });
        changes.push(chamber_tools::FileChange {
            path: g.path.clone(),
            before,
            after: Some(image(&g.text)),
        });
    }
    let (run_tests, next_steps) = guidance(framework, &generated);
    Ok(Scaffold {
        framework,
        detected,
        title: api.title.clone(),
        version: api.version.clone(),
        operations: api
            .operations
            .iter()
            .map(|o| format!("{} {} ({})", o.method.to_uppercase(), o.path, o.id))
            .collect(),
        schemas: api.schemas.iter().map(|s| s.name.clone()).collect(),
        files,
        diff: unified_diff(&changes),
        run_tests,
        next_steps,
        generated,
    })
}

fn image(text: &str) -> FileImage {
    FileImage {
        bytes: text.as_bytes().to_vec(),
        executable: false,
    }
}

/// Writes every file of `scaffold`, all or nothing (atomic writes; on a
/// failure the files already written are put back or removed).
pub fn write(root: &Path, scaffold: &Scaffold) -> Result<(), ScaffoldError> {
    let planned: Vec<PlannedFile> = scaffold
        .generated
        .iter()
        .map(|g| PlannedFile {
            path: g.path.clone(),
            after: Some(image(&g.text)),
        })
        .collect();
    write_planned(root, &planned).map_err(|e| ScaffoldError::Io {
        action: "cannot write the scaffold under",
        path: root.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(())
}

/// Reads, parses and checks the spec file.
pub fn load(path: &Path) -> Result<Api, ScaffoldError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ScaffoldError::SpecNotFound(path.to_path_buf()));
        }
        Err(e) => {
            return Err(ScaffoldError::Io {
                action: "cannot read",
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
    };
    let invalid = |problems| ScaffoldError::InvalidSpec {
        path: path.to_path_buf(),
        problems,
    };
    let doc = spec::parse(&text).map_err(|e| invalid(vec![e]))?;
    spec::read(&doc).map_err(invalid)
}

fn generate(api: &Api, framework: Framework, root: &Path) -> Vec<GeneratedFile> {
    match framework {
        Framework::PythonHttp => python_apps::http_server(api),
        Framework::Flask => python_apps::flask(api),
        Framework::Fastapi => python_apps::fastapi(api),
        Framework::Express => {
            let tests = ["test", "tests", "__tests__"]
                .into_iter()
                .find(|d| root.join(d).is_dir())
                .unwrap_or("test");
            express::express(api, frameworks::node_esm(root), tests)
        }
        Framework::Axum => axum::axum(api, frameworks::axum_colon_params(root)),
        Framework::NetHttp => go::net_http(api),
    }
}

/// Names that collide once made into the target's identifiers, and paths
/// the target's router cannot express.
fn target_problems(api: &Api, framework: Framework) -> Vec<String> {
    type Namer = fn(&str) -> String;
    let (func, field, param): (Namer, Namer, Namer) = match framework {
        Framework::Fastapi | Framework::Flask | Framework::PythonHttp => {
            (names::python, names::python, names::python)
        }
        Framework::Express => (names::js, |s| s.to_string(), names::js),
        Framework::Axum => (names::rust, names::rust, names::rust),
        Framework::NetHttp => (names::go, names::pascal, names::snake),
    };
    let mut problems = Vec::new();
    let op_label = |o: &Operation| format!("operation {:?}", o.id);
    problems.extend(names::clash(&api.operations, |o| func(&o.id), op_label));
    problems.extend(names::clash(
        &api.operations,
        |o| names::snake(&o.id),
        op_label,
    ));
    problems.extend(names::clash(
        &api.schemas,
        |s| names::pascal(&s.name),
        |s| format!("schema {:?}", s.name),
    ));
    for s in &api.schemas {
        if let Some(fields) = &s.fields {
            problems.extend(
                names::clash(fields, |f| field(&f.name), |f| format!("{:?}", f.name))
                    .map(|c| format!("schema {:?}: {c}", s.name)),
            );
        }
    }
    for op in &api.operations {
        problems.extend(
            names::clash(
                &op.path_params,
                |p| param(&p.name),
                |p| format!("{:?}", p.name),
            )
            .map(|c| format!("{} {}: {c}", op.method, op.path)),
        );
        let whole_segments = matches!(framework, Framework::Axum | Framework::NetHttp);
        let partial = op.path.split('/').any(|seg| {
            seg.contains('{')
                && !(seg.starts_with('{') && seg.ends_with('}') && seg.matches('{').count() == 1)
        });
        if whole_segments && partial {
            problems.push(format!(
                "{} {}: {} needs each path parameter to be a whole segment",
                op.method,
                op.path,
                framework.name()
            ));
        }
    }
    if framework == Framework::NetHttp {
        // One Go package holds the types and the handlers.
        for op in &api.operations {
            if let Some(s) = api
                .schemas
                .iter()
                .find(|s| names::pascal(&s.name) == names::go(&op.id))
            {
                problems.push(format!(
                    "operation {:?} and schema {:?} both become `{}` in package api",
                    op.id,
                    s.name,
                    names::go(&op.id)
                ));
            }
        }
    }
    let mut shapes: Vec<(String, String)> = Vec::new();
    for op in &api.operations {
        let mut shape = op.path.clone();
        for p in &op.path_params {
            shape = shape.replace(&format!("{{{}}}", p.name), "{}");
        }
        let key = format!("{} {shape}", op.method);
        if let Some((_, other)) = shapes.iter().find(|(k, _)| *k == key) {
            if other != &op.path {
                problems.push(format!(
                    "{} {} and {} {} are the same route",
                    op.method, other, op.method, op.path
                ));
            }
        } else {
            shapes.push((key, op.path.clone()));
        }
    }
    problems
}

/// How to run the generated tests, and what else to do.
fn guidance(framework: Framework, generated: &[GeneratedFile]) -> (String, Vec<String>) {
    let unittest = "python3 -m unittest discover -s tests".to_string();
    match framework {
        Framework::PythonHttp => (
            unittest,
            vec!["serve it: python3 -m api.server 8000 (standard library only)".into()],
        ),
        Framework::Flask => (
            unittest,
            vec!["needs Flask (pip install flask); serve it: flask --app api run".into()],
        ),
        Framework::Fastapi => (
            unittest,
            vec![
                "needs FastAPI and httpx for its TestClient (pip install fastapi httpx)".into(),
                "serve it: uvicorn api.app:app".into(),
            ],
        ),
        Framework::Express => {
            let test = generated
                .iter()
                .find(|g| g.path.ends_with("api.test.js"))
                .and_then(|g| g.path.rsplit_once('/'))
                .map_or("test", |(d, _)| d)
                .to_string();
            (
                format!("node --test {test}/"),
                vec![
                    "needs Express (npm install express) and Node 18 or newer (fetch)".into(),
                    "serve it: the app in api/app.js, app.listen(3000)".into(),
                ],
            )
        }
        Framework::Axum => (
            "cargo test api::".into(),
            vec![
                "declare `mod api;` in src/main.rs or src/lib.rs, then serve api::router()".into(),
                "needs axum, serde (derive) and serde_json; for the tests tokio (macros, rt) and tower (util) as dev-dependencies".into(),
            ],
        ),
        Framework::NetHttp => (
            "go test ./api/".into(),
            vec![
                "needs Go 1.22 or newer (method and wildcard patterns)".into(),
                "serve it: http.ListenAndServe(\":8080\", api.NewMux())".into(),
            ],
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
