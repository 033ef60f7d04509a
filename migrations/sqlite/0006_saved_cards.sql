-- Cards saved for auto-renew, and auto-renew by card.
--
-- An account has one customer at a card provider (Stripe), made the first time a card
-- is saved; a saved card is the provider's reusable payment method on that customer
-- (a Stripe `pm_…`), shown by brand, last four digits and expiry. Card numbers never
-- reach us.
CREATE TABLE payment_customers (
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    provider     TEXT NOT NULL,
    customer_ref TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (account_id, provider)
);

CREATE TABLE saved_cards (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    provider     TEXT NOT NULL,
    provider_ref TEXT NOT NULL,
    customer_ref TEXT NOT NULL,
    brand        TEXT NOT NULL,
    last4        TEXT NOT NULL,
    exp_month    BIGINT,
    exp_year     BIGINT,
    created_at   BIGINT NOT NULL,
    CONSTRAINT saved_cards_provider_ref_key UNIQUE (provider, provider_ref)
);
CREATE INDEX saved_cards_account ON saved_cards (account_id, created_at);

-- Each off-session card charge auto-renew makes, with the period it renews: a retried
-- attempt finds the charge still in flight and asks about it instead of charging again.
-- `card_ref` is the provider's payment method, kept after the card is removed.
CREATE TABLE auto_renew_charges (
    order_id   TEXT PRIMARY KEY REFERENCES orders (id),
    period_id  TEXT NOT NULL,
    iccid      TEXT NOT NULL,
    card_ref   TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX auto_renew_charges_period ON auto_renew_charges (period_id, created_at);

-- `card` joins the auto-renew methods. SQLite cannot change a CHECK constraint, so the
-- table is rebuilt with the new one (nothing refers to it; it has no other index).
CREATE TABLE auto_renew_next (
    iccid        TEXT PRIMARY KEY,
    enabled      BIGINT NOT NULL DEFAULT 0,
    method       TEXT NOT NULL DEFAULT 'wallet',
    "trigger"    TEXT NOT NULL DEFAULT 'before_expiry',
    hours_before BIGINT NOT NULL DEFAULT 24,
    plan_code    TEXT,
    periods      BIGINT NOT NULL DEFAULT 1,
    sms          BIGINT NOT NULL DEFAULT 1,
    updated_at   BIGINT NOT NULL,
    CONSTRAINT auto_renew_method_check CHECK (method IN ('wallet', 'alipay', 'wechat_pay', 'card')),
    CONSTRAINT auto_renew_trigger_check CHECK ("trigger" IN ('before_expiry', 'on_exhaustion'))
);
INSERT INTO auto_renew_next (iccid, enabled, method, "trigger", hours_before, plan_code, periods, sms, updated_at)
    SELECT iccid, enabled, method, "trigger", hours_before, plan_code, periods, sms, updated_at FROM auto_renew;
DROP TABLE auto_renew;
ALTER TABLE auto_renew_next RENAME TO auto_renew;
