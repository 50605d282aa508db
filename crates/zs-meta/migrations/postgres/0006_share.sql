-- Sharing (共享): applications (共享申请) with their review and deadline, grants (授权) — the
-- only thing that lets data leave — and per-grant daily usage for the quotas. What was returned
-- by each call is recorded in the audit trail (counts and digests, never the data).
CREATE TABLE share_applications (
    id              BIGSERIAL PRIMARY KEY,
    code            TEXT NOT NULL,
    entry_id        BIGINT NOT NULL,
    provider_org_id BIGINT NOT NULL,
    provider_path   TEXT NOT NULL,
    applicant_user  BIGINT NOT NULL,
    applicant_org_id BIGINT NOT NULL,
    applicant_path  TEXT NOT NULL,
    fields          TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    scenario        TEXT NOT NULL,
    legal_basis     TEXT NOT NULL,
    until_date      TEXT NOT NULL,
    calls_per_day   BIGINT NOT NULL,
    rows_per_day    BIGINT NOT NULL,
    share_kind      TEXT NOT NULL CHECK (share_kind IN ('unconditional', 'conditional')),
    state           TEXT NOT NULL CHECK (state IN ('pending', 'granted', 'refused')),
    due_date        TEXT,
    escalated_at    BIGINT,
    decided_by      BIGINT,
    decided_at      BIGINT,
    decision_note   TEXT,
    grant_id        BIGINT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX share_applications_applicant ON share_applications(applicant_org_id, id);
CREATE INDEX share_applications_provider ON share_applications(provider_org_id, state, id);
CREATE INDEX share_applications_pending ON share_applications(state, due_date);

CREATE TABLE share_grants (
    id              BIGSERIAL PRIMARY KEY,
    application_id  BIGINT,
    code            TEXT NOT NULL,
    entry_id        BIGINT NOT NULL,
    provider_org_id BIGINT NOT NULL,
    provider_path   TEXT NOT NULL,
    consumer_org_id BIGINT NOT NULL,
    consumer_path   TEXT NOT NULL,
    fields          TEXT NOT NULL,
    row_filter      TEXT NOT NULL DEFAULT '[]',
    masking         TEXT NOT NULL DEFAULT '{}',
    valid_from      BIGINT NOT NULL,
    valid_until     BIGINT NOT NULL,
    calls_per_day   BIGINT NOT NULL,
    rows_per_day    BIGINT NOT NULL,
    revoked_at      BIGINT,
    revoked_by      BIGINT,
    revoke_reason   TEXT,
    created_by      BIGINT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX share_grants_consumer ON share_grants(consumer_org_id, id);
CREATE INDEX share_grants_provider ON share_grants(provider_org_id, id);
CREATE INDEX share_grants_code ON share_grants(code);

CREATE TABLE share_usage (
    grant_id        BIGINT NOT NULL,
    day             TEXT NOT NULL,
    calls           BIGINT NOT NULL DEFAULT 0,
    rows            BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (grant_id, day)
);
