//! The migrations, one source of truth: SQL that is the same for both databases lives
//! once in `migrations/common/` (each backend folder links to it), only the files
//! listed in [`BACKEND_SPECIFIC`] differ, no applied migration's checksum changes, and
//! after migrating, SQLite and PostgreSQL have the same tables, columns (types
//! mapped), indexes and constraints.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha384};
use sqlx::Row;

use crate::support::{Backend, TestApp};

/// The migrations written once per backend, because the SQL must differ.
const BACKEND_SPECIFIC: &[&str] = &[
    // SQLite cannot change a CHECK constraint: it rebuilds the table.
    "0006_saved_cards.sql",
    // SQLite cannot add a NOT NULL column without a default: it rebuilds the table.
    "0010_audit_chain.sql",
    // SQLite cannot change a CHECK constraint (the refunds' states): it rebuilds the table.
    "0025_back_office_shift.sql",
];

/// SHA-384 of every migration as sqlx records it in `_sqlx_migrations`: a database
/// that applied one refuses to start if its text changes. `(folder/file, checksum)`.
const CHECKSUMS: &[(&str, &str)] = &[
    (
        "common/0001_foundation.sql",
        "f50b9639c3ee19945be96f45089665909a76ed38d660729429a0ff27ff9e353f86bf4e5c4b09bf882a8fc66c8e27d502",
    ),
    (
        "common/0002_orders.sql",
        "36b1f2128e37412be3c1c2f19bf113a9000fbbc4b0a1362d3d54e9654d84fcde6b2613172b3dc4a0d46d486ddd2d3387",
    ),
    (
        "common/0003_usage.sql",
        "6588abc66eca982a6d84986d85b1b7c9ddf8ecb800a26d3053f243f3cc0b5bc64de82c2f9d5878cbd16369aa51dd0fe3",
    ),
    (
        "common/0004_promotions.sql",
        "65491cb05ed4ca75b4e7c580e1262a16d90a97dc9c72b4ed621d8109774c43990cc0860846242a5c85d38fa395f43815",
    ),
    (
        "common/0005_auto_renew.sql",
        "25286a3430dc7788157030180a4ca20786025b38a97a74057e5e58afbe3d13949bbab80d8a868cdb0bb0690c278e28ea",
    ),
    (
        "sqlite/0006_saved_cards.sql",
        "f5871b8179252959359e94315b81d06c5799df8d68ae0207674266201b95402bfb05a7900d554aea80a4a2d224f7a4e4",
    ),
    (
        "postgres/0006_saved_cards.sql",
        "3d96859ba5cc28008950e91037192112662a379f1547f089d161ce1f5a711ed0e54c7f6140e5c26c35fdd256e8d4421e",
    ),
    (
        "common/0007_operator_keys.sql",
        "d1acaa52914721d651081b00d0df55410df557ed8afaa04a62917d43e1c062e72497d2f6c4801fe1b2fdda32ccb53895",
    ),
    (
        "common/0008_email_verification.sql",
        "3d7b758c673e5d01ca3c6e8d1e6954ba3ec266903f986c18c29707f3281fd6e2ce9b25f3aff9ca0759477a9d2de0413f",
    ),
    (
        "common/0009_idempotency_leases.sql",
        "e2fbd697de51941c79685e813472e39bb10383fc272b5e28eb2a269ebbe76dea9845c86383f16efdb35594e3bf6bdbe0",
    ),
    (
        "sqlite/0010_audit_chain.sql",
        "950c7da59b270b04736a29995b19ac0f8a3d2dc50a76797761aa9220581f6c8ef595c524b564e71763da193b5f18a95d",
    ),
    (
        "postgres/0010_audit_chain.sql",
        "009f496c44331c61b0b95f20cb76e153ccec2137dda8c65f4497210e8bb29d62149796552c0c702c8903f772deaa3479",
    ),
    (
        "common/0011_payment_query_throttle.sql",
        "6ed176876d8cb8615f7c020ffdd492524cbe3b8cfbddf214521251d3c54aa30478a7d600e2615c5f9aeeba4f2f09cd70",
    ),
    (
        "common/0020_staff.sql",
        "a96914527c5316d493b382e03d2760dcb8667e12af186cbfe71a3b589fea077238565fdbd290e66c854b99b127ea9a2c",
    ),
    (
        "common/0023_refunds.sql",
        "796b0fb0f89e0d0f773d7fa1392c630a8db468e8c7347d52e920370e76a845d8c93ba025091729be452c0c7c6fa7c631",
    ),
    (
        "sqlite/0025_back_office_shift.sql",
        "54591ecd0b9a345b3223875a934df75c51ff0b1b24d960c8448d7a667d6506cbc923171b180a41a5f2d9bdee2c241b71",
    ),
    (
        "postgres/0025_back_office_shift.sql",
        "0b02ea2ae627fd86edd93df8e6c5c85f146e4a4fa65d66d0ee975fd2ce2fd653db57570d9fe501a076ef9ec57a63c036",
    ),
    (
        "common/0028_records.sql",
        "0fba7796f0d561641dff6c5b88f2003b7bd38f0ec29dde708e47de4f330e9b2fcddbfb4ee8427464ea20d8f402c6f927",
    ),
    (
        "common/0027_announcements_and_preferences.sql",
        "0d9124cb45d7ed960cd14fce778aa2c4760648108b2237fe4c9934ac3b866aef687a66592fc52bcaac1ba457c72ae79d",
    ),
    (
        "common/0024_esim_stock_alerts.sql",
        "e601751493fdf32c3e2369a15eb9be6cf215a44c363df2baad122c4f5f9542053970bd3610e53829f082362f93674f75",
    ),
    (
        "common/0026_help_and_tickets.sql",
        "e5c4c1a7e53f5f2059f50f530b73fda27fd76e9b6b5dd37ff8c4f6343e5ca4822cd6aafbcf016448966ec92682da5354",
    ),
    (
        "common/0012_line_opens_by.sql",
        "1b2f4d18a6c5e3ffd2b196c38f30a0c78f345dc1028b62d3c692254b65c7e9b81e882749a136637c9703d0f4b6ed06bc",
    ),
    (
        "common/0026_help_and_tickets.sql",
        "e5c4c1a7e53f5f2059f50f530b73fda27fd76e9b6b5dd37ff8c4f6343e5ca4822cd6aafbcf016448966ec92682da5354",
    ),
    (
        "common/0030_watch.sql",
        "13fe9eaa74420643efe1b7f19898e5b83e1daa72e6aa8d44c45d3b4a5e97ebfe9520af66de3e6b8fabde1c1d030f2e08",
    ),
];

