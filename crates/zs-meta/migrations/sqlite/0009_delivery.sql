-- Delivery (库表/文件交换) and subscriptions (订阅) over a grant: delivery plans (a target and an
-- optional schedule), the delivery queue and record (version range, rows, SHA-256 digest), the
-- change feed (one line per committed version of a resource), webhook subscriptions and the
-- notification outbox with its retries and dead letters. Secrets (a consumer database URL, a
-- webhook signing secret) are stored sealed, never in clear.
CREATE TABLE share_delivery_plans (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    grant_id        INTEGER NOT NULL,
    consumer_org_id INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('full', 'changes')),
    format          TEXT NOT NULL CHECK (format IN ('csv', 'parquet', 'xlsx', 'postgres')),
    secret          TEXT,
    target_hint     TEXT,
    target_table    TEXT,
    every_minutes   INTEGER,
    next_run_at     INTEGER,
    enabled         INTEGER NOT NULL DEFAULT 1,
    created_by      INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX share_delivery_plans_grant ON share_delivery_plans(grant_id, id);
CREATE INDEX share_delivery_plans_due ON share_delivery_plans(enabled, next_run_at);

CREATE TABLE share_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    grant_id        INTEGER NOT NULL,
    plan_id         INTEGER,
    code            TEXT NOT NULL,
    provider_org_id INTEGER NOT NULL,
    consumer_org_id INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('full', 'changes')),
    format          TEXT NOT NULL CHECK (format IN ('csv', 'parquet', 'xlsx', 'postgres')),
    state           TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    from_version    INTEGER,
    to_version      INTEGER,
    rows_total      INTEGER NOT NULL DEFAULT 0,
    rows_added      INTEGER NOT NULL DEFAULT 0,
    rows_changed    INTEGER NOT NULL DEFAULT 0,
    rows_deleted    INTEGER NOT NULL DEFAULT 0,
    digest          TEXT,
    file_name       TEXT,
    bytes           INTEGER NOT NULL DEFAULT 0,
    message         TEXT,
    worker          TEXT,
    requested_by    INTEGER,
    created_at      INTEGER NOT NULL,
    started_at      INTEGER,
    finished_at     INTEGER
);
CREATE INDEX share_deliveries_grant ON share_deliveries(grant_id, id);
CREATE INDEX share_deliveries_queue ON share_deliveries(state, id);

CREATE TABLE share_changes (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    code            TEXT NOT NULL,
    version         INTEGER NOT NULL,
    parent          INTEGER,
    mode            TEXT NOT NULL,
    committed_at    INTEGER NOT NULL,
    UNIQUE (code, version)
);

CREATE TABLE share_subscriptions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    grant_id        INTEGER NOT NULL,
    code            TEXT NOT NULL,
    consumer_org_id INTEGER NOT NULL,
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    enabled         INTEGER NOT NULL DEFAULT 1,
    created_by      INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX share_subscriptions_grant ON share_subscriptions(grant_id, id);
CREATE INDEX share_subscriptions_code ON share_subscriptions(code, enabled);

CREATE TABLE share_notifications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    subscription_id INTEGER NOT NULL,
    grant_id        INTEGER NOT NULL,
    change_id       INTEGER NOT NULL,
    event_id        TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_status     INTEGER,
    last_error      TEXT,
    delivered_at    INTEGER,
    created_at      INTEGER NOT NULL,
    UNIQUE (subscription_id, change_id)
);
CREATE INDEX share_notifications_due ON share_notifications(state, next_attempt_at);
CREATE INDEX share_notifications_subscription ON share_notifications(subscription_id, id);
