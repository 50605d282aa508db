-- Supply–demand matching (供需对接): demands for data not in the catalogue, routed by the platform
-- operator to a provider department with a deadline in working days, answered by cataloguing the
-- data, pointing to an existing entry or declining with reasons; every transition is an event.
CREATE TABLE share_demands (
    id                  BIGSERIAL PRIMARY KEY,
    title               TEXT NOT NULL,
    description         TEXT NOT NULL,
    purpose             TEXT NOT NULL,
    guessed_provider_id BIGINT,
    requester_user      BIGINT NOT NULL,
    requester_org_id    BIGINT NOT NULL,
    requester_path      TEXT NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('posted', 'routed', 'answered', 'closed')),
    provider_org_id     BIGINT,
    provider_path       TEXT,
    due_date            TEXT,
    routed_at           BIGINT,
    answer_kind         TEXT CHECK (answer_kind IN ('catalogued', 'pointed', 'declined')),
    answer_code         TEXT,
    answer_note         TEXT,
    answered_by         BIGINT,
    answered_at         BIGINT,
    closed_at           BIGINT,
    revision            BIGINT NOT NULL DEFAULT 1,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX share_demands_state ON share_demands(state, id);
CREATE INDEX share_demands_requester ON share_demands(requester_org_id, id);
CREATE INDEX share_demands_provider ON share_demands(provider_org_id, id);

CREATE TABLE share_demand_events (
    id              BIGSERIAL PRIMARY KEY,
    demand_id       BIGINT NOT NULL REFERENCES share_demands(id),
    at              BIGINT NOT NULL,
    actor_user      BIGINT,
    actor_org       BIGINT,
    action          TEXT NOT NULL CHECK (action IN ('post', 'route', 'answer', 'close', 'reopen')),
    state_after     TEXT NOT NULL,
    provider_org_id BIGINT,
    due_date        TEXT,
    answer_kind     TEXT,
    note            TEXT
);
CREATE INDEX share_demand_events_demand ON share_demand_events(demand_id, id);
CREATE INDEX share_demand_events_action ON share_demand_events(action, at);

-- The sharing evaluation (共享评估) reads the month's data-API calls from the audit trail.
CREATE INDEX audit_log_action_at ON audit_log(action, at);
