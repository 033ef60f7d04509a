//! CDR imports: a file of usage records read by the CLI or the operator, applied as the
//! API applies them.

use super::helpers::*;

// ===== 7. CDR imports =====================================================================

story!(
    a_cdr_import_applies_good_rows_and_reports_bad_ones_by_line,
    |app| {
        let sub = subscriber(&app, 10, "HK-30D-20G", app.now() - Duration::days(3)).await;
        let iccid = sub.iccid.as_str();
        let stranger = stranger_iccid();
        let mut file = Vec::new();
        file.extend_from_slice(
        b"record_id,timestamp,iccid,imsi,msisdn,volume_total,volume_uplink,volume_downlink,rating_zone\n",
    );
        let rows: Vec<String> = vec![
            format!(
                "cdr-1,2026-11-25T01:00:00Z,{iccid},454001234567890,85261200010,1000,400,600,HK"
            ),
            format!("cdr-2,2026-11-25 01:10:00,{iccid},,,2000,,,HK"),
            format!(
                "cdr-3,2026-11-25T01:20:00Z,{iccid},454001234567890,85261200010,3000,1000,1000,HK"
            ),
            format!("cdr-4,25/11/2026 01:30,{iccid},454001234567890,85261200010,500,200,300,HK"),
            format!("cdr-5,2026-11-25T01:40:00Z,{iccid},454001234567890,85261200010,500,200,300"),
        ];
        for row in &rows {
            file.extend_from_slice(row.as_bytes());
            file.push(b'\n');
        }
        // Line 7: Latin-1 bytes in the MSISDN field.
        file.extend_from_slice(
            format!("cdr-6,2026-11-25T01:50:00Z,{iccid},454001234567890,").as_bytes(),
        );
        file.extend_from_slice(b"\xe9\xe8\xff,600,300,300,HK\n");
        file.extend_from_slice(
            format!(
                "cdr-7,2026-11-25T01:55:00Z,{stranger},454001234567890,85261200010,700,300,400,HK\n"
            )
            .as_bytes(),
        );
        file.extend_from_slice(
            format!(
                "cdr-8,2026-11-25T01:56:00Z,{iccid},454001234567890,85261200010,4000,1000,3000,HK\n"
            )
            .as_bytes(),
        );
        // Line 10: cut off mid-row, no final newline.
        file.extend_from_slice(format!("cdr-9,2026-11-25T01:57:00Z,{iccid},45400").as_bytes());

        let expected_rejections: Vec<(u64, String)> = [
            (4, "volume_mismatch"),
            (5, "invalid_timestamp"),
            (6, "wrong_field_count"),
            (7, "not_utf8"),
            (8, "unknown_iccid"),
            (10, "wrong_field_count"),
        ]
        .into_iter()
        .map(|(line, code)| (line, code.to_owned()))
        .collect();

        let mut heard = Vec::new();
        let report = datacard::usage::csv::import(&app, file.as_slice(), |rows| heard.push(rows))
            .await
            .expect("the import runs");
        assert_eq!(report.rows, 9);
        assert_eq!((report.accepted, report.duplicates), (3, 0), "{report:?}");
        assert_eq!(report.rejected, expected_rejections);
        assert_eq!(heard.last(), Some(&9), "progress is reported");
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(used(&line), 1000 + 2000 + 4000, "{line}");

        let again = datacard::usage::csv::import(&app, file.as_slice(), |_| {})
            .await
            .expect("the import runs");
        assert_eq!((again.accepted, again.duplicates), (0, 3), "{again:?}");
        assert_eq!(again.rejected, expected_rejections);
        assert_eq!(line_of(&app, &sub.token, &sub.iccid).await, line);
        assert_eq!(app.count_rows("usage_records").await, 3);

        let wrong = format!("id,time,iccid,bytes\ncdr-10,2026-11-25T01:00:00Z,{iccid},100\n");
        let error = datacard::usage::csv::import(&app, wrong.as_bytes(), |_| {})
            .await
            .expect_err("wrong columns are refused");
        assert_eq!(error.code, datacard::error::Code::WrongColumns);
        assert_eq!(app.count_rows("usage_records").await, 3);
    }
);

