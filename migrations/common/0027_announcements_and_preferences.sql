-- A subscriber's preferences (statements by email, the channels of alerts) and their
-- marketing consent, kept apart from service notices as Hong Kong's PDPO Part VIA asks:
-- every opt-in and opt-out is a row of its own (when, which channel, from where), never
-- changed or removed; the newest row per channel is the consent in force.
CREATE TABLE account_preferences (
    account_id          TEXT PRIMARY KEY REFERENCES accounts (id),
    statements_by_email BIGINT NOT NULL,   -- 0 or 1, read alike on both databases
    alerts_sms          BIGINT NOT NULL,
    alerts_email        BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);

CREATE TABLE marketing_consents (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    channel    TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    opted_in   BIGINT NOT NULL CHECK (opted_in IN (0, 1)),
    -- Where the subscriber said it: the preferences page, the API, an unsubscribe link.
    source     TEXT NOT NULL CHECK (source IN ('page', 'api', 'unsubscribe_link')),
    at         BIGINT NOT NULL
);
CREATE INDEX marketing_consents_account ON marketing_consents (account_id, channel, at);

-- The operator's announcements: a title and a Markdown body per language, for everyone
-- or for the subscribers whose lines match the audience, shown from starts_at until
-- ends_at; optionally sent by SMS and email (marketing ones only to those who opted in).
CREATE TABLE announcements (
    id         TEXT PRIMARY KEY,
    titles     TEXT NOT NULL,              -- JSON object: language tag -> text
    bodies     TEXT NOT NULL,              -- JSON object: language tag -> Markdown
    audience   TEXT NOT NULL,              -- JSON; an empty audience is everyone
    targeted   BIGINT NOT NULL,            -- 0: everyone, also visitors not signed in
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT,
    priority   TEXT NOT NULL CHECK (priority IN ('normal', 'banner')),
    marketing  BIGINT NOT NULL,
    send_sms   BIGINT NOT NULL,
    send_email BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT announcements_schedule_check CHECK (ends_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX announcements_starts ON announcements (starts_at);

-- Read (or a banner dismissed) by a subscriber: once.
CREATE TABLE announcement_reads (
    announcement_id TEXT NOT NULL REFERENCES announcements (id),
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    read_at         BIGINT NOT NULL,
    PRIMARY KEY (announcement_id, account_id)
);

-- One message of an announcement to one subscriber by one channel, at most once: the
-- key stops a second send, and a row is claimed ('sending') before the message leaves,
-- so a worker that dies mid-send never sends it again.
CREATE TABLE announcement_deliveries (
    announcement_id TEXT NOT NULL REFERENCES announcements (id),
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    channel         TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    state           TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'skipped')),
    queued_at       BIGINT NOT NULL,
    done_at         BIGINT,
    PRIMARY KEY (announcement_id, account_id, channel)
);
