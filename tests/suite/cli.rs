//! The `datacard` binary as an operator runs it, against the embedded database in a
//! fresh data directory.

use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

const TWO_PLANS: &str = r#"
[[plans]]
code = "HK-1D-1G"
zone = "hk"
period = { unit = "day", count = 1 }
data = "1 GB"
prices = { HKD = 1800 }
names = { en = "Hong Kong Day Pass 1 GB", "zh-HK" = "香港日票 1GB" }

[[plans]]
code = "HK-30D-UNL"
zone = "hk"
period = { unit = "day", count = 30 }
data = "unlimited"
fair_use = "50 GB"
throttle_kbps = 1024
prices = { HKD = 16800 }
names = { en = "Hong Kong 30 Days Unlimited", "zh-HK" = "香港 30 日 無限數據" }
"#;

/// Runs `datacard --data-dir <dir> <args…>` with no `DATACARD_*` settings from the
/// environment leaking in.
fn datacard(dir: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_datacard"));
    command.arg("--data-dir").arg(dir).args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("DATACARD_") {
            command.env_remove(name);
        }
    }
    command.env("DATACARD_LOG_LEVEL", "warn");
    command.output().expect("run the datacard binary")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

fn write(dir: &TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write a file");
    path.display().to_string()
}

#[test]
fn migrate_sets_up_a_fresh_data_dir() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let output = datacard(&data, &["migrate"]);
    assert_exit(&output, 0);
    assert!(data.join("datacard.sqlite3").exists());
    // Running it again is harmless.
    assert_exit(&datacard(&data, &["migrate"]), 0);
}

#[test]
fn importing_a_catalog_twice_changes_nothing_the_second_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(&dir, "catalog.toml", TWO_PLANS);

    let first = datacard(dir.path(), &["plans", "import", &file]);
    assert_exit(&first, 0);
    assert!(
        stdout(&first).contains("2 plans: 2 new, 0 with a new version, 0 retired, 0 unchanged"),
        "{}",
        stdout(&first)
    );

    let again = datacard(dir.path(), &["plans", "import", &file]);
    assert_exit(&again, 0);
    assert!(
        stdout(&again).contains("2 plans: 0 new, 0 with a new version, 0 retired, 2 unchanged"),
        "{}",
        stdout(&again)
    );

    let repriced = write(
        &dir,
        "repriced.toml",
        &TWO_PLANS.replace("HKD = 1800", "HKD = 1500"),
    );
    let output = datacard(dir.path(), &["plans", "import", &repriced]);
    assert_exit(&output, 0);
    assert!(
        stdout(&output).contains("2 plans: 0 new, 1 with a new version, 0 retired, 1 unchanged"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn an_invalid_catalog_is_refused_naming_the_bad_plan() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = TWO_PLANS.replace(
        "code = \"HK-30D-UNL\"\nzone = \"hk\"",
        "code = \"HK-30D-UNL\"\nzone = \"mars\"",
    );
    let file = write(&dir, "broken.toml", &broken);

    let output = datacard(dir.path(), &["plans", "import", &file]);
    assert_exit(&output, 2);
    let errors = stderr(&output);
    assert!(errors.contains("plan #2 (HK-30D-UNL)"), "{errors}");
    assert!(errors.contains("zone"), "{errors}");
    assert!(!errors.contains("plan #1"), "{errors}");

    // Nothing was imported: the good plan comes in new with the corrected file.
    let fixed = write(&dir, "fixed.toml", TWO_PLANS);
    let output = datacard(dir.path(), &["plans", "import", &fixed]);
    assert_exit(&output, 0);
    assert!(stdout(&output).contains("2 new"), "{}", stdout(&output));
}

#[test]
fn the_ledger_of_a_fresh_install_is_balanced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = datacard(dir.path(), &["ledger", "check"]);
    assert_exit(&output, 0);
    let report = stdout(&output);
    assert!(report.contains("0 transactions"), "{report}");
    assert!(report.contains("ledger is balanced"), "{report}");
}

