-- The service's own log: what the server refused and why (queue cap, rate
-- limits), kept apart from runs' event logs because it belongs to no run.
CREATE TABLE service_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL
);