fn migrations() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations")
}

fn sql_files(folder: &str) -> BTreeSet<String> {
    std::fs::read_dir(migrations().join(folder))
        .expect("a migrations folder")
        .map(|entry| entry.expect("an entry").file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".sql"))
        .collect()
}

#[test]
fn each_migration_is_shared_or_listed_as_backend_specific() {
    let common = sql_files("common");
    for backend in ["sqlite", "postgres"] {
        let files = sql_files(backend);
        let expected: BTreeSet<String> = common
            .iter()
            .cloned()
            .chain(BACKEND_SPECIFIC.iter().map(|name| name.to_string()))
            .collect();
        assert_eq!(files, expected, "migrations/{backend}/");
        for name in &files {
            let path = migrations().join(backend).join(name);
            let link = std::fs::read_link(&path).ok();
            if common.contains(name) {
                assert_eq!(
                    link,
                    Some(PathBuf::from(format!("../common/{name}"))),
                    "migrations/{backend}/{name} must link to ../common/{name}"
                );
            } else {
                assert!(link.is_none(), "migrations/{backend}/{name} is its own");
            }
        }
    }
    for name in BACKEND_SPECIFIC {
        let read = |backend: &str| std::fs::read(migrations().join(backend).join(name)).unwrap();
        assert_ne!(
            read("sqlite"),
            read("postgres"),
            "{name} is the same for both: move it to migrations/common/"
        );
    }
}

#[test]
fn no_applied_migration_changes_its_checksum() {
    let mut listed = BTreeSet::new();
    for (file, checksum) in CHECKSUMS {
        let sql = std::fs::read(migrations().join(file)).expect("the migration");
        assert_eq!(
            hex::encode(Sha384::digest(&sql)),
            *checksum,
            "migrations/{file} changed: databases that applied it would refuse to start; add a new migration instead"
        );
        listed.insert(file.rsplit('/').next().unwrap().to_owned());
    }
    let all: BTreeSet<String> = sql_files("sqlite")
        .union(&sql_files("postgres"))
        .cloned()
        .collect();
    assert_eq!(
        all, listed,
        "a new migration: add its checksum to CHECKSUMS"
    );
}

