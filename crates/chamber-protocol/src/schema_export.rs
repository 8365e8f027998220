use schemars::schema_for;

use crate::{Envelope, Event, Plan, Task, ToolCall, ToolResult};

/// Every public protocol type's JSON Schema, keyed by file stem. The committed
/// copies in `docs/schemas/` are checked against this by a test.
pub fn all_schemas() -> Vec<(&'static str, serde_json::Value)> {
    let pairs = [
        ("task", schema_for!(Task)),
        ("plan", schema_for!(Plan)),
        ("tool_call", schema_for!(ToolCall)),
        ("tool_result", schema_for!(ToolResult)),
        ("event", schema_for!(Event)),
        ("envelope", schema_for!(Envelope)),
    ];
    pairs
        .into_iter()
        .map(|(name, schema)| (name, schema.to_value()))
        .collect()
}
