-- The eSIM stock's low-stock alert, told once per crossing: a row is inserted (first
-- insert wins, whatever the number of app nodes) when the free eSIMs fall to
-- `[inventory] low_stock_threshold` or below, and deleted when the stock is above it
-- again, so that the next fall is told again.
CREATE TABLE esim_stock_alerts (
    kind      TEXT PRIMARY KEY,
    free      BIGINT NOT NULL,
    threshold BIGINT NOT NULL,
    raised_at BIGINT NOT NULL
);
