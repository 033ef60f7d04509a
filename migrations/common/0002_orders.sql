-- Orders, payment attempts and their events, fulfilment, eSIM inventory, jobs.

CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    kind            TEXT NOT NULL,
    iccid           TEXT,
    plan_code       TEXT,
    plan_version_id TEXT REFERENCES plan_versions (id),
    periods         BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    list_price      BIGINT NOT NULL,
    discounts       TEXT NOT NULL,
    fee             BIGINT NOT NULL,
    total           BIGINT NOT NULL,
    payment_method  TEXT NOT NULL,
    state           TEXT NOT NULL,
    attention       TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    paid_at         BIGINT,
    fulfilled_at    BIGINT,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX orders_account ON orders (account_id, created_at);

-- One payment attempt per provider order.
CREATE TABLE payments (
    id            TEXT PRIMARY KEY,
    order_id      TEXT NOT NULL REFERENCES orders (id),
    provider      TEXT NOT NULL,
    method        TEXT NOT NULL,
    amount        BIGINT NOT NULL,
    currency      TEXT NOT NULL,
    state         TEXT NOT NULL,
    provider_ref  TEXT,
    next_action   TEXT,
    queries       BIGINT NOT NULL DEFAULT 0,
    attention     TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX payments_order ON payments (order_id);

-- Every input about a payment, kept as received; the provider's event id de-duplicates.
CREATE TABLE payment_events (
    id                TEXT PRIMARY KEY,
    payment_id        TEXT REFERENCES payments (id),
    provider          TEXT NOT NULL,
    provider_event_id TEXT NOT NULL,
    source            TEXT NOT NULL,
    provider_status   TEXT NOT NULL,
    amount            BIGINT,
    currency          TEXT,
    outcome           TEXT NOT NULL,
    evidence          TEXT NOT NULL,
    received_at       BIGINT NOT NULL,
    CONSTRAINT payment_events_provider_event_key UNIQUE (provider, provider_event_id)
);
CREATE INDEX payment_events_payment ON payment_events (payment_id, received_at);

-- Exactly one fulfilment per order.
CREATE TABLE receipts (
    order_id   TEXT PRIMARY KEY REFERENCES orders (id),
    number     TEXT NOT NULL,
    payment_id TEXT,
    body       TEXT NOT NULL,
    issued_at  BIGINT NOT NULL,
    CONSTRAINT receipts_number_key UNIQUE (number)
);

CREATE TABLE esim_inventory (
    iccid        TEXT PRIMARY KEY,
    smdp_address TEXT NOT NULL,
    matching_id  TEXT NOT NULL,
    imported_at  BIGINT NOT NULL,
    order_id     TEXT REFERENCES orders (id),
    allocated_at BIGINT,
    CONSTRAINT esim_inventory_order_key UNIQUE (order_id)
);

ALTER TABLE line_periods ADD COLUMN order_id TEXT REFERENCES orders (id);

-- Durable background work, claimed with a lease so no job runs twice at once and
-- none is lost when a node dies.
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    unique_key   TEXT,
    payload      TEXT NOT NULL,
    run_at       BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    locked_by    TEXT,
    locked_until BIGINT,
    done_at      BIGINT,
    last_error   TEXT,
    created_at   BIGINT NOT NULL,
    CONSTRAINT jobs_unique_key UNIQUE (unique_key)
);
CREATE INDEX jobs_due ON jobs (done_at, run_at);

-- The sandbox provider's own books: what a real provider would hold on its side.
CREATE TABLE sandbox_payments (
    id           TEXT PRIMARY KEY,
    merchant_ref TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    method       TEXT NOT NULL,
    description  TEXT NOT NULL,
    return_url   TEXT NOT NULL,
    status       TEXT NOT NULL,
    refunded     BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    CONSTRAINT sandbox_payments_merchant_ref_key UNIQUE (merchant_ref)
);

CREATE TABLE sandbox_notifications (
    id           TEXT PRIMARY KEY,
    payment_id   TEXT NOT NULL REFERENCES sandbox_payments (id),
    body         TEXT NOT NULL,
    deliver_at   BIGINT NOT NULL,
    delivered_at BIGINT,
    attempts     BIGINT NOT NULL DEFAULT 0,
    lost         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   BIGINT NOT NULL
);
CREATE INDEX sandbox_notifications_due ON sandbox_notifications (delivered_at, deliver_at);
