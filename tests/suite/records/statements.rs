//! Monthly statements equal the ledger: over random months of activity (top-ups,
//! renewals from the wallet and by card, refunds to the wallet, adjustments), each
//! month's opening and closing balance, what was paid and refunded, and its
//! movements agree with the ledger's own entries, read with SQL of their own.

use chrono::Duration;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

use datacard::money::{Currency, Money};
use datacard::orders::staff_refund::{
    Destination, Reason, RefundRequest, adjust_wallet, request_refund,
};
use datacard::records::Month;

use super::helpers::*;

#[derive(Debug, Clone)]
enum Step {
    TopUp(i64),
    RenewFromWallet,
    RenewByCard,
    RefundToWallet(i64),
    Adjust(i64),
}

fn step() -> impl Strategy<Value = (i64, Step)> {
    let action = prop_oneof![
        (1i64..30).prop_map(|n| Step::TopUp(n * 1_000)),
        Just(Step::RenewFromWallet),
        Just(Step::RenewByCard),
        (1i64..50).prop_map(|n| Step::RefundToWallet(n * 100)),
        (-20i64..20).prop_map(|n| Step::Adjust(n * 100)),
    ];
    (0i64..12, action)
}

const NUMBERING: Numbering = Numbering {
    phone: "+852620",
    email: "statement",
    iccid: "89852071",
};

/// The ledger's own figures for `account` between `from` and `to`: the wallet at
/// each end, and what its orders were paid.
async fn ledger_figures(app: &TestApp, account: &str, from: i64, to: i64) -> (i64, i64, i64) {
    let wallet = format!("wallet:{account}:HKD");
    let balance_before = |at: i64| {
        let wallet = wallet.clone();
        async move {
            let sum: Option<i64> = sqlx::query_scalar(
                "SELECT CAST(SUM(e.amount) AS BIGINT) FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.ledger_account_id \
                 JOIN ledger_transactions t ON t.id = e.transaction_id WHERE a.code = $1 AND t.created_at < $2",
            )
            .bind(wallet)
            .bind(at)
            .fetch_one(app.db.reader())
            .await
            .expect("a sum");
            -sum.unwrap_or(0)
        }
    };
    let paid: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(e.amount) AS BIGINT) FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id \
         JOIN orders o ON t.reference = 'order:' || o.id || ':fulfil' \
         WHERE o.account_id = $1 AND e.amount > 0 AND t.created_at >= $2 AND t.created_at < $3",
    )
    .bind(account)
    .bind(from)
    .bind(to)
    .fetch_one(app.db.reader())
    .await
    .expect("a sum");
    (
        balance_before(from).await,
        balance_before(to).await,
        paid.unwrap_or(0),
    )
}

/// What staff refunds took back in the range (each issues one credit note).
async fn refunded_in(app: &TestApp, account: &str, from: i64, to: i64) -> i64 {
    let refunded: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(amount) AS BIGINT) FROM refunds WHERE account_id = $1 AND kind = 'refund' \
         AND created_at >= $2 AND created_at < $3",
    )
    .bind(account)
    .bind(from)
    .bind(to)
    .fetch_one(app.db.reader())
    .await
    .expect("a sum");
    refunded.unwrap_or(0)
}

async fn act(app: &TestApp, sub: &Subscriber, step: &Step, card_payments: &mut Vec<String>) {
    // Sessions last 30 days; the months go on longer.
    let auth = bearer(&app.log_in(&sub.phone, PASSWORD).await);
    let renewal = |method: &str| json!({ "kind": "renewal", "iccid": sub.iccid, "plan_code": PLAN, "periods": 1, "payment_method": method });
    match step {
        Step::TopUp(amount) => {
            buy(app, &auth, top_up(*amount, "card")).await;
        }
        Step::RenewFromWallet => {
            let (status, _, order) = send(
                &app.router,
                Method::POST,
                "/api/v1/orders",
                &auth,
                Some(renewal("wallet")),
            )
            .await;
            assert!(
                matches!(status, StatusCode::CREATED | StatusCode::CONFLICT),
                "{order}"
            );
        }
        Step::RenewByCard => {
            let order = buy(app, &auth, renewal("card")).await;
            card_payments.push(
                order["payment"]["id"]
                    .as_str()
                    .expect("a payment")
                    .to_owned(),
            );
        }
        Step::RefundToWallet(amount) => {
            if let Some(payment) = card_payments.last() {
                // More than is left to refund is refused, and changes nothing.
                let _ = request_refund(
                    app,
                    RefundRequest {
                        payment_id: payment,
                        amount: Some(*amount),
                        destination: Destination::Wallet,
                        reason: Reason::parse("goodwill").expect("a reason"),
                        note: String::new(),
                        actor: "finance@staff.example",
                    },
                )
                .await;
            }
        }
        Step::Adjust(amount) if *amount != 0 => {
            // A debit past the balance is refused, and changes nothing.
            let _ = adjust_wallet(
                app,
                &sub.account_id,
                Money::new(*amount, Currency::HKD),
                Reason::parse("correction").expect("a reason"),
                String::new(),
                "finance@staff.example",
            )
            .await;
        }
        Step::Adjust(_) => {}
    }
}

