-- The help centre (owned by src/help/): articles the operator writes, one row per
-- article and one per language it is written in (Markdown), and the search terms of
-- every language's title and text (CJK characters and pairs of them, stems of other
-- words), so that a search needs no word spaces and runs the same on both databases.
CREATE TABLE help_articles (
    slug        TEXT PRIMARY KEY,
    topic       TEXT NOT NULL CHECK (topic IN ('payment', 'data', 'install', 'account', 'other')),
    published   BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL
);
CREATE TABLE help_translations (
    slug      TEXT NOT NULL REFERENCES help_articles (slug),
    language  TEXT NOT NULL CHECK (language IN ('zh-HK', 'zh-CN', 'en')),
    title     TEXT NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (slug, language)
);
CREATE TABLE help_terms (
    slug    TEXT NOT NULL REFERENCES help_articles (slug),
    term    TEXT NOT NULL,
    -- 3 for a term of a title, 1 for one of the text only.
    weight  INTEGER NOT NULL,
    PRIMARY KEY (term, slug)
);
CREATE INDEX help_terms_slug ON help_terms (slug);

-- Support cases (owned by src/tickets/): a subscriber's question with its thread of
-- messages (staff notes marked internal never reach the subscriber) and images kept
-- under the data dir, not in the database.
CREATE TABLE tickets (
    id                 TEXT PRIMARY KEY,
    -- Shown as C-000123; taken from ticket_numbers in the opening transaction.
    number             BIGINT NOT NULL UNIQUE,
    account_id         TEXT NOT NULL REFERENCES accounts (id),
    order_id           TEXT REFERENCES orders (id),
    category           TEXT NOT NULL CHECK (category IN ('payment', 'data', 'install', 'account', 'other')),
    subject            TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('open', 'waiting_on_customer', 'waiting_on_operator', 'resolved', 'closed')),
    -- The staff member's email.
    assignee           TEXT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    first_response_at  BIGINT,
    resolved_at        BIGINT,
    closed_at          BIGINT
);
CREATE INDEX tickets_account ON tickets (account_id, created_at);
CREATE INDEX tickets_state ON tickets (state, created_at);
CREATE INDEX tickets_order ON tickets (order_id);
CREATE TABLE ticket_numbers (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    last  BIGINT NOT NULL
);
INSERT INTO ticket_numbers (id, last) VALUES (1, 0);
CREATE TABLE ticket_messages (
    id          TEXT PRIMARY KEY,
    ticket_id   TEXT NOT NULL REFERENCES tickets (id),
    author      TEXT NOT NULL CHECK (author IN ('customer', 'staff', 'system')),
    -- The staff member's email for staff messages.
    staff       TEXT,
    internal    BOOLEAN NOT NULL,
    body        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, created_at);
CREATE TABLE ticket_attachments (
    id            TEXT PRIMARY KEY,
    ticket_id     TEXT NOT NULL REFERENCES tickets (id),
    message_id    TEXT REFERENCES ticket_messages (id),
    content_type  TEXT NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg')),
    size_bytes    BIGINT NOT NULL,
    width         INTEGER NOT NULL,
    height        INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX ticket_attachments_ticket ON ticket_attachments (ticket_id);
-- Replies staff can start from, per language; admins edit them in the console.
CREATE TABLE ticket_canned_replies (
    id          TEXT PRIMARY KEY,
    language    TEXT NOT NULL CHECK (language IN ('zh-HK', 'zh-CN', 'en')),
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL
);
