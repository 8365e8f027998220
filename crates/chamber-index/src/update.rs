//! [`Index::update`]: the incremental build. Walk, compare each file's
//! size and mtime with the store (equal: skip), read and hash the rest on
//! parser threads (same hash: only the mtime is recorded), parse what
//! changed, and write it (see `pipeline.rs`). [`Index::update_paths`] does
//! the same for a few known paths without walking, for `--watch`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::IndexError;
use crate::index::Index;
use crate::pipeline::{Job, Plan};
use crate::store::{STATE_DONE, STATE_REMOVED, StoredFile};
use crate::walk::{WalkedFile, mtime_ns, walk};

/// Where a running update is, for a progress bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Files read so far.
    pub done: usize,
    /// Files that need reading (new, changed or unfinished).
    pub total: usize,
    /// The file just finished.
    pub path: String,
}

/// What one update did, and the index's size after it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateStats {
    /// Files in the index after the update.
    pub files_total: usize,
    /// Files parsed (new or changed content).
    pub files_parsed: usize,
    /// Files left alone (same size and mtime, or same hash).
    pub files_unchanged: usize,
    /// Files removed from the index (deleted, or now excluded).
    pub files_removed: usize,
    /// Files read but kept out by content (binary, generated, minified).
    pub files_skipped: usize,
    /// Definitions in the index.
    pub symbols: usize,
    /// References in the index.
    pub references: usize,
    /// Wall time of the update.
    #[serde(serialize_with = "as_millis")]
    pub elapsed: Duration,
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Index {
    /// Brings the index up to date with the files on disk: new and changed
    /// files (judged by content hash, after a size+mtime pre-check) are
    /// parsed, removed ones dropped. `progress` is called after each file
    /// read. Fails with [`IndexError::Busy`] when another process is
    /// updating the same index.
    pub async fn update(
        &self,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<UpdateStats, IndexError> {
        let _serial = self.updating.lock().await;
        let started = Instant::now();
        let plan = self.plan_walk().await?;
        self.apply(plan, progress, started).await
    }

    /// Updates only `paths` (absolute, or relative to the root), without
    /// walking the tree: the fast path for a watcher that knows what
    /// changed. Indexed files are re-checked (and dropped when gone); new
    /// files that are hidden or ignored by the root's ignore files are
    /// passed over; any other new file needs the ignore rules of its
    /// directories, so the call falls back to a full [`Index::update`].
    pub async fn update_paths(
        &self,
        paths: &[PathBuf],
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<UpdateStats, IndexError> {
        let _serial = self.updating.lock().await;
        let started = Instant::now();
        let plan = match self.plan_paths(paths).await? {
            Some(plan) => plan,
            None => self.plan_walk().await?,
        };
        self.apply(plan, progress, started).await
    }

    /// The plan of a full update: walk, then compare with the store.
    async fn plan_walk(&self) -> Result<Plan, IndexError> {
        let root = self.root.clone();
        let rules = self.rules.clone();
        let walked = tokio::task::spawn_blocking(move || walk(&root, &rules))
            .await
            .map_err(|e| IndexError::Worker(e.to_string()))?;
        let stored = self.store.files().await?;
        let mut stats = UpdateStats::default();
        let seen: HashSet<&str> = walked.iter().map(|f| f.rel.as_str()).collect();
        let removed: Vec<String> = stored
            .iter()
            .filter(|(path, s)| s.state == STATE_REMOVED || !seen.contains(path.as_str()))
            .map(|(path, _)| path.clone())
            .collect();
        stats.files_removed = removed
            .iter()
            .filter(|p| stored.get(*p).is_some_and(|s| s.state != STATE_REMOVED))
            .count();
        drop(seen);
        let jobs = self.jobs(walked, &stored, &mut stats);
        let existed = jobs
            .iter()
            .filter(|j| stored.contains_key(&j.file.rel))
            .map(|j| j.file.rel.clone())
            .collect();
        Ok(Plan {
            jobs,
            removed,
            existed,
            stats,
        })
    }

    /// The plan for known paths, or `None` when one is new to the index.
    async fn plan_paths(&self, paths: &[PathBuf]) -> Result<Option<Plan>, IndexError> {
        let mut stats = UpdateStats::default();
        let mut removed = Vec::new();
        let mut walked = Vec::new();
        let mut stored = HashMap::new();
        for path in paths {
            let abs = if path.is_absolute() {
                path.clone()
            } else {
                self.root.join(path)
            };
            let Some(rel) = relative(&self.root, &abs) else {
                continue;
            };
            let Some(previous) = self.store.file(&rel).await? else {
                if abs.is_file() && !self.rules.surely_skipped(&rel) {
                    return Ok(None);
                }
                // Neither indexed nor a file: a directory event or a file
                // that came and went.
                continue;
            };
            match std::fs::metadata(&abs) {
                Ok(meta) if meta.is_file() && meta.len() <= self.options.max_file_bytes => {
                    walked.push(WalkedFile {
                        rel: rel.clone(),
                        abs,
                        size: meta.len(),
                        mtime_ns: mtime_ns(&meta),
                    });
                    stored.insert(rel, previous);
                }
                Ok(meta) if meta.is_dir() => return Ok(None),
                _ => {
                    if previous.state != STATE_REMOVED {
                        stats.files_removed += 1;
                    }
                    removed.push(rel);
                }
            }
        }
        let jobs = self.jobs(walked, &stored, &mut stats);
        let existed = jobs.iter().map(|j| j.file.rel.clone()).collect();
        Ok(Some(Plan {
            jobs,
            removed,
            existed,
            stats,
        }))
    }

    /// The files to read: new, changed by size or mtime, or unfinished.
    fn jobs(
        &self,
        walked: Vec<WalkedFile>,
        stored: &HashMap<String, StoredFile>,
        stats: &mut UpdateStats,
    ) -> Vec<Job> {
        let mut jobs = Vec::new();
        for file in walked {
            let previous = stored.get(&file.rel);
            if let Some(s) = previous
                && s.state == STATE_DONE
                && s.size == file.size
                && s.mtime_ns == file.mtime_ns
            {
                stats.files_unchanged += 1;
                continue;
            }
            let content_rules = self.rules.content_rules_apply(&file.rel);
            jobs.push(Job {
                stored_hash: previous.map(|s| s.hash.clone()),
                force: previous.is_none_or(|s| s.state != STATE_DONE),
                content_rules,
                file,
            });
        }
        jobs
    }
}

/// `abs` relative to `root`, `/`-separated (`None` outside the root, in
/// `.git/` or `.chamber/`, or not UTF-8).
fn relative(root: &Path, abs: &Path) -> Option<String> {
    let rel = abs.strip_prefix(root).ok()?;
    let mut parts = Vec::new();
    for part in rel.components() {
        let part = part.as_os_str().to_str()?;
        if part == ".git" || part == ".chamber" {
            return None;
        }
        parts.push(part);
    }
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("/"))
}
