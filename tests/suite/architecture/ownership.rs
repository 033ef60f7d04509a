//! Each table's SQL lives in the module that owns it.

use std::collections::{BTreeMap, BTreeSet};

use super::{is_ident, root, sources};

/// Which folder or file holds each table's SQL. A table not listed fails the check.
const OWNERS: &[(&str, &[&str])] = &[
    (
        "src/accounts/",
        &[
            "accounts",
            "sessions",
            "verification_codes",
            "email_verifications",
            "login_throttle",
        ],
    ),
    ("src/api_keys.rs", &["network_keys", "operator_keys"]),
    (
        "src/staff/",
        &[
            "staff",
            "staff_enrolments",
            "staff_recovery_codes",
            "staff_sessions",
            "staff_login_throttle",
        ],
    ),
    (
        "src/audit/",
        &["audit_log", "audit_head", "audit_log_chained"],
    ),
    ("src/catalog/", &["plans", "plan_versions", "plan_prices"]),
    (
        "src/promotions/",
        &[
            "promotions",
            "coupons",
            "coupon_attempts",
            "promotion_redemptions",
            "coupon_account_uses",
        ],
    ),
    (
        "src/lines/",
        &["lines", "line_periods", "line_events", "line_reviews"],
    ),
    ("src/messages/", &["sent_messages"]),
    ("src/inventory/", &["esim_inventory", "esim_stock_alerts"]),
    (
        "src/ledger/",
        &["ledger_accounts", "ledger_entries", "ledger_transactions"],
    ),
    // `refunds_next`: the refunds table rebuilt by a SQLite migration.
    (
        "src/orders/",
        &[
            "orders",
            "receipts",
            "refunds",
            "refunds_next",
            "receipt_series",
            "credit_notes",
        ],
    ),
    ("src/records/", &["statement_mailings"]),
    (
        "src/payments/",
        &[
            "payments",
            "payment_events",
            "payment_customers",
            "saved_cards",
        ],
    ),
    ("src/usage/", &["usage_records", "usage_hourly", "alerts"]),
    (
        "src/auto_renew/",
        &[
            "auto_renew",
            "auto_renew_charges",
            "auto_renew_next",
            "spend_caps",
            "auto_renew_refusals",
        ],
    ),
    (
        "src/preferences/",
        &["account_preferences", "marketing_consents"],
    ),
    (
        "src/announcements/",
        &[
            "announcements",
            "announcement_reads",
            "announcement_deliveries",
        ],
    ),
    ("src/watch/", &["watch_findings"]),
    ("src/jobs/", &["jobs"]),
    (
        "src/help/",
        &["help_articles", "help_translations", "help_terms"],
    ),
    (
        "src/tickets/",
        &[
            "tickets",
            "ticket_numbers",
            "ticket_messages",
            "ticket_attachments",
            "ticket_canned_replies",
        ],
    ),
    ("src/web/idempotency.rs", &["idempotency_keys"]),
    (
        "src/demo/sandbox/",
        &["sandbox_payments", "sandbox_notifications"],
    ),
    ("src/network/sandbox.rs", &["sandbox_network"]),
];

/// The raw-SQL floors the benchmarks measure the engine against: SQL on purpose.
fn exempt_from_ownership(path: &str) -> bool {
    path.starts_with("src/bench/")
        && (path.ends_with("_floor.rs") || path.ends_with(".pgbench.sql"))
}

/// Tables named in `CREATE TABLE` by the migrations.
fn tables() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for dir in [
        "migrations/sqlite",
        "migrations/postgres",
        "migrations/common",
    ] {
        let Ok(entries) = std::fs::read_dir(root().join(dir)) else {
            continue;
        };
        for entry in entries {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let words: Vec<&str> = text.split_whitespace().collect();
            for (i, pair) in words.windows(2).enumerate() {
                if pair[0].eq_ignore_ascii_case("CREATE") && pair[1].eq_ignore_ascii_case("TABLE") {
                    let mut name = words.get(i + 2).copied().unwrap_or("");
                    if name.eq_ignore_ascii_case("IF") {
                        name = words.get(i + 5).copied().unwrap_or("");
                    }
                    out.insert(
                        name.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                            .to_owned(),
                    );
                }
            }
        }
    }
    out
}

/// (table, writes) for every table a text's SQL names after FROM, JOIN, INTO, UPDATE or TABLE.
fn sql_mentions(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '"' || c == '(' || c == ',')
        .collect();
    let words: Vec<&str> = words.into_iter().filter(|w| !w.is_empty()).collect();
    for (i, pair) in words.windows(2).enumerate() {
        let keyword = pair[0];
        let writes = match keyword {
            "FROM" => i > 0 && words[i - 1] == "DELETE",
            "JOIN" => false,
            "INTO" | "UPDATE" | "TABLE" => true,
            _ => continue,
        };
        let name: String = pair[1].chars().take_while(|&c| is_ident(c)).collect();
        if !name.is_empty() {
            out.push((name, writes));
        }
    }
    out
}

/// The table a file declares it reads across an owner's boundary: `// joins <table> (owner: …)`.
fn declared_reads(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("// joins "))
        .filter(|rest| rest.contains("(owner:"))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn ownership_problems(files: &[(String, String)], tables: &BTreeSet<String>) -> Vec<String> {
    let mut owner_of = BTreeMap::new();
    for (owner, owned) in OWNERS {
        for table in *owned {
            owner_of.insert(*table, *owner);
        }
    }
    let mut problems = Vec::new();
    for table in tables {
        if !owner_of.contains_key(table.as_str()) {
            problems.push(format!(
                "table {table} has no owner in tests/suite/architecture/ownership.rs OWNERS"
            ));
        }
    }
    for (path, text) in files {
        if exempt_from_ownership(path) {
            continue;
        }
        let declared = declared_reads(text);
        let mut seen = BTreeSet::new();
        for (table, writes) in sql_mentions(text) {
            let Some(owner) = owner_of.get(table.as_str()) else {
                continue;
            };
            if path.starts_with(owner) || !tables.contains(&table) {
                continue;
            }
            let allowed = !writes && declared.contains(&table);
            if !allowed && seen.insert((table.clone(), writes)) {
                let what = if writes { "writes" } else { "reads" };
                problems.push(format!("{path} {what} {table}, owned by {owner}"));
            }
        }
    }
    problems
}

#[test]
fn each_table_is_written_and_read_only_by_its_owner() {
    let problems = ownership_problems(&sources(), &tables());
    assert!(
        problems.is_empty(),
        "SQL outside its table's owner:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_ownership_check_catches_sql_outside_the_owner() {
    let tables: BTreeSet<String> = ["orders", "lines"].map(String::from).into();
    let files = vec![
        ("src/orders/store.rs".to_owned(), "sqlx::query(\"UPDATE orders SET state = $1\")".to_owned()),
        ("src/usage/engine.rs".to_owned(), "\"SELECT id FROM lines WHERE iccid = $1\"".to_owned()),
        ("src/usage/batch.rs".to_owned(), "// joins lines (owner: lines): hot path\n\"SELECT x FROM usage_records JOIN lines ON …\"".to_owned()),
        ("src/payments/apply.rs".to_owned(), "// joins orders (owner: orders): no\n\"UPDATE orders SET paid = 1\"".to_owned()),
    ];
    let problems = ownership_problems(&files, &tables);
    assert_eq!(
        problems,
        [
            "src/usage/engine.rs reads lines, owned by src/lines/",
            "src/payments/apply.rs writes orders, owned by src/orders/",
        ]
    );
}
