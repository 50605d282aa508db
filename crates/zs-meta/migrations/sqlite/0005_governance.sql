-- Governance (数据治理): the quality rule set of each resource, one quality run per checked
-- table version (counts per rule as JSON, scores per dimension), and problem tickets
-- (质量问题工单, 纠错) with their event log. Per-file statistics are a cache beside the tables
-- (<data>/govern/), not here.
CREATE TABLE govern_rule_sets (
    code            TEXT PRIMARY KEY,
    rules           TEXT NOT NULL,
    updated_by      INTEGER,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE govern_runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    code            TEXT NOT NULL,
    entry_id        INTEGER NOT NULL,
    org_id          INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    hand_in_id      INTEGER,
    trigger_kind    TEXT NOT NULL CHECK (trigger_kind IN ('hand_in', 'recheck')),
    rows_total      INTEGER NOT NULL,
    rows_blocked    INTEGER NOT NULL,
    files_scanned   INTEGER NOT NULL,
    completeness    REAL,
    validity        REAL,
    uniqueness      REAL,
    consistency     REAL,
    timeliness      REAL,
    overall         REAL,
    result          TEXT NOT NULL,
    ran_at          INTEGER NOT NULL,
    UNIQUE (code, version)
);
CREATE INDEX govern_runs_org ON govern_runs(org_id, code);

CREATE TABLE govern_tickets (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    code            TEXT NOT NULL,
    entry_id        INTEGER NOT NULL,
    org_id          INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('rule', 'correction')),
    rule_key        TEXT,
    field           TEXT,
    version         INTEGER,
    latest_version  INTEGER,
    state           TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'fixed', 'verified', 'closed', 'disputed')),
    severity        TEXT NOT NULL,
    title           TEXT NOT NULL,
    detail          TEXT NOT NULL,
    failed          INTEGER NOT NULL DEFAULT 0,
    record_key      TEXT,
    deadline        TEXT NOT NULL,
    opened_by       INTEGER,
    opened_at       INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    closed_at       INTEGER,
    dispute_reason  TEXT,
    resolution      TEXT,
    revision        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX govern_tickets_code ON govern_tickets(code, state);
CREATE INDEX govern_tickets_org ON govern_tickets(org_id, state);

CREATE TABLE govern_ticket_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id       INTEGER NOT NULL REFERENCES govern_tickets(id),
    at              INTEGER NOT NULL,
    actor_user      INTEGER,
    actor_name      TEXT NOT NULL,
    action          TEXT NOT NULL,
    state           TEXT NOT NULL,
    note            TEXT
);
CREATE INDEX govern_ticket_events_ticket ON govern_ticket_events(ticket_id, id);
