-- Usage: records applied at most once, per-period quota, hourly totals, enforcement,
-- alerts, network API keys.

ALTER TABLE line_periods ADD COLUMN overage BIGINT NOT NULL DEFAULT 0;

CREATE TABLE network_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    key_hash   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    CONSTRAINT network_keys_name_key UNIQUE (name),
    CONSTRAINT network_keys_hash_key UNIQUE (key_hash)
);

-- Every record ever accepted, charged or not; the network's id is the key.
CREATE TABLE usage_records (
    record_id   TEXT PRIMARY KEY,
    iccid       TEXT NOT NULL,
    period_id   TEXT,
    bytes       BIGINT NOT NULL,
    charged     BIGINT NOT NULL,
    overage     BIGINT NOT NULL,
    started_at  BIGINT NOT NULL,
    ended_at    BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    outcome     TEXT NOT NULL
);
CREATE INDEX usage_records_line ON usage_records (iccid, started_at);

CREATE TABLE usage_hourly (
    iccid TEXT NOT NULL,
    hour  BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    PRIMARY KEY (iccid, hour)
);

-- What we told (or must tell) the network about a line, in order; delivered by a job.
CREATE TABLE line_events (
    id           TEXT PRIMARY KEY,
    iccid        TEXT NOT NULL,
    action       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    throttle_kbps BIGINT,
    created_at   BIGINT NOT NULL,
    delivered_at BIGINT,
    attempts     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX line_events_line ON line_events (iccid, created_at);

-- Each alert at most once per period.
CREATE TABLE alerts (
    period_id TEXT NOT NULL,
    kind      TEXT NOT NULL,
    iccid     TEXT NOT NULL,
    sent_at   BIGINT NOT NULL,
    PRIMARY KEY (period_id, kind)
);

-- The sandbox network adapter's memory of what it was told.
CREATE TABLE sandbox_network (
    id       TEXT PRIMARY KEY,
    iccid    TEXT NOT NULL,
    action   TEXT NOT NULL,
    detail   TEXT NOT NULL,
    received_at BIGINT NOT NULL
);
