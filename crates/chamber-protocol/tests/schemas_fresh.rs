//! Fails when `docs/schemas/` does not match the protocol types.
//! Run with `CHAMBER_UPDATE_SCHEMAS=1` to rewrite the committed files.

use std::path::PathBuf;

#[test]
fn committed_schemas_are_current() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/schemas");
    let update = std::env::var_os("CHAMBER_UPDATE_SCHEMAS").is_some();
    let mut stale = Vec::new();
    for (name, schema) in chamber_protocol::all_schemas() {
        let path = dir.join(format!("{name}.json"));
        let want = serde_json::to_string_pretty(&schema).unwrap() + "\n";
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &want).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(have) if have == want => {}
            _ => stale.push(path.display().to_string()),
        }
    }
    assert!(
        stale.is_empty(),
        "stale JSON Schemas: {stale:?}; regenerate with CHAMBER_UPDATE_SCHEMAS=1 cargo test -p chamber-protocol"
    );
}
