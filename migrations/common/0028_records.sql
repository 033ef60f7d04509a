-- Records a subscriber can check: receipts and credit notes numbered without gaps,
-- the ledger's transactions by the subscriber they concern (history, statements),
-- and the monthly statements already emailed.

-- One counter per series (`R2026`, `CN2026`), moved in the transaction that issues
-- the document: a transaction rolled back takes its number back with it, so the
-- numbers have no gaps, and the row lock keeps two issuers from sharing one.
CREATE TABLE receipt_series (
    series TEXT PRIMARY KEY,
    last   BIGINT NOT NULL
);

-- A credit note for each refund of money a receipt covered.
CREATE TABLE credit_notes (
    number     TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    order_id   TEXT NOT NULL REFERENCES orders (id),
    payment_id TEXT,
    -- What it credits (the refund's ledger reference): one note each.
    reference  TEXT NOT NULL,
    amount     BIGINT NOT NULL,
    currency   TEXT NOT NULL,
    body       TEXT NOT NULL,
    issued_at  BIGINT NOT NULL,
    CONSTRAINT credit_notes_reference_key UNIQUE (reference)
);
CREATE INDEX credit_notes_account ON credit_notes (account_id, issued_at);
CREATE INDEX receipts_issued ON receipts (issued_at);

-- The subscriber a ledger transaction concerns (their wallet, their order, payment
-- or refund); empty for the operator's own (quota, house transfers).
ALTER TABLE ledger_transactions ADD COLUMN account_id TEXT;
CREATE INDEX ledger_transactions_account ON ledger_transactions (account_id, created_at);

UPDATE ledger_transactions SET account_id = (
    SELECT a.account_id FROM ledger_entries e
    JOIN ledger_accounts a ON a.id = e.ledger_account_id
    WHERE e.transaction_id = ledger_transactions.id AND a.account_id IS NOT NULL
    ORDER BY e.seq LIMIT 1
) WHERE account_id IS NULL;
UPDATE ledger_transactions SET account_id = (
    SELECT o.account_id FROM orders o
    WHERE o.id = substr(ledger_transactions.reference, 7, length(ledger_transactions.reference) - 13)
) WHERE account_id IS NULL AND reference LIKE 'order:%:fulfil';
UPDATE ledger_transactions SET account_id = (
    SELECT o.account_id FROM payments p JOIN orders o ON o.id = p.order_id
    WHERE p.id = substr(ledger_transactions.reference, 9, length(ledger_transactions.reference) - 17)
) WHERE account_id IS NULL AND (reference LIKE 'payment:%:reversal' OR reference LIKE 'payment:%:received');
UPDATE ledger_transactions SET account_id = (
    SELECT o.account_id FROM payments p JOIN orders o ON o.id = p.order_id
    WHERE p.id = substr(ledger_transactions.reference, 9, length(ledger_transactions.reference) - 15)
) WHERE account_id IS NULL AND reference LIKE 'payment:%:refund';
UPDATE ledger_transactions SET account_id = (
    SELECT r.account_id FROM refunds r
    WHERE r.id = substr(ledger_transactions.reference, 8, length(ledger_transactions.reference) - 12)
) WHERE account_id IS NULL AND reference LIKE 'refund:%:sent';
UPDATE ledger_transactions SET account_id = (
    SELECT r.account_id FROM refunds r WHERE r.id = substr(ledger_transactions.reference, 8)
) WHERE account_id IS NULL AND reference LIKE 'refund:%' AND reference NOT LIKE 'refund:%:sent';

-- The months whose statement went to a subscriber by email (`*`: the month's run
-- finished), so that the 1st's job sends each once.
CREATE TABLE statement_mailings (
    account_id TEXT NOT NULL,
    month      TEXT NOT NULL,
    sent_at    BIGINT NOT NULL,
    PRIMARY KEY (account_id, month)
);