#[tokio::test]
async fn the_two_schemas_match() {
    let Some(postgres) = TestApp::start(Backend::Postgres).await else {
        return;
    };
    let sqlite = TestApp::start(Backend::Sqlite).await.expect("SQLite");
    let lite = sqlite_schema(&sqlite).await;
    let pg = postgres_schema(&postgres).await;
    let only_sqlite: Vec<_> = lite.difference(&pg).collect();
    let only_postgres: Vec<_> = pg.difference(&lite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the schemas differ\nonly in SQLite: {only_sqlite:#?}\nonly in PostgreSQL: {only_postgres:#?}"
    );
    assert!(lite.iter().any(|fact| fact.starts_with("column orders.")));
    sqlite.finish().await;
    postgres.finish().await;
}

/// A column type as both databases mean it.
fn type_kind(declared: &str) -> &'static str {
    let declared = declared.to_ascii_uppercase();
    if declared.contains("INT") {
        "integer"
    } else if declared.contains("CHAR") || declared.contains("TEXT") || declared.contains("CLOB") {
        "text"
    } else if declared.contains("BLOB") || declared.contains("BYTEA") {
        "blob"
    } else if declared.contains("BOOL") {
        "boolean"
    } else if declared.contains("REAL") || declared.contains("DOUBLE") || declared.contains("FLOAT")
    {
        "real"
    } else {
        "other"
    }
}

async fn texts(app: &TestApp, sql: &str, bind: Option<&str>) -> Vec<sqlx::any::AnyRow> {
    let mut query = sqlx::query(sql);
    if let Some(bind) = bind {
        query = query.bind(bind.to_owned());
    }
    query.fetch_all(app.db.reader()).await.expect(sql)
}

/// `table t`, `column t.c <kind> <null|not null>`, `primary key t(c,…)`,
/// `index name on t(c,…) [unique]`, `unique t(c,…)`, `foreign key t(c,…) -> u(c,…)`,
/// `check name`, read from `sqlite_master` and the pragmas.
async fn sqlite_schema(app: &TestApp) -> BTreeSet<String> {
    let mut facts = BTreeSet::new();
    let tables = texts(
        app,
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
        None,
    )
    .await;
    for table in tables {
        let name: String = table.get(0);
        let sql: String = table.get(1);
        facts.insert(format!("table {name}"));
        let mut primary = Vec::new();
        let columns = texts(
            app,
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY pk, cid",
            Some(&name),
        )
        .await;
        for column in columns {
            let column_name: String = column.get(0);
            let declared: String = column.get(1);
            let not_null: i64 = column.get(2);
            let pk: i64 = column.get(3);
            if pk > 0 {
                primary.push(column_name.clone());
            }
            let null = if not_null != 0 || pk > 0 {
                "not null"
            } else {
                "null"
            };
            facts.insert(format!(
                "column {name}.{column_name} {} {null}",
                type_kind(&declared)
            ));
        }
        if !primary.is_empty() {
            facts.insert(format!("primary key {name}({})", primary.join(",")));
        }
        let indexes = texts(
            app,
            "SELECT name, \"unique\", origin FROM pragma_index_list($1)",
            Some(&name),
        )
        .await;
        for index in indexes {
            let index_name: String = index.get(0);
            let unique: i64 = index.get(1);
            let origin: String = index.get(2);
            let columns: Vec<String> = texts(
                app,
                "SELECT COALESCE(name, '<expression>') FROM pragma_index_info($1) ORDER BY seqno",
                Some(&index_name),
            )
            .await
            .iter()
            .map(|row| row.get(0))
            .collect();
            let columns = columns.join(",");
            match origin.as_str() {
                "pk" => {}
                "u" => {
                    facts.insert(format!("unique {name}({columns})"));
                }
                _ => {
                    let unique = if unique != 0 { " unique" } else { "" };
                    facts.insert(format!("index {index_name} on {name}({columns}){unique}"));
                }
            }
        }
        let keys = texts(
            app,
            "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list($1) ORDER BY id, seq",
            Some(&name),
        )
        .await;
        let mut grouped: std::collections::BTreeMap<i64, (String, Vec<String>, Vec<String>)> =
            Default::default();
        for key in keys {
            let entry = grouped.entry(key.get(0)).or_default();
            entry.0 = key.get(1);
            entry.1.push(key.get(2));
            entry
                .2
                .push(key.get::<Option<String>, _>(3).unwrap_or_default());
        }
        for (_, (target, from, to)) in grouped {
            facts.insert(format!(
                "foreign key {name}({}) -> {target}({})",
                from.join(","),
                to.join(",")
            ));
        }
        for check in sqlite_checks(&name, &sql) {
            facts.insert(format!("check {check}"));
        }
    }
    facts
}

