-- Foundation: organisations, users, credentials, sessions, audit trail.
-- Times are Unix milliseconds (INTEGER) in both backends.
CREATE TABLE orgs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id     INTEGER REFERENCES orgs(id),
    kind          TEXT NOT NULL CHECK (kind IN ('city', 'district', 'department')),
    name          TEXT NOT NULL,
    code          TEXT NOT NULL UNIQUE,
    division_code TEXT NOT NULL,
    path          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (parent_id, name)
);
CREATE INDEX orgs_path ON orgs(path);

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    username             TEXT NOT NULL,
    username_lower       TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    org_id               INTEGER NOT NULL REFERENCES orgs(id),
    role                 TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         INTEGER,
    created_at           INTEGER NOT NULL
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE credentials (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    token_prefix TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX credentials_user ON credentials(user_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Append-only: the store never updates or deletes rows here.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    request_id TEXT,
    actor_user INTEGER,
    actor_org  INTEGER,
    action     TEXT NOT NULL,
    target     TEXT,
    outcome    TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX audit_log_action ON audit_log(action, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
