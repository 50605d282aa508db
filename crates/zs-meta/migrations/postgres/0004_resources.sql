-- Resource data (数据资源): one row per hand-in attempt (the index of table versions: a
-- committed hand-in names the version it made), per-resource settings (remembered column
-- mapping, error-rate policy, retention), pull schedules and logical-access sources with their
-- probe log. Table data itself lives in Parquet files; these rows describe it.
CREATE TABLE hand_ins (
    id              BIGSERIAL PRIMARY KEY,
    code            TEXT NOT NULL,
    entry_id        BIGINT NOT NULL,
    org_id          BIGINT NOT NULL,
    channel         TEXT NOT NULL,
    mode            TEXT NOT NULL,
    actor_user      BIGINT,
    actor_name      TEXT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('committed', 'batch_rejected', 'failed')),
    version         BIGINT,
    total_rows      BIGINT,
    rows_read       BIGINT NOT NULL DEFAULT 0,
    rows_written    BIGINT NOT NULL DEFAULT 0,
    rows_rejected   BIGINT NOT NULL DEFAULT 0,
    message         TEXT,
    rejects_file    TEXT,
    job_id          BIGINT,
    lineage         TEXT,
    started_at      BIGINT NOT NULL,
    finished_at     BIGINT NOT NULL,
    UNIQUE (code, version)
);
CREATE INDEX hand_ins_code ON hand_ins(code, id);
CREATE INDEX hand_ins_org ON hand_ins(org_id, finished_at);

CREATE TABLE resource_settings (
    code            TEXT PRIMARY KEY,
    mapping         TEXT NOT NULL DEFAULT '{}',
    max_error_rate  DOUBLE PRECISION,
    keep_versions   BIGINT,
    updated_by      BIGINT,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE schedules (
    id              BIGSERIAL PRIMARY KEY,
    code            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    spec            TEXT NOT NULL,
    cron            TEXT NOT NULL,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    next_run_at     BIGINT NOT NULL,
    watermark       TEXT,
    last_run_at     BIGINT,
    last_status     TEXT,
    last_message    TEXT,
    failures        BIGINT NOT NULL DEFAULT 0,
    created_by      BIGINT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX schedules_due ON schedules(enabled, next_run_at);
CREATE INDEX schedules_code ON schedules(code);

CREATE TABLE live_sources (
    code            TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    spec            TEXT NOT NULL,
    timeout_ms      BIGINT NOT NULL,
    created_by      BIGINT,
    created_at      BIGINT NOT NULL
);

CREATE TABLE live_probes (
    id              BIGSERIAL PRIMARY KEY,
    code            TEXT NOT NULL,
    at              BIGINT NOT NULL,
    ok              BOOLEAN NOT NULL,
    latency_ms      BIGINT NOT NULL,
    rows            BIGINT NOT NULL DEFAULT 0,
    message         TEXT
);
CREATE INDEX live_probes_code ON live_probes(code, at);
