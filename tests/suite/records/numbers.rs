//! Receipt and credit-note numbers: one series per year (`R2026-000001`), no gaps and
//! no number twice, also when payments land at once from several places; a
//! transaction rolled back gives its number back.

use datacard::orders::receipts::{Series, next_number};

use super::helpers::*;

const CARD_TOP_UPS: usize = 16;
const WALLET_RENEWALS: usize = 8;

story!(
    receipt_numbers_are_gap_free_and_unique_under_concurrent_payments,
    |app| {
        let auth = demo(&app).await;
        // Enough in the wallet for every renewal below: the first receipt.
        buy(&app, &auth, top_up(100_000, "card")).await;
        let mut orders = Vec::new();
        for n in 0..CARD_TOP_UPS {
            let body = top_up(1_000 + 100 * i64::try_from(n).expect("small"), "card");
            let (status, _, order) = send(
                &app.router,
                Method::POST,
                "/api/v1/orders",
                &auth,
                Some(body),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{order}");
            orders.push(order);
        }
        for order in &orders {
            let payment = order["payment"]["id"].as_str().expect("a payment");
            let (status, _, _) = app
                .post_raw(
                    &format!("/sandbox/pay/{payment}"),
                    Some("application/x-www-form-urlencoded"),
                    b"outcome=succeed".to_vec(),
                )
                .await;
            assert_eq!(status, StatusCode::SEE_OTHER);
        }
        app.advance_secs(1);
        let outgoing = bank::due_notifications(&app).await.expect("notifications");
        assert_eq!(outgoing.len(), CARD_TOP_UPS);
        // The card payments land from four places while two more buy from the wallet.
        let mut buyers = Vec::new();
        for _ in 0..2 {
            let router = app.router.clone();
            let auth = auth.clone();
            buyers.push(tokio::spawn(async move {
                for _ in 0..WALLET_RENEWALS / 2 {
                    let (status, _, order) = send(
                        &router,
                        Method::POST,
                        "/api/v1/orders",
                        &auth,
                        Some(renewal(1, "wallet")),
                    )
                    .await;
                    assert_eq!(status, StatusCode::CREATED, "{order}");
                    assert_eq!(order["state"], "fulfilled", "{order}");
                }
            }));
        }
        deliver_at_once(&app, outgoing).await;
        for buyer in buyers {
            buyer.await.expect("a wallet buyer");
        }

        let numbers = strings(&app, "SELECT number FROM receipts ORDER BY number").await;
        let expected: Vec<String> = (1..=1 + CARD_TOP_UPS + WALLET_RENEWALS)
            .map(|n| format!("R2026-{n:06}"))
            .collect();
        assert_eq!(numbers, expected, "one number each, none skipped");
        let fulfilled = strings(&app, "SELECT id FROM orders WHERE state = 'fulfilled'").await;
        assert_eq!(fulfilled.len(), expected.len());
    }
);

story!(a_rolled_back_transaction_gives_its_number_back, |app| {
    let zone = app.config.time_zone();
    let now = app.now();
    let mut tx = app.db.begin().await.expect("begin");
    let taken = next_number(&mut tx, Series::Receipt, now, zone)
        .await
        .expect("a number");
    assert_eq!(taken, "R2026-000001");
    tx.rollback().await.expect("roll back");

    let mut tx = app.db.begin().await.expect("begin");
    let again = next_number(&mut tx, Series::Receipt, now, zone)
        .await
        .expect("a number");
    assert_eq!(
        again, "R2026-000001",
        "the rolled-back number is issued again"
    );
    let credit = next_number(&mut tx, Series::CreditNote, now, zone)
        .await
        .expect("a number");
    assert_eq!(credit, "CN2026-000001", "credit notes count on their own");
    tx.commit().await.expect("commit");

    // A new year in Hong Kong starts a new series (16:30 UTC on 31 Dec is 00:30 on 1 Jan).
    let new_year = "2026-12-31T16:30:00Z".parse().expect("a time");
    let mut tx = app.db.begin().await.expect("begin");
    assert_eq!(
        next_number(&mut tx, Series::Receipt, new_year, zone)
            .await
            .expect("a number"),
        "R2027-000001"
    );
    assert_eq!(
        next_number(&mut tx, Series::Receipt, now, zone)
            .await
            .expect("a number"),
        "R2026-000002"
    );
    tx.commit().await.expect("commit");
});
