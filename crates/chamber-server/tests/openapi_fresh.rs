//! `docs/openapi.json` must be the document the code generates.
//! Regenerate with `CHAMBER_UPDATE_OPENAPI=1 cargo test -p chamber-server --test openapi_fresh`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn committed_openapi_document_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let fresh = serde_json::to_string_pretty(&chamber_server::openapi_document()).unwrap() + "\n";
    if std::env::var_os("CHAMBER_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "docs/openapi.json is stale: run CHAMBER_UPDATE_OPENAPI=1 cargo test -p chamber-server --test openapi_fresh"
    );
}

#[test]
fn the_document_is_openapi_3_1_with_every_route() {
    let doc = chamber_server::openapi_document();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/v1/tasks",
        "/v1/tasks/{id}",
        "/v1/approvals/{id}",
        "/v1/sessions/{id}",
        "/healthz",
    ] {
        assert!(paths.contains_key(p), "{p} missing");
    }
    // Every $ref points at a component that exists.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = part.split('"').next().unwrap();
        assert!(schemas.contains_key(name), "dangling $ref {name}");
    }
}
