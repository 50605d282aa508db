-- Delivery (库表/文件交换) and subscriptions (订阅) over a grant: delivery plans (a target and an
-- optional schedule), the delivery queue and record (version range, rows, SHA-256 digest), the
-- change feed (one line per committed version of a resource), webhook subscriptions and the
-- notification outbox with its retries and dead letters. Secrets (a consumer database URL, a
-- webhook signing secret) are stored sealed, never in clear.
CREATE TABLE share_delivery_plans (
    id              BIGSERIAL PRIMARY KEY,
    grant_id        BIGINT NOT NULL,
    consumer_org_id BIGINT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('full', 'changes')),
    format          TEXT NOT NULL CHECK (format IN ('csv', 'parquet', 'xlsx', 'postgres')),
    secret          TEXT,
    target_hint     TEXT,
    target_table    TEXT,
    every_minutes   BIGINT,
    next_run_at     BIGINT,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    created_by      BIGINT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX share_delivery_plans_grant ON share_delivery_plans(grant_id, id);
CREATE INDEX share_delivery_plans_due ON share_delivery_plans(enabled, next_run_at);

CREATE TABLE share_deliveries (
    id              BIGSERIAL PRIMARY KEY,
    grant_id        BIGINT NOT NULL,
    plan_id         BIGINT,
    code            TEXT NOT NULL,
    provider_org_id BIGINT NOT NULL,
    consumer_org_id BIGINT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('full', 'changes')),
    format          TEXT NOT NULL CHECK (format IN ('csv', 'parquet', 'xlsx', 'postgres')),
    state           TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    from_version    BIGINT,
    to_version      BIGINT,
    rows_total      BIGINT NOT NULL DEFAULT 0,
    rows_added      BIGINT NOT NULL DEFAULT 0,
    rows_changed    BIGINT NOT NULL DEFAULT 0,
    rows_deleted    BIGINT NOT NULL DEFAULT 0,
    digest          TEXT,
    file_name       TEXT,
    bytes           BIGINT NOT NULL DEFAULT 0,
    message         TEXT,
    worker          TEXT,
    requested_by    BIGINT,
    created_at      BIGINT NOT NULL,
    started_at      BIGINT,
    finished_at     BIGINT
);
CREATE INDEX share_deliveries_grant ON share_deliveries(grant_id, id);
CREATE INDEX share_deliveries_queue ON share_deliveries(state, id);

CREATE TABLE share_changes (
    id              BIGSERIAL PRIMARY KEY,
    code            TEXT NOT NULL,
    version         BIGINT NOT NULL,
    parent          BIGINT,
    mode            TEXT NOT NULL,
    committed_at    BIGINT NOT NULL,
    UNIQUE (code, version)
);

CREATE TABLE share_subscriptions (
    id              BIGSERIAL PRIMARY KEY,
    grant_id        BIGINT NOT NULL,
    code            TEXT NOT NULL,
    consumer_org_id BIGINT NOT NULL,
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    created_by      BIGINT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX share_subscriptions_grant ON share_subscriptions(grant_id, id);
CREATE INDEX share_subscriptions_code ON share_subscriptions(code, enabled);

CREATE TABLE share_notifications (
    id              BIGSERIAL PRIMARY KEY,
    subscription_id BIGINT NOT NULL,
    grant_id        BIGINT NOT NULL,
    change_id       BIGINT NOT NULL,
    event_id        TEXT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_status     BIGINT,
    last_error      TEXT,
    delivered_at    BIGINT,
    created_at      BIGINT NOT NULL,
    UNIQUE (subscription_id, change_id)
);
CREATE INDEX share_notifications_due ON share_notifications(state, next_attempt_at);
CREATE INDEX share_notifications_subscription ON share_notifications(subscription_id, id);
