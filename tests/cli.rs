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
