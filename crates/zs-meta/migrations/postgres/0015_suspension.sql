-- Reversible suspension (暂停) of API credentials and grants in answer to a security alert: a
-- suspended credential or grant refuses calls (`credential_suspended`, `grant_suspended`) until
-- a security administrator reinstates it; revocation stays final. An alert whose suspension was
-- lifted is `reinstated`.
ALTER TABLE credentials ADD COLUMN suspended_at BIGINT;
ALTER TABLE credentials ADD COLUMN suspend_reason TEXT;
ALTER TABLE share_grants ADD COLUMN suspended_at BIGINT;
ALTER TABLE share_grants ADD COLUMN suspended_by BIGINT;
ALTER TABLE share_grants ADD COLUMN suspend_reason TEXT;

ALTER TABLE security_alerts DROP CONSTRAINT security_alerts_state_check;
ALTER TABLE security_alerts ADD CONSTRAINT security_alerts_state_check
    CHECK (state IN ('open', 'acknowledged', 'dismissed', 'suspended', 'reinstated'));
