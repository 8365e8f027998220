//! The container adapters: build an image from the workspace, run a
//! container (never privileged, mounts only from inside the workspace),
//! list containers. Offered only where a container engine answers.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chamber_protocol::ToolResult;
use schemars::JsonSchema;
use serde::Deserialize;

use super::process::{not_an_option, run};
use super::{Shared, adapter};
use crate::context::ToolContext;
use crate::external::ExternalTool;
use crate::result::{failed, success};
use crate::specs::{Risk, ToolArgs};

/// Whether a container engine answers here: its version, or why not (for
/// `chamber doctor`).
pub fn container_engine() -> Result<String, String> {
    let out = std::process::Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("no docker client: {e}"))?;
    if out.status.success() {
        Ok(format!(
            "docker engine {}",
            String::from_utf8_lossy(&out.stdout).trim()
        ))
    } else {
        let why = String::from_utf8_lossy(&out.stderr);
        Err(format!(
            "the docker client is installed but no engine answers: {}",
            why.lines().last().unwrap_or("").trim()
        ))
    }
}

/// `docker_build`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BuildArgs {
    /// The image tag, such as app:dev.
    tag: String,
    /// The build context, a directory inside the workspace (default: the root).
    #[serde(default)]
    context: Option<String>,
    /// The Dockerfile, relative to the workspace (default: context/Dockerfile).
    #[serde(default)]
    dockerfile: Option<String>,
}
impl ToolArgs for BuildArgs {
    fn check(&self) -> Result<(), String> {
        not_an_option("tag", &self.tag)
    }
}

/// One bind mount.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Mount {
    /// A path inside the workspace.
    source: String,
    /// Where it appears in the container.
    target: String,
    /// Mount it read-only.
    #[serde(default)]
    read_only: bool,
}

/// `docker_run`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RunArgs {
    /// The image.
    image: String,
    /// The command and its arguments (default: the image's).
    #[serde(default)]
    command: Vec<String>,
    /// Bind mounts from the workspace.
    #[serde(default)]
    mounts: Vec<Mount>,
    /// Environment variables, NAME=VALUE.
    #[serde(default)]
    env: Vec<String>,
    /// Give the container the network (default: none).
    #[serde(default)]
    network: bool,
}
impl ToolArgs for RunArgs {
    fn check(&self) -> Result<(), String> {
        not_an_option("image", &self.image)?;
        for e in &self.env {
            if !e.contains('=') || e.starts_with('-') {
                return Err(format!("env {e:?} is not NAME=VALUE"));
            }
        }
        Ok(())
    }
}

/// `docker_ps`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PsArgs {}
impl ToolArgs for PsArgs {}

/// `path` resolved inside `root`, or why not.
fn inside(root: &Path, path: &str) -> Result<String, String> {
    let root = root
        .canonicalize()
        .map_err(|e| format!("cannot resolve the workspace: {e}"))?;
    let full = root
        .join(path)
        .canonicalize()
        .map_err(|e| format!("{path}: {e}"))?;
    if full.starts_with(&root) {
        Ok(full.display().to_string())
    } else {
        Err(format!(
            "{path} is outside the workspace: only workspace paths can be mounted"
        ))
    }
}

/// The `docker run` arguments: never privileged, no added capabilities,
/// no host namespaces, mounts only from the workspace.
pub(crate) fn run_argv(root: &Path, args: &RunArgs) -> Result<Vec<String>, String> {
    let mut argv: Vec<String> = vec![
        "run".into(),
        "--rm".into(),
        "--cap-drop=ALL".into(),
        "--security-opt=no-new-privileges".into(),
    ];
    if !args.network {
        argv.push("--network=none".into());
    }
    for m in &args.mounts {
        let source = inside(root, &m.source)?;
        if !m.target.starts_with('/') || m.target.contains(',') || source.contains(',') {
            return Err(format!(
                "mount target {:?} must be an absolute path without commas",
                m.target
            ));
        }
        let mut spec = format!("type=bind,source={source},target={}", m.target);
        // Git's and Chamber's own directories (and anything holding them)
        // are mounted read-only: a container must not plant hooks, config
        // or policy that later run on the host.
        let holds_control = [".git", ".chamber"].iter().any(|d| {
            Path::new(&source).join(d).exists()
                || Path::new(&source)
                    .components()
                    .any(|c| c.as_os_str() == std::ffi::OsStr::new(d))
        });
        if m.read_only || holds_control {
            spec.push_str(",readonly");
        }
        argv.push("--mount".into());
        argv.push(spec);
    }
    for e in &args.env {
        argv.push("--env".into());
        argv.push(e.clone());
    }
    argv.push("--".into());
    argv.push(args.image.clone());
    argv.extend(args.command.iter().cloned());
    Ok(argv)
}