story!(a_statement_equals_the_ledger_for_its_month, |app| {
    let mut runner = TestRunner::new(Config {
        cases: 3,
        ..Config::default()
    });
    let strategy = proptest::collection::vec(step(), 6..14);
    for case in 0..3u32 {
        let steps = strategy.new_tree(&mut runner).expect("a case").current();
        let sub = app
            .subscriber_with_line(&NUMBERING, case, PLAN, app.now(), Used::Nothing)
            .await;
        let mut card_payments = Vec::new();
        for (days, step) in &steps {
            app.advance(Duration::days(*days) + Duration::minutes(7));
            act(&app, &sub, step, &mut card_payments).await;
        }
        let zone = app.config.time_zone();
        let auth = bearer(&app.log_in(&sub.phone, PASSWORD).await);
        let (status, _, list) = app
            .get_json("/api/v1/me/statements", &[("authorization", &auth)])
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let months = list.as_array().expect("months").clone();
        assert!(!months.is_empty());
        for summary in months {
            let month = summary["month"].as_str().expect("a month");
            let (status, _, statement) = app
                .get_json(
                    &format!("/api/v1/me/statements/{month}"),
                    &[("authorization", &auth)],
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{statement}");
            let (from, to) = Month::parse(month).expect("a month").bounds(zone);
            let to = to.min(app.now() + Duration::milliseconds(1));
            let (from, to) = (from.timestamp_millis(), to.timestamp_millis());
            let (opening, closing, paid) = ledger_figures(&app, &sub.account_id, from, to).await;
            let refunded = refunded_in(&app, &sub.account_id, from, to).await;
            let case = format!("case {case} {month} {steps:?}: {statement:#}");
            assert_eq!(statement["opening_balance"]["amount"], opening, "{case}");
            assert_eq!(statement["closing_balance"]["amount"], closing, "{case}");
            assert_eq!(statement["total_paid"]["amount"], paid, "{case}");
            assert_eq!(statement["total_refunded"]["amount"], refunded, "{case}");
            assert_eq!(summary["total_paid"], statement["total_paid"], "{case}");
            // The month's wallet movements lead from the opening to the closing balance.
            let moved: i64 = statement["movements"]
                .as_array()
                .expect("movements")
                .iter()
                .filter(|m| m.get("balance_after").is_some())
                .map(|m| m["amount"]["amount"].as_i64().expect("an amount"))
                .sum();
            assert_eq!(opening + moved, closing, "{case}");
            let by_method: i64 = statement["totals_by_method"]
                .as_array()
                .expect("totals")
                .iter()
                .map(|t| t["paid"]["amount"].as_i64().expect("an amount"))
                .sum();
            assert_eq!(by_method, paid, "{case}");
            // The CSV carries the same totals.
            let (status, headers, csv) =
                get_bytes(&app, &format!("/api/v1/me/statements/{month}.csv"), &auth).await;
            assert_eq!(status, StatusCode::OK);
            assert!(
                headers[header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with("text/csv")
            );
            let csv = String::from_utf8(csv).expect("UTF-8");
            let closing_row = format!(
                "closing_balance,,,,,{},HKD,",
                Money::new(closing, Currency::HKD).decimal()
            );
            assert!(csv.contains(&closing_row), "{closing_row} in {csv}");
        }
    }
});

story!(last_months_statement_is_emailed_on_the_first_once, |app| {
    let auth = demo(&app).await;
    buy(&app, &auth, renewal(1, "card")).await;
    let (_, _, me) = app
        .get_json("/api/v1/me", &[("authorization", &auth)])
        .await;
    let account = me["id"].as_str().expect("an id").to_owned();
    // 1 December in Hong Kong: November's run. Nobody has opted in yet (the choice is
    // the preferences page's), so nothing is queued, and the month is done once.
    app.advance(Duration::days(6));
    assert_eq!(
        datacard::records::statements_due(&app)
            .await
            .expect("the run"),
        0
    );
    assert_eq!(
        datacard::records::statements_due(&app)
            .await
            .expect("again"),
        0
    );
    let done: Vec<String> = strings(
        &app,
        "SELECT month FROM statement_mailings WHERE account_id = '*'",
    )
    .await;
    assert_eq!(done, ["2026-11"]);

    // The email a queued statement job sends: the month's figures and the link.
    let now = app.now();
    let mut tx = app.db.begin().await.expect("begin");
    datacard::jobs::enqueue(
        &mut tx,
        datacard::records::STATEMENT_JOB,
        None,
        &json!({ "account_id": account, "month": "2026-11" }),
        now,
        now,
    )
    .await
    .expect("queued");
    tx.commit().await.expect("commit");
    datacard::jobs::run_due_of_kind(&app, "w", datacard::records::STATEMENT_JOB)
        .await
        .expect("sent");
    let email = app
        .outbox_as_sent()
        .await
        .into_iter()
        .find(|m| m.message.kind == "statement")
        .expect("the statement's email");
    // The demo subscriber reads Traditional Chinese.
    assert_eq!(email.message.subject, "2026年11月月結單");
    assert!(
        email.message.body.contains("HK$90.20"),
        "{}",
        email.message.body
    );
    assert!(
        email
            .message
            .body
            .contains("https://datacard.test/statements/2026-11"),
        "{}",
        email.message.body
    );
    assert!(email.message.html.is_some());
});
