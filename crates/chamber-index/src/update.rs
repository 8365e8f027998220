//! [`Index::update`]: the incremental build. Walk, compare each file's
//! size and mtime with the store (equal: skip), read and hash the rest on
//! parser threads (same hash: only the mtime is recorded), parse what
//! changed, and write it in batches: one SQLite transaction per batch, the
//! full-text documents committed every few thousand files. Each file row
//! stays `pending` until its full-text document is committed, so a killed
//! build leaves a consistent index that the next update completes.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::error::IndexError;
use crate::extract::{extract, lang_name, lang_of_path};
use crate::facts::FileEntry;
use crate::index::Index;
use crate::store::{FileRecord, STATE_DONE, STATE_REMOVED, StoredFile};
use crate::walk::{WalkedFile, classify_content, is_test_path, walk};

/// Files written per SQLite transaction.
const BATCH_FILES: usize = 200;
/// Files between full-text commits during a long build.
const COMMIT_FILES: usize = 4000;
/// Longest time between full-text commits during a long build.
const COMMIT_INTERVAL: Duration = Duration::from_secs(10);

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

/// A file a parser thread must read.
struct Job {
    file: WalkedFile,
    stored_hash: Option<String>,
    /// Re-parse even when the hash matches (its document is pending).
    force: bool,
    content_rules: bool,
}

/// What a parser thread made of a job.
enum Outcome {
    /// Same hash: only the mtime moved.
    Unchanged { path: String, mtime_ns: i64 },
    /// New or changed: the record to write and its full-text document.
    Parsed(Box<Parsed>),
    /// Vanished between the walk and the read.
    Gone { path: String },
}

struct Parsed {
    record: FileRecord,
    content: String,
    symbol_names: String,
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
        if removed.is_empty() && jobs.is_empty() {
            // Nothing on disk changed: no writer, no commit.
            return self.finish(stats, started).await;
        }
        let mut writer = match self.fulltext.writer() {
            Ok(writer) => writer,
            Err(IndexError::FullText(tantivy::TantivyError::LockFailure(..))) => {
                return Err(IndexError::Busy);
            }
            Err(e) => return Err(e),
        };
        if !removed.is_empty() {
            self.store.remove(&removed).await?;
            for path in &removed {
                self.fulltext.delete(&writer, path);
            }
        }
        let total = jobs.len();
        let existed: HashSet<String> = jobs
            .iter()
            .filter(|j| stored.contains_key(&j.file.rel))
            .map(|j| j.file.rel.clone())
            .collect();
        let (sender, mut receiver) = mpsc::channel::<Outcome>(256);
        let workers = spawn_workers(jobs, self.options.worker_count(), sender);

