//! The OpenAPI 3.1 document of the API, generated from the request and
//! record types (their JSON Schemas via schemars) and the route table
//! below. `docs/openapi.json` is this document; a test fails when it is
//! stale, and every route listed here must answer.

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::approvals_api::AnswerBody;
use crate::task_request::SubmitTask;
use crate::tasks_api::CancelBody;

/// One operation: method, path, scope, summary, body and payload schemas.
struct Op {
    method: &'static str,
    path: &'static str,
    scope: Option<&'static str>,
    summary: &'static str,
    body: Option<Schema>,
    payload: Option<Value>,
    stream: bool,
    errors: &'static [u16],
}

fn object(props: &[(&str, Value)]) -> Value {
    let mut m = Map::new();
    for (k, v) in props {
        m.insert((*k).to_string(), v.clone());
    }
    json!({"type": "object", "properties": m})
}

fn array(items: Schema) -> Value {
    json!({"type": "array", "items": items})
}

fn schema<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

fn operations(g: &mut SchemaGenerator) -> Vec<Op> {
    use chamber_protocol::Event;
    use chamber_store::{ApprovalRecord, RunRecord, TaskRecord};
    let task = json!(schema::<TaskRecord>(g));
    let approval = json!(schema::<ApprovalRecord>(g));
    let events = array(schema::<Event>(g));
    let run = json!(schema::<RunRecord>(g));
    let submit = Some(schema::<SubmitTask>(g));
    let write_errors: &[u16] = &[400, 401, 403, 409, 413, 415, 422, 429];
    let read_errors: &[u16] = &[400, 401, 403, 404];
    let op = |method, path, scope, summary, body, payload, errors| Op {
        method,
        path,
        scope,
        summary,
        body,
        payload,
        stream: false,
        errors,
    };
    vec![
        op(
            "get",
            "/healthz",
            None,
            "The process is alive.",
            None,
            Some(object(&[("status", json!({"type": "string"}))])),
            &[],
        ),
        op(
            "get",
            "/readyz",
            None,
            "The store answers and the workers run (503 otherwise).",
            None,
            Some(object(&[("ready", json!({"type": "boolean"}))])),
            &[503],
        ),
        Op {
            stream: true,
            ..op(
                "get",
                "/metrics",
                None,
                "Prometheus text exposition.",
                None,
                None,
                &[],
            )
        },
        op(
            "get",
            "/v1/openapi.json",
            None,
            "This document.",
            None,
            None,
            &[],
        ),
        op(
            "post",
            "/v1/tasks",
            Some("write"),
            "Queue a task (201), or return the task an Idempotency-Key or unique_key already made (200).",
            submit.clone(),
            Some(task.clone()),
            write_errors,
        ),
        op(
            "get",
            "/v1/tasks",
            Some("read"),
            "Tasks, newest first; filters state, queue, label; cursor pagination.",
            None,
            Some(object(&[
                ("tasks", json!({"type": "array", "items": task.clone()})),
                ("next_cursor", json!({"type": ["integer", "null"]})),
            ])),
            read_errors,
        ),
        op(
            "get",
            "/v1/tasks/{id}",
            Some("read"),
            "One task (a unique id prefix works).",
            None,
            Some(task.clone()),
            read_errors,
        ),
        op(
            "post",
            "/v1/tasks/{id}/cancel",
            Some("write"),
            "Cancel: a queued task ends now, a running one at its next safe point.",
            Some(schema::<CancelBody>(g)),
            Some(task.clone()),
            read_errors,
        ),
        op(
            "post",
            "/v1/tasks/{id}/retry",
            Some("write"),
            "Put a failed, dead-lettered or cancelled task back in the queue.",
            None,
            Some(task.clone()),
            &[401, 403, 404, 409],
        ),
        Op {
            stream: true,
            ..op(
                "get",
                "/v1/tasks/{id}/events",
                Some("read"),
                "The task's run events as SSE (id = cursor; Last-Event-ID resumes), then task_finished.",
                None,
                None,
                read_errors,
            )
        },
        Op {
            stream: true,
            ..op(
                "get",
                "/v1/tasks/{id}/events/ws",
                Some("read"),
                "The same stream over WebSocket.",
                None,
                None,
                read_errors,
            )
        },
        Op {
            stream: true,
            ..op(
                "get",
                "/v1/events",
                Some("read"),
                "Every run's events as SSE, from now or from the cursor.",
                None,
                None,
                read_errors,
            )
        },
        Op {
            stream: true,
            ..op(
                "get",
                "/v1/events/ws",
                Some("read"),
                "Every run's events over WebSocket.",
                None,
                None,
                read_errors,
            )
        },
        op(
            "post",
            "/v1/plans",
            Some("write"),
            "Queue a task that stops after planning; its result names the saved plan.",
            submit,
            Some(task.clone()),
            write_errors,
        ),
        op(
            "post",
            "/v1/plans/{id}/execute",
            Some("approve"),
            "Queue a task that runs a saved plan (calling it is the approval).",
            None,
            Some(task.clone()),
            &[401, 403, 404, 409, 429],
        ),
        op(
            "get",
            "/v1/runs/{id}",
            Some("read"),
            "A run and its full trace.",
            None,
            Some(object(&[("run", run.clone()), ("events", events.clone())])),
            read_errors,
        ),
        op(
            "get",
            "/v1/sessions/{id}",
            Some("read"),
            "A run, its task, whether it can resume, its pending approvals and trace.",
            None,
            Some(object(&[
                ("run", run),
                ("task", json!({"oneOf": [task, {"type": "null"}]})),
                ("resumable", json!({"type": "boolean"})),
                (
                    "pending_approvals",
                    json!({"type": "array", "items": approval.clone()}),
                ),
                ("events", events),
            ])),
            read_errors,
        ),
        op(
            "get",
            "/v1/service/events",
            Some("read"),
            "The service's own log, oldest first: backpressure (queue_full, rate_limit refusals, at most one entry per reason and token each 10 s, with the count it stands for). Query: cursor (the previous page's next_cursor), limit (default 100, at most 1000).",
            None,
            Some(object(&[
                ("events", array(schema::<chamber_store::ServiceEvent>(g))),
                ("next_cursor", json!({"type": ["integer", "null"]})),
            ])),
            read_errors,
        ),
        op(
            "get",
            "/v1/approvals",
            Some("read"),
            "Approval requests (state=pending by default, or approved, rejected, expired, all; run_id).",
            None,
            Some(object(&[(
                "approvals",
                json!({"type": "array", "items": approval.clone()}),
            )])),
            read_errors,
        ),
        op(
            "get",
            "/v1/approvals/{id}",
            Some("read"),
            "One approval request.",
            None,
            Some(approval.clone()),
            read_errors,
        ),
        op(
            "post",
            "/v1/approvals/{id}",
            Some("approve"),
            "Answer: approve, approve_for_session or reject (idempotent; two-person requests need two tokens).",
            Some(schema::<AnswerBody>(g)),
            Some(approval),
            &[400, 401, 403, 404, 409, 415, 422],
        ),
    ]
}

