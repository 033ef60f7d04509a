//! `Idempotency-Key`: nothing secret kept at rest, keys that belong to their caller,
//! a claim that a crash cannot leave stuck, and private files under the data dir.

use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::support::{Numbering, PASSWORD, Subscriber, TestApp, Used, assert_error, start_time};

const PLAN: &str = "HK-30D-20G";

const NUMBERING: Numbering = Numbering {
    phone: "+852690",
    email: "idem",
    iccid: "89852091",
};

fn renewal(subscriber: &Subscriber) -> Value {
    json!({ "kind": "renewal", "iccid": subscriber.iccid, "plan_code": PLAN,
            "periods": 1, "payment_method": "card" })
}

async fn subscriber(app: &TestApp, n: u32) -> Subscriber {
    app.subscriber_with_line(&NUMBERING, n, PLAN, start_time(), Used::Nothing)
        .await
}

async fn order_with_key(
    app: &TestApp,
    subscriber: &Subscriber,
    key: &str,
) -> (StatusCode, HeaderMap, Value) {
    let auth = subscriber.auth();
    app.post_json(
        "/api/v1/orders",
        renewal(subscriber),
        &[("authorization", auth.as_str()), ("idempotency-key", key)],
    )
    .await
}

async fn orders_of(app: &TestApp, subscriber: &Subscriber) -> Vec<Value> {
    let auth = subscriber.auth();
    let (status, _, body) = app
        .get_json("/api/v1/orders", &[("authorization", auth.as_str())])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().cloned().unwrap_or_default()
}

fn replayed(headers: &HeaderMap) -> bool {
    headers
        .get("idempotent-replayed")
        .is_some_and(|value| value == "true")
}

// ----- nothing secret at rest ------------------------------------------------------

story!(
    a_login_sent_with_a_key_is_not_replayed_and_leaves_no_token_at_rest,
    |app| {
        let phone = "+85269000101";
        app.register(phone, "idem.login@example.com", PASSWORD)
            .await;
        let login = json!({ "login": phone, "password": PASSWORD });
        let key = [("idempotency-key", "login-7f3a")];

        let (status, headers, first) = app.post_json("/api/v1/sessions", login.clone(), &key).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        assert!(!replayed(&headers));
        let (status, headers, again) = app.post_json("/api/v1/sessions", login, &key).await;
        assert_eq!(status, StatusCode::CREATED, "{again}");
        assert!(
            !replayed(&headers),
            "a login is never replayed from a store"
        );
        assert_ne!(
            first["token"], again["token"],
            "each login is its own session"
        );

        for token in [&first["token"], &again["token"]] {
            let (status, _, me) = app.me(token.as_str().unwrap_or_default()).await;
            assert_eq!(status, StatusCode::OK, "{me}");
        }
        // The idempotency store is where a replayable answer would sit: it holds nothing.
        assert_eq!(app.count_rows("idempotency_keys").await, 0);
    }
);

story!(
    a_registration_sent_with_a_key_keeps_nothing_at_rest,
    |app| {
        let phone = "+85269000102";
        app.request_code(phone, "register", &[]).await;
        let code = app.last_code(phone).await;
        let body = json!({ "phone": phone, "email": "idem.register@example.com",
                       "password": PASSWORD, "code": code });
        let key = [("idempotency-key", "register-7f3a")];

        let (status, _, first) = app.post_json("/api/v1/accounts", body.clone(), &key).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        let (status, headers, again) = app.post_json("/api/v1/accounts", body, &key).await;
        assert!(
            !replayed(&headers),
            "a registration is never replayed: {again}"
        );
        assert!(status.is_client_error(), "{status} {again}");

        assert_eq!(app.count_rows("accounts").await, 1);
        assert_eq!(app.count_rows("idempotency_keys").await, 0);
        app.log_in(phone, PASSWORD).await;
    }
);

// ----- keys belong to their caller -------------------------------------------------

story!(
    two_accounts_with_the_same_key_each_get_their_own_order,
    |app| {
        let chan = subscriber(&app, 1).await;
        let wong = subscriber(&app, 2).await;

        let (status, _, chans) = order_with_key(&app, &chan, "checkout-1").await;
        assert_eq!(status, StatusCode::CREATED, "{chans}");
        let (status, headers, wongs) = order_with_key(&app, &wong, "checkout-1").await;
        assert_eq!(status, StatusCode::CREATED, "{wongs}");
        assert!(!replayed(&headers), "Wong never sees Chan's answer");
        assert_ne!(wongs["id"], chans["id"]);
        assert_eq!(wongs["iccid"], json!(wong.iccid));

        let listed = orders_of(&app, &wong).await;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["id"], wongs["id"]);
        assert_eq!(orders_of(&app, &chan).await.len(), 1);
    }
);

