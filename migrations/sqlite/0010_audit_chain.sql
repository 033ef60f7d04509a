-- The audit log in the order entries were recorded, as a chain. `seq` numbers the
-- entries 1, 2, 3… without gaps, taken from `audit_head` in the transaction that
-- records the entry, so it follows commit order; `hash` is a MAC over the entry and
-- `prev_hash`, the hash of the entry before it (`datacard audit verify` walks it).
-- The MAC needs the server secret, which a migration does not have: entries already
-- here are numbered by time (then id) and sealed when the app first starts.
CREATE TABLE audit_head (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    -- The last number given out: entries above it were not recorded through the log,
    -- entries missing below it were removed.
    seq BIGINT NOT NULL
);

-- SQLite cannot add a NOT NULL column without a default: the table is rebuilt.
CREATE TABLE audit_log_chained (
    seq       BIGINT NOT NULL,
    id        TEXT PRIMARY KEY,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT,
    hash      TEXT,
    CONSTRAINT audit_log_seq_key UNIQUE (seq)
);
INSERT INTO audit_log_chained (seq, id, at, actor, action, subject, detail)
SELECT ROW_NUMBER() OVER (ORDER BY at, id), id, at, actor, action, subject, detail
FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_chained RENAME TO audit_log;

-- Read newest first, all of it (by the unique seq) or one subject's.
CREATE INDEX audit_log_subject ON audit_log (subject, seq);

INSERT INTO audit_head (id, seq) SELECT 1, COUNT(*) FROM audit_log;
