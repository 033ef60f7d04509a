-- Auto-renew, opt-in per line: bought from the wallet ahead of expiry or when the
-- data runs out; for Alipay and WeChat Pay (which cannot charge off-session), a
-- reminder with a pre-filled checkout at the same moments. Each attempt, dunning
-- step and reminder is recorded once per period in `alerts`.
CREATE TABLE auto_renew (
    iccid        TEXT PRIMARY KEY,
    enabled      BIGINT NOT NULL DEFAULT 0,   -- 0 or 1, read alike on both databases
    method       TEXT NOT NULL DEFAULT 'wallet',
    "trigger"    TEXT NOT NULL DEFAULT 'before_expiry',
    hours_before BIGINT NOT NULL DEFAULT 24,
    plan_code    TEXT,
    periods      BIGINT NOT NULL DEFAULT 1,
    sms          BIGINT NOT NULL DEFAULT 1,   -- reminders by SMS too (email always)
    updated_at   BIGINT NOT NULL,
    CONSTRAINT auto_renew_method_check CHECK (method IN ('wallet', 'alipay', 'wechat_pay')),
    CONSTRAINT auto_renew_trigger_check CHECK ("trigger" IN ('before_expiry', 'on_exhaustion'))
);
