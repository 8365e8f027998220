//! The requests the generated tests send: sample path and query values and
//! a JSON body holding every required field, so typed frameworks accept the
//! request and reach the stub.

use serde_json::{Value, json};

use super::spec::{Api, Operation, Ty};

/// A value of `ty` (nested objects up to a few levels; `{}` past that).
pub fn value(api: &Api, ty: &Ty, depth: usize) -> Value {
    match ty {
        Ty::String => json!("sample"),
        Ty::Integer => json!(1),
        Ty::Number => json!(1.5),
        Ty::Boolean => json!(true),
        Ty::Array(_) => json!([]),
        Ty::Any => json!({}),
        Ty::Ref(name) => {
            let Some(schema) = api.schemas.iter().find(|s| &s.name == name) else {
                return json!({});
            };
            if depth > 4 {
                return json!({});
            }
            match &schema.fields {
                Some(fields) => Value::Object(
                    fields
                        .iter()
                        .filter(|f| f.required)
                        .map(|f| (f.name.clone(), value(api, &f.ty, depth + 1)))
                        .collect(),
                ),
                None => value(api, &schema.alias, depth + 1),
            }
        }
    }
}

/// A path or query value as text.
fn text(ty: &Ty) -> &'static str {
    match ty {
        Ty::Integer => "1",
        Ty::Number => "1.5",
        Ty::Boolean => "true",
        _ => "sample",
    }
}

/// Percent-encodes all but unreserved characters.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The URL a test requests: path values filled in, required query
/// parameters added.
pub fn url(op: &Operation) -> String {
    let mut url = op.path.clone();
    for p in &op.path_params {
        url = url.replace(&format!("{{{}}}", p.name), text(&p.ty));
    }
    let query: Vec<String> = op
        .query
        .iter()
        .filter(|q| q.required)
        .map(|q| format!("{}={}", encode(&q.name), text(&q.ty)))
        .collect();
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query.join("&"));
    }
    url
}

/// The JSON body a test sends, when the operation takes one.
pub fn body(api: &Api, op: &Operation) -> Option<Value> {
    op.body.as_ref().map(|b| value(api, &b.ty, 0))
}

/// What every stub answers, with 501.
pub fn stub_body(op: &Operation) -> Value {
    json!({"error": "not implemented", "operation": op.id})
}

/// A string literal valid in Python, JavaScript, Rust and Go (JSON's).
pub fn lit(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}
