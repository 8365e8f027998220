//! The request of one acting turn, shaped so a server's prompt cache can
//! reuse everything sent before: the messages grow only at the end, and what
//! narrows a small model's turn (a required call, the tools it may use) goes
//! where the prompt does not change (the answer's grammar) whenever the
//! tool-call mode allows it. [`Progress`] (what the step has done so far)
//! decides that narrowing.

use chamber_llm::{ChatRequest, Message, ToolDef};
use chamber_tools::Risk;

use crate::prompts;
use crate::step_needs::StepNeeds;

/// Per-turn settings of a small local model.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SmallTurn {
    /// Cap on the answer.
    pub max_tokens: u32,
    /// The answer must be a tool call.
    pub require_tool: bool,
    /// The only tools it may call this turn, if narrowed.
    pub only: Option<Vec<String>>,
}

/// The request for one turn over `messages`, offering `tools`. With
/// `native` tool calls the server renders `tools` into the prompt itself,
/// so a narrowing has to drop tools there; otherwise every tool stays in
/// the prompt and only the grammar narrows.
pub(crate) fn turn_request(
    model: &str,
    messages: &[Message],
    tools: &[ToolDef],
    small: Option<SmallTurn>,
    native: bool,
) -> ChatRequest {
    let mut request = ChatRequest::new(model, messages.to_vec());
    request.tools = tools.to_vec();
    if let Some(small) = small {
        request.max_tokens = Some(small.max_tokens);
        request.require_tool = small.require_tool;
        if let Some(only) = small.only {
            if native {
                request.tools.retain(|t| only.contains(&t.name));
            } else {
                request.allowed_tools = Some(only);
            }
        }
    }
    request
}

/// Tool calls so far in a step, by risk.
#[derive(Default)]
pub(crate) struct Progress {
    /// Calls made, whatever their outcome.
    pub calls: u32,
    /// Some call succeeded.
    any: bool,
    /// A file was written.
    wrote: bool,
    /// A command ran at all.
    ran: bool,
    /// The latest command failed.
    exec_failed: bool,
}

impl Progress {
    pub(crate) fn record(&mut self, risk: Option<Risk>, ok: bool) {
        self.calls += 1;
        self.any |= ok;
        self.wrote |= ok && risk == Some(Risk::Write);
        if risk == Some(Risk::Exec) {
            self.ran = true;
            self.exec_failed = !ok;
        }
    }

    /// The kind of call the step still lacks entirely.
    pub(crate) fn lacking(&self, needs: StepNeeds) -> Option<Risk> {
        if needs.write && !self.wrote {
            Some(Risk::Write)
        } else if needs.exec && !self.ran {
            Some(Risk::Exec)
        } else {
            None
        }
    }

    /// What the step still lacks, as the message that tells the model so.
    pub(crate) fn missing(&self, needs: StepNeeds) -> Option<&'static str> {
        match self.lacking(needs) {
            Some(Risk::Write) => Some(prompts::NOTHING_WRITTEN),
            Some(_) => Some(prompts::NOTHING_RUN),
            None if needs.exec && self.exec_failed => Some(prompts::COMMAND_FAILED),
            None if !self.any => Some(prompts::NOTHING_DONE),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use chamber_llm::{
        EventStream, LlmError, OpenAiChat, Provider, StreamEvent, ToolCallMode, ToolModeProvider,
    };
    use chamber_protocol::ToolCall;
    use serde_json::{Value, json};

    use super::*;

    /// Records what the tool-mode wrapper hands to the wire adapter.
    #[derive(Default)]
    struct Capture(Mutex<Vec<ChatRequest>>);

    #[async_trait::async_trait]
    impl Provider for Capture {
        fn name(&self) -> &str {
            "capture"
        }
        fn endpoint(&self) -> &str {
            "http://capture"
        }
        async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
            self.0.lock().unwrap().push(request.clone());
            let events: Vec<Result<StreamEvent, LlmError>> = vec![Ok(StreamEvent::Done)];
            Ok(Box::pin(futures::stream::iter(events)))
        }
    }

