//! The tree keeps its shape: each table's SQL in its owning module, modules used only
//! in their dependency order, and README's layout true to the tree. Each check reads the
//! sources as text; each is shown to catch what it guards against on a made-up sample.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

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
    ("src/lines/", &["lines", "line_periods", "line_events"]),
    ("src/inventory/", &["esim_inventory"]),
    (
        "src/ledger/",
        &["ledger_accounts", "ledger_entries", "ledger_transactions"],
    ),
    ("src/orders/", &["orders", "receipts"]),
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
        &["auto_renew", "auto_renew_charges", "auto_renew_next"],
    ),
    ("src/jobs/", &["jobs"]),
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

/// Inner to outer: a module may use the ones before it. `app` (the context every module
/// receives, holding the registries by type) is used by all and checked by none.
const FOUNDATION: &[&str] = &[
    "i18n",
    "error",
    "clock",
    "ids",
    "money",
    "volume",
    "signature",
    "private_files",
    "config",
    "db",
    "messages",
    "jobs",
];
const DOMAIN: &[&str] = &[
    "audit",
    "accounts",
    "api_keys",
    "ledger",
    "payments",
    "catalog",
    "network",
    "lines",
    "inventory",
    "promotions",
    "orders",
    "usage",
    "auto_renew",
];
/// The composition: may use anything above, and each other.
const OUTER: &[&str] = &["background", "web", "server", "cli", "demo", "bench"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("rs" | "sql")
        ) {
            out.push(path);
        }
    }
}

/// Every source file as (path relative to the crate, text).
fn sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    files_under(&root().join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let relative = path
                .strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (relative, text)
        })
        .collect()
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

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
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
                "table {table} has no owner in tests/suite/architecture.rs OWNERS"
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

/// The top-level module a source path belongs to.
fn module_of(path: &str) -> Option<String> {
    let rest = path.strip_prefix("src/")?;
    let first = rest.split('/').next()?;
    Some(first.trim_end_matches(".rs").to_owned())
}

