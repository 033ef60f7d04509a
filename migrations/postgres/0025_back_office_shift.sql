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
-- why.
ALTER TABLE refunds DROP CONSTRAINT refunds_state_check;
ALTER TABLE refunds ADD CONSTRAINT refunds_state_check
    CHECK (state IN ('pending_approval', 'queued', 'refunded', 'applied', 'failed', 'rejected', 'cancelled'));
ALTER TABLE refunds ADD COLUMN closed_by TEXT;
ALTER TABLE refunds ADD COLUMN close_reason TEXT;
