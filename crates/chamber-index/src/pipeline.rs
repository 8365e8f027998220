//! Applying an update plan: parser threads read, hash and parse the files
//! to check; the async side writes the results in batches (one SQLite
//! transaction each) and commits the full-text documents every few
//! thousand files. Each file row stays `pending` until its full-text
//! document is committed, so a killed build leaves a consistent index that
//! the next update completes.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::error::IndexError;
use crate::extract::{extract, lang_name, lang_of_path};
use crate::facts::FileEntry;
use crate::index::Index;
use crate::store::FileRecord;
use crate::update::{Progress, UpdateStats};
use crate::walk::{WalkedFile, classify_content, is_test_path};

/// Files written per SQLite transaction.
const BATCH_FILES: usize = 200;
/// Files between full-text commits during a long build.
const COMMIT_FILES: usize = 4000;
/// Longest time between full-text commits during a long build.
const COMMIT_INTERVAL: Duration = Duration::from_secs(10);

/// What an update will do.
pub(crate) struct Plan {
    /// Files to read.
    pub jobs: Vec<Job>,
    /// Paths to drop (gone, or tombstones whose deletion is unfinished).
    pub removed: Vec<String>,
    /// Paths of jobs the store already holds.
    pub existed: HashSet<String>,
    /// Counts so far (unchanged, removed).
    pub stats: UpdateStats,
}

/// A file a parser thread must read.
pub(crate) struct Job {
    pub file: WalkedFile,
    pub stored_hash: Option<String>,
    /// Re-parse even when the hash matches (its document is pending).
    pub force: bool,
    pub content_rules: bool,
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
    /// Carries out a plan and returns the update's figures.
    pub(crate) async fn apply(
        &self,
        plan: Plan,
        progress: &(dyn Fn(Progress) + Send + Sync),
        started: Instant,
    ) -> Result<UpdateStats, IndexError> {
        let Plan {
            jobs,
            removed,
            existed,
            mut stats,
        } = plan;
        if removed.is_empty() && jobs.is_empty() {
            // Nothing on disk changed: no writer, no commit.
            return self.finish(stats, started).await;
        }
        let mut writer = match self.fulltext.writer(jobs.len() + removed.len()) {
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
