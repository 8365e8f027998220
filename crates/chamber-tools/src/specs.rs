//! How tools describe themselves to the model and to the policy.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// How dangerous a tool is; the policy decides per risk whether to allow, ask
/// or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// Only reads the workspace.
    Read,
    /// Changes files in the workspace.
    Write,
    /// Runs arbitrary commands.
    Exec,
    /// A tool from outside Chamber (an MCP server's): it may do anything,
    /// so it runs inside the step's checkpoint and asks unless the mode or
    /// `[approval.tools]` says otherwise.
    External,
}

/// A tool as offered to the model: its name, what it does and the JSON Schema
/// of its arguments, plus the risk the policy uses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolSpec {
    /// Name the model calls it by.
    pub name: String,
    /// What the tool does, written for the model.
    pub description: String,
    /// JSON Schema (a plain object schema) of the arguments.
    pub parameters: serde_json::Value,
    /// How dangerous a call is.
    pub risk: Risk,
}

/// An arguments struct for one tool; the same type validates calls and
/// produces the schema, so the two cannot disagree.
pub(crate) trait ToolArgs: DeserializeOwned + JsonSchema {
    /// Checks constraints the type system cannot express (ranges, non-empty).
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

/// The JSON Schema the model sees for `A`: inline, without `$schema`, `title`
/// or the struct's own doc text (the tool description says that).
pub(crate) fn schema_for<A: ToolArgs>() -> serde_json::Value {
    let settings = SchemaSettings::draft07().with(|s| {
        s.inline_subschemas = true;
        s.meta_schema = None;
    });
    let schema = settings.into_generator().into_root_schema_for::<A>();
    let mut value = schema.to_value();
    if let Some(obj) = value.as_object_mut() {
        obj.remove("$schema");
        obj.remove("title");
        obj.remove("description");
        obj.remove("definitions");
    }
    strip_integer_formats(&mut value);
    simplify_optional(&mut value);
    value
}

/// Optional fields read `"type": "integer"` rather than `["integer", "null"]`
/// with `"default": null`: less to read for small models, and omitting the
/// field is the way to leave it unset (an explicit null is still accepted).
fn simplify_optional(schema: &mut serde_json::Value) {
    let Some(props) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) else {
        return;
    };
    for prop in props.values_mut() {
        let Some(prop) = prop.as_object_mut() else {
            continue;
        };
        if prop.get("default").is_some_and(|d| d.is_null()) {
            prop.remove("default");
        }
        let single = match prop.get("type").and_then(|t| t.as_array()) {
            Some(types) if types.len() == 2 && types.iter().any(|t| t == "null") => {
                types.iter().find(|t| *t != "null").cloned()
            }
            _ => None,
        };
        if let Some(t) = single {
            prop.insert("type".into(), t);
        }
    }
}

/// Removes Rust-specific `format`s such as `uint64`, which some model servers
/// reject; the `minimum` that schemars adds already says "non-negative".
fn strip_integer_formats(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            let rust_format = map
                .get("format")
                .and_then(|f| f.as_str())
                .is_some_and(|f| f.starts_with("uint") || f.starts_with("int"));
            if rust_format {
                map.remove("format");
            }
            map.values_mut().for_each(strip_integer_formats);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_integer_formats),
        _ => {}
    }
}

/// Why arguments were rejected: they did not fit the schema, or they fit it
/// but broke a rule the schema cannot state.
pub(crate) enum ArgsError {
    /// Deserialisation failed (missing or unknown field, wrong type).
    Schema(String),
    /// A value is out of range or otherwise unusable.
    Invalid(String),
}

/// Parses and checks arguments for `A`.
pub(crate) fn parse_args<A: ToolArgs>(value: &serde_json::Value) -> Result<A, ArgsError> {
    let args: A =
        serde_json::from_value(value.clone()).map_err(|e| ArgsError::Schema(e.to_string()))?;
    args.check().map_err(ArgsError::Invalid)?;
    Ok(args)
}
