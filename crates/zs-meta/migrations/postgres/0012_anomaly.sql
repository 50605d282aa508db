-- Anomaly detection and response (异常监测与处置): alerts raised by the detector over the audit
-- trail and the security administrators' handling of them; the detector's cursor (the last audit
-- record it evaluated, shared by every node, so a restart or another node resumes where it
-- stopped; one node at a time holds its lease and evaluates); the address networks each API credential has been used from (its baseline).
CREATE TABLE security_alerts (
    id            BIGSERIAL PRIMARY KEY,
    rule          TEXT NOT NULL,
    severity      TEXT NOT NULL CHECK (severity IN ('medium', 'high', 'critical')),
    state         TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'dismissed', 'suspended')),
    dedup_key     TEXT NOT NULL UNIQUE,
    subject       TEXT NOT NULL,
    org_id        BIGINT,
    org_path      TEXT NOT NULL,
    user_id       BIGINT,
    credential_id BIGINT,
    grant_id      BIGINT,
    address       TEXT,
    facts         TEXT NOT NULL,
    first_seq     BIGINT NOT NULL,
    last_seq      BIGINT NOT NULL,
    window_from   BIGINT NOT NULL,
    window_to     BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    handled_by    BIGINT,
    handled_at    BIGINT,
    response      TEXT,
    reason        TEXT,
    revision      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX security_alerts_path ON security_alerts(org_path text_pattern_ops, id);
CREATE INDEX security_alerts_state ON security_alerts(state, id);

CREATE TABLE anomaly_cursor (
    name        TEXT PRIMARY KEY,
    seq         BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    owner       TEXT,
    lease_until BIGINT
);

CREATE TABLE anomaly_addresses (
    credential_id BIGINT NOT NULL,
    network       TEXT NOT NULL,
    first_seen    BIGINT NOT NULL,
    last_seen     BIGINT NOT NULL,
    calls         BIGINT NOT NULL,
    PRIMARY KEY (credential_id, network)
);
