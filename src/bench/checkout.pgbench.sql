-- The same statements as the floor, for pgbench -f (see the .rs file beside it).
\set n random(1, 4000000000000000)
\set now 1800000000000
SELECT iccid AS line FROM lines WHERE iccid LIKE '8985299%' ORDER BY iccid OFFSET :client_id::bigint % (SELECT COUNT(*) FROM lines WHERE iccid LIKE '8985299%') LIMIT 1 \gset
SELECT id AS version FROM plan_versions WHERE plan_code = 'HK-30D-20G' ORDER BY version DESC LIMIT 1 \gset
SELECT account_id AS account FROM lines WHERE iccid = :line \gset
SELECT p.code, v.id FROM plans p JOIN plan_versions v ON v.plan_code = p.code WHERE p.code = 'HK-30D-20G' AND p.retired_at IS NULL;
SELECT amount FROM plan_prices WHERE plan_version_id = :version;
BEGIN;
INSERT INTO orders (id, account_id, kind, iccid, plan_code, plan_version_id, periods, currency, list_price, discounts, fee, total, payment_method, state, created_at, expires_at, updated_at) VALUES ('ord_pg' || :client_id::text || '_' || :n::text, :account, 'renewal', :line, 'HK-30D-20G', :version, 1, 'HKD', 8800, '[]', 220, 9020, 'card', 'pending_payment', :now::bigint, :now::bigint + 1800000, :now::bigint);
INSERT INTO payments (id, order_id, provider, method, amount, currency, state, created_at, updated_at) VALUES ('pay_pg' || :client_id::text || '_' || :n::text, 'ord_pg' || :client_id::text || '_' || :n::text, 'sandbox', 'card', 9020, 'HKD', 'created', :now::bigint, :now::bigint);
INSERT INTO jobs (id, kind, unique_key, payload, run_at, created_at) VALUES ('jobr_pg' || :client_id::text || '_' || :n::text, 'payment.reconcile', 'reconcile' || chr(58) || 'pg' || :client_id::text || '_' || :n::text, '{}', :now::bigint, :now::bigint) ON CONFLICT (unique_key) DO NOTHING;
INSERT INTO jobs (id, kind, unique_key, payload, run_at, created_at) VALUES ('jobe_pg' || :client_id::text || '_' || :n::text, 'order.expire', 'expire' || chr(58) || 'pg' || :client_id::text || '_' || :n::text, '{}', :now::bigint, :now::bigint) ON CONFLICT (unique_key) DO NOTHING;
COMMIT;
BEGIN;
INSERT INTO sandbox_payments (id, merchant_ref, amount, currency, method, description, return_url, status, created_at, updated_at) VALUES ('sbx_pg' || :client_id::text || '_' || :n::text, 'pay_pg' || :client_id::text || '_' || :n::text, 9020, 'HKD', 'card', 'HK-30D-20G', 'http' || chr(58) || '//x/', 'pending', :now::bigint, :now::bigint) ON CONFLICT (merchant_ref) DO NOTHING;
COMMIT;
SELECT id, status FROM sandbox_payments WHERE merchant_ref = 'pay_pg' || :client_id::text || '_' || :n::text;
BEGIN;
UPDATE payments SET provider_ref = 'sbx_pg' || :client_id::text || '_' || :n::text, next_action = '{}' WHERE id = 'pay_pg' || :client_id::text || '_' || :n::text;
SELECT id, order_id, state FROM payments WHERE id = 'pay_pg' || :client_id::text || '_' || :n::text FOR UPDATE;
INSERT INTO payment_events (id, payment_id, provider, provider_event_id, source, provider_status, amount, currency, outcome, evidence, received_at) VALUES ('pevs_pg' || :client_id::text || '_' || :n::text, 'pay_pg' || :client_id::text || '_' || :n::text, 'sandbox', 'sync' || chr(58) || 'pg' || :client_id::text || '_' || :n::text, 'sync', 'pending', 9020, 'HKD', 'received', '{}', :now::bigint) ON CONFLICT (provider, provider_event_id) DO NOTHING;
SELECT id, state FROM orders WHERE id = 'ord_pg' || :client_id::text || '_' || :n::text;
UPDATE payments SET state = 'pending', updated_at = :now::bigint WHERE id = 'pay_pg' || :client_id::text || '_' || :n::text;
UPDATE payment_events SET outcome = 'moved' WHERE id = 'pevs_pg' || :client_id::text || '_' || :n::text;
COMMIT;
SELECT id, state FROM orders WHERE id = 'ord_pg' || :client_id::text || '_' || :n::text;
SELECT id, state FROM payments WHERE order_id = 'ord_pg' || :client_id::text || '_' || :n::text ORDER BY created_at DESC LIMIT 1;
BEGIN;
UPDATE sandbox_payments SET status = 'succeeded', updated_at = :now::bigint WHERE id = 'sbx_pg' || :client_id::text || '_' || :n::text AND status = 'pending';
INSERT INTO sandbox_notifications (id, payment_id, body, deliver_at, lost, created_at) VALUES ('sbn_pg' || :client_id::text || '_' || :n::text, 'sbx_pg' || :client_id::text || '_' || :n::text, '{}', :now::bigint, false, :now::bigint);
COMMIT;
BEGIN;
SELECT id, order_id, state FROM payments WHERE id = 'pay_pg' || :client_id::text || '_' || :n::text FOR UPDATE;
INSERT INTO payment_events (id, payment_id, provider, provider_event_id, source, provider_status, amount, currency, outcome, evidence, received_at) VALUES ('pevn_pg' || :client_id::text || '_' || :n::text, 'pay_pg' || :client_id::text || '_' || :n::text, 'sandbox', 'evt_pg' || :client_id::text || '_' || :n::text, 'notification', 'succeeded', 9020, 'HKD', 'received', '{}', :now::bigint) ON CONFLICT (provider, provider_event_id) DO NOTHING;
SELECT id, state FROM orders WHERE id = 'ord_pg' || :client_id::text || '_' || :n::text FOR UPDATE;
UPDATE orders SET state = 'fulfilled', paid_at = COALESCE(paid_at, :now::bigint), fulfilled_at = :now::bigint, updated_at = :now::bigint WHERE id = 'ord_pg' || :client_id::text || '_' || :n::text AND state IN ('pending_payment', 'paid');
SELECT period_unit, period_count, data_allowance, fair_use_cap FROM plan_versions WHERE id = :version;
SELECT COALESCE(MAX(ends_at), :now::bigint) AS last_end FROM line_periods WHERE iccid = :line \gset
INSERT INTO line_periods (id, iccid, plan_version_id, starts_at, ends_at, data_allowance, fair_use_cap, data_used, created_at) VALUES ('per_pg' || :client_id::text || '_' || :n::text, :line, :version, :last_end::bigint, :last_end::bigint + 2592000000, 21474836480, NULL, 0, :now::bigint);
UPDATE line_periods SET order_id = 'ord_pg' || :client_id::text || '_' || :n::text WHERE id = 'per_pg' || :client_id::text || '_' || :n::text;
UPDATE lines SET status = 'active', updated_at = :now::bigint WHERE iccid = :line AND status IN ('expired', 'suspended');
INSERT INTO ledger_transactions (id, kind, reference, description, created_at) VALUES ('ltx_pg' || :client_id::text || '_' || :n::text, 'order_payment', 'order' || chr(58) || 'pg' || :client_id::text || '_' || :n::text, 'floor', :now::bigint) ON CONFLICT (reference) DO NOTHING;
INSERT INTO ledger_accounts (id, code, kind, currency, account_id, balance, created_at) VALUES ('lac1_pg' || :client_id::text || '_' || :n::text, 'asset' || chr(58) || 'clearing' || chr(58) || 'sandbox' || chr(58) || 'HKD', 'asset', 'HKD', NULL, 0, :now::bigint) ON CONFLICT (code) DO NOTHING;
UPDATE ledger_accounts SET balance = balance + 8800 WHERE code = 'asset' || chr(58) || 'clearing' || chr(58) || 'sandbox' || chr(58) || 'HKD' RETURNING id AS a1 \gset
INSERT INTO ledger_entries (transaction_id, seq, ledger_account_id, amount, currency) VALUES ('ltx_pg' || :client_id::text || '_' || :n::text, 0, :a1, 8800, 'HKD');
INSERT INTO ledger_accounts (id, code, kind, currency, account_id, balance, created_at) VALUES ('lac2_pg' || :client_id::text || '_' || :n::text, 'expense' || chr(58) || 'provider_fees' || chr(58) || 'sandbox' || chr(58) || 'HKD', 'expense', 'HKD', NULL, 0, :now::bigint) ON CONFLICT (code) DO NOTHING;
UPDATE ledger_accounts SET balance = balance + 220 WHERE code = 'expense' || chr(58) || 'provider_fees' || chr(58) || 'sandbox' || chr(58) || 'HKD' RETURNING id AS a2 \gset
INSERT INTO ledger_entries (transaction_id, seq, ledger_account_id, amount, currency) VALUES ('ltx_pg' || :client_id::text || '_' || :n::text, 1, :a2, 220, 'HKD');
INSERT INTO ledger_accounts (id, code, kind, currency, account_id, balance, created_at) VALUES ('lac3_pg' || :client_id::text || '_' || :n::text, 'revenue' || chr(58) || 'payment_fees' || chr(58) || 'HKD', 'revenue', 'HKD', NULL, 0, :now::bigint) ON CONFLICT (code) DO NOTHING;
UPDATE ledger_accounts SET balance = balance - 220 WHERE code = 'revenue' || chr(58) || 'payment_fees' || chr(58) || 'HKD' RETURNING id AS a3 \gset
INSERT INTO ledger_entries (transaction_id, seq, ledger_account_id, amount, currency) VALUES ('ltx_pg' || :client_id::text || '_' || :n::text, 2, :a3, -220, 'HKD');
INSERT INTO ledger_accounts (id, code, kind, currency, account_id, balance, created_at) VALUES ('lac4_pg' || :client_id::text || '_' || :n::text, 'revenue' || chr(58) || 'plans' || chr(58) || 'HKD', 'revenue', 'HKD', NULL, 0, :now::bigint) ON CONFLICT (code) DO NOTHING;
UPDATE ledger_accounts SET balance = balance - 8800 WHERE code = 'revenue' || chr(58) || 'plans' || chr(58) || 'HKD' RETURNING id AS a4 \gset
INSERT INTO ledger_entries (transaction_id, seq, ledger_account_id, amount, currency) VALUES ('ltx_pg' || :client_id::text || '_' || :n::text, 3, :a4, -8800, 'HKD');
INSERT INTO receipt_series (series, last) VALUES ('P2026', 1) ON CONFLICT (series) DO UPDATE SET last = receipt_series.last + 1 RETURNING last AS rn \gset
INSERT INTO receipts (order_id, number, payment_id, body, issued_at) VALUES ('ord_pg' || :client_id::text || '_' || :n::text, 'P2026-' || lpad(:rn::text, 6, '0'), 'pay_pg' || :client_id::text || '_' || :n::text, '{}', :now::bigint);
INSERT INTO jobs (id, kind, unique_key, payload, run_at, created_at) VALUES ('job_pg' || :client_id::text || '_' || :n::text, 'floor.document', 'document' || chr(58) || 'P2026-' || lpad(:rn::text, 6, '0'), '{}', :now::bigint, :now::bigint) ON CONFLICT (unique_key) DO NOTHING;
UPDATE payments SET state = 'succeeded', updated_at = :now::bigint WHERE id = 'pay_pg' || :client_id::text || '_' || :n::text;
UPDATE payment_events SET outcome = 'moved' WHERE id = 'pevn_pg' || :client_id::text || '_' || :n::text;
COMMIT;
BEGIN;
UPDATE sandbox_notifications SET delivered_at = :now::bigint, attempts = attempts + 1 WHERE id = 'sbn_pg' || :client_id::text || '_' || :n::text;
COMMIT;
