-- PostgreSQL twin of the SQLite migration of the same name (same tables,
-- columns and indexes; INTEGER is BIGINT, REAL is DOUBLE PRECISION).
-- Per call: prompt tokens the server evaluated afresh and those it reused
-- from its prompt cache (llama-server `timings`, OpenAI `cached_tokens`,
-- Anthropic `cache_read_input_tokens`). NULL for failed attempts and for
-- calls recorded before these columns existed.
ALTER TABLE model_calls ADD COLUMN prompt_eval_tokens BIGINT;
ALTER TABLE model_calls ADD COLUMN prompt_cached_tokens BIGINT;
