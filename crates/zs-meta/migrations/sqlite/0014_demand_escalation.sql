-- Overdue demands escalate to the platform operator: `escalate` becomes an event action.
-- SQLite cannot change a CHECK constraint in place, so the events table is rebuilt.
CREATE TABLE share_demand_events_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    demand_id       INTEGER NOT NULL REFERENCES share_demands(id),
    at              INTEGER NOT NULL,
    actor_user      INTEGER,
    actor_org       INTEGER,
    action          TEXT NOT NULL CHECK (action IN ('post', 'route', 'answer', 'close', 'reopen', 'escalate')),
    state_after     TEXT NOT NULL,
    provider_org_id INTEGER,
    due_date        TEXT,
    answer_kind     TEXT,
    note            TEXT
);
INSERT INTO share_demand_events_new (id, demand_id, at, actor_user, actor_org, action, state_after,
    provider_org_id, due_date, answer_kind, note)
SELECT id, demand_id, at, actor_user, actor_org, action, state_after, provider_org_id, due_date, answer_kind, note
FROM share_demand_events;
DROP TABLE share_demand_events;
ALTER TABLE share_demand_events_new RENAME TO share_demand_events;
CREATE INDEX share_demand_events_demand ON share_demand_events(demand_id, id);
CREATE INDEX share_demand_events_action ON share_demand_events(action, at);
