//! Reading an OpenAPI 3.x document (YAML or JSON) into the small model the
//! generators use: operations and named schemas. Every problem found is
//! collected, so a refused spec lists all of them at once.

use serde_json::{Map, Value};

/// The methods an operation may have (`trace` is refused: browsers' and
/// Node's fetch cannot send it, so its generated test could not run).
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

/// A type in the common subset; anything else is [`Ty::Any`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `type: string` (formats and enums included).
    String,
    /// `type: integer`.
    Integer,
    /// `type: number`.
    Number,
    /// `type: boolean`.
    Boolean,
    /// `type: array` of `items`.
    Array(Box<Ty>),
    /// `$ref: '#/components/schemas/NAME'`.
    Ref(String),
    /// Free-form: inline objects, `oneOf`/`anyOf`, no type.
    Any,
}

/// A path or query parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Its name in the spec.
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// Whether a request must carry it.
    pub required: bool,
}

/// A JSON request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// The schema of `application/json` content.
    pub ty: Ty,
    /// `requestBody.required`.
    pub required: bool,
}

/// One path + method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// `operationId`, else made from the method and path (`getUsersById`).
    pub id: String,
    /// Lower case (`get`, `post`, …).
    pub method: String,
    /// The path template as written (`/users/{id}`).
    pub path: String,
    /// `summary`, else `description`'s first line, else empty.
    pub summary: String,
    /// Path parameters in the order the template names them.
    pub path_params: Vec<Param>,
    /// Query parameters.
    pub query: Vec<Param>,
    /// The JSON body, when there is one.
    pub body: Option<Body>,
}

/// A property of an object schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The JSON name.
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// Listed in `required`.
    pub required: bool,
}

/// A named schema under `components.schemas`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// Its name in the spec.
    pub name: String,
    /// `description`'s first line.
    pub description: String,
    /// Its properties (an object), or `None` for another type ([`Schema::alias`]).
    pub fields: Option<Vec<Field>>,
    /// What a non-object schema stands for.
    pub alias: Ty,
}

/// The spec as the generators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// Every operation, in the spec's order.
    pub operations: Vec<Operation>,
    /// Every named schema, in the spec's order.
    pub schemas: Vec<Schema>,
}

/// Parses `text` (JSON when it starts with `{`, else YAML); a syntax error
/// is returned with its line and column.
pub fn parse(text: &str) -> Result<Value, String> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| format!("JSON syntax error: {e}"))
    } else {
        serde_saphyr::from_str::<Value>(text).map_err(|e| {
            let text = e.to_string();
            format!(
                "YAML syntax error: {}",
                text.trim_start_matches("error: ").trim_end()
            )
        })
    }
}

/// Checks the document and builds the model, or lists every problem.
pub fn read(doc: &Value) -> Result<Api, Vec<String>> {
    let mut problems = Vec::new();
    let Some(root) = doc.as_object() else {
        return Err(vec![
            "the document is not a mapping of keys to values".into(),
        ]);
    };
    match root.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.") => {}
        Some(v) => problems.push(format!("openapi: {v:?} is not OpenAPI 3.x")),
        None if root.contains_key("swagger") => problems.push(
            "this is Swagger 2.0, not OpenAPI 3; convert it first (e.g. with swagger2openapi)"
                .into(),
        ),
        None => problems.push("no `openapi: 3.x` field: not an OpenAPI 3 document".into()),
    }
    check_refs(doc, doc, "", &mut problems);
    let paths = match root.get("paths") {
        Some(Value::Object(p)) if !p.is_empty() => Some(p),
        Some(Value::Object(_)) => {
            problems.push("`paths` is empty: there is nothing to generate".into());
            None
        }
        Some(_) => {
            problems.push("`paths` must be a mapping of paths to operations".into());
            None
        }
        None => {
            problems.push("no `paths`: there is nothing to generate".into());
            None
        }
    };
    let mut operations = Vec::new();
    for (path, item) in paths.into_iter().flatten() {
        read_path(doc, path, item, &mut operations, &mut problems);
    }
    let mut seen = std::collections::BTreeMap::new();
    for op in &operations {
        if let Some(other) = seen.insert(op.id.clone(), format!("{} {}", op.method, op.path)) {
            problems.push(format!(
                "operationId {:?} is used twice ({other} and {} {})",
                op.id, op.method, op.path
            ));
        }
    }
    let schemas = super::schemas::read_schemas(doc);
    problems.extend(super::schemas::endless_schemas(&schemas));
    if !problems.is_empty() {
        return Err(problems);
    }
    let info = root.get("info");
    let text = |key: &str| {
        info.and_then(|i| i.get(key))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Ok(Api {
        title: Some(text("title"))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "API".into()),
        version: text("version"),
        operations,
        schemas,
    })
}

