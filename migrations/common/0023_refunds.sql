-- Refunds and wallet adjustments made by staff in the back office. A refund takes back
-- part or all of a payment (to the payer through the payment's provider, or to the
-- customer's wallet); an adjustment credits or debits a wallet (signed amount). Above
-- `[console] approval_above` a second staff member approves (four-eyes).
CREATE TABLE refunds (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('refund', 'adjustment')),
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    -- The payment refunded; none for an adjustment.
    payment_id   TEXT REFERENCES payments (id),
    destination  TEXT NOT NULL CHECK (destination IN ('provider', 'wallet')),
    -- Minor units: positive for a refund, signed for an adjustment.
    amount       BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    reason       TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL CHECK (state IN ('pending_approval', 'queued', 'refunded', 'applied', 'failed')),
    requested_by TEXT NOT NULL,
    approved_by  TEXT,
    created_at   BIGINT NOT NULL,
    decided_at   BIGINT,
    done_at      BIGINT
);
CREATE INDEX refunds_payment ON refunds (payment_id);
CREATE INDEX refunds_account ON refunds (account_id);
CREATE INDEX refunds_state ON refunds (state);