/// The whole document.
pub fn document() -> Value {
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
    });
    let mut g = settings.into_generator();
    let ops = operations(&mut g);
    let error_body = json!(schema::<chamber_protocol::ErrorBody>(&mut g));
    let mut paths = Map::new();
    for op in ops {
        let mut responses = Map::new();
        let ok = if op.stream {
            json!({"description": "A stream or plain text (see the summary)."})
        } else {
            let payload = op.payload.clone().unwrap_or(json!({}));
            json!({
                "description": "OK, in the envelope.",
                "content": {"application/json": {"schema": {
                    "allOf": [{"$ref": "#/components/schemas/Envelope"}, {"type": "object", "properties": {"payload": payload}}]
                }}}
            })
        };
        let code = if op.method == "post" && op.path.ends_with("tasks") {
            "201"
        } else {
            "200"
        };
        responses.insert(code.into(), ok.clone());
        if code == "201" {
            responses.insert("200".into(), ok);
        }
        for e in op.errors {
            responses.insert(
                e.to_string(),
                json!({"description": "Refused, in the envelope with error {code, message, hint}.",
                       "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}}}),
            );
        }
        let mut operation = json!({"summary": op.summary, "responses": responses});
        if let Some(scope) = op.scope {
            operation["security"] = json!([{"bearer": []}]);
            operation["x-scope"] = json!(scope);
        } else {
            operation["security"] = json!([]);
        }
        let params: Vec<Value> = op
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        if !params.is_empty() {
            operation["parameters"] = json!(params);
        }
        if let Some(body) = op.body {
            operation["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": body}}});
        }
        let entry = paths
            .entry(op.path.to_string())
            .or_insert_with(|| json!({}));
        entry[op.method] = operation;
    }
    let mut schemas = Map::new();
    for (name, s) in g.take_definitions(true) {
        schemas.insert(name, s);
    }
    schemas.insert(
        "Envelope".into(),
        json!({
            "type": "object",
            "required": ["ok", "cmd", "version", "duration_ms", "payload", "meta"],
            "properties": {
                "ok": {"type": "boolean"},
                "cmd": {"type": "string"},
                "version": {"type": "string"},
                "duration_ms": {"type": "integer"},
                "payload": {},
                "meta": {"type": "object"},
                "error": error_body,
            }
        }),
    );
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Chamber API",
            "version": crate::envelope::VERSION,
            "description": "Chamber as a service: tasks in a durable queue, run by workers, streamed live, approved from anywhere. See docs/api.md.",
        },
        "servers": [{"url": "http://127.0.0.1:7777"}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A token from `chamber token create`; scopes read ⊂ write ⊂ approve ⊂ admin (x-scope on each operation)."}},
        },
        "paths": paths,
    })
}

/// `GET /v1/openapi.json`.
pub async fn serve_document() -> axum::Json<Value> {
    axum::Json(document())
}
