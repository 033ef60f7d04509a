-- When a subscriber last made us ask the provider about a payment ("refresh"):
-- such queries are spaced per payment, whoever asks and however often.
ALTER TABLE payments ADD COLUMN subscriber_query_at BIGINT;
