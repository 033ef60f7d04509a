-- An account's email is proven by a link sent to it; until then it is not a login
-- and receives no reset codes. Accounts from before this stay unverified.
ALTER TABLE accounts ADD COLUMN email_verified_at BIGINT;

-- Links sent to confirm an email: only an HMAC of the token (under the server
-- secret) is kept, for the address it was sent to.
CREATE TABLE email_verifications (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    email      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX email_verifications_account ON email_verifications (account_id, created_at);
