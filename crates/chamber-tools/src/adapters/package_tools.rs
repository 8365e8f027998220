//! The package adapters: add or remove a dependency through the project's
//! own package manager (npm, pip in the project's venv, cargo, go), which
//! edits the manifest and the lock file itself. They need the network and
//! are high risk; the step's checkpoint lets `chamber undo` restore both
//! files.

use std::path::Path;
use std::sync::Arc;

use chamber_protocol::ToolResult;
use schemars::JsonSchema;
use serde::Deserialize;

use super::process::{not_an_option, run};
use super::{Shared, adapter};
use crate::context::ToolContext;
use crate::external::ExternalTool;
use crate::result::{changed, failed};
use crate::specs::{Risk, ToolArgs};

/// A package manager Chamber can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageManager {
    /// `package.json`.
    Npm,
    /// A virtual environment in `.venv/` (with `requirements.txt`).
    Pip,
    /// `Cargo.toml`.
    Cargo,
    /// `go.mod`.
    Go,
}

impl PackageManager {
    /// Its name in arguments and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            PackageManager::Npm => "npm",
            PackageManager::Pip => "pip",
            PackageManager::Cargo => "cargo",
            PackageManager::Go => "go",
        }
    }

    /// The files it edits, which the result names.
    fn manifests(self) -> &'static [&'static str] {
        match self {
            PackageManager::Npm => &["package.json", "package-lock.json"],
            PackageManager::Pip => &["requirements.txt"],
            PackageManager::Cargo => &["Cargo.toml", "Cargo.lock"],
            PackageManager::Go => &["go.mod", "go.sum"],
        }
    }
}

/// The managers the project at `root` uses, by their manifests.
pub fn detect_managers(root: &Path) -> Vec<PackageManager> {
    let mut found = Vec::new();
    if root.join("package.json").is_file() {
        found.push(PackageManager::Npm);
    }
    if venv_python(root).is_some() {
        found.push(PackageManager::Pip);
    }
    if root.join("Cargo.toml").is_file() {
        found.push(PackageManager::Cargo);
    }
    if root.join("go.mod").is_file() {
        found.push(PackageManager::Go);
    }
    found
}

fn venv_python(root: &Path) -> Option<std::path::PathBuf> {
    [".venv/bin/python", "venv/bin/python"]
        .iter()
        .map(|p| root.join(p))
        .find(|p| p.is_file())
}

/// `package_add` and `package_remove`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackageArgs {
    /// The package's name.
    name: String,
    /// A version or range (add only), such as 1.2.3 or ^4.
    #[serde(default)]
    version: Option<String>,
    /// A development-only dependency (npm, cargo).
    #[serde(default)]
    dev: bool,
    /// npm, pip, cargo or go; needed only when the project uses several.
    #[serde(default)]
    manager: Option<String>,
}

impl ToolArgs for PackageArgs {
    fn check(&self) -> Result<(), String> {
        not_an_option("name", &self.name)?;
        let fine = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "@/._-:^~=<>*+".contains(c))
        };
        // A name, not a location: no `file:`, `git+https://`, paths or URLs.
        if !fine(&self.name)
            || self.name.contains(':')
            || self.name.starts_with(['.', '/'])
            || self.name.contains("..")
        {
            return Err(format!(
                "name {:?} is not a package name (locations, URLs and paths are refused)",
                self.name
            ));
        }
        if let Some(v) = &self.version {
            not_an_option("version", v)?;
            if !fine(v) {
                return Err(format!("version {v:?} has characters no version has"));
            }
        }
        Ok(())
    }
}

fn manager_for(root: &Path, wanted: Option<&str>) -> Result<PackageManager, String> {
    let found = detect_managers(root);
    let names: Vec<&str> = found.iter().map(|m| m.as_str()).collect();
    match wanted {
        Some(w) => found.into_iter().find(|m| m.as_str() == w).ok_or_else(|| {
            format!(
                "this project does not use {w} (found: {})",
                names.join(", ")
            )
        }),
        None if found.len() == 1 => Ok(found[0]),
        None => Err(format!(
            "the project uses several package managers ({}): say which with manager",
            names.join(", ")
        )),
    }
}

