-- Resource data (数据资源): one row per hand-in attempt (the index of table versions: a
-- committed hand-in names the version it made), per-resource settings (remembered column
-- mapping, error-rate policy, retention), pull schedules and logical-access sources with their
-- probe log. Table data itself lives in Parquet files; these rows describe it.
CREATE TABLE hand_ins (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    code            TEXT NOT NULL,
    entry_id        INTEGER NOT NULL,
    org_id          INTEGER NOT NULL,
    channel         TEXT NOT NULL,
    mode            TEXT NOT NULL,
    actor_user      INTEGER,
    actor_name      TEXT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('committed', 'batch_rejected', 'failed')),
    version         INTEGER,
    total_rows      INTEGER,
    rows_read       INTEGER NOT NULL DEFAULT 0,
    rows_written    INTEGER NOT NULL DEFAULT 0,
    rows_rejected   INTEGER NOT NULL DEFAULT 0,
    message         TEXT,
    rejects_file    TEXT,
    job_id          INTEGER,
    lineage         TEXT,
    started_at      INTEGER NOT NULL,
    finished_at     INTEGER NOT NULL,
    UNIQUE (code, version)
);
CREATE INDEX hand_ins_code ON hand_ins(code, id);
CREATE INDEX hand_ins_org ON hand_ins(org_id, finished_at);

CREATE TABLE resource_settings (
    code            TEXT PRIMARY KEY,
    mapping         TEXT NOT NULL DEFAULT '{}',
    max_error_rate  REAL,
    keep_versions   INTEGER,
    updated_by      INTEGER,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE schedules (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    code            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    spec            TEXT NOT NULL,
    cron            TEXT NOT NULL,
    enabled         INTEGER NOT NULL DEFAULT 1,
    next_run_at     INTEGER NOT NULL,
    watermark       TEXT,
    last_run_at     INTEGER,
    last_status     TEXT,
    last_message    TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,
    created_by      INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX schedules_due ON schedules(enabled, next_run_at);
CREATE INDEX schedules_code ON schedules(code);

CREATE TABLE live_sources (
    code            TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    spec            TEXT NOT NULL,
    timeout_ms      INTEGER NOT NULL,
    created_by      INTEGER,
    created_at      INTEGER NOT NULL
);

CREATE TABLE live_probes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    code            TEXT NOT NULL,
    at              INTEGER NOT NULL,
    ok              INTEGER NOT NULL,
    latency_ms      INTEGER NOT NULL,
    rows            INTEGER NOT NULL DEFAULT 0,
    message         TEXT
);
CREATE INDEX live_probes_code ON live_probes(code, at);
