-- The operator's back-office staff: who works in the console, and with which role.
-- The TOTP secret is sealed (src/sealed.rs) under a key derived from the server secret.
CREATE TABLE staff (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'support', 'finance', 'viewer')),
    password_hash  TEXT,
    totp_secret    TEXT,
    -- The last 30-second TOTP step a login used: each code opens one session.
    totp_last_step BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    created_by     TEXT NOT NULL,
    enrolled_at    BIGINT,
    disabled_at    BIGINT,
    CONSTRAINT staff_email_key UNIQUE (email)
);

-- One-time enrolment links (`datacard staff create`), stored hashed.
CREATE TABLE staff_enrolments (
    token_hash TEXT PRIMARY KEY,
    staff_id   TEXT NOT NULL REFERENCES staff (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX staff_enrolments_staff ON staff_enrolments (staff_id);

-- Recovery codes, shown once at enrolment, stored hashed, each usable once.
CREATE TABLE staff_recovery_codes (
    staff_id  TEXT NOT NULL REFERENCES staff (id),
    code_hash TEXT NOT NULL,
    used_at   BIGINT,
    PRIMARY KEY (staff_id, code_hash)
);

-- Console sessions: apart from subscribers' sessions, shorter, with an idle timeout.
CREATE TABLE staff_sessions (
    id           TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL,
    staff_id     TEXT NOT NULL REFERENCES staff (id),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    revoked_at   BIGINT,
    CONSTRAINT staff_sessions_token_key UNIQUE (token_hash)
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

-- Failed console logins, per email and per client address (see accounts' login_throttle).
CREATE TABLE staff_login_throttle (
    key          TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- Operator keys act with a role too; the keys made before roles existed are admin's.
ALTER TABLE operator_keys ADD COLUMN role TEXT NOT NULL DEFAULT 'admin'
    CONSTRAINT operator_keys_role_check CHECK (role IN ('admin', 'support', 'finance', 'viewer'));
