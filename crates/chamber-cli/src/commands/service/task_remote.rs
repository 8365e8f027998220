//! `chamber task … --server URL`: the same commands over the HTTP API,
//! with the token from `--token` or `CHAMBER_TOKEN`.

use chamber_agent::Observer;
use futures::StreamExt;
use serde_json::{Value, json};

use super::api_client::{Api, net_error};
use super::task::{approver_name, submission};
use super::task_text::{print_task, task_line};
use crate::cli_service::TaskAction;
use crate::exit::{CliError, status};
use crate::output::Output;
use crate::printer::LivePrinter;
use crate::setup::Setup;

/// Runs a task command against `base`.
pub async fn task(
    setup: &Setup,
    base: &str,
    token: Option<&str>,
    action: TaskAction,
    out: &Output,
) -> Result<(Value, i32), CliError> {
    use reqwest::Method;
    let api = Api::new(base, token);
    let payload = match &action {
        TaskAction::Submit { .. } => {
            let Some(sub) = submission(setup, &action)? else {
                return Ok((Value::Null, status::OK));
            };
            let mut r = api.request(Method::POST, "/v1/tasks").json(&sub.body);
            if let Some(k) = &sub.key {
                r = r.header("Idempotency-Key", k);
            }
            let t = api.call(r).await?;
            out.line(format!("queued task {}", t["id"].as_str().unwrap_or("")));
            t
        }
        TaskAction::List { state, limit, .. } => {
            // State names are plain words; anything else is refused here.
            let mut path = format!("/v1/tasks?limit={limit}");
            if let Some(s) = state {
                if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(CliError::new(
                        "bad_flag",
                        format!("--state {s:?}"),
                        None,
                        status::CONFIG,
                    ));
                }
                path.push_str(&format!("&state={s}"));
            }
            let p = api.call(api.request(Method::GET, &path)).await?;
            for t in p["tasks"].as_array().into_iter().flatten() {
                out.line(task_line(t));
            }
            p
        }
        TaskAction::Show { id, .. } => {
            let t = api
                .call(api.request(Method::GET, &format!("/v1/tasks/{id}")))
                .await?;
            print_task(&t, out);
            t
        }
        TaskAction::Cancel { id, .. } | TaskAction::Retry { id, .. } => {
            let verb = if matches!(action, TaskAction::Cancel { .. }) {
                "cancel"
            } else {
                "retry"
            };
            let t = api
                .call(api.request(Method::POST, &format!("/v1/tasks/{id}/{verb}")))
                .await?;
            print_task(&t, out);
            t
        }
        TaskAction::Approve {
            id,
            approver,
            for_session,
            ..
        } => {
            let decision = if *for_session {
                "approve_for_session"
            } else {
                "approve"
            };
            answer(&api, id, decision, approver_name(approver.clone()), out).await?
        }
        TaskAction::Reject { id, approver, .. } => {
            answer(&api, id, "reject", approver_name(approver.clone()), out).await?
        }
        TaskAction::Logs { id, follow, .. } => logs(&api, id, *follow, out).await?,
    };
    Ok((payload, status::OK))
}

async fn answer(
    api: &Api,
    id: &str,
    decision: &str,
    approver: String,
    out: &Output,
) -> Result<Value, CliError> {
    use reqwest::Method;
    let task = api
        .call(api.request(Method::GET, &format!("/v1/tasks/{id}")))
        .await?;
    let run = task["run_id"].as_str().unwrap_or_default().to_string();
    let list = api
        .call(api.request(Method::GET, &format!("/v1/approvals?run_id={run}")))
        .await?;
    let Some(first) = list["approvals"]
        .as_array()
        .and_then(|a| a.first())
        .cloned()
    else {
        return Err(CliError::new(
            "nothing_pending",
            format!("task {id} waits for no approval"),
            Some("`chamber task show ID` shows where it stands"),
            status::INVALID_STATE,
        ));
    };
    let aid = first["id"].as_str().unwrap_or_default();
    let a = api
        .call(
            api.request(Method::POST, &format!("/v1/approvals/{aid}"))
                .json(&json!({"decision": decision, "approver": approver})),
        )
        .await?;
    out.line(format!(
        "{} {}: {} ({})",
        a["kind"].as_str().unwrap_or(""),
        aid,
        a["state"].as_str().unwrap_or(""),
        a["what"].as_str().unwrap_or("")
    ));
    Ok(a)
}

/// Without `--follow`, the run's events so far; with it, the SSE stream
/// until the task ends.
async fn logs(api: &Api, id: &str, follow: bool, out: &Output) -> Result<Value, CliError> {
    use reqwest::Method;
    let printer = LivePrinter::new(out);
    if !follow {
        let task = api
            .call(api.request(Method::GET, &format!("/v1/tasks/{id}")))
            .await?;
        let Some(run) = task["run_id"].as_str() else {
            return Ok(json!({"task": task, "events": 0}));
        };
        let p = api
            .call(api.request(Method::GET, &format!("/v1/runs/{run}")))
            .await?;
        let events = p["events"].as_array().cloned().unwrap_or_default();
        for e in &events {
            if let Ok(e) = serde_json::from_value(e.clone()) {
                printer.event(&e);
            }
        }
        return Ok(json!({"task": task, "events": events.len()}));
    }
    let response = api
        .request(Method::GET, &format!("/v1/tasks/{id}/events"))
        .send()
        .await
        .map_err(net_error(&api.base))?;
    if !response.status().is_success() {
        let r = api.request(Method::GET, &format!("/v1/tasks/{id}"));
        api.call(r).await?;
    }
    let mut stream = eventsource_stream::EventStream::new(response.bytes_stream());
    let mut count = 0u64;
    while let Some(item) = stream.next().await {
        let Ok(ev) = item else { break };
        if ev.event == "task_finished" {
            let task: Value = serde_json::from_str(&ev.data).unwrap_or_default();
            out.line(format!(
                "task {}: {}",
                task["id"].as_str().unwrap_or(id),
                task["state"].as_str().unwrap_or("")
            ));
            return Ok(json!({"task": task, "events": count}));
        }
        if let Ok(e) = serde_json::from_str(&ev.data) {
            count += 1;
            printer.event(&e);
        }
    }
    Ok(json!({"events": count}))
}
