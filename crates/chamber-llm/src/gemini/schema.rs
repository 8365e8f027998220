//! JSON Schema cut down to the OpenAPI subset Gemini's `Schema` accepts.
//! Gemini rejects the whole request over one unknown key (`additionalProperties`,
//! `$schema`, …), so keys are kept by an allow-list rather than removed by a
//! deny-list.

use serde_json::{Map, Value, json};

/// Keys of Gemini's `Schema` object whose values are copied as they are.
const PLAIN_KEYS: &[&str] = &[
    "title",
    "description",
    "nullable",
    "enum",
    "maxItems",
    "minItems",
    "required",
    "minProperties",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "example",
    "propertyOrdering",
    "default",
    "minimum",
    "maximum",
];

/// The `format`s Gemini understands.
const FORMATS: &[&str] = &["enum", "date-time", "int32", "int64", "float", "double"];

/// `schema` with only what Gemini accepts, recursively. A type list such as
/// `["string", "null"]` becomes `"string"` with `nullable: true`, `oneOf`
/// becomes `anyOf`, and `const` becomes a one-value `enum`.
pub(super) fn sanitize(schema: &Value) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        match key.as_str() {
            "properties" => {
                if let Some(props) = value.as_object() {
                    let props: Map<String, Value> = props
                        .iter()
                        .map(|(name, s)| (name.clone(), sanitize(s)))
                        .collect();
                    out.insert(key.clone(), Value::Object(props));
                }
            }
            "items" => {
                out.insert(key.clone(), sanitize(value));
            }
            "anyOf" | "oneOf" => {
                if let Some(options) = value.as_array() {
                    out.insert("anyOf".into(), options.iter().map(sanitize).collect());
                }
            }
            "type" => match value {
                Value::Array(types) => {
                    if let Some(t) = types.iter().find(|t| *t != "null") {
                        out.insert("type".into(), t.clone());
                    }
                    if types.iter().any(|t| t == "null") {
                        out.insert("nullable".into(), json!(true));
                    }
                }
                other => {
                    out.insert("type".into(), other.clone());
                }
            },
            "const" => {
                out.entry("enum").or_insert_with(|| json!([value]));
            }
            // Other formats are dropped by the last arm.
            "format" if value.as_str().is_some_and(|f| FORMATS.contains(&f)) => {
                out.insert(key.clone(), value.clone());
            }
            k if PLAIN_KEYS.contains(&k) => {
                out.insert(key.clone(), value.clone());
            }
            _ => {}
        }
    }
    Value::Object(out)
}

/// Whether a sanitised object schema declares no properties (Gemini rejects
/// `parameters` of type object with an empty `properties`).
pub(super) fn has_no_properties(schema: &Value) -> bool {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .is_none_or(Map::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_what_gemini_accepts() {
        let schema = json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "additionalProperties": false,
            "required": ["path"],
            "properties": {
                "path": {"type": "string", "description": "File path", "minLength": 1},
                "limit": {"type": ["integer", "null"], "format": "uint32", "minimum": 1},
                "mode": {"const": "fast"},
                "items": {"type": "array", "items": {"type": "object",
                    "additionalProperties": false, "properties": {"a": {"type": "string"}}}},
                "when": {"type": "string", "format": "date-time"},
                "either": {"oneOf": [{"type": "string"}, {"type": "integer", "$comment": "x"}]}
            }
        });
        assert_eq!(
            sanitize(&schema),
            json!({
                "type": "object",
                "required": ["path"],
                "properties": {
                    "path": {"type": "string", "description": "File path", "minLength": 1},
                    "limit": {"type": "integer", "nullable": true, "minimum": 1},
                    "mode": {"enum": ["fast"]},
                    "items": {"type": "array", "items": {"type": "object",
                        "properties": {"a": {"type": "string"}}}},
                    "when": {"type": "string", "format": "date-time"},
                    "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]}
                }
            })
        );
        assert!(has_no_properties(
            &json!({"type": "object", "properties": {}})
        ));
        assert!(has_no_properties(&json!({"type": "object"})));
        assert!(!has_no_properties(&json!({"properties": {"a": {}}})));
    }
}
