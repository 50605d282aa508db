-- Data catalogue (数据目录): entries, their versions, history events, code sequences,
-- change obligations and the operator's working-day calendar.
CREATE TABLE catalog_entries (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    code               TEXT NOT NULL UNIQUE,
    org_id             INTEGER NOT NULL REFERENCES orgs(id),
    status             TEXT NOT NULL,
    name               TEXT NOT NULL,
    published_version  INTEGER,
    pending_version    INTEGER,
    pending_withdrawal BOOLEAN NOT NULL DEFAULT FALSE,
    latest_version     INTEGER NOT NULL,
    publish_date       TEXT,
    revision           INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    UNIQUE (org_id, name)
);
CREATE INDEX catalog_entries_org ON catalog_entries(org_id);
CREATE INDEX catalog_entries_status ON catalog_entries(status);

CREATE TABLE catalog_versions (
    entry_id     INTEGER NOT NULL REFERENCES catalog_entries(id),
    version      INTEGER NOT NULL,
    body         TEXT NOT NULL,
    state        TEXT NOT NULL,
    withdrawal   BOOLEAN NOT NULL DEFAULT FALSE,
    author_id    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    submitted_by INTEGER,
    submitted_at INTEGER,
    reviewed_by  INTEGER,
    reviewed_at  INTEGER,
    review_note  TEXT,
    PRIMARY KEY (entry_id, version)
);

CREATE TABLE catalog_events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id INTEGER NOT NULL REFERENCES catalog_entries(id),
    version  INTEGER NOT NULL,
    action   TEXT NOT NULL,
    actor_id INTEGER,
    at       INTEGER NOT NULL,
    reason   TEXT
);
CREATE INDEX catalog_events_entry ON catalog_events(entry_id, id);

CREATE TABLE catalog_sequences (
    prefix TEXT PRIMARY KEY,
    last   INTEGER NOT NULL
);

CREATE TABLE change_obligations (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id          INTEGER NOT NULL REFERENCES catalog_entries(id),
    org_id            INTEGER NOT NULL REFERENCES orgs(id),
    reason            TEXT NOT NULL,
    note              TEXT NOT NULL,
    raised_by         INTEGER NOT NULL,
    raised_at         INTEGER NOT NULL,
    due_date          TEXT NOT NULL,
    fulfilled_at      INTEGER,
    fulfilled_version INTEGER
);
CREATE INDEX change_obligations_open ON change_obligations(fulfilled_at, due_date);

CREATE TABLE calendar_days (
    day  TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL
);
