//! The accountant's CSV exports: orders, payments, refunds and the ledger of a range,
//! with the header first, times in Hong Kong time, formulas neutralised, streamed a
//! page of rows at a time.

use axum::http::StatusCode;
use datacard::reports::Range;
use datacard::reports::export::{self, Export};
use datacard::staff::Role;
use futures_util::StreamExt;

use super::books::{get_csv, key, orders_on_known_days, total};

story!(
    the_exports_list_orders_payments_refunds_and_the_ledger,
    |app| {
        let made = orders_on_known_days(&app).await;
        let payment = made.late["payment"]["id"].as_str().unwrap().to_owned();
        // A provider reference crafted as a spreadsheet formula.
        let mut tx = app.db.begin().await.unwrap();
        sqlx::query("UPDATE payments SET provider_ref = $1 WHERE id = $2")
            .bind("=HYPERLINK(\"http://evil.example\",\"x\")")
            .bind(&payment)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        datacard::orders::refund::refund(&app, &payment, "test")
            .await
            .unwrap();
        datacard::orders::reconcile::run_due(&app, "test")
            .await
            .unwrap();
        let auth = key(&app, "accountant", Role::Finance).await;
        let range = "from=2026-11-20&to=2026-12-31";

        let (status, kind, orders) = get_csv(
            &app,
            &format!("/api/v1/admin/exports/orders.csv?{range}"),
            &auth,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{orders}");
        assert!(kind.starts_with("text/csv"), "{kind}");
        let lines: Vec<&str> = orders.lines().collect();
        assert_eq!(
            lines[0],
            "order_id,created_at,account_id,kind,state,plan,periods,currency,list_price,fee,total,method,paid_at,fulfilled_at,attention"
        );
        assert_eq!(lines.len(), 4, "{orders}");
        let night = lines
            .iter()
            .find(|l| l.starts_with(made.after_midnight["id"].as_str().unwrap()))
            .expect("the order made after midnight");
        assert!(night.contains(",2026-11-26T00:30:00+08:00,"), "{night}");
        assert!(night.contains(",wallet_topup,fulfilled,"), "{night}");

        let (status, _, payments) = get_csv(
            &app,
            &format!("/api/v1/admin/exports/payments.csv?{range}"),
            &auth,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(payments.starts_with("payment_id,order_id,created_at,provider,method,currency,amount,state,provider_reference,attention\r\n"), "{payments}");
        assert!(
            payments.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""),
            "neutralised: {payments}"
        );
        assert!(!payments.contains(",=HYPERLINK"), "{payments}");

        let (status, _, refunds) = get_csv(
            &app,
            &format!("/api/v1/admin/exports/refunds.csv?{range}"),
            &auth,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let rows: Vec<&str> = refunds.lines().collect();
        assert_eq!(
            rows[0],
            "at,event,transaction_id,payment_id,order_id,provider,method,currency,amount,payment_state"
        );
        assert_eq!(rows.len(), 3, "asked for and returned: {refunds}");
        let amount = datacard::money::Money::new(total(&made.late), datacard::money::Currency::HKD)
            .decimal();
        assert!(
            rows.iter().any(|r| r.contains(",returned,")
                && r.contains(&payment)
                && r.contains(&format!(",HKD,{amount},refunded"))),
            "{refunds}"
        );

        let (status, _, ledger) = get_csv(
            &app,
            &format!("/api/v1/admin/exports/ledger.csv?{range}"),
            &auth,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let mut reader = csv::Reader::from_reader(ledger.as_bytes());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            [
                "transaction_id",
                "created_at",
                "kind",
                "reference",
                "description",
                "seq",
                "account",
                "currency",
                "amount"
            ]
        );
        let mut sums: std::collections::BTreeMap<String, f64> = Default::default();
        let mut negative = false;
        for record in reader.records() {
            let record = record.unwrap();
            let value: f64 = record[8].parse().unwrap();
            negative |= record[8].starts_with('-');
            *sums.entry(record[0].to_owned()).or_default() += value;
        }
        assert!(
            sums.len() >= 4,
            "payments, renewal, reversal, refund: {ledger}"
        );
        assert!(negative, "credits stay numbers, not neutralised text");
        for (transaction, sum) in sums {
            assert!(sum.abs() < 0.001, "{transaction} balances");
        }
        // Each export is in the audit log, with who took it.
        let (_, _, audit) = app
            .get_json(
                "/api/v1/admin/audit?subject=2026-11-20..2026-12-31",
                &[("authorization", &auth)],
            )
            .await;
        let actions: Vec<&str> = audit["entries"]
            .as_array()
            .unwrap_or_else(|| panic!("entries in {audit}"))
            .iter()
            .map(|e| {
                assert_eq!(e["actor"], "accountant");
                e["action"].as_str().unwrap()
            })
            .collect();
        assert_eq!(
            actions,
            [
                "export.ledger",
                "export.refunds",
                "export.payments",
                "export.orders"
            ]
        );
    }
);

story!(an_export_is_read_and_sent_a_page_at_a_time, |app| {
    orders_on_known_days(&app).await;
    let range = Range::parse(
        Some("2026-11-20"),
        Some("2026-12-31"),
        app.now().date_naive(),
    )
    .unwrap();
    // Pages of one order: the header, one chunk per order, then an empty last page.
    let chunks: Vec<Vec<u8>> = export::stream(app.app.clone(), Export::Orders, range, 1)
        .map(|chunk| chunk.unwrap())
        .collect()
        .await;
    assert_eq!(chunks.len(), 5, "{chunks:?}");
    for chunk in &chunks[1..4] {
        assert_eq!(String::from_utf8_lossy(chunk).lines().count(), 1);
    }
    assert!(chunks[4].is_empty());
    // The server reads 500 rows a page.
    assert_eq!(datacard::reports::PAGE, 500);
});

story!(a_compressed_export_ends_cleanly, |app| {
    orders_on_known_days(&app).await;
    let auth = key(&app, "gzip", Role::Finance).await;
    // Compression polls the body again after its last chunk: the stream must stay ended.
    let request =
        axum::http::Request::get("/api/v1/admin/exports/orders.csv?from=2026-11-20&to=2026-12-31")
            .header(axum::http::header::AUTHORIZATION, &auth)
            .header(axum::http::header::ACCEPT_ENCODING, "gzip")
            .body(axum::body::Body::empty())
            .unwrap();
    let (status, headers, body) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers.get(axum::http::header::CONTENT_ENCODING).unwrap(),
        "gzip"
    );
    assert!(!body.is_empty());
});