async fn docker(
    shared: &Shared,
    ctx: &ToolContext,
    argv: Vec<String>,
    limit: Duration,
) -> ToolResult {
    match run(
        &ctx.root,
        "docker",
        &argv,
        limit,
        ctx.output_cap,
        &shared.settings.env_allow,
    )
    .await
    {
        Ok(ran) if ran.ok() => success(format!("{}{}", ran.stdout, ran.stderr)),
        Ok(ran) => ran.failure(&format!(
            "docker {}",
            argv.first().map(String::as_str).unwrap_or("")
        )),
        Err(r) => r,
    }
}

async fn build(args: BuildArgs, ctx: ToolContext, shared: Arc<Shared>) -> ToolResult {
    let context = match inside(&ctx.root, args.context.as_deref().unwrap_or(".")) {
        Ok(c) => c,
        Err(e) => return failed(e),
    };
    let mut argv = vec!["build".to_string(), "-t".into(), args.tag];
    if !shared.settings.network {
        argv.push("--network=none".into());
    }
    if let Some(file) = args.dockerfile {
        match inside(&ctx.root, &file) {
            Ok(f) => {
                argv.push("-f".into());
                argv.push(f);
            }
            Err(e) => return failed(e),
        }
    }
    argv.push(context);
    docker(&shared, &ctx, argv, shared.settings.timeout).await
}

async fn run_container(args: RunArgs, ctx: ToolContext, shared: Arc<Shared>) -> ToolResult {
    if args.network && !shared.settings.network {
        return failed(
            "the container asks for the network, which this run does not have: set [sandbox] network = true",
        );
    }
    match run_argv(&ctx.root, &args) {
        Ok(argv) => docker(&shared, &ctx, argv, shared.settings.timeout).await,
        Err(e) => failed(e),
    }
}

async fn ps(_: PsArgs, ctx: ToolContext, shared: Arc<Shared>) -> ToolResult {
    let argv = vec![
        "ps".into(),
        "--format".into(),
        "{{.ID}} {{.Image}} {{.Status}} {{.Names}}".into(),
    ];
    docker(&shared, &ctx, argv, Duration::from_secs(30)).await
}

/// The container adapters.
pub(super) fn tools(shared: &Arc<Shared>) -> Vec<Arc<dyn ExternalTool>> {
    vec![
        adapter(
            shared,
            "docker_build",
            Risk::External,
            "Build an image from a Dockerfile in the workspace.",
            build,
        ),
        adapter(
            shared,
            "docker_run",
            Risk::External,
            "Run a container once (removed after): never privileged, all capabilities dropped, no network unless asked, mounts only from the workspace.",
            run_container,
        ),
        adapter(
            shared,
            "docker_ps",
            Risk::Read,
            "List running containers.",
            ps,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(mounts: Vec<Mount>) -> RunArgs {
        RunArgs {
            image: "alpine:3".into(),
            command: vec!["echo".into(), "hi".into()],
            mounts,
            env: vec![],
            network: false,
        }
    }

    #[test]
    fn containers_are_unprivileged_and_mount_only_the_workspace() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        let argv = run_argv(
            dir.path(),
            &args(vec![Mount {
                source: "src".into(),
                target: "/src".into(),
                read_only: true,
            }]),
        )
        .unwrap();
        let line = argv.join(" ");
        assert!(
            line.contains("--cap-drop=ALL") && line.contains("--network=none"),
            "{line}"
        );
        assert!(!line.contains("--privileged"), "{line}");
        assert!(line.contains(",target=/src,readonly"), "{line}");
        // The workspace itself holds .git: it is mounted read-only even when
        // asked otherwise.
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        let whole = run_argv(
            dir.path(),
            &args(vec![Mount {
                source: ".".into(),
                target: "/w".into(),
                read_only: false,
            }]),
        )
        .unwrap()
        .join(" ");
        assert!(whole.contains(",target=/w,readonly"), "{whole}");
        assert!(line.ends_with("-- alpine:3 echo hi"), "{line}");
        let outside = run_argv(
            dir.path(),
            &args(vec![Mount {
                source: "..".into(),
                target: "/x".into(),
                read_only: false,
            }]),
        );
        assert!(outside.unwrap_err().contains("outside the workspace"));
        let etc = run_argv(
            dir.path(),
            &args(vec![Mount {
                source: "/etc".into(),
                target: "/x".into(),
                read_only: false,
            }]),
        );
        assert!(etc.is_err());
    }
}
