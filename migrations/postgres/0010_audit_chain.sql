-- The audit log in the order entries were recorded, as a chain. `seq` numbers the
-- entries 1, 2, 3… without gaps, taken from `audit_head` (its row locked until the
-- recording transaction commits) so it follows commit order; `hash` is a MAC over the
-- entry and `prev_hash`, the hash of the entry before it (`datacard audit verify`
-- walks it). The MAC needs the server secret, which a migration does not have:
-- entries already here are numbered by time (then id) and sealed when the app first
-- starts.
CREATE TABLE audit_head (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    -- The last number given out: entries above it were not recorded through the log,
    -- entries missing below it were removed.
    seq BIGINT NOT NULL
);

ALTER TABLE audit_log
    ADD COLUMN seq BIGINT,
    ADD COLUMN prev_hash TEXT,
    ADD COLUMN hash TEXT;
UPDATE audit_log SET seq = numbered.seq
FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY at, id) AS seq FROM audit_log) AS numbered
WHERE numbered.id = audit_log.id;
ALTER TABLE audit_log
    ALTER COLUMN seq SET NOT NULL,
    ADD CONSTRAINT audit_log_seq_key UNIQUE (seq);

-- Read newest first, all of it (by the unique seq) or one subject's.
DROP INDEX audit_log_at;
DROP INDEX audit_log_subject;
CREATE INDEX audit_log_subject ON audit_log (subject, seq);

INSERT INTO audit_head (id, seq) SELECT 1, COUNT(*) FROM audit_log;