/// The command line for adding (`add`) or removing a package.
fn command_line(
    manager: PackageManager,
    root: &Path,
    args: &PackageArgs,
    add: bool,
) -> (String, Vec<String>) {
    let name = args.name.clone();
    match (manager, add) {
        (PackageManager::Npm, true) => {
            let spec = match &args.version {
                Some(v) => format!("{name}@{v}"),
                None => name,
            };
            let mut a = vec![
                "install".into(),
                // Install scripts would run unsandboxed: they are not run.
                "--ignore-scripts".into(),
                "--no-audit".into(),
                "--no-fund".into(),
                spec,
            ];
            if args.dev {
                a.insert(1, "--save-dev".into());
            }
            ("npm".into(), a)
        }
        (PackageManager::Npm, false) => (
            "npm".into(),
            vec!["uninstall".into(), "--ignore-scripts".into(), name],
        ),
        (PackageManager::Cargo, true) => {
            let spec = match &args.version {
                Some(v) => format!("{name}@{v}"),
                None => name,
            };
            let mut a = vec!["add".into(), spec];
            if args.dev {
                a.push("--dev".into());
            }
            ("cargo".into(), a)
        }
        (PackageManager::Cargo, false) => ("cargo".into(), vec!["remove".into(), name]),
        (PackageManager::Go, true) => {
            let v = args.version.clone().unwrap_or_else(|| "latest".into());
            ("go".into(), vec!["get".into(), format!("{name}@{v}")])
        }
        (PackageManager::Go, false) => ("go".into(), vec!["get".into(), format!("{name}@none")]),
        (PackageManager::Pip, add) => {
            let python = venv_python(root)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "python3".into());
            let a = if add {
                let spec = match &args.version {
                    Some(v) if v.starts_with(['=', '<', '>', '~', '!']) => format!("{name}{v}"),
                    Some(v) => format!("{name}=={v}"),
                    None => name,
                };
                vec![
                    "-m".into(),
                    "pip".into(),
                    "install".into(),
                    "--disable-pip-version-check".into(),
                    spec,
                ]
            } else {
                vec![
                    "-m".into(),
                    "pip".into(),
                    "uninstall".into(),
                    "-y".into(),
                    name,
                ]
            };
            (python, a)
        }
    }
}

/// pip has no manifest of its own: the project's `requirements.txt` gets
/// the installed version pinned (add) or loses the package's line (remove).
async fn pip_requirements(
    root: &Path,
    python: &str,
    name: &str,
    add: bool,
    shared: &Shared,
    ctx: &ToolContext,
) -> Result<(), String> {
    let path = root.join("requirements.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let norm = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let key = norm(name);
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| {
            let pkg = l
                .split(|c: char| "=<>~![; ".contains(c))
                .next()
                .unwrap_or("");
            norm(pkg.trim()) != key
        })
        .map(String::from)
        .collect();
    if add {
        let show = run(
            root,
            python,
            &["-m".into(), "pip".into(), "show".into(), name.into()],
            shared.settings.timeout,
            ctx.output_cap,
            &shared.settings.env_allow,
        )
        .await
        .map_err(|r| r.error.unwrap_or_default())?;
        let version = show
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("Version: "))
            .ok_or_else(|| format!("pip show {name} gave no version"))?;
        lines.push(format!("{name}=={}", version.trim()));
    }
    let mut out = lines.join("\n");
    out.push('\n');
    ctx.before_change(&path, Some(out.as_bytes())).await?;
    crate::atomic::write_atomic(&path, out.as_bytes()).map_err(|e| e.to_string())
}