#[test]
fn a_promotion_with_impossible_values_is_refused_and_nothing_is_imported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let offers = format!(
        "{TWO_PLANS}\n{}",
        r#"
[[promotions]]
code = "FIRST-MONTH-30"
kind = "first_period"
percent = 130
first_order_of = "plan"
plans = ["HK-30D-UNL", "HK-99D-9G"]
names = { en = "First month −30 %" }

[[coupons]]
code = "WELCOME10"
percent = 10
per_account_limit = 1
total_limit = 1000
names = { en = "Welcome: 10 % off" }
"#
    );
    let file = write(&dir, "offers.toml", &offers);
    let output = datacard(dir.path(), &["plans", "import", &file]);
    assert_exit(&output, 2);
    let errors = stderr(&output);
    assert!(
        errors
            .contains("promotion #1 (FIRST-MONTH-30): percent must be more than 0 and at most 100"),
        "{errors}"
    );
    assert!(errors.contains("unknown plan \"HK-99D-9G\""), "{errors}");
    assert!(!errors.contains("WELCOME10"), "{errors}");

    let fixed = write(
        &dir,
        "fixed.toml",
        &offers
            .replace("percent = 130", "percent = 30")
            .replace(", \"HK-99D-9G\"", ""),
    );
    let output = datacard(dir.path(), &["plans", "import", &fixed]);
    assert_exit(&output, 0);
    assert!(
        stdout(&output)
            .contains("2 promotions and coupons: 2 new, 0 changed, 0 retired, 0 unchanged"),
        "{}",
        stdout(&output)
    );
    let again = datacard(dir.path(), &["plans", "import", &fixed]);
    assert!(
        stdout(&again)
            .contains("2 promotions and coupons: 0 new, 0 changed, 0 retired, 2 unchanged"),
        "{}",
        stdout(&again)
    );
}

/// Whose operator key `key` is, asked of the installation in `dir` as the server would.
fn operator_key_owner(dir: &Path, key: &str) -> Option<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let config = datacard::config::Config {
            data_dir: dir.to_path_buf(),
            demo: true,
            ..datacard::config::Config::default()
        };
        let app =
            datacard::server::build(config, std::sync::Arc::new(datacard::clock::SystemClock))
                .await
                .expect("open the installation");
        let owner = datacard::api_keys::authenticate(&app, &datacard::api_keys::OPERATOR, key)
            .await
            .expect("look the key up");
        app.db.close().await;
        owner
    })
}

#[test]
fn operator_keys_are_shown_once_stored_hashed_and_revocable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let created = datacard(dir.path(), &["operator-keys", "create", "alice"]);
    assert_exit(&created, 0);
    let key = stdout(&created).trim().to_owned();
    assert!(key.starts_with("dco_") && key.len() > 40, "{key}");
    assert!(
        stderr(&created).contains("not shown again"),
        "{}",
        stderr(&created)
    );
    for entry in std::fs::read_dir(dir.path()).expect("the data dir") {
        let path = entry.expect("an entry").path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("datacard.sqlite3"))
        {
            let bytes = std::fs::read(&path).expect("read the database");
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains(&key[4..]),
                "the key is stored in clear in {}",
                path.display()
            );
        }
    }
    assert_eq!(
        operator_key_owner(dir.path(), &key).as_deref(),
        Some("alice")
    );

    // A name is taken for good; a bad name is refused; a network key is no operator key.
    let again = datacard(dir.path(), &["operator-keys", "create", "alice"]);
    assert_exit(&again, 2);
    assert!(
        stderr(&again).contains("exists already"),
        "{}",
        stderr(&again)
    );
    assert!(stdout(&again).is_empty());
    let bad = datacard(dir.path(), &["operator-keys", "create", "no spaces please"]);
    assert_exit(&bad, 2);
    assert!(stderr(&bad).contains("key name"), "{}", stderr(&bad));
    let reserved = datacard(dir.path(), &["operator-keys", "create", "cli"]);
    assert_exit(&reserved, 2);
    assert!(
        stderr(&reserved).contains("reserved"),
        "{}",
        stderr(&reserved)
    );
    let network = datacard(dir.path(), &["network-keys", "create", "mme-1"]);
    assert_exit(&network, 0);
    let network_key = stdout(&network).trim().to_owned();
    assert_eq!(operator_key_owner(dir.path(), &network_key), None);

    let revoked = datacard(dir.path(), &["operator-keys", "revoke", "alice"]);
    assert_exit(&revoked, 0);
    assert!(
        stdout(&revoked).contains("revoked alice"),
        "{}",
        stdout(&revoked)
    );
    assert_eq!(operator_key_owner(dir.path(), &key), None);
    let twice = datacard(dir.path(), &["operator-keys", "revoke", "alice"]);
    assert_exit(&twice, 2);
    assert!(
        stderr(&twice).contains("no active operator key called alice"),
        "{}",
        stderr(&twice)
    );
    assert_exit(
        &datacard(dir.path(), &["operator-keys", "create", "alice"]),
        2,
    );
}
