-- Governance (数据治理): the quality rule set of each resource, one quality run per checked
-- table version (counts per rule as JSON, scores per dimension), and problem tickets
-- (质量问题工单, 纠错) with their event log. Per-file statistics are a cache beside the tables
-- (<data>/govern/), not here.
CREATE TABLE govern_rule_sets (
    code            TEXT PRIMARY KEY,
    rules           TEXT NOT NULL,
    updated_by      BIGINT,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE govern_runs (
    id              BIGSERIAL PRIMARY KEY,
    code            TEXT NOT NULL,
    entry_id        BIGINT NOT NULL,
    org_id          BIGINT NOT NULL,
    version         BIGINT NOT NULL,
    hand_in_id      BIGINT,
    trigger_kind    TEXT NOT NULL CHECK (trigger_kind IN ('hand_in', 'recheck')),
    rows_total      BIGINT NOT NULL,
    rows_blocked    BIGINT NOT NULL,
    files_scanned   BIGINT NOT NULL,
    completeness    DOUBLE PRECISION,
    validity        DOUBLE PRECISION,
    uniqueness      DOUBLE PRECISION,
    consistency     DOUBLE PRECISION,
    timeliness      DOUBLE PRECISION,
    overall         DOUBLE PRECISION,
    result          TEXT NOT NULL,
    ran_at          BIGINT NOT NULL,
    UNIQUE (code, version)
);
CREATE INDEX govern_runs_org ON govern_runs(org_id, code);

CREATE TABLE govern_tickets (
    id              BIGSERIAL PRIMARY KEY,
    code            TEXT NOT NULL,
    entry_id        BIGINT NOT NULL,
    org_id          BIGINT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('rule', 'correction')),
    rule_key        TEXT,
    field           TEXT,
    version         BIGINT,
    latest_version  BIGINT,
    state           TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'fixed', 'verified', 'closed', 'disputed')),
    severity        TEXT NOT NULL,
    title           TEXT NOT NULL,
    detail          TEXT NOT NULL,
    failed          BIGINT NOT NULL DEFAULT 0,
    record_key      TEXT,
    deadline        TEXT NOT NULL,
    opened_by       BIGINT,
    opened_at       BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    closed_at       BIGINT,
    dispute_reason  TEXT,
    resolution      TEXT,
    revision        BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX govern_tickets_code ON govern_tickets(code, state);
CREATE INDEX govern_tickets_org ON govern_tickets(org_id, state);

CREATE TABLE govern_ticket_events (
    id              BIGSERIAL PRIMARY KEY,
    ticket_id       BIGINT NOT NULL REFERENCES govern_tickets(id),
    at              BIGINT NOT NULL,
    actor_user      BIGINT,
    actor_name      TEXT NOT NULL,
    action          TEXT NOT NULL,
    state           TEXT NOT NULL,
    note            TEXT
);
CREATE INDEX govern_ticket_events_ticket ON govern_ticket_events(ticket_id, id);
