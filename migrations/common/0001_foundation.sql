-- Times are milliseconds since the Unix epoch (UTC); money is integer minor units.

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    phone         TEXT NOT NULL,
    email         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    locale        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    CONSTRAINT accounts_phone_key UNIQUE (phone),
    CONSTRAINT accounts_email_key UNIQUE (email)
);

-- One row per code sent (or refused to a registered phone, to keep answers alike).
CREATE TABLE verification_codes (
    id          TEXT PRIMARY KEY,
    destination TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    account_id  TEXT REFERENCES accounts (id),
    payload     TEXT,
    client_addr TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    closed_at   BIGINT
);
CREATE INDEX verification_codes_destination ON verification_codes (destination, created_at);
CREATE INDEX verification_codes_client ON verification_codes (client_addr, created_at);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    kind       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    CONSTRAINT sessions_token_key UNIQUE (token_hash)
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Failed-login counters, keyed by a hash of the login or the client address,
-- so that unknown and known logins are throttled alike.
CREATE TABLE login_throttle (
    key          TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE plans (
    code       TEXT PRIMARY KEY,
    zone       TEXT NOT NULL,
    sort_order BIGINT NOT NULL,
    retired_at BIGINT,
    created_at BIGINT NOT NULL
);

-- Terms and prices change only by new versions; orders keep the version they were priced with.
CREATE TABLE plan_versions (
    id             TEXT PRIMARY KEY,
    plan_code      TEXT NOT NULL REFERENCES plans (code),
    version        BIGINT NOT NULL,
    effective_from BIGINT NOT NULL,
    names          TEXT NOT NULL,
    period_unit    TEXT NOT NULL,
    period_count   BIGINT NOT NULL,
    data_allowance BIGINT,
    fair_use_cap   BIGINT,
    throttle_kbps  BIGINT,
    terms_digest   TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    CONSTRAINT plan_versions_number_key UNIQUE (plan_code, version)
);

CREATE TABLE plan_prices (
    plan_version_id TEXT NOT NULL REFERENCES plan_versions (id),
    currency        TEXT NOT NULL,
    amount          BIGINT NOT NULL,
    PRIMARY KEY (plan_version_id, currency)
);

CREATE TABLE lines (
    iccid           TEXT PRIMARY KEY,
    account_id      TEXT REFERENCES accounts (id),
    status          TEXT NOT NULL,
    status_reason   TEXT,
    activation_code TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX lines_account ON lines (account_id);

-- A period is active while starts_at <= now < ends_at and queued before that.
CREATE TABLE line_periods (
    id              TEXT PRIMARY KEY,
    iccid           TEXT NOT NULL REFERENCES lines (iccid),
    plan_version_id TEXT NOT NULL REFERENCES plan_versions (id),
    starts_at       BIGINT NOT NULL,
    ends_at         BIGINT NOT NULL,
    data_allowance  BIGINT,
    fair_use_cap    BIGINT,
    data_used       BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL
);
CREATE INDEX line_periods_line ON line_periods (iccid, starts_at);

CREATE TABLE ledger_accounts (
    id         TEXT PRIMARY KEY,
    code       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    currency   TEXT NOT NULL,
    account_id TEXT REFERENCES accounts (id),
    balance    BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    CONSTRAINT ledger_accounts_code_key UNIQUE (code)
);

CREATE TABLE ledger_transactions (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    reference   TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT ledger_transactions_reference_key UNIQUE (reference)
);

CREATE TABLE ledger_entries (
    transaction_id    TEXT NOT NULL REFERENCES ledger_transactions (id),
    seq               BIGINT NOT NULL,
    ledger_account_id TEXT NOT NULL REFERENCES ledger_accounts (id),
    amount            BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    PRIMARY KEY (transaction_id, seq)
);
CREATE INDEX ledger_entries_account ON ledger_entries (ledger_account_id);

-- Responses to creating requests, replayed for a repeated Idempotency-Key.
CREATE TABLE idempotency_keys (
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        BIGINT,
    response_body TEXT,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE TABLE audit_log (
    id      TEXT PRIMARY KEY,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail  TEXT NOT NULL
);
