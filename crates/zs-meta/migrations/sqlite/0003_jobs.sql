-- The persisted job queue: hand-ins, scheduled pulls, materialisations. A restart re-queues or
-- fails running jobs; nothing is silently dropped. An idempotency key makes a retried request
-- enqueue once.
CREATE TABLE jobs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    subject         TEXT,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    progress        INTEGER NOT NULL DEFAULT 0,
    message         TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    max_attempts    INTEGER NOT NULL DEFAULT 3,
    run_after       INTEGER NOT NULL,
    idempotency_key TEXT UNIQUE,
    worker          TEXT,
    created_by      INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    finished_at     INTEGER
);
CREATE INDEX jobs_ready ON jobs(state, run_after, id);
CREATE INDEX jobs_subject ON jobs(subject, id);