story!(
    two_accounts_with_the_same_key_each_get_their_own_code,
    |app| {
        let chan = subscriber(&app, 3).await;
        let wong = subscriber(&app, 4).await;
        // Both behind the same address (the harness's), with the same key.
        for (who, new_phone) in [(&chan, "+85269000201"), (&wong, "+85269000202")] {
            let auth = who.auth();
            let (status, headers, body) = app
                .post_json(
                    "/api/v1/verification-codes",
                    json!({ "phone": new_phone, "purpose": "change_phone" }),
                    &[
                        ("authorization", auth.as_str()),
                        ("idempotency-key", "code-1"),
                    ],
                )
                .await;
            assert_eq!(status, StatusCode::ACCEPTED, "{body}");
            assert!(!replayed(&headers));
            app.last_code(new_phone).await;
        }
    }
);

// ----- a claim a crash left behind -------------------------------------------------

/// A claim's lease in the tests' crash rows, and how far past it the retry comes.
const LEASE_SECS: i64 = 60;

async fn execute(app: &TestApp, sql: &str, binds: &[&str], until: i64) -> u64 {
    let mut query = sqlx::query(sql).bind(until);
    for bind in binds {
        query = query.bind(*bind);
    }
    let mut tx = app.db.begin().await.expect("begin");
    let done = query.execute(&mut *tx).await.expect("crash row");
    tx.commit().await.expect("commit");
    done.rows_affected()
}

fn lease_end(app: &TestApp) -> i64 {
    app.now().timestamp_millis() + LEASE_SECS * 1000
}

#[track_caller]
fn assert_in_progress(reply: &(StatusCode, HeaderMap, Value)) {
    assert_error(reply, StatusCode::CONFLICT, "idempotency_in_progress");
    let wait: i64 = reply
        .1
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("a Retry-After: {:?}", reply.1));
    assert!((1..=LEASE_SECS).contains(&wait), "Retry-After {wait}");
}

story!(
    a_crash_after_the_claim_leaves_a_key_that_makes_its_order_after_the_lease,
    |app| {
        let chan = subscriber(&app, 5).await;
        let (status, _, earlier) = order_with_key(&app, &chan, "checkout-earlier").await;
        assert_eq!(status, StatusCode::CREATED, "{earlier}");
        // The process died right after claiming `checkout-crashed` for the same body:
        // the claim is stored, no order was made and no answer kept.
        let claimed = execute(
            &app,
            "INSERT INTO idempotency_keys (scope, key, request_hash, created_at, claimed_until) \
         SELECT scope, $2, request_hash, created_at, $1 FROM idempotency_keys WHERE key = $3",
            &["checkout-crashed", "checkout-earlier"],
            lease_end(&app),
        )
        .await;
        assert_eq!(claimed, 1);

        assert_in_progress(&order_with_key(&app, &chan, "checkout-crashed").await);
        assert_eq!(orders_of(&app, &chan).await.len(), 1);

        app.advance_secs(LEASE_SECS + 1);
        let (status, headers, made) = order_with_key(&app, &chan, "checkout-crashed").await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        assert!(!replayed(&headers));
        assert_ne!(made["id"], earlier["id"]);
        let (status, headers, again) = order_with_key(&app, &chan, "checkout-crashed").await;
        assert_eq!(status, StatusCode::CREATED, "{again}");
        assert!(replayed(&headers));
        assert_eq!(again["id"], made["id"]);
        assert_eq!(orders_of(&app, &chan).await.len(), 2);
    }
);

story!(
    a_crash_after_the_order_leaves_a_key_that_returns_that_order_after_the_lease,
    |app| {
        let chan = subscriber(&app, 6).await;
        let (status, _, made) = order_with_key(&app, &chan, "checkout-1").await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        // The process died after the order was committed, before its answer was kept.
        let stuck = execute(
            &app,
            "UPDATE idempotency_keys SET status = NULL, response_body = NULL, claimed_until = $1 \
         WHERE key = $2",
            &["checkout-1"],
            lease_end(&app),
        )
        .await;
        assert_eq!(stuck, 1);

        assert_in_progress(&order_with_key(&app, &chan, "checkout-1").await);

        app.advance_secs(LEASE_SECS + 1);
        let (status, _, retried) = order_with_key(&app, &chan, "checkout-1").await;
        assert_eq!(status, StatusCode::CREATED, "{retried}");
        assert_eq!(
            retried["id"], made["id"],
            "the retry gets the order the crash left"
        );
        let (status, headers, again) = order_with_key(&app, &chan, "checkout-1").await;
        assert_eq!(status, StatusCode::CREATED, "{again}");
        assert!(replayed(&headers));
        assert_eq!(again["id"], made["id"]);

        let listed = orders_of(&app, &chan).await;
        assert_eq!(listed.len(), 1, "one order: {listed:?}");
        assert_eq!(app.count_rows("payments").await, 1);
    }
);