/// The CHECK constraints of a `CREATE TABLE`, by PostgreSQL's names: named ones by
/// their name, a column's own `CHECK` as `<table>_<column>_check`.
fn sqlite_checks(table: &str, sql: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in sql.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(at) = words
            .iter()
            .position(|word| word.eq_ignore_ascii_case("CHECK"))
        {
            if at >= 2 && words[at - 2].eq_ignore_ascii_case("CONSTRAINT") {
                names.push(words[at - 1].to_owned());
            } else if let Some(column) = words.first() {
                names.push(format!("{table}_{}_check", column.trim_matches('"')));
            }
        }
    }
    names
}

/// The same facts as [`sqlite_schema`], from `information_schema` and the catalogs.
async fn postgres_schema(app: &TestApp) -> BTreeSet<String> {
    let mut facts = BTreeSet::new();
    for row in texts(
        app,
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
         AND table_name <> '_sqlx_migrations'",
        None,
    )
    .await
    {
        facts.insert(format!("table {}", row.get::<String, _>(0)));
    }
    for row in texts(
        app,
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
         FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
        None,
    )
    .await
    {
        let null = if row.get::<String, _>(3) == "YES" {
            "null"
        } else {
            "not null"
        };
        facts.insert(format!(
            "column {}.{} {} {null}",
            row.get::<String, _>(0),
            row.get::<String, _>(1),
            type_kind(&row.get::<String, _>(2))
        ));
    }
    // Indexes: the primary key, those behind a UNIQUE constraint, and the rest.
    for row in texts(
        app,
        "SELECT t.relname::text, i.relname::text, ix.indisprimary, ix.indisunique, \
                EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid \
                        AND c.contype = 'u'), \
                (SELECT string_agg(pg_get_indexdef(ix.indexrelid, n, true), ',' ORDER BY n) \
                   FROM generate_series(1, ix.indnatts) AS n) \
         FROM pg_index ix \
         JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class t ON t.oid = ix.indrelid \
         WHERE t.relnamespace = current_schema()::regnamespace \
           AND t.relname <> '_sqlx_migrations'",
        None,
    )
    .await
    {
        let table: String = row.get(0);
        let index: String = row.get(1);
        let primary: bool = row.get(2);
        let unique: bool = row.get(3);
        let constraint: bool = row.get(4);
        let columns: String = row.get::<String, _>(5).replace('"', "");
        let columns = columns
            .split(',')
            .map(|column| {
                if column
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    column.to_owned()
                } else {
                    "<expression>".to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join(",");
        if primary {
            facts.insert(format!("primary key {table}({columns})"));
        } else if constraint {
            facts.insert(format!("unique {table}({columns})"));
        } else {
            let unique = if unique { " unique" } else { "" };
            facts.insert(format!("index {index} on {table}({columns}){unique}"));
        }
    }
    for row in texts(
        app,
        "SELECT t.relname::text, f.relname::text, \
                (SELECT string_agg(a.attname::text, ',' ORDER BY k.n) FROM unnest(c.conkey) \
                   WITH ORDINALITY AS k(attnum, n) \
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum), \
                (SELECT string_agg(a.attname::text, ',' ORDER BY k.n) FROM unnest(c.confkey) \
                   WITH ORDINALITY AS k(attnum, n) \
                   JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) \
         FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid \
         JOIN pg_class f ON f.oid = c.confrelid \
         WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace",
        None,
    )
    .await
    {
        facts.insert(format!(
            "foreign key {}({}) -> {}({})",
            row.get::<String, _>(0),
            row.get::<String, _>(2),
            row.get::<String, _>(1),
            row.get::<String, _>(3)
        ));
    }
    for row in texts(
        app,
        "SELECT c.conname::text FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid \
         WHERE c.contype = 'c' AND t.relnamespace = current_schema()::regnamespace",
        None,
    )
    .await
    {
        facts.insert(format!("check {}", row.get::<String, _>(0)));
    }
    facts
}
