-- Abnormal charges and usage (owned by src/watch/): each finding is kept once per
-- (kind, subject), so that however often and in whatever order the detectors run, it
-- is recorded, told to the subscriber and flagged for the operator exactly once. The
-- flag is the row while `dismissed_at` is empty; a dispute links the case it opened.
CREATE TABLE watch_findings (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    -- What it is about, unique per kind: an order, a payment, a provider event, a
    -- period, a line's day.
    subject        TEXT NOT NULL,
    -- The subscriber told; none for a provider's charge we cannot match to anyone.
    account_id     TEXT REFERENCES accounts (id),
    order_id       TEXT REFERENCES orders (id),
    payment_id     TEXT,
    iccid          TEXT,
    -- The sum it is about, in minor units, for the alert's words.
    amount         BIGINT,
    currency       TEXT,
    -- When what was found happened: the charge, the day, the use.
    occurred_at    BIGINT NOT NULL,
    -- What the detector saw (JSON), for the operator and the dispute.
    evidence       TEXT NOT NULL,
    detected_at    BIGINT NOT NULL,
    dismissed_at   BIGINT,
    dismissed_by   TEXT,
    dismiss_reason TEXT,
    ticket_id      TEXT REFERENCES tickets (id),
    CONSTRAINT watch_findings_subject_key UNIQUE (kind, subject)
);
CREATE INDEX watch_findings_account ON watch_findings (account_id, detected_at);
CREATE INDEX watch_findings_order ON watch_findings (order_id);
CREATE INDEX watch_findings_open ON watch_findings (dismissed_at, detected_at);

-- The subscriber's monthly spend cap (owned by src/auto_renew/): auto-renew does not
-- charge a renewal that would take the month's purchases past it.
CREATE TABLE spend_caps (
    account_id TEXT PRIMARY KEY REFERENCES accounts (id),
    amount     BIGINT NOT NULL,
    currency   TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Renewals auto-renew refused for the cap, once per period, with what it saw.
CREATE TABLE auto_renew_refusals (
    period_id  TEXT PRIMARY KEY,
    iccid      TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    amount     BIGINT NOT NULL,
    spent      BIGINT NOT NULL,
    cap        BIGINT NOT NULL,
    currency   TEXT NOT NULL,
    refused_at BIGINT NOT NULL
);
CREATE INDEX auto_renew_refusals_at ON auto_renew_refusals (refused_at);

-- What the watch's scan reads over a recent window, by time. The usage indexes are
-- small on purpose: the hourly totals gain one entry per line and hour, the records
-- only those that found no period.
CREATE INDEX usage_hourly_hour ON usage_hourly (hour);
CREATE INDEX usage_records_no_period ON usage_records (received_at) WHERE outcome = 'no_period';
CREATE INDEX payment_events_unusual ON payment_events (received_at)
    WHERE outcome IN ('unknown_payment', 'amount_mismatch', 'provider_refund');
CREATE INDEX payments_updated ON payments (updated_at);
CREATE INDEX orders_paid ON orders (paid_at);
