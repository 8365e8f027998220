//! A local server speaking the parts of GitHub's REST API that `chamber pr`
//! uses: create and find pull requests, list review and issue comments, post
//! an issue comment. It records every request.

use std::sync::{Arc, Mutex};

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

/// A request the fake received: `METHOD /path?query`, headers, JSON body
/// (`null` for GETs).
pub type Seen = (String, HeaderMap, Value);

/// The fake's state: what it received and what it answers with.
#[derive(Clone, Default)]
pub struct FakeGitHub {
    /// Base URL, for `GITHUB_API_URL`.
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    pulls: Arc<Mutex<Vec<Value>>>,
    review_comments: Arc<Mutex<Vec<Value>>>,
    issue_comments: Arc<Mutex<Vec<Value>>>,
}

impl FakeGitHub {
    /// Every request so far, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The POSTs so far.
    pub fn posts(&self) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|(p, _, _)| p.starts_with("POST "))
            .collect()
    }

    /// Adds a review comment on `path:line` by `user` to every pull request.
    pub fn add_review_comment(&self, path: &str, line: u64, body: &str, user: &str) {
        let mut list = self.review_comments.lock().unwrap();
        let id = 500 + list.len() as u64;
        list.push(json!({
            "id": id, "path": path, "line": line, "original_line": line,
            "body": body, "user": {"login": user},
        }));
    }

    fn record(&self, method: &str, uri: &Uri, headers: HeaderMap, body: Value) {
        let seen = format!("{method} {uri}");
        self.seen.lock().unwrap().push((seen, headers, body));
    }
}

/// Starts the fake on a free port.
pub async fn start() -> FakeGitHub {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hub = FakeGitHub {
        url: format!("http://{}", listener.local_addr().unwrap()),
        ..FakeGitHub::default()
    };
    let app = Router::new()
        .route("/repos/{owner}/{repo}/pulls", get(find_pulls).post(create))
        .route("/repos/{owner}/{repo}/pulls/{n}/comments", get(reviews))
        .route(
            "/repos/{owner}/{repo}/issues/{n}/comments",
            get(issues).post(comment),
        )
        .with_state(hub.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    hub
}

async fn create(
    State(hub): State<FakeGitHub>,
    UrlPath((owner, repo)): UrlPath<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    hub.record("POST", &uri, headers, body.clone());
    let pr = json!({
        "id": 1001, "number": 42, "state": "open",
        "html_url": format!("https://github.example/{owner}/{repo}/pull/42"),
        "title": body["title"], "draft": body["draft"],
        "head": {"ref": body["head"], "label": format!("{owner}:{}", body["head"].as_str().unwrap_or_default())},
        "base": {"ref": body["base"]}
    });
    hub.pulls.lock().unwrap().push(pr.clone());
    (StatusCode::CREATED, Json(pr))
}

async fn find_pulls(State(hub): State<FakeGitHub>, uri: Uri, headers: HeaderMap) -> Json<Value> {
    hub.record("GET", &uri, headers, Value::Null);
    let query = uri.query().unwrap_or_default().to_string();
    let head = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("head="))
        .unwrap_or_default()
        .to_string();
    let pulls = hub.pulls.lock().unwrap().clone();
    let found: Vec<Value> = pulls
        .into_iter()
        .filter(|pr| head.is_empty() || pr["head"]["label"] == head.as_str())
        .collect();
    Json(json!(found))
}

async fn reviews(State(hub): State<FakeGitHub>, uri: Uri, headers: HeaderMap) -> Json<Value> {
    hub.record("GET", &uri, headers, Value::Null);
    Json(json!(hub.review_comments.lock().unwrap().clone()))
}

async fn issues(State(hub): State<FakeGitHub>, uri: Uri, headers: HeaderMap) -> Json<Value> {
    hub.record("GET", &uri, headers, Value::Null);
    Json(json!(hub.issue_comments.lock().unwrap().clone()))
}

async fn comment(
    State(hub): State<FakeGitHub>,
    UrlPath((owner, repo, n)): UrlPath<(String, String, u64)>,
    uri: Uri,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    hub.record("POST", &uri, headers, body.clone());
    let mut list = hub.issue_comments.lock().unwrap();
    let id = 900 + list.len() as u64;
    let created = json!({
        "id": id, "body": body["body"], "user": {"login": "chamber-bot"},
        "html_url": format!("https://github.example/{owner}/{repo}/pull/{n}#issuecomment-{id}"),
    });
    list.push(created.clone());
    (StatusCode::CREATED, Json(created))
}