story!(a_failed_request_releases_its_key_at_once, |app| {
    let chan = subscriber(&app, 7).await;
    let auth = chan.auth();
    let keyed = [
        ("authorization", auth.as_str()),
        ("idempotency-key", "checkout-wallet"),
    ];
    let broke = json!({ "kind": "renewal", "iccid": chan.iccid, "plan_code": PLAN,
                        "periods": 1, "payment_method": "wallet" });
    let refused = app.post_json("/api/v1/orders", broke.clone(), &keyed).await;
    assert_error(&refused, StatusCode::CONFLICT, "insufficient_balance");
    let retried = app.post_json("/api/v1/orders", broke, &keyed).await;
    assert_error(&retried, StatusCode::CONFLICT, "insufficient_balance");
    assert!(orders_of(&app, &chan).await.is_empty());
});

// The request dies (its future dropped, as a killed process drops it) once its claim
// is stored: on PostgreSQL held up by a lock on `orders`, so before its order; on
// SQLite, whose one writer a lock would stop before the claim, wherever it got to.
story!(
    a_request_that_dies_holding_its_claim_makes_one_order_when_retried,
    |app| {
        let chan = subscriber(&app, 8).await;
        let auth = chan.auth();
        let keyed = [
            ("authorization", auth.as_str()),
            ("idempotency-key", "checkout-killed"),
        ];
        let lock = if app.backend == crate::support::Backend::Postgres {
            let mut tx = app.db.begin().await.expect("begin");
            sqlx::query("LOCK TABLE orders IN EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await
                .expect("lock orders");
            Some(tx)
        } else {
            None
        };
        let request = crate::support::json_request(
            axum::http::Method::POST,
            "/api/v1/orders",
            Some(renewal(&chan)),
            &keyed,
        );
        let running = tokio::spawn(crate::support::call(app.router.clone(), request));
        for _ in 0..500 {
            if app.count_rows("idempotency_keys").await > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        assert_eq!(app.count_rows("idempotency_keys").await, 1, "the claim");
        running.abort();
        let ended = running.await;
        if let Some(lock) = lock {
            assert!(
                ended.is_err_and(|error| error.is_cancelled()),
                "died waiting"
            );
            lock.rollback().await.expect("unlock orders");
            let retry = app
                .post_json("/api/v1/orders", renewal(&chan), &keyed)
                .await;
            assert_in_progress(&retry);
            assert!(orders_of(&app, &chan).await.is_empty());
        }

        app.advance_secs(LEASE_SECS + 1);
        let (status, _, made) = app
            .post_json("/api/v1/orders", renewal(&chan), &keyed)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let (status, headers, again) = app
            .post_json("/api/v1/orders", renewal(&chan), &keyed)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{again}");
        assert!(replayed(&headers));
        assert_eq!(again["id"], made["id"]);
        let listed = orders_of(&app, &chan).await;
        assert_eq!(listed.len(), 1, "one order: {listed:?}");
        assert_eq!(listed[0]["id"], made["id"]);
    }
);

// ----- private files ---------------------------------------------------------------

#[cfg(unix)]
#[tokio::test]
async fn the_database_the_outbox_and_the_secret_are_private_to_the_server() {
    use std::os::unix::fs::PermissionsExt;
    use std::sync::Arc;

    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let config = datacard::config::Config {
        data_dir: data_dir.clone(),
        demo: true,
        ..datacard::config::Config::default()
    };
    let clock = Arc::new(datacard::clock::ManualClock::new(start_time()));
    let app = datacard::server::build(config, clock)
        .await
        .expect("build the server");
    let router = datacard::web::router(app.clone());
    let (status, _, body) = crate::support::call(
        router,
        crate::support::json_request(
            axum::http::Method::POST,
            "/api/v1/verification-codes",
            Some(json!({ "phone": "+85269000301", "purpose": "register" })),
            &[],
        ),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{:?}", body);
    // The code leaves from the job queue: send it, so the outbox exists.
    datacard::orders::reconcile::run_due(&app, "files")
        .await
        .expect("jobs run");

    for name in [
        "datacard.sqlite3",
        "datacard.sqlite3-wal",
        "datacard.sqlite3-shm",
        "secret.key",
        "outbox.jsonl",
    ] {
        let mode = std::fs::metadata(data_dir.join(name))
            .unwrap_or_else(|error| panic!("{name}: {error}"))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name} is {:o}", mode & 0o777);
    }
    app.db.close().await;
}
