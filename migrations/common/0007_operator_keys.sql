-- API keys for the operator's back office (`/api/v1/admin/…`), kept apart from the
-- network keys so that neither opens the other's door; a key's name is the actor in
-- the audit log, so a name is never reused, even after its key is revoked.
CREATE TABLE operator_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    key_hash   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    CONSTRAINT operator_keys_name_key UNIQUE (name),
    CONSTRAINT operator_keys_hash_key UNIQUE (key_hash)
);

-- The audit log is read newest first, all of it or one subject's.
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_subject ON audit_log (subject, at, id);
