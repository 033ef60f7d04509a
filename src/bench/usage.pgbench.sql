-- The same statements as the floor, for pgbench -f (see the .rs file beside it).
\set n random(1, 4000000000000000)
\set line random(0, LINES - 1)
\set now 1800000000000
SELECT iccid AS iccid FROM lines WHERE iccid LIKE '8985277%' ORDER BY iccid OFFSET :line LIMIT 1 \gset
BEGIN;
SELECT record_id FROM usage_records WHERE record_id = 'pgb-' || :n::text;
SELECT iccid FROM lines WHERE iccid = :iccid;
SELECT id AS period FROM line_periods WHERE iccid = :iccid ORDER BY starts_at LIMIT 1 \gset
INSERT INTO usage_records (record_id, iccid, period_id, bytes, charged, overage, started_at, ended_at, received_at, outcome) VALUES ('pgb-' || :n::text, :iccid, :period, 1000, 1000, 0, :now::bigint, :now::bigint, :now::bigint, 'charged') ON CONFLICT (record_id) DO NOTHING;
UPDATE line_periods SET data_used = data_used + 1000, overage = overage + 0 WHERE id = :period;
INSERT INTO usage_hourly (iccid, hour, bytes) VALUES (:iccid, :now::bigint, 1000) ON CONFLICT (iccid, hour) DO UPDATE SET bytes = usage_hourly.bytes + excluded.bytes;
INSERT INTO ledger_transactions (id, kind, reference, description, created_at) VALUES ('ltx-pgb-' || :n::text, 'usage', 'pgb-' || :n::text, 'pgbench', :now::bigint) ON CONFLICT (reference) DO NOTHING;
INSERT INTO ledger_accounts (id, code, kind, currency, account_id, balance, created_at) VALUES ('lac-pgb1-' || :n::text, 'quota' || chr(58) || :period, 'liability', 'BYT', NULL, 0, :now::bigint) ON CONFLICT (code) DO NOTHING;
UPDATE ledger_accounts SET balance = balance + 1000 WHERE code = 'quota' || chr(58) || :period RETURNING id AS a1 \gset
INSERT INTO ledger_entries (transaction_id, seq, ledger_account_id, amount, currency) VALUES ('ltx-pgb-' || :n::text, 0, :a1, 1000, 'BYT');
INSERT INTO ledger_accounts (id, code, kind, currency, account_id, balance, created_at) VALUES ('lac-pgb2-' || :n::text, 'usage' || chr(58) || 'consumed' || chr(58) || 'BYT', 'revenue', 'BYT', NULL, 0, :now::bigint) ON CONFLICT (code) DO NOTHING;
UPDATE ledger_accounts SET balance = balance - 1000 WHERE code = 'usage' || chr(58) || 'consumed' || chr(58) || 'BYT' RETURNING id AS a2 \gset
INSERT INTO ledger_entries (transaction_id, seq, ledger_account_id, amount, currency) VALUES ('ltx-pgb-' || :n::text, 1, :a2, -1000, 'BYT');
COMMIT;
