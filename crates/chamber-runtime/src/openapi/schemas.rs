//! The named schemas of a spec (`components.schemas`): object properties
//! with `allOf` parts merged, other types as aliases, and the check that
//! no schema requires itself endlessly.

use serde_json::Value;

use super::spec::{Field, Schema, Ty, deref, ty_of};

/// Every named schema, in the spec's order.
pub fn read_schemas(doc: &Value) -> Vec<Schema> {
    let Some(map) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    map.iter()
        .map(|(name, node)| {
            let description = node
                .get("description")
                .and_then(Value::as_str)
                .and_then(|d| d.lines().next())
                .unwrap_or_default()
                .trim()
                .to_string();
            let mut fields = Vec::new();
            let is_object = collect_fields(doc, node, &mut fields, 0);
            Schema {
                name: name.clone(),
                description,
                fields: is_object.then_some(fields),
                alias: if is_object {
                    Ty::Any
                } else {
                    ty_of(doc, node, 0)
                },
            }
        })
        .collect()
}

/// Adds an object schema's properties (`allOf` parts merged); returns
/// whether the node is an object at all.
fn collect_fields(doc: &Value, node: &Value, out: &mut Vec<Field>, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    let node = deref(doc, node);
    if let Some(Value::Array(parts)) = node.get("allOf") {
        let mut any = false;
        for part in parts {
            any |= collect_fields(doc, part, out, depth + 1);
        }
        return any;
    }
    let props = node.get("properties").and_then(Value::as_object);
    let typed_object = node.get("type").and_then(Value::as_str) == Some("object");
    if props.is_none() && !typed_object {
        return false;
    }
    let required: Vec<&str> = node
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, prop) in props.into_iter().flatten() {
        out.retain(|f| &f.name != name);
        out.push(Field {
            name: name.clone(),
            ty: ty_of(doc, prop, 0),
            required: required.contains(&name.as_str()),
        });
    }
    true
}

/// Schemas that require themselves through required object fields: no
/// finite value fits them, so no request could carry one.
pub fn endless_schemas(schemas: &[Schema]) -> Vec<String> {
    fn required_refs(s: &Schema) -> Vec<&str> {
        let mut out: Vec<&str> = s
            .fields
            .iter()
            .flatten()
            .filter(|f| f.required)
            .filter_map(|f| match &f.ty {
                Ty::Ref(n) => Some(n.as_str()),
                _ => None,
            })
            .collect();
        if let Ty::Ref(n) = &s.alias {
            out.push(n.as_str());
        }
        out
    }
    fn walk<'a>(schemas: &'a [Schema], name: &'a str, path: &mut Vec<&'a str>) -> Option<String> {
        if path.contains(&name) {
            return Some(path.join(" → ") + " → " + name);
        }
        let schema = schemas.iter().find(|s| s.name == name)?;
        path.push(name);
        for next in required_refs(schema) {
            if let Some(cycle) = walk(schemas, next, path) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut problems = Vec::new();
    for s in schemas {
        let mut path = Vec::new();
        if let Some(cycle) = walk(schemas, &s.name, &mut path)
            && cycle.starts_with(&format!("{} ", s.name))
        {
            problems.push(format!(
                "components.schemas.{}: it requires itself ({cycle}), so no finite value fits it; make one of those properties optional",
                s.name
            ));
        }
    }
    problems
}
