-- Anomaly detection and response (异常监测与处置): alerts raised by the detector over the audit
-- trail and the security administrators' handling of them; the detector's cursor (the last audit
-- record it evaluated, shared by every node, so a restart or another node resumes where it
-- stopped; one node at a time holds its lease and evaluates); the address networks each API credential has been used from (its baseline).
CREATE TABLE security_alerts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    rule          TEXT NOT NULL,
    severity      TEXT NOT NULL CHECK (severity IN ('medium', 'high', 'critical')),
    state         TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'dismissed', 'suspended')),
    dedup_key     TEXT NOT NULL UNIQUE,
    subject       TEXT NOT NULL,
    org_id        INTEGER,
    org_path      TEXT NOT NULL,
    user_id       INTEGER,
    credential_id INTEGER,
    grant_id      INTEGER,
    address       TEXT,
    facts         TEXT NOT NULL,
    first_seq     INTEGER NOT NULL,
    last_seq      INTEGER NOT NULL,
    window_from   INTEGER NOT NULL,
    window_to     INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    handled_by    INTEGER,
    handled_at    INTEGER,
    response      TEXT,
    reason        TEXT,
    revision      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX security_alerts_path ON security_alerts(org_path, id);
CREATE INDEX security_alerts_state ON security_alerts(state, id);

CREATE TABLE anomaly_cursor (
    name        TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    owner       TEXT,
    lease_until INTEGER
);

CREATE TABLE anomaly_addresses (
    credential_id INTEGER NOT NULL,
    network       TEXT NOT NULL,
    first_seen    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL,
    calls         INTEGER NOT NULL,
    PRIMARY KEY (credential_id, network)
);
