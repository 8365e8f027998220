-- Per call: prompt tokens the server evaluated afresh and those it reused
-- from its prompt cache (llama-server `timings`, OpenAI `cached_tokens`,
-- Anthropic `cache_read_input_tokens`). NULL for failed attempts and for
-- calls recorded before these columns existed.
ALTER TABLE model_calls ADD COLUMN prompt_eval_tokens INTEGER;
ALTER TABLE model_calls ADD COLUMN prompt_cached_tokens INTEGER;
