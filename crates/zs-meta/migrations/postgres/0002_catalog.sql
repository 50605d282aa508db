-- Data catalogue (数据目录): entries, their versions, history events, code sequences,
-- change obligations and the operator's working-day calendar.
CREATE TABLE catalog_entries (
    id                 BIGSERIAL PRIMARY KEY,
    code               TEXT NOT NULL UNIQUE,
    org_id             BIGINT NOT NULL REFERENCES orgs(id),
    status             TEXT NOT NULL,
    name               TEXT NOT NULL,
    published_version  BIGINT,
    pending_version    BIGINT,
    pending_withdrawal BOOLEAN NOT NULL DEFAULT FALSE,
    latest_version     BIGINT NOT NULL,
    publish_date       TEXT,
    revision           BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    UNIQUE (org_id, name)
);
CREATE INDEX catalog_entries_org ON catalog_entries(org_id);
CREATE INDEX catalog_entries_status ON catalog_entries(status);

CREATE TABLE catalog_versions (
    entry_id     BIGINT NOT NULL REFERENCES catalog_entries(id),
    version      BIGINT NOT NULL,
    body         TEXT NOT NULL,
    state        TEXT NOT NULL,
    withdrawal   BOOLEAN NOT NULL DEFAULT FALSE,
    author_id    BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    submitted_by BIGINT,
    submitted_at BIGINT,
    reviewed_by  BIGINT,
    reviewed_at  BIGINT,
    review_note  TEXT,
    PRIMARY KEY (entry_id, version)
);

CREATE TABLE catalog_events (
    id       BIGSERIAL PRIMARY KEY,
    entry_id BIGINT NOT NULL REFERENCES catalog_entries(id),
    version  BIGINT NOT NULL,
    action   TEXT NOT NULL,
    actor_id BIGINT,
    at       BIGINT NOT NULL,
    reason   TEXT
);
CREATE INDEX catalog_events_entry ON catalog_events(entry_id, id);

CREATE TABLE catalog_sequences (
    prefix TEXT PRIMARY KEY,
    last   BIGINT NOT NULL
);

CREATE TABLE change_obligations (
    id                BIGSERIAL PRIMARY KEY,
    entry_id          BIGINT NOT NULL REFERENCES catalog_entries(id),
    org_id            BIGINT NOT NULL REFERENCES orgs(id),
    reason            TEXT NOT NULL,
    note              TEXT NOT NULL,
    raised_by         BIGINT NOT NULL,
    raised_at         BIGINT NOT NULL,
    due_date          TEXT NOT NULL,
    fulfilled_at      BIGINT,
    fulfilled_version BIGINT
);
CREATE INDEX change_obligations_open ON change_obligations(fulfilled_at, due_date);

CREATE TABLE calendar_days (
    day  TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL
);
