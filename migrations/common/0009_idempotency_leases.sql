-- An Idempotency-Key claim is a lease: a request that died holding it (a crash, a
-- cancelled request) leaves a key a retry may take over once `claimed_until` is past.
-- Rows from before have none and are taken over at once.
ALTER TABLE idempotency_keys ADD COLUMN claimed_until BIGINT;

-- Logins and registrations no longer go through the store: their answers held live
-- session tokens and their digests were hashes of bodies holding a password.
DELETE FROM idempotency_keys WHERE scope IN ('sessions', 'accounts');

-- An order remembers the key that made it, once per account, so that a retry that
-- takes over a dead claim finds the order instead of making a second one.
ALTER TABLE orders ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX orders_idempotency_key_key ON orders (idempotency_key, account_id);