/// Runs the binary with no `DATACARD_*` settings leaking in from the environment.
fn datacard_cli(
    dir: &std::path::Path,
    data: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_datacard"));
    command
        .current_dir(dir)
        .arg("--data-dir")
        .arg(data)
        .args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("DATACARD_") {
            command.env_remove(name);
        }
    }
    command.env("DATACARD_LOG_LEVEL", "warn");
    command.output().expect("run the datacard binary")
}

#[tokio::test]
async fn the_cli_creates_network_keys_and_imports_cdr_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    // The demo subscriber's line, on the wall clock the binary uses.
    {
        let config = datacard::config::Config {
            data_dir: data.clone(),
            demo: true,
            ..datacard::config::Config::default()
        };
        let app =
            datacard::server::build(config, std::sync::Arc::new(datacard::clock::SystemClock))
                .await
                .expect("build the app");
        datacard::demo::seed(&app).await.expect("demo seed");
        app.db.close().await;
    }
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();

    let created = datacard_cli(dir.path(), &data, &["network-keys", "create", "tower-1"]);
    assert_eq!(created.status.code(), Some(0), "{}", text(&created.stderr));
    let key = text(&created.stdout).trim().to_owned();
    assert!(key.starts_with("dck_") && key.len() > 20, "{key}");
    let twice = datacard_cli(dir.path(), &data, &["network-keys", "create", "tower-1"]);
    assert_ne!(twice.status.code(), Some(0), "a name is used once");

    let iccid = demo_iccid();
    let at = (Utc::now() - Duration::hours(1)).to_rfc3339();
    let csv = format!(
        "record_id,timestamp,iccid,imsi,msisdn,volume_total,volume_uplink,volume_downlink,rating_zone\n\
         cli-1,{at},{iccid},454001234567890,85291234567,1000,400,600,HK\n\
         cli-2,yesterday,{iccid},454001234567890,85291234567,1000,400,600,HK\n\
         cli-3,{at},{iccid},454001234567890,85291234567,2000,1000,1000,HK\n"
    );
    std::fs::write(dir.path().join("file.csv"), csv).expect("write the CSV");
    let imported = datacard_cli(dir.path(), &data, &["usage", "import", "file.csv"]);
    assert_eq!(
        imported.status.code(),
        Some(2),
        "{}",
        text(&imported.stderr)
    );
    assert!(
        text(&imported.stderr).contains("file.csv:3: invalid_timestamp"),
        "{}",
        text(&imported.stderr)
    );
    assert!(
        text(&imported.stdout).contains("3 rows: 2 applied, 0 already applied, 1 rejected"),
        "{}",
        text(&imported.stdout)
    );
    let again = datacard_cli(dir.path(), &data, &["usage", "import", "file.csv"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stdout).contains("3 rows: 0 applied, 2 already applied, 1 rejected"),
        "{}",
        text(&again.stdout)
    );

    std::fs::write(dir.path().join("wrong.csv"), "a,b,c\n1,2,3\n").expect("write");
    let wrong = datacard_cli(dir.path(), &data, &["usage", "import", "wrong.csv"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        text(&wrong.stderr).contains("wrong.csv: The CSV columns must be"),
        "{}",
        text(&wrong.stderr)
    );

    let revoked = datacard_cli(dir.path(), &data, &["network-keys", "revoke", "tower-1"]);
    assert_eq!(revoked.status.code(), Some(0), "{}", text(&revoked.stderr));
    let unknown = datacard_cli(dir.path(), &data, &["network-keys", "revoke", "tower-1"]);
    assert_eq!(unknown.status.code(), Some(2));
    let check = datacard_cli(dir.path(), &data, &["ledger", "check"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
}