/// Every `$ref` must be a local JSON pointer (`#/…`) to something that exists.
fn check_refs(doc: &Value, node: &Value, at: &str, problems: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref") {
                match r.as_str() {
                    Some(r) if !r.starts_with("#/") => problems.push(format!(
                        "{at}: $ref {r:?} points outside this file (only `#/…` references are followed)"
                    )),
                    Some(r) if resolve(doc, r).is_none() => {
                        problems.push(format!("{at}: $ref {r:?} points to nothing"))
                    }
                    Some(_) => {}
                    None => problems.push(format!("{at}: $ref must be a string")),
                }
            }
            for (k, v) in map {
                check_refs(
                    doc,
                    v,
                    &format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    problems,
                );
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                check_refs(doc, v, &format!("{at}/{i}"), problems);
            }
        }
        _ => {}
    }
}

/// The value a local `$ref` (`#/a/b~1c`) points to.
pub fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    doc.pointer(pointer)
}

/// `node`, or what its `$ref` points to (a few hops at most).
pub fn deref<'a>(doc: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..8 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => match resolve(doc, r) {
                Some(next) => node = next,
                None => return node,
            },
            None => return node,
        }
    }
    node
}

fn read_path(
    doc: &Value,
    path: &str,
    item: &Value,
    operations: &mut Vec<Operation>,
    problems: &mut Vec<String>,
) {
    if !path.starts_with('/') {
        problems.push(format!("paths: {path:?} must start with `/`"));
        return;
    }
    let item = deref(doc, item);
    let Some(item) = item.as_object() else {
        problems.push(format!(
            "paths.{path}: must be a mapping of methods to operations"
        ));
        return;
    };
    if item.contains_key("trace") {
        problems.push(format!(
            "paths.{path}.trace: trace operations are not supported (their test could not send them)"
        ));
    }
    let shared = params_of(doc, item);
    let names = template_names(path);
    for method in METHODS {
        let Some(op) = item.get(method) else { continue };
        let at = format!("paths.{path}.{method}");
        let Some(op) = op.as_object() else {
            problems.push(format!("{at}: an operation must be a mapping"));
            continue;
        };
        match op.get("responses") {
            Some(Value::Object(r)) if !r.is_empty() => {}
            _ => problems.push(format!(
                "{at}: no `responses` (every operation needs at least one)"
            )),
        }
        let mut params = shared.clone();
        for p in params_of(doc, op) {
            params.retain(|(n, loc, _)| !(n == &p.0 && loc == &p.1));
            params.push(p);
        }
        let mut path_params = Vec::new();
        for name in &names {
            match params.iter().find(|(n, loc, _)| n == name && loc == "path") {
                Some((_, _, ty)) => path_params.push(Param {
                    name: name.clone(),
                    ty: ty.clone(),
                    required: true,
                }),
                None => problems.push(format!(
                    "{at}: path parameter {{{name}}} is not declared under `parameters` (in: path)"
                )),
            }
        }
        for (n, loc, _) in &params {
            if loc == "path" && !names.contains(n) {
                problems.push(format!("{at}: path parameter {n:?} is not in the path"));
            }
        }
        let query = params
            .iter()
            .filter(|(_, loc, _)| loc == "query")
            .map(|(name, _, ty)| Param {
                name: name.clone(),
                ty: ty.clone(),
                required: required_param(doc, op, item, name),
            })
            .collect();
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map_or_else(|| derived_id(method, path), String::from);
        let summary = op
            .get("summary")
            .or_else(|| op.get("description"))
            .and_then(Value::as_str)
            .and_then(|s| s.lines().next())
            .unwrap_or_default()
            .trim()
            .to_string();
        operations.push(Operation {
            id,
            method: method.to_string(),
            path: path.to_string(),
            summary,
            path_params,
            query,
            body: body_of(doc, op),
        });
    }
}

