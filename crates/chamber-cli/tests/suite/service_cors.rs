//! CORS: off unless `[server] cors_origins` names origins; then preflights
//! from those origins are answered (before authentication) and others get
//! no CORS headers, and an entry that is not an origin stops `serve`.

use super::harness::{NO_MODEL, Project};
use super::service_harness::{http, serve, token};

/// A preflight for `POST /v1/tasks` from `origin`: its status and the
/// `Access-Control-Allow-Origin` it got, if any.
async fn preflight(base: &str, origin: &str) -> (u16, Option<String>) {
    let r = http()
        .request(reqwest::Method::OPTIONS, format!("{base}/v1/tasks"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, content-type, idempotency-key",
        )
        .send()
        .await
        .unwrap();
    let allow = r
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_string());
    (r.status().as_u16(), allow)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_is_off_by_default_and_allows_only_configured_origins() {
    let p = Project::git(NO_MODEL);
    let t = token(&p, "dash", "read").await;

    let off = serve(&p, &["--workers", "0"], &[]);
    let (_, allow) = preflight(&off.base, "http://localhost:5173").await;
    assert_eq!(allow, None, "no CORS headers without configuration");
    off.stop();

    let on = serve(
        &p,
        &["--workers", "0"],
        &[(
            "CHAMBER_SERVER__CORS_ORIGINS",
            r#"["http://localhost:5173", "https://dash.example.com"]"#,
        )],
    );
    let (code, allow) = preflight(&on.base, "http://localhost:5173").await;
    assert!((200..300).contains(&code), "preflight answered: {code}");
    assert_eq!(allow.as_deref(), Some("http://localhost:5173"));
    let (_, allow) = preflight(&on.base, "https://evil.example.net").await;
    assert_eq!(allow, None, "an origin not listed gets no CORS headers");

    // The real request carries the header too, and still needs its token.
    let listed = http()
        .get(format!("{}/v1/tasks", on.base))
        .header("Origin", "https://dash.example.com")
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status().as_u16(), 200);
    assert_eq!(
        listed.headers()["access-control-allow-origin"],
        "https://dash.example.com"
    );
    let anonymous = http()
        .get(format!("{}/v1/tasks", on.base))
        .header("Origin", "https://dash.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    on.stop();

    // Not an origin: serve refuses to start, naming the entry.
    let bad = p
        .run_env(
            &["--json", "serve", "--listen", "127.0.0.1:0"],
            &[(
                "CHAMBER_SERVER__CORS_ORIGINS",
                r#"["dash.example.com/app"]"#,
            )],
        )
        .await;
    bad.assert_code(5);
    let env = bad.envelope();
    assert_eq!(env["error"]["code"], "config_invalid", "{env}");
    assert!(
        env["error"]["message"]
            .as_str()
            .unwrap()
            .contains("dash.example.com/app"),
        "{env}"
    );
}
