use chamber_protocol::ToolCall;
use serde::{Deserialize, Serialize};

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Instructions from Chamber.
    System,
    /// The user's words (and context Chamber adds on their behalf).
    User,
    /// The model.
    Assistant,
    /// A tool result.
    Tool,
}

/// One message of a conversation in Chamber's own model; adapters convert
/// it to each provider's wire format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Author.
    pub role: Role,
    /// Text.
    pub content: String,
    /// Tool calls made by an assistant message.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// For tool messages: the call this answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    /// For assistant messages: the reasoning the model showed, sent back to
    /// providers that require it alongside tool calls (Anthropic thinking).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reasoning: String,
    /// The provider's opaque signature of `reasoning`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_signature: Option<String>,
}

impl Message {
    /// A system message.
    pub fn system(text: impl Into<String>) -> Self {
        Self {
            role: Role::System,
            content: text.into(),
            tool_calls: Vec::new(),
            tool_call_id: None,
            reasoning: String::new(),
            reasoning_signature: None,
        }
    }

    /// A user message.
    pub fn user(text: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: text.into(),
            tool_calls: Vec::new(),
            tool_call_id: None,
            reasoning: String::new(),
            reasoning_signature: None,
        }
    }

    /// An assistant message, possibly with tool calls.
    pub fn assistant(text: impl Into<String>, tool_calls: Vec<ToolCall>) -> Self {
        Self {
            role: Role::Assistant,
            content: text.into(),
            tool_calls,
            tool_call_id: None,
            reasoning: String::new(),
            reasoning_signature: None,
        }
    }

    /// A tool result answering `call_id`.
    pub fn tool(call_id: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            role: Role::Tool,
            content: text.into(),
            tool_calls: Vec::new(),
            tool_call_id: Some(call_id.into()),
            reasoning: String::new(),
            reasoning_signature: None,
        }
    }
}

/// A tool the model may call: name, purpose and JSON Schema of its arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolDef {
    /// Tool name.
    pub name: String,
    /// What it does, for the model.
    pub description: String,
    /// JSON Schema of the arguments object.
    pub parameters: serde_json::Value,
}

/// Constrained output: the model must answer with JSON matching a schema.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseFormat {
    /// Schema name (letters, digits, `_`, `-`).
    pub name: String,
    /// The JSON Schema.
    pub schema: serde_json::Value,
}

/// One request to a model.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    /// Model name.
    pub model: String,
    /// The conversation so far.
    pub messages: Vec<Message>,
    /// Tools offered.
    pub tools: Vec<ToolDef>,
    /// Constrained output, if wanted.
    pub response_format: Option<ResponseFormat>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// Cap on generated tokens.
    pub max_tokens: Option<u32>,
    /// The answer must be a tool call (OpenAI's `tool_choice: "required"`;
    /// in json_schema mode the plain-answer branch is left out).
    pub require_tool: bool,
    /// The tools the answer may call this turn, when fewer than `tools`.
    /// The prompt-based tool modes still describe every tool in the prompt,
    /// so the prompt stays the same from turn to turn (and a server's prompt
    /// cache holds), and narrow only the answer's grammar. Native adapters
    /// send `tools` as they are: callers narrow `tools` themselves there.
    pub allowed_tools: Option<Vec<String>>,
    /// Tokens the model may spend thinking before answering, for providers
    /// with explicit reasoning (Anthropic `thinking.budget_tokens`, Gemini
    /// `thinkingBudget`, OpenAI `reasoning.effort` derived from it); `None`
    /// leaves the provider's default.
    pub thinking_budget: Option<u32>,
}

impl ChatRequest {
    /// A request with no tools and default sampling.
    pub fn new(model: impl Into<String>, messages: Vec<Message>) -> Self {
        Self {
            model: model.into(),
            messages,
            tools: Vec::new(),
            response_format: None,
            temperature: None,
            max_tokens: None,
            require_tool: false,
            allowed_tools: None,
            thinking_budget: None,
        }
    }
}