/// The top-level modules a text names as `crate::x` (also inside `use crate::{x, y::z}`),
/// outside comments.
fn crate_uses(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let code: String = text
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = matching_brace(group);
            for item in split_top_level(&group[..end]) {
                let name: String = item.trim().chars().take_while(|&c| is_ident(c)).collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        } else {
            let name: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

fn matching_brace(text: &str) -> usize {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    text.len()
}

fn split_top_level(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

fn layering_problems(files: &[(String, String)]) -> Vec<String> {
    let rank = |module: &str| -> Option<usize> {
        if let Some(i) = FOUNDATION.iter().position(|m| *m == module) {
            return Some(i);
        }
        if let Some(i) = DOMAIN.iter().position(|m| *m == module) {
            return Some(FOUNDATION.len() + i);
        }
        OUTER
            .contains(&module)
            .then_some(FOUNDATION.len() + DOMAIN.len())
    };
    let mut problems = BTreeSet::new();
    for (path, text) in files {
        let Some(module) = module_of(path) else {
            continue;
        };
        if matches!(module.as_str(), "app" | "lib" | "main") {
            continue;
        }
        let Some(own) = rank(&module) else {
            problems.insert(format!(
                "{path}: module {module} is in no layer of tests/suite/architecture.rs"
            ));
            continue;
        };
        for used in crate_uses(text) {
            if used == module || used == "app" {
                continue;
            }
            match rank(&used) {
                Some(theirs) if theirs < own => {}
                Some(theirs) if theirs == own && OUTER.contains(&module.as_str()) => {}
                Some(_) => {
                    problems.insert(format!(
                        "{path}: {module} uses {used}, which comes after it"
                    ));
                }
                None => {
                    problems.insert(format!("{path}: uses crate::{used}, in no layer"));
                }
            }
        }
    }
    problems.into_iter().collect()
}

#[test]
fn modules_use_only_the_modules_before_them() {
    let problems = layering_problems(&sources());
    assert!(
        problems.is_empty(),
        "imports against the dependency order:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_layering_check_catches_an_upward_import() {
    let files = vec![
        (
            "src/orders/create.rs".to_owned(),
            "use crate::{ledger::post, payments::{self, Method}};".to_owned(),
        ),
        (
            "src/payments/apply.rs".to_owned(),
            "use crate::orders::fulfil;\n// see crate::usage\n".to_owned(),
        ),
        (
            "src/web/mod.rs".to_owned(),
            "use crate::demo::routes;".to_owned(),
        ),
    ];
    assert_eq!(
        layering_problems(&files),
        ["src/payments/apply.rs: payments uses orders, which comes after it"]
    );
}

/// The README's module list (section "Modules, inner to outer") names the domain in the
/// order the check enforces.
#[test]
fn readme_lists_the_modules_in_dependency_order() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("## Modules, inner to outer")
        .nth(1)
        .expect("README has a section \"## Modules, inner to outer\"");
    let section = section.split("\n## ").next().unwrap();
    let listed: Vec<String> = section
        .lines()
        .filter_map(|line| line.strip_prefix("- `"))
        .filter_map(|rest| rest.split('`').next())
        .map(|name| {
            name.trim_end_matches('/')
                .trim_end_matches(".rs")
                .to_owned()
        })
        .collect();
    let expected: Vec<String> = FOUNDATION
        .iter()
        .chain(std::iter::once(&"app"))
        .chain(DOMAIN)
        .chain(OUTER)
        .map(|m| (*m).to_owned())
        .collect();
    assert_eq!(
        listed, expected,
        "README's module list and the enforced order differ"
    );
}

/// Paths README's "Layout of the code" block names, resolved against the tree.
fn layout_paths(readme: &str) -> Vec<String> {
    let block = readme
        .split("## Layout of the code")
        .nth(1)
        .and_then(|rest| rest.split("```").nth(1))
        .expect("README has a layout block");
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut out = Vec::new();
    for line in block.lines() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || indent > 8 {
            continue;
        }
        let mut names = Vec::new();
        for token in trimmed.split_whitespace() {
            let name = token.trim_end_matches(',');
            if name.ends_with('/') || name.ends_with(".rs") || name.ends_with(".md") {
                names.push(name.to_owned());
            } else {
                break;
            }
            if !token.ends_with(',') {
                break;
            }
        }
        if names.is_empty() {
            continue;
        }
        while stack.last().is_some_and(|(depth, _)| *depth >= indent) {
            stack.pop();
        }
        let parent: String = stack.iter().map(|(_, name)| name.as_str()).collect();
        for name in &names {
            out.push(format!("{parent}{name}"));
        }
        if let [single] = names.as_slice()
            && single.ends_with('/')
        {
            stack.push((indent, single.clone()));
        }
    }
    out
}

#[test]
fn readme_layout_matches_the_tree() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let listed = layout_paths(&readme);
    let mut problems = Vec::new();
    for path in &listed {
        let expanded: Vec<String> = match (path.find('{'), path.find('}')) {
            (Some(open), Some(close)) => path[open + 1..close]
                .split(',')
                .map(|alt| format!("{}{}{}", &path[..open], alt, &path[close + 1..]))
                .collect(),
            _ => vec![path.clone()],
        };
        for path in expanded {
            if !root().join(&path).exists() {
                problems.push(format!("README lists {path}, which does not exist"));
            }
        }
    }
    for dir in ["src", "src/web"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == "lib.rs" || (dir == "src/web" && name == "mod.rs") {
                continue;
            }
            let shown = if entry.path().is_dir() {
                format!("{dir}/{name}/")
            } else {
                format!("{dir}/{name}")
            };
            if !listed.contains(&shown) {
                problems.push(format!("{shown} is not in README's layout"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "README layout and the tree differ:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_layout_reader_follows_nesting_and_lists() {
    let readme = "## Layout of the code\n\n```\nsrc/\n  main.rs            thin\n  cli/               the commands\n  money.rs, clock.rs\n  web/\n    api/             JSON\n                     continued text/ here\ntests/               stories\n```\n";
    assert_eq!(
        layout_paths(readme),
        [
            "src/",
            "src/main.rs",
            "src/cli/",
            "src/money.rs",
            "src/clock.rs",
            "src/web/",
            "src/web/api/",
            "tests/"
        ]
    );
}
