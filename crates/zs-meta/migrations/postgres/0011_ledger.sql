-- The verifiable ledger (可验证账本) and full-process tracing (全流程监管): each audit record
-- keeps the index of its ledger entry, so the record can be proven; targets are indexed for the
-- trace queries; the data API's keyed digests of the keys it returned (never the keys) are kept
-- per record, so an officer can find who received one person's record.
ALTER TABLE audit_log ADD COLUMN ledger_index BIGINT;
CREATE INDEX audit_log_ledger ON audit_log(ledger_index);
CREATE INDEX audit_log_target ON audit_log(target, seq);
CREATE TABLE audit_subjects (
    digest TEXT NOT NULL,
    seq    BIGINT NOT NULL REFERENCES audit_log(seq),
    PRIMARY KEY (digest, seq)
);
CREATE TRIGGER audit_subjects_no_change BEFORE UPDATE OR DELETE ON audit_subjects
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