    fn tool(name: &str) -> ToolDef {
        ToolDef {
            name: name.into(),
            description: format!("The {name} tool."),
            parameters: json!({"type": "object", "properties": {"path": {"type": "string"}},
                "required": ["path"]}),
        }
    }

    /// The serialized messages the server would render into its prompt.
    fn wire_messages(request: &ChatRequest) -> Vec<Value> {
        OpenAiChat::request_body(request)["messages"]
            .as_array()
            .unwrap()
            .clone()
    }

    #[tokio::test]
    async fn each_turn_of_a_step_extends_the_previous_prompt_byte_for_byte() {
        let capture = Arc::new(Capture::default());
        let provider = ToolModeProvider::new(capture.clone(), ToolCallMode::JsonSchema);
        let tools = vec![tool("read_file"), tool("write_file"), tool("shell")];
        let window = 4000;
        let mut messages = vec![
            Message::system("You are Chamber."),
            Message::user("# Project\nAGENTS.md: name files in snake_case.\n\n# Task\nFix it."),
        ];
        let mut sent: Vec<Vec<Value>> = Vec::new();
        let mut trims = Vec::new();
        for turn in 0..12 {
            trims.push(crate::history_fit::fit_history(&mut messages, window));
            // A small model: a call required at first, then narrowed to
            // writing once it has looked around, as the executor does.
            let small = SmallTurn {
                max_tokens: 1536,
                require_tool: turn < 6,
                only: (turn >= 2).then(|| vec!["write_file".to_string()]),
            };
            let request = turn_request("m", &messages, &tools, Some(small), false);
            let _ = provider.stream(&request).await.unwrap();
            let wire = capture.0.lock().unwrap().last().cloned().unwrap();
            sent.push(wire_messages(&wire));
            let call = ToolCall {
                id: format!("c{turn}"),
                name: "read_file".into(),
                arguments: format!("{{\"path\": \"f{turn}.py\"}}"),
            };
            messages.push(Message::assistant("", vec![call]));
            messages.push(Message::tool(
                format!("c{turn}"),
                "x".repeat(900 + turn * 37),
            ));
        }
        let mut rewrites: Vec<usize> = Vec::new();
        for (n, pair) in sent.windows(2).enumerate() {
            let (before, after) = (&pair[0], &pair[1]);
            if after.len() >= before.len() && after[..before.len()] == before[..] {
                continue;
            }
            // Only a trim may rewrite what was sent, and then only from the
            // trimmed result onwards: the head is always kept.
            assert!(trims[n + 1] > 0, "turn {} rewrote its prefix", n + 1);
            assert_eq!(after[..2], before[..2], "system prompt and step request");
            rewrites.push(n + 1);
        }
        assert!(
            trims.iter().any(|&t| t > 0),
            "the test must exercise trimming"
        );
        // A cut leaves room: the turns right after it only append.
        assert!(
            !rewrites.is_empty() && rewrites.windows(2).all(|w| w[1] - w[0] > 2),
            "rewrites at turns {rewrites:?}: {trims:?}"
        );
        // The system prompt, with the tool section, never changed.
        assert!(sent.iter().all(|m| m[0] == sent[0][0]));
    }

    #[test]
    fn native_tool_calls_narrow_the_tools_themselves() {
        let tools = vec![tool("read_file"), tool("write_file")];
        let only = Some(vec!["write_file".to_string()]);
        let small = SmallTurn {
            max_tokens: 100,
            require_tool: true,
            only,
        };
        let native = turn_request("m", &[], &tools, Some(small.clone()), true);
        assert_eq!(native.tools.len(), 1);
        assert_eq!(native.allowed_tools, None);
        let prompted = turn_request("m", &[], &tools, Some(small), false);
        assert_eq!(prompted.tools.len(), 2);
        assert_eq!(prompted.allowed_tools, Some(vec!["write_file".to_string()]));
        let remote = turn_request("m", &[], &tools, None, true);
        assert_eq!((remote.max_tokens, remote.require_tool), (None, false));
    }
}
