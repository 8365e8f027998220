//! What a step records about its changes: a checkpoint before its first
//! tool call that may change files (write or shell), and a patch for every
//! call that did change files. Dry runs record neither: their copy is thrown
//! away and their diff is printed instead.

use std::path::PathBuf;
use std::sync::Arc;

use chamber_protocol::{Checkpoint, CheckpointKind, EventKind, ToolCall, new_id};
use chamber_tools::patches::{PatchOrigin, PatchStore};
use chamber_tools::{EditIntent, FileChange, Git, Journal};

use crate::AgentError;
use crate::file_checkpoint::FileCheckpoint;
use crate::recorder::Recorder;
use crate::workspace::Workspace;

/// The ref namespace that keeps checkpoint trees alive.
pub const CHECKPOINT_REFS: &str = "refs/chamber/checkpoints";

/// One step's checkpoint and patch bookkeeping.
pub struct StepChanges {
    step_id: String,
    run_id: String,
    project: PathBuf,
    git: Option<Git>,
    enabled: bool,
    checkpoint: Option<Checkpoint>,
}

impl StepChanges {
    /// Bookkeeping for `step_id` of `run_id` in `ws`; `resumed` is the
    /// checkpoint the step already has when it is picked up mid-way.
    pub fn new(
        ws: &Workspace,
        run_id: &str,
        step_id: &str,
        dry_run: bool,
        resumed: Option<Checkpoint>,
    ) -> Self {
        Self {
            step_id: step_id.to_string(),
            run_id: run_id.to_string(),
            project: ws.dir.clone(),
            git: ws.git.clone(),
            enabled: !dry_run,
            checkpoint: resumed,
        }
    }

    /// The step id.
    pub fn step_id(&self) -> &str {
        &self.step_id
    }

    /// A fresh journal for one call, or `None` when nothing is recorded.
    pub fn journal(&self) -> Option<Arc<Journal>> {
        self.enabled.then(|| Arc::new(Journal::new(&self.project)))
    }

    /// Creates the step's checkpoint unless it has one.
    pub async fn ensure_checkpoint(&mut self, rec: &mut Recorder) -> Result<(), AgentError> {
        if !self.enabled || self.checkpoint.is_some() {
            return Ok(());
        }
        let id = new_id();
        let checkpoint = match &self.git {
            Some(git) => {
                let scope = git.scope_for(&self.project);
                let tree = git.snapshot_tree(&scope)?;
                let name = format!("{CHECKPOINT_REFS}/{}/{id}", self.run_id);
                git.update_ref(&name, &tree)?;
                Checkpoint {
                    id,
                    kind: CheckpointKind::Git,
                    tree: Some(tree),
                    git_ref: Some(name),
                    dir: None,
                }
            }
            None => {
                let dir = FileCheckpoint::rel_dir(&self.run_id, &id);
                FileCheckpoint::at(&self.project, &dir).create()?;
                Checkpoint {
                    id,
                    kind: CheckpointKind::Files,
                    tree: None,
                    git_ref: None,
                    dir: Some(dir),
                }
            }
        };
        self.checkpoint = Some(checkpoint.clone());
        rec.emit(EventKind::CheckpointCreated {
            step_id: self.step_id.clone(),
            checkpoint,
        })
        .await?;
        Ok(())
    }

    /// Whether writes are announced and recorded (not in dry runs).
    pub fn records(&self) -> bool {
        self.enabled
    }

    /// The project's patch store, which also keeps intent blobs.
    pub fn patch_store(&self) -> PatchStore {
        PatchStore::in_project(&self.project)
    }

    /// Records a write a tool is about to make, before it happens: both
    /// contents go to the blob store, then an `edit_intended` event names
    /// their hashes. A resumed run compares the file with them. When the
    /// copies cannot be saved (a full disk) the run stops before the write.
    pub async fn record_intent(
        &mut self,
        rec: &mut Recorder,
        call: &ToolCall,
        intent: EditIntent,
    ) -> Result<Result<(), String>, AgentError> {
        let store = self.patch_store();
        let put = |bytes: Option<&Vec<u8>>| bytes.map(|b| store.put_blob(b)).transpose();
        // Without its recovery copy the write must not happen; a disk that
        // cannot take the copy stops the run (resumable once there is room).
        let (before, after) = (put(intent.before.as_ref())?, put(intent.after.as_ref())?);
        rec.emit(EventKind::EditIntended {
            step_id: self.step_id.clone(),
            call_id: call.id.clone(),
            path: intent.path,
            before_sha256: before,
            after_sha256: after,
        })
        .await?;
        Ok(Ok(()))
    }

    /// After a call: records its changes (if any) as a patch, saves
    /// pre-images for a files checkpoint, and emits `patch_recorded`.
    pub async fn after_call(
        &mut self,
        rec: &mut Recorder,
        call: &ToolCall,
        journal: Option<Arc<Journal>>,
    ) -> Result<(), AgentError> {
        let Some(journal) = journal else {
            return Ok(());
        };
        let changes = journal.finish_call();
        self.record_changes(rec, call, &changes).await
    }

    /// Records changes a call made (known from its intents when the call
    /// itself was interrupted) as a patch, as [`StepChanges::after_call`] does.
    pub async fn record_changes(
        &mut self,
        rec: &mut Recorder,
        call: &ToolCall,
        changes: &[FileChange],
    ) -> Result<(), AgentError> {
        if !self.enabled || changes.is_empty() {
            return Ok(());
        }
        if let Some(Checkpoint {
            kind: CheckpointKind::Files,
            dir: Some(dir),
            ..
        }) = &self.checkpoint
        {
            FileCheckpoint::at(&self.project, dir).save(changes)?;
        }
        let origin = PatchOrigin {
            run_id: Some(self.run_id.clone()),
            step_id: Some(self.step_id.clone()),
            call_id: Some(call.id.clone()),
            tool: call.name.clone(),
            note: None,
        };
        let record = PatchStore::in_project(&self.project).record(origin, changes)?;
        rec.emit(EventKind::PatchRecorded {
            step_id: self.step_id.clone(),
            call_id: call.id.clone(),
            patch_id: record.id.clone(),
            files: record.paths(),
        })
        .await?;
        Ok(())
    }
}
