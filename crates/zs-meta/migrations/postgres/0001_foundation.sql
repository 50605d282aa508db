-- Foundation: organisations, users, credentials, sessions, audit trail.
-- Times are Unix milliseconds (BIGINT) in both backends.
CREATE TABLE orgs (
    id            BIGSERIAL PRIMARY KEY,
    parent_id     BIGINT REFERENCES orgs(id),
    kind          TEXT NOT NULL CHECK (kind IN ('city', 'district', 'department')),
    name          TEXT NOT NULL,
    code          TEXT NOT NULL UNIQUE,
    division_code TEXT NOT NULL,
    path          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    UNIQUE (parent_id, name)
);
CREATE INDEX orgs_path ON orgs(path text_pattern_ops);

CREATE TABLE users (
    id                   BIGSERIAL PRIMARY KEY,
    username             TEXT NOT NULL,
    username_lower       TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    org_id               BIGINT NOT NULL REFERENCES orgs(id),
    role                 TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL,
    disabled             BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins        BIGINT NOT NULL DEFAULT 0,
    locked_until         BIGINT,
    created_at           BIGINT NOT NULL
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE credentials (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    token_prefix TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    expires_at   BIGINT,
    revoked_at   BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE INDEX credentials_user ON credentials(user_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Append-only: the store never updates or deletes rows here.
CREATE TABLE audit_log (
    seq        BIGSERIAL PRIMARY KEY,
    at         BIGINT NOT NULL,
    request_id TEXT,
    actor_user BIGINT,
    actor_org  BIGINT,
    action     TEXT NOT NULL,
    target     TEXT,
    outcome    TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX audit_log_action ON audit_log(action, seq);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