async fn change(args: PackageArgs, ctx: ToolContext, shared: Arc<Shared>, add: bool) -> ToolResult {
    if !shared.settings.network {
        return failed(
            "package tools need the network, which this run does not have: set [sandbox] network = true to allow it",
        );
    }
    let root = ctx.root.clone();
    let manager = match manager_for(&root, args.manager.as_deref()) {
        Ok(m) => m,
        Err(e) => return failed(e),
    };
    let (program, argv) = command_line(manager, &root, &args, add);
    let ran = match run(
        &root,
        &program,
        &argv,
        shared.settings.timeout,
        ctx.output_cap,
        &shared.settings.env_allow,
    )
    .await
    {
        Ok(ran) => ran,
        Err(r) => return r,
    };
    let verb = if add { "add" } else { "remove" };
    if !ran.ok() {
        return ran.failure(&format!("{} {verb} {}", manager.as_str(), args.name));
    }
    if manager == PackageManager::Pip
        && let Err(e) = pip_requirements(&root, &program, &args.name, add, &shared, &ctx).await
    {
        return failed(format!(
            "{} was {verb}ed but requirements.txt was not updated: {e}",
            args.name
        ));
    }
    let files: Vec<String> = manager
        .manifests()
        .iter()
        .filter(|f| root.join(f).exists())
        .map(|f| f.to_string())
        .collect();
    changed(
        format!(
            "{} {verb} {}: done; changed {}\n{}",
            manager.as_str(),
            args.name,
            files.join(", "),
            ran.stdout.trim()
        ),
        files,
    )
}

async fn add(args: PackageArgs, ctx: ToolContext, shared: Arc<Shared>) -> ToolResult {
    change(args, ctx, shared, true).await
}

async fn remove(args: PackageArgs, ctx: ToolContext, shared: Arc<Shared>) -> ToolResult {
    change(args, ctx, shared, false).await
}

/// The package adapters.
pub(super) fn tools(shared: &Arc<Shared>) -> Vec<Arc<dyn ExternalTool>> {
    vec![
        adapter(
            shared,
            "package_add",
            Risk::External,
            "Add a dependency with the project's package manager (npm, pip in .venv, cargo, go), which updates the manifest and lock file. Needs the network.",
            add,
        ),
        adapter(
            shared,
            "package_remove",
            Risk::External,
            "Remove a dependency with the project's package manager, updating the manifest and lock file.",
            remove,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(name: &str, version: Option<&str>, dev: bool) -> PackageArgs {
        PackageArgs {
            name: name.into(),
            version: version.map(String::from),
            dev,
            manager: None,
        }
    }

    #[test]
    fn command_lines_go_through_each_manager() {
        let root = Path::new("/nonexistent");
        let (p, a) = command_line(
            PackageManager::Npm,
            root,
            &args("left-pad", Some("1.3.0"), true),
            true,
        );
        assert_eq!(
            (p.as_str(), a.join(" ").as_str()),
            (
                "npm",
                "install --save-dev --ignore-scripts --no-audit --no-fund left-pad@1.3.0"
            )
        );
        let (p, a) = command_line(
            PackageManager::Cargo,
            root,
            &args("serde", None, false),
            false,
        );
        assert_eq!(
            (p.as_str(), a.join(" ").as_str()),
            ("cargo", "remove serde")
        );
        let (p, a) = command_line(
            PackageManager::Go,
            root,
            &args("golang.org/x/text", None, false),
            true,
        );
        assert_eq!(
            (p.as_str(), a.join(" ").as_str()),
            ("go", "get golang.org/x/text@latest")
        );
        let (_, a) = command_line(
            PackageManager::Pip,
            root,
            &args("six", Some(">=1.16"), false),
            true,
        );
        assert_eq!(a.last().map(String::as_str), Some("six>=1.16"));
    }

    #[test]
    fn names_that_are_options_or_shell_are_refused() {
        assert!(args("--registry=evil", None, false).check().is_err());
        assert!(args("a;rm -rf /", None, false).check().is_err());
        assert!(args("ok", Some("-1"), false).check().is_err());
        assert!(args("@scope/pkg", Some("^4.0.0"), false).check().is_ok());
        assert!(args("file:../evil", None, false).check().is_err());
        assert!(args("git+https://host/x.git", None, false).check().is_err());
        assert!(args("./local", None, false).check().is_err());
        assert!(args("golang.org/x/text", None, false).check().is_ok());
    }
}
