//! Turning what an MCP server returns (tool results, resources, prompts)
//! into text for the model and the trace.

use rmcp::model::{CallToolResult, ContentBlock, ResourceContents};

/// One content block as text: text as is, binary data described by type
/// and size (base64 would only fill the context).
pub fn block_text(block: &ContentBlock) -> String {
    match block {
        ContentBlock::Text(t) => t.text.clone(),
        ContentBlock::Image(i) => {
            format!("[image {}, {} bytes of base64]", i.mime_type, i.data.len())
        }
        ContentBlock::Audio(a) => {
            format!("[audio {}, {} bytes of base64]", a.mime_type, a.data.len())
        }
        ContentBlock::Resource(r) => resource_text(&r.resource),
        ContentBlock::ResourceLink(link) => format!("[resource link {}]", link.uri),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

/// A resource's contents as text.
pub fn resource_text(contents: &ResourceContents) -> String {
    match contents {
        ResourceContents::TextResourceContents { text, .. } => text.clone(),
        ResourceContents::BlobResourceContents {
            uri,
            mime_type,
            blob,
            ..
        } => format!(
            "[{uri}: {}, {} bytes of base64]",
            mime_type.as_deref().unwrap_or("binary"),
            blob.len()
        ),
        _ => "[resource of an unknown kind]".to_string(),
    }
}

/// A tool result's text: every block, then the structured content when
/// no block carried text.
pub fn result_text(result: &CallToolResult) -> String {
    let mut parts: Vec<String> = result.content.iter().map(block_text).collect();
    if parts.iter().all(|p| p.trim().is_empty())
        && let Some(structured) = &result.structured_content
    {
        parts.push(structured.to_string());
    }
    parts.join("\n")
}
