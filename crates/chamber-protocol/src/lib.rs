//! The types every Chamber crate shares: tasks, plans, tool calls and results,
//! events and the CLI/API envelope. Pure data: no IO, nothing async.

mod checkpoint;
mod envelope;
mod event;
mod event_name;
mod focus;
mod ids;
mod merge;
mod plan;
mod schema_export;
mod task;
mod tool;

pub use checkpoint::{Checkpoint, CheckpointKind};
pub use envelope::{Envelope, ErrorBody};
pub use event::{ContextPiece, Event, EventKind, OutputStream, RunStatus, Usage};
pub use focus::FocusedFile;
pub use ids::new_id;
pub use merge::PendingMerge;
pub use plan::{FixedCall, Plan, Step, StepAction, StepKind, StepPath};
pub use schema_export::all_schemas;
pub use task::{Origin, RunBudget, Task, TaskConstraints};
pub use tool::{ToolCall, ToolResult, ToolStatus};