/// `(name, in, type)` of a path item's or operation's `parameters`.
fn params_of(doc: &Value, node: &Map<String, Value>) -> Vec<(String, String, Ty)> {
    let Some(list) = node.get("parameters").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|p| {
            let p = deref(doc, p);
            let name = p.get("name")?.as_str()?.to_string();
            let loc = p.get("in")?.as_str()?.to_string();
            let ty = p.get("schema").map_or(Ty::String, |s| ty_of(doc, s, 0));
            Some((name, loc, ty))
        })
        .collect()
}

fn required_param(
    doc: &Value,
    op: &Map<String, Value>,
    item: &Map<String, Value>,
    name: &str,
) -> bool {
    [op, item].into_iter().find_map(|node| {
        node.get("parameters")?.as_array()?.iter().find_map(|p| {
            let p = deref(doc, p);
            (p.get("name")?.as_str()? == name && p.get("in")?.as_str()? == "query")
                .then(|| p.get("required").and_then(Value::as_bool).unwrap_or(false))
        })
    }) == Some(true)
}

fn body_of(doc: &Value, op: &Map<String, Value>) -> Option<Body> {
    let body = deref(doc, op.get("requestBody")?);
    let content = body.get("content")?.as_object()?;
    let media = content
        .iter()
        .find(|(k, _)| k.starts_with("application/json") || k.ends_with("+json"))?
        .1;
    Some(Body {
        ty: media.get("schema").map_or(Ty::Any, |s| ty_of(doc, s, 0)),
        required: body
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

/// The `{name}` parts of a path template, in order.
pub fn template_names(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string()))
        .collect()
}

/// `getUsersById` for `GET /users/{id}`.
fn derived_id(method: &str, path: &str) -> String {
    let mut id = method.to_string();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        let (prefix, word) = match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(inner) => ("By", inner),
            None => ("", seg),
        };
        id.push_str(prefix);
        for part in word
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|p| !p.is_empty())
        {
            let mut chars = part.chars();
            if let Some(first) = chars.next() {
                id.push(first.to_ascii_uppercase());
                id.push_str(chars.as_str());
            }
        }
    }
    id
}

/// The type of a schema node (`depth` stops reference loops).
pub fn ty_of(doc: &Value, node: &Value, depth: usize) -> Ty {
    if depth > 8 {
        return Ty::Any;
    }
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        if let Some(name) = r.strip_prefix("#/components/schemas/")
            && !name.contains('/')
        {
            return Ty::Ref(name.replace("~1", "/").replace("~0", "~"));
        }
        return resolve(doc, r).map_or(Ty::Any, |n| ty_of(doc, n, depth + 1));
    }
    if let Some(Value::Array(parts)) = node.get("allOf")
        && let [only] = parts.as_slice()
    {
        return ty_of(doc, only, depth + 1);
    }
    let ty = match node.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    };
    match ty {
        Some("string") => Ty::String,
        Some("integer") => Ty::Integer,
        Some("number") => Ty::Number,
        Some("boolean") => Ty::Boolean,
        Some("array") => Ty::Array(Box::new(
            node.get("items")
                .map_or(Ty::Any, |i| ty_of(doc, i, depth + 1)),
        )),
        _ => Ty::Any,
    }
}
