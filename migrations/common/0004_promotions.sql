-- Promotions and coupons, as the catalog file defines them, and their redemptions.

-- Every promotion, coupons included; `definition` is the checked JSON the domain
-- evaluates, replaced whole when the operator changes it.
CREATE TABLE promotions (
    code       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    definition TEXT NOT NULL,
    digest     TEXT NOT NULL,
    retired_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A coupon's limits and how many uses orders hold; `redeemed` moves only by guarded
-- updates in the order's transaction (`… WHERE redeemed < total_limit`).
CREATE TABLE coupons (
    code              TEXT PRIMARY KEY REFERENCES promotions (code),
    total_limit       BIGINT,
    per_account_limit BIGINT,
    redeemed          BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE coupon_account_uses (
    coupon_code TEXT NOT NULL REFERENCES coupons (code),
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    used        BIGINT NOT NULL,
    PRIMARY KEY (coupon_code, account_id)
);

-- What each order got; a first-order promotion's claim key is unique while it
-- holds, so that two orders cannot both be an account's first.
CREATE TABLE promotion_redemptions (
    id             TEXT PRIMARY KEY,
    order_id       TEXT NOT NULL REFERENCES orders (id),
    account_id     TEXT NOT NULL REFERENCES accounts (id),
    promotion_code TEXT NOT NULL REFERENCES promotions (code),
    coupon_code    TEXT REFERENCES coupons (code),
    claim_key      TEXT,
    amount         BIGINT NOT NULL,
    free_periods   BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    released_at    BIGINT,
    CONSTRAINT promotion_redemptions_claim_key_key UNIQUE (claim_key),
    CONSTRAINT promotion_redemptions_order_promotion_key UNIQUE (order_id, promotion_code)
);
CREATE INDEX promotion_redemptions_account ON promotion_redemptions (account_id, released_at);
CREATE INDEX promotion_redemptions_coupon ON promotion_redemptions (coupon_code, released_at);

-- Unknown coupon codes entered, per account, for the guessing throttle.
CREATE TABLE coupon_attempts (
    account_id   TEXT PRIMARY KEY REFERENCES accounts (id),
    failures     BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

-- "Has this account ordered this plan before?"
CREATE INDEX orders_account_plan ON orders (account_id, plan_code);