        let mut batch: Vec<Parsed> = Vec::new();
        let mut touched: Vec<(String, i64)> = Vec::new();
        let mut written: Vec<String> = Vec::new();
        let mut pending_removed = removed;
        let mut gone: Vec<String> = Vec::new();
        let mut since_commit = 0usize;
        let mut last_commit = Instant::now();
        let mut done = 0usize;
        while let Some(outcome) = receiver.recv().await {
            done += 1;
            let path = match outcome {
                Outcome::Unchanged { path, mtime_ns } => {
                    stats.files_unchanged += 1;
                    touched.push((path.clone(), mtime_ns));
                    path
                }
                Outcome::Gone { path } => {
                    if existed.contains(&path) {
                        gone.push(path.clone());
                    }
                    path
                }
                Outcome::Parsed(parsed) => {
                    let path = parsed.record.entry.path.clone();
                    if parsed.record.skipped.is_some() {
                        stats.files_skipped += 1;
                    } else {
                        stats.files_parsed += 1;
                    }
                    batch.push(*parsed);
                    path
                }
            };
            progress(Progress { done, total, path });
            if batch.len() >= BATCH_FILES {
                since_commit += batch.len();
                self.flush(&writer, &mut batch, &mut written).await?;
            }
            if since_commit >= COMMIT_FILES
                || (since_commit > 0 && last_commit.elapsed() >= COMMIT_INTERVAL)
            {
                self.commit(&mut writer, &mut written, &mut pending_removed)
                    .await?;
                since_commit = 0;
                last_commit = Instant::now();
            }
        }
        for worker in workers {
            worker
                .join()
                .map_err(|_| IndexError::Worker("a parser thread panicked".to_owned()))?;
        }
        self.flush(&writer, &mut batch, &mut written).await?;
        if !touched.is_empty() {
            self.store.touch(&touched).await?;
        }
        if !gone.is_empty() {
            self.store.remove(&gone).await?;
            for path in &gone {
                self.fulltext.delete(&writer, path);
            }
            stats.files_removed += gone.len();
            pending_removed.extend(gone);
        }
        self.commit(&mut writer, &mut written, &mut pending_removed)
            .await?;
        drop(writer);
        self.finish(stats, started).await
    }

    /// Fills in the index's totals and the elapsed time.
    async fn finish(
        &self,
        mut stats: UpdateStats,
        started: Instant,
    ) -> Result<UpdateStats, IndexError> {
        let (files, symbols, references) = self.store.counts().await?;
        stats.files_total = files;
        stats.symbols = symbols;
        stats.references = references;
        stats.elapsed = started.elapsed();
        Ok(stats)
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

    /// Writes a batch to SQLite, then queues its full-text documents.
    async fn flush(
        &self,
        writer: &tantivy::IndexWriter,
        batch: &mut Vec<Parsed>,
        written: &mut Vec<String>,
    ) -> Result<(), IndexError> {
        if batch.is_empty() {
            return Ok(());
        }
        let records: Vec<FileRecord> = batch.iter().map(|p| p.record.clone()).collect();
        self.store.write_batch(&records).await?;
        for parsed in batch.drain(..) {
            let record = &parsed.record;
            if record.skipped.is_some() {
                if record.existed {
                    self.fulltext.delete(writer, &record.entry.path);
                }
            } else {
                self.fulltext.add(
                    writer,
                    &record.entry.path,
                    &parsed.content,
                    &parsed.symbol_names,
                    record.existed,
                )?;
            }
            written.push(parsed.record.entry.path);
        }
        Ok(())
    }

    /// Commits the full-text index, then marks what it covers as done.
    async fn commit(
        &self,
        writer: &mut tantivy::IndexWriter,
        written: &mut Vec<String>,
        removed: &mut Vec<String>,
    ) -> Result<(), IndexError> {
        if written.is_empty() && removed.is_empty() {
            return Ok(());
        }
        writer.commit()?;
        self.store.clear_pending(written, removed).await?;
        written.clear();
        removed.clear();
        self.fulltext.reload()
    }
}

/// Starts the parser threads; they share the job list and stop when it is
/// empty or the receiver is gone.
fn spawn_workers(
    jobs: Vec<Job>,
    count: usize,
    sender: mpsc::Sender<Outcome>,
) -> Vec<std::thread::JoinHandle<()>> {
    let jobs = Arc::new(jobs);
    let next = Arc::new(AtomicUsize::new(0));
    let count = count.clamp(1, jobs.len().max(1));
    (0..count)
        .map(|_| {
            let jobs = Arc::clone(&jobs);
            let next = Arc::clone(&next);
            let sender = sender.clone();
            std::thread::spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    if sender.blocking_send(process(job)).is_err() {
                        break;
                    }
                }
            })
        })
        .collect()
}

/// Reads, hashes and (when changed) parses one file.
fn process(job: &Job) -> Outcome {
    let file = &job.file;
    let Ok(bytes) = std::fs::read(&file.abs) else {
        return Outcome::Gone {
            path: file.rel.clone(),
        };
    };
    let hash = hex(&Sha256::digest(&bytes));
    if !job.force && job.stored_hash.as_deref() == Some(hash.as_str()) {
        return Outcome::Unchanged {
            path: file.rel.clone(),
            mtime_ns: file.mtime_ns,
        };
    }
    let skipped = classify_content(&bytes, job.content_rules).map(|s| s.as_str());
    let lang = lang_of_path(&file.rel);
    let entry = FileEntry {
        path: file.rel.clone(),
        lang: lang.map(|l| lang_name(l).to_owned()),
        size: bytes.len() as u64,
        hash,
        mtime_ns: file.mtime_ns,
        is_test: is_test_path(&file.rel),
    };
    let existed = job.stored_hash.is_some();
    if skipped.is_some() {
        return Outcome::Parsed(Box::new(Parsed {
            record: FileRecord {
                entry,
                skipped,
                symbols: Vec::new(),
                references: Vec::new(),
                imports: Vec::new(),
                existed,
            },
            content: String::new(),
            symbol_names: String::new(),
        }));
    }
    let content = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    let facts = match lang {
        Some(lang) => extract(lang, &file.rel, &content),
        None => Default::default(),
    };
    let symbol_names = facts
        .symbols
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    Outcome::Parsed(Box::new(Parsed {
        record: FileRecord {
            entry,
            skipped: None,
            symbols: facts.symbols,
            references: facts.references,
            imports: facts.imports.into_iter().map(|i| i.target).collect(),
            existed,
        },
        content,
        symbol_names,
    }))
}

/// Lowercase hex of a digest.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}
