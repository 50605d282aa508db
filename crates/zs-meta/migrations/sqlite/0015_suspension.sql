-- Reversible suspension (暂停) of API credentials and grants in answer to a security alert: a
-- suspended credential or grant refuses calls (`credential_suspended`, `grant_suspended`) until
-- a security administrator reinstates it; revocation stays final. An alert whose suspension was
-- lifted is `reinstated`. SQLite cannot change a CHECK constraint in place, so the alerts table
-- is rebuilt.
ALTER TABLE credentials ADD COLUMN suspended_at INTEGER;
ALTER TABLE credentials ADD COLUMN suspend_reason TEXT;
ALTER TABLE share_grants ADD COLUMN suspended_at INTEGER;
ALTER TABLE share_grants ADD COLUMN suspended_by INTEGER;
ALTER TABLE share_grants ADD COLUMN suspend_reason TEXT;

CREATE TABLE security_alerts_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    rule          TEXT NOT NULL,
    severity      TEXT NOT NULL CHECK (severity IN ('medium', 'high', 'critical')),
    state         TEXT NOT NULL CHECK (state IN ('open', 'acknowledged', 'dismissed', 'suspended', 'reinstated')),
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
INSERT INTO security_alerts_new (id, rule, severity, state, dedup_key, subject, org_id, org_path, user_id,
    credential_id, grant_id, address, facts, first_seq, last_seq, window_from, window_to, created_at, handled_by,
    handled_at, response, reason, revision)
SELECT id, rule, severity, state, dedup_key, subject, org_id, org_path, user_id, credential_id, grant_id, address,
    facts, first_seq, last_seq, window_from, window_to, created_at, handled_by, handled_at, response, reason, revision
FROM security_alerts;
DROP TABLE security_alerts;
ALTER TABLE security_alerts_new RENAME TO security_alerts;
CREATE INDEX security_alerts_path ON security_alerts(org_path, id);
CREATE INDEX security_alerts_state ON security_alerts(state, id);
