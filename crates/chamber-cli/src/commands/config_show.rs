use serde_json::json;

use crate::output::Output;
use crate::setup::Setup;

/// `chamber config show`: every merged value with the layer that set it.
pub fn show(setup: &Setup, out: &Output) -> serde_json::Value {
    let mut values = serde_json::Map::new();
    flatten("", &setup.loaded.merged, &mut |key, value| {
        let layer = setup
            .loaded
            .origins
            .get(key)
            .cloned()
            .unwrap_or_else(|| "default".into());
        let file = setup
            .loaded
            .layers
            .iter()
            .find(|l| l.layer == layer)
            .and_then(|l| l.path.as_ref())
            .map(|p| p.display().to_string());
        out.line(format!(
            "{key} = {value}    # {layer}{}",
            file.as_ref().map(|f| format!(" ({f})")).unwrap_or_default()
        ));
        values.insert(
            key.to_string(),
            json!({"value": serde_json::to_value(value).unwrap_or_default(), "layer": layer, "file": file}),
        );
    });
    json!({ "values": values, "layers": setup.loaded.layers })
}

fn flatten(prefix: &str, table: &toml::Table, f: &mut dyn FnMut(&str, &toml::Value)) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, f),
            other => f(&key, other),
        }
    }
}
