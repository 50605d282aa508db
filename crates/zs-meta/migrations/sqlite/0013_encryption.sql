-- Encryption at rest (静态加密) and secure destruction (数据安全销毁).
-- data_keys: every data key, wrapped under a master key (never in clear): one per resource
-- table (scope = the table's name) plus the key of sealed metadata columns (scope 'meta'); at
-- most one active key per scope, retired ones kept while files use them; a destroyed key keeps
-- its row (id, scope, times) with the wrapped bytes erased, so reads can say "destroyed".
-- destructions: requests to destroy a resource or one version, the security administrator's
-- decision, and the certificate of what was destroyed and where copies may remain.
-- backups: a register of backups taken outside the platform, listed on certificates.
CREATE TABLE data_keys (
    id              TEXT PRIMARY KEY,
    scope           TEXT NOT NULL,
    algorithm       TEXT NOT NULL CHECK (algorithm IN ('sm4-gcm', 'aes-256-gcm')),
    master_key_id   TEXT NOT NULL,
    wrapped         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('active', 'retired', 'destroyed')),
    created_at      INTEGER NOT NULL,
    retired_at      INTEGER,
    destroyed_at    INTEGER
);
CREATE INDEX data_keys_scope ON data_keys(scope, created_at);
CREATE UNIQUE INDEX data_keys_one_active ON data_keys(scope) WHERE state = 'active';

CREATE TABLE destructions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    code            TEXT NOT NULL,
    version         INTEGER,
    org_id          INTEGER NOT NULL,
    reason          TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('requested', 'done', 'refused')),
    requested_by    INTEGER NOT NULL,
    requested_at    INTEGER NOT NULL,
    decided_by      INTEGER,
    decided_at      INTEGER,
    note            TEXT,
    certificate     TEXT
);
CREATE INDEX destructions_code ON destructions(code, id);
CREATE INDEX destructions_state ON destructions(state, id);

CREATE TABLE backups (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    label           TEXT NOT NULL,
    location        TEXT NOT NULL,
    taken_at        INTEGER NOT NULL,
    recorded_by     INTEGER,
    recorded_at     INTEGER NOT NULL
);
CREATE INDEX backups_taken ON backups(taken_at);
