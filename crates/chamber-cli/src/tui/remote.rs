//! `chamber ui --server URL`: the TUI as a client of a running server.
//! A request is a queued task; its run's events arrive over SSE; its
//! approval requests are answered through the approvals API. The UI loop
//! sees the same messages as for a local run.

use std::sync::Arc;

use chamber_agent::{ActionAnswer, ActionQuestion, PlanDecision};
use chamber_protocol::Plan;
use futures::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use super::bridge::{Ended, UiMsg};
use super::panels::{PanelData, RunRow};
use crate::commands::service::api_client::Api;

/// Queues `prompt` for `repo` (a follow-up starts from `base`) and follows
/// the task until it ends.
pub fn start(
    api: Arc<Api>,
    repo: String,
    prompt: String,
    base: Option<String>,
    auto_approve: bool,
    tx: mpsc::UnboundedSender<UiMsg>,
) {
    tokio::spawn(async move {
        let ended = follow(&api, &repo, &prompt, base, auto_approve, &tx).await;
        let _ = tx.send(UiMsg::Finished(Box::new(ended)));
    });
}

async fn follow(
    api: &Api,
    repo: &str,
    prompt: &str,
    base: Option<String>,
    auto_approve: bool,
    tx: &mpsc::UnboundedSender<UiMsg>,
) -> Result<Ended, String> {
    let mut body = json!({"prompt": prompt, "repo": repo, "labels": ["tui"],
        "constraints": {"auto_approve": auto_approve}});
    if let Some(base) = base {
        body["base_branch"] = json!(base);
    }
    let task = api
        .call(api.request(Method::POST, "/v1/tasks").json(&body))
        .await
        .map_err(|e| e.message)?;
    let id = task["id"].as_str().unwrap_or_default().to_string();
    let response = api
        .request(Method::GET, &format!("/v1/tasks/{id}/events"))
        .send()
        .await
        .map_err(|e| format!("cannot follow task {id}: {e}"))?;
    let mut stream = eventsource_stream::EventStream::new(response.bytes_stream());
    while let Some(item) = stream.next().await {
        let ev = item.map_err(|e| format!("the event stream broke: {e}"))?;
        if ev.event == "task_finished" {
            let task: Value = serde_json::from_str(&ev.data).unwrap_or_default();
            return Ok(ended(&task));
        }
        let Ok(event) = serde_json::from_str::<chamber_protocol::Event>(&ev.data) else {
            continue;
        };
        let asks = ev.event == "approval_requested";
        let run_id = event.run_id.clone();
        let _ = tx.send(UiMsg::Event(Box::new(event)));
        if asks {
            answer_pending(api, &run_id, tx).await;
        }
    }
    Err(format!("the stream of task {id} ended before the task did"))
}

/// Shows each pending approval of `run_id` in the TUI and sends the answer.
async fn answer_pending(api: &Api, run_id: &str, tx: &mpsc::UnboundedSender<UiMsg>) {
    // The request is stored just after its event; give it a moment.
    for _ in 0..20 {
        let path = format!("/v1/approvals?state=pending&run_id={run_id}");
        let Ok(list) = api.call(api.request(Method::GET, &path)).await else {
            return;
        };
        let pending = list["approvals"].as_array().cloned().unwrap_or_default();
        if pending.is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            continue;
        }
        for record in pending {
            let decision = ask(&record, tx).await;
            let id = record["id"].as_str().unwrap_or_default();
            let _ = api
                .call(
                    api.request(Method::POST, &format!("/v1/approvals/{id}"))
                        .json(&json!({"decision": decision})),
                )
                .await;
        }
        return;
    }
}

/// Puts one approval record to the person; answers the API's decision.
async fn ask(record: &Value, tx: &mpsc::UnboundedSender<UiMsg>) -> &'static str {
    let text = |k: &str| record[k].as_str().unwrap_or_default().to_string();
    if record["kind"] == "plan"
        && let Ok(plan) = serde_json::from_str::<Plan>(&text("detail"))
    {
        let (reply, answer) = oneshot::channel();
        let _ = tx.send(UiMsg::Plan(Box::new(plan), reply));
        return match answer.await {
            // A server run cannot take an edited plan; the edit is refused
            // in the TUI, so only approve and reject arrive here.
            Ok(PlanDecision::Approve | PlanDecision::Edited(_)) => "approve",
            _ => "reject",
        };
    }
    let question = ActionQuestion {
        description: text("what"),
        reason: text("why"),
        tier: text("tier"),
        approvers: record["approvers_needed"].as_u64().unwrap_or(1) as u8,
        prefix: None,
        rememberable: true,
    };
    let (reply, answer) = oneshot::channel();
    let _ = tx.send(UiMsg::Action(Box::new(question), reply));
    match answer.await {
        Ok(ActionAnswer {
            approved: false, ..
        })
        | Err(_) => "reject",
        Ok(ActionAnswer {
            scope: chamber_policy::GrantScope::Once,
            ..
        }) => "approve",
        Ok(_) => "approve_for_session",
    }
}

/// How a task ended, from its record.
fn ended(task: &Value) -> Ended {
    let result = &task["result"];
    let state = task["state"].as_str().unwrap_or("unknown").to_string();
    let usage = &result["usage"];
    Ended {
        run_id: task["run_id"].as_str().unwrap_or_default().to_string(),
        ok: state == "completed" && result["status"] == "completed",
        summary: result["summary"]
            .as_str()
            .or(task["last_error"].as_str())
            .unwrap_or(&state)
            .to_string(),
        status: state,
        branch: result["branch"].as_str().map(String::from),
        base: task["base_branch"].as_str().map(String::from),
        commit: result["commit"].as_str().map(String::from),
        cost_usd: result["cost_usd"].as_f64().unwrap_or(0.0),
        tokens: usage["prompt_tokens"].as_u64().unwrap_or(0)
            + usage["completion_tokens"].as_u64().unwrap_or(0),
    }
}

/// The server's tasks, for the Tasks, Agents and Patches panels.
pub async fn load_tasks(api: &Api, data: &mut PanelData) {
    match api
        .call(api.request(Method::GET, "/v1/tasks?limit=50"))
        .await
    {
        Ok(list) => {
            data.runs = list["tasks"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|t| RunRow {
                    id: t["id"].as_str().unwrap_or_default().to_string(),
                    status: t["state"].as_str().unwrap_or_default().to_string(),
                    prompt: t["prompt"]
                        .as_str()
                        .unwrap_or_default()
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                    branch: t["result"]["branch"].as_str().map(String::from),
                    base: t["base_branch"].as_str().map(String::from),
                })
                .collect();
        }
        Err(e) => data.note = Some(e.message),
    }
}
