-- What the back office needed next (issue 13): the message log, lines marked for
-- review, and refunds a second member turned down or their requester withdrew.

-- Every SMS and email the server sends, as sent: who to, what kind, in which language,
-- the text, and whether the transport took it. Texts that held a one-time code or
-- link are not kept (`withheld`), and so cannot be sent again. A resend is a new row
-- naming the one it repeats and the staff member who asked.
CREATE TABLE sent_messages (
    id         TEXT PRIMARY KEY,
    sent_at    BIGINT NOT NULL,
    channel    TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    -- E.164 phone number or email address, as the message was addressed.
    recipient  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    locale     TEXT NOT NULL,
    subject    TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL DEFAULT '',
    -- 1 when the email also had an HTML part (not kept: the text is the message).
    had_html   BIGINT NOT NULL DEFAULT 0,
    withheld   BIGINT NOT NULL DEFAULT 0,
    result     TEXT NOT NULL CHECK (result IN ('sent', 'failed')),
    error      TEXT,
    resend_of  TEXT REFERENCES sent_messages (id),
    resent_by  TEXT
);
CREATE INDEX sent_messages_recipient ON sent_messages (recipient, sent_at);

-- A line a staff member marked for review, with why; clearing the mark deletes the
-- row (the audit log keeps both). It does not stop the line.
CREATE TABLE line_reviews (
    iccid     TEXT PRIMARY KEY REFERENCES lines (iccid),
    reason    TEXT NOT NULL,
    marked_by TEXT NOT NULL,
    marked_at BIGINT NOT NULL
);

-- A refund or adjustment waiting for approval can be turned down by another finance
-- member (`rejected`) or withdrawn by the one who asked (`cancelled`), with who and
-- why. SQLite cannot change a CHECK constraint, so the table is rebuilt (nothing
-- refers to it).
CREATE TABLE refunds_next (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('refund', 'adjustment')),
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    payment_id   TEXT REFERENCES payments (id),
    destination  TEXT NOT NULL CHECK (destination IN ('provider', 'wallet')),
    amount       BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    reason       TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL CHECK (state IN ('pending_approval', 'queued', 'refunded', 'applied', 'failed', 'rejected', 'cancelled')),
    requested_by TEXT NOT NULL,
    approved_by  TEXT,
    created_at   BIGINT NOT NULL,
    decided_at   BIGINT,
    done_at      BIGINT,
    closed_by    TEXT,
    close_reason TEXT
);
INSERT INTO refunds_next (id, kind, account_id, payment_id, destination, amount, currency, reason, note, state, requested_by, approved_by, created_at, decided_at, done_at)
    SELECT id, kind, account_id, payment_id, destination, amount, currency, reason, note, state, requested_by, approved_by, created_at, decided_at, done_at FROM refunds;
DROP TABLE refunds;
ALTER TABLE refunds_next RENAME TO refunds;
CREATE INDEX refunds_payment ON refunds (payment_id);
CREATE INDEX refunds_account ON refunds (account_id);
CREATE INDEX refunds_state ON refunds (state);
