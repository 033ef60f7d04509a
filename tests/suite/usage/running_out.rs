//! Running out: alerts at 75 % and 90 %, throttling at zero, and a renewal (by card,
//! by wallet, queued, after a network blip) bringing full speed back.

use super::helpers::*;

// ===== 4. exhaustion, alerts and renewal ==================================================

/// Posts usage through 75 %, 90 % and past the end of a 5 GB line; checks every step.
async fn run_out(app: &TestApp, sub: &Subscriber, key: &str) -> i64 {
    let line = line_of(app, &sub.token, &sub.iccid).await;
    let allowance = line["current_period"]["data_allowance"]
        .as_i64()
        .expect("an allowance");
    assert_eq!(allowance, 5 * GIB);
    let at = app.now() - Duration::hours(3);
    let steps: [(&str, i64, &[&str]); 3] = [
        ("run-1", allowance * 76 / 100, &["used_75"]),
        ("run-2", allowance * 16 / 100, &["used_75", "used_90"]),
        (
            "run-3",
            allowance * 10 / 100,
            &["used_75", "used_90", "exhausted"],
        ),
    ];
    for (n, (id, bytes, sent)) in steps.into_iter().enumerate() {
        let at = at + Duration::minutes(n as i64 * 10);
        assert_eq!(
            post_ok(app, key, vec![record(id, &sub.iccid, bytes, at)]).await,
            answer(1, 0, &[])
        );
        run_jobs(app).await;
        assert_eq!(
            alerts_to(app, &sub.phone).await,
            kinds(sent),
            "SMS after {id}"
        );
        assert_eq!(
            alerts_to(app, &sub.email).await,
            kinds(sent),
            "email after {id}"
        );
    }
    let line = line_of(app, &sub.token, &sub.iccid).await;
    assert_eq!(line["current_period"]["data_remaining"], 0, "{line}");
    assert_eq!(used(&line), allowance, "{line}");
    assert_eq!(line["status"], "throttled", "{line}");
    allowance
}

story!(
    a_line_that_runs_out_is_throttled_alerted_and_renewed,
    |app| {
        let sub = subscriber(&app, 5, "HK-7D-5G", app.now() - Duration::days(2)).await;
        let key = keys::create(&app, "tower-1").await.expect("a key");
        let allowance = run_out(&app, &sub, &key).await;
        let period = periods(&app, &sub.iccid).await[0].clone();
        let posted = allowance * 102 / 100;
        assert_eq!(
            (period.data_used, period.overage),
            (allowance, posted - allowance),
            "remaining stops at zero; the rest is overage"
        );
        assert_eq!(quota_balance(&app, &period.id).await, 0);
        assert_eq!(
            line_state(&app, &sub.iccid).await,
            ("throttled".to_owned(), Some("quota_exhausted".to_owned()))
        );
        assert_eq!(told(&app, &sub.iccid).await, ["throttle"]);
        let events = sqlx::query("SELECT throttle_kbps FROM line_events WHERE iccid = $1")
            .bind(sub.iccid.clone())
            .fetch_one(app.db.reader())
            .await
            .and_then(|row| row.try_get::<Option<i64>, _>(0))
            .expect("the throttle event");
        assert_eq!(
            events,
            Some(i64::from(app.config.network.exhausted_throttle_kbps))
        );

        // The SMS and the email lead straight to a pre-filled renewal.
        let link = format!(
            "https://datacard.test/checkout?plan=HK-7D-5G&iccid={}",
            sub.iccid
        );
        for destination in [&sub.phone, &sub.email] {
            for entry in app.messages_to(destination).await {
                if entry.message.kind.starts_with("alert_") {
                    assert!(entry.message.body.contains(&link), "{:?}", entry.message);
                    assert_eq!(entry.message.locale, Locale::En);
                }
            }
        }
        let sms = app.last_message(&sub.phone).await;
        assert_eq!(sms.message.kind, "alert_exhausted");
        assert!(
            sms.message.body.contains("used all its data"),
            "{}",
            sms.message.body
        );

        // More usage: counted as overage, no second alert, nothing new for the network.
        assert_eq!(
            post_ok(
                &app,
                &key,
                vec![record(
                    "run-4",
                    &sub.iccid,
                    300 * MIB,
                    app.now() - Duration::minutes(30)
                )]
            )
            .await,
            answer(1, 0, &[])
        );
        run_jobs(&app).await;
        let sent = kinds(&["used_75", "used_90", "exhausted"]);
        assert_eq!(alerts_to(&app, &sub.phone).await, sent);
        assert_eq!(alerts_to(&app, &sub.email).await, sent);
        assert_eq!(told(&app, &sub.iccid).await, ["throttle"]);
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(line["current_period"]["data_remaining"], 0);
        assert_eq!(used(&line), allowance);
        assert_eq!(
            periods(&app, &sub.iccid).await[0].overage,
            posted - allowance + 300 * MIB
        );

        // The account page says why; the SMS link opens the checkout for this line.
        let cookie = app.portal_log_in(&sub.phone, PASSWORD).await.1;
        let (status, _, account) = page(&app, "/account?lang=en", &cookie).await;
        assert_eq!(status, StatusCode::OK);
        assert!(account.contains("Slowed down"), "{account}");
        assert!(
            account.contains("Data used up: renew to get full speed back."),
            "{account}"
        );
        let (status, _, checkout) = page(
            &app,
            link.trim_start_matches("https://datacard.test"),
            &cookie,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{checkout}");
        assert!(checkout.contains(&sub.iccid), "{checkout}");

        // Renewed by card through the sandbox: back to full speed by itself.
        let order = renew_by_card(&app, &sub, "HK-7D-5G").await;
        assert_eq!(order["state"], "fulfilled", "{order}");
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(line["status"], "active", "{line}");
        assert_eq!(
            line_state(&app, &sub.iccid).await,
            ("active".to_owned(), None)
        );
        run_jobs(&app).await;
        assert_eq!(told(&app, &sub.iccid).await, ["throttle", "resume"]);
        assert_eq!(
            line_events(&app, &sub.iccid).await,
            [
                ("throttle".to_owned(), "quota_exhausted".to_owned()),
                ("resume".to_owned(), "renewed".to_owned())
            ]
        );
        let (_, _, account) = page(&app, "/account?lang=en", &cookie).await;
        assert!(!account.contains("Data used up"), "{account}");
        // Telling the network twice changes nothing.
        run_jobs(&app).await;
        assert_eq!(told(&app, &sub.iccid).await, ["throttle", "resume"]);
    }
);

story!(
    after_a_renewal_brings_a_line_back_its_usage_is_paid_for,
    |app| {
        // Renewing an exhausted line resumes it at once: full-speed use from then on must
        // count against the data just bought (or the line must stay slowed), never be free.
        let sub = subscriber(&app, 6, "HK-7D-5G", app.now() - Duration::days(2)).await;
        let key = keys::create(&app, "tower-1").await.expect("a key");
        run_out(&app, &sub, &key).await;
        let order = renew_by_wallet_after_top_up(&app, &sub).await;
        assert_eq!(order["state"], "fulfilled", "{order}");
        let line = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(line["status"], "active", "{line}");

        // An hour after the renewal, 2 GB used in the half hour after it arrive.
        let renewed_at = app.now();
        app.advance(Duration::hours(1));
        let before = line_of(&app, &sub.token, &sub.iccid).await;
        assert_eq!(
            post_ok(
                &app,
                &key,
                vec![record(
                    "after-1",
                    &sub.iccid,
                    2 * GIB,
                    renewed_at + Duration::minutes(30)
                )]
            )
            .await,
            answer(1, 0, &[])
        );
        datacard::lines::expire_lapsed(&app).await.expect("expiry");
        run_jobs(&app).await;
        let after = line_of(&app, &sub.token, &sub.iccid).await;
        let (_, charged, outcome) = stored_record(&app, "after-1").await.expect("kept");
        assert!(
            charged > 0 || after["status"] == "throttled",
            "2 GB used at full speed after the renewal were charged {charged} bytes ({outcome}) \
         and the line is still {}: before {before}, after {after}",
            after["status"]
        );
    }
);

/// A card top-up then a renewal from the wallet.
async fn renew_by_wallet_after_top_up(app: &TestApp, sub: &Subscriber) -> Value {
    app.top_up_by_card(sub, 10_000).await;
    renew_by_wallet(app, &sub.token, &sub.iccid, "HK-7D-5G").await
}

story!(a_queued_period_that_starts_brings_full_speed_back, |app| {
    // Bought ahead, then the running period ran dry: when the queued period starts the
    // line must be back at full speed, without the subscriber doing anything.
    let t0 = app.now();
    let sub = subscriber(&app, 7, "HK-7D-5G", t0 - Duration::days(6)).await;
    app.add_period(&sub.iccid, "HK-7D-5G", t0 + Duration::days(1))
        .await;
    let key = keys::create(&app, "tower-1").await.expect("a key");
    run_out(&app, &sub, &key).await;
    assert_eq!(told(&app, &sub.iccid).await, ["throttle"]);

    app.advance(Duration::days(1) + Duration::minutes(1));
    // Everything the background loops do.
    datacard::lines::expire_lapsed(&app).await.expect("expiry");
    datacard::usage::alerts::scan_expiring(&app)
        .await
        .expect("expiry alerts");
    run_jobs(&app).await;

    let line = line_of(&app, &sub.token, &sub.iccid).await;
    assert_eq!(used(&line), 0, "{line}");
    assert_eq!(
        line["status"], "active",
        "a fresh 5 GB period runs but the line is still slowed: {line}"
    );
    assert_eq!(told(&app, &sub.iccid).await, ["throttle", "resume"]);
});

story!(a_new_esim_that_uses_data_is_enforced_like_any_line, |app| {
    // A new eSIM starts `pending_install`; once the network reports usage on it, it is
    // evidently installed, and running out must slow it like any other line.
    datacard::demo::seed(&app).await.expect("demo seed");
    let token = app
        .log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
        .await;
    let (status, _, order) = app
        .post_json(
            "/api/v1/orders",
            json!({ "kind": "new_esim", "plan_code": "HK-7D-5G", "periods": 1,
                    "payment_method": "wallet" }),
            &[("authorization", &bearer(&token))],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    assert_eq!(order["state"], "fulfilled", "{order}");
    let (_, _, me) = app.me(&token).await;
    let iccid = me["lines"]
        .as_array()
        .and_then(|lines| lines.iter().find(|line| line["iccid"] != demo_iccid()))
        .and_then(|line| line["iccid"].as_str())
        .unwrap_or_else(|| panic!("no new line in {me}"))
        .to_owned();
    assert_eq!(
        line_of(&app, &token, &iccid).await["status"],
        "pending_install"
    );
    let key = keys::create(&app, "tower-1").await.expect("a key");
    app.advance(Duration::hours(2));
    let at = app.now() - Duration::hours(1);
    assert_eq!(
        post_ok(
            &app,
            &key,
            vec![
                record("new-1", &iccid, 3 * GIB, at),
                record("new-2", &iccid, 3 * GIB, at + Duration::minutes(30)),
            ]
        )
        .await,
        answer(2, 0, &[])
    );
    run_jobs(&app).await;
    let line = line_of(&app, &token, &iccid).await;
    assert_eq!(line["current_period"]["data_remaining"], 0, "{line}");
    let mut sent = alerts_to(&app, datacard::demo::DEMO_PHONE).await;
    sent.sort();
    assert_eq!(sent, kinds(&["exhausted", "used_75", "used_90"]));
    assert_eq!(
        line["status"], "throttled",
        "6 GB used on a 5 GB plan: {line}"
    );
    assert_eq!(told(&app, &iccid).await, ["throttle"]);
});

story!(
    thresholds_crossed_by_one_batch_are_alerted_in_order,
    |app| {
        // One big record takes a line from nothing to empty: the subscriber's phone must
        // not say "used all its data" before "used 75 %".
        let key = keys::create(&app, "tower-1").await.expect("a key");
        for n in 0..4 {
            let sub = subscriber(&app, 50 + n, "HK-7D-5G", app.now() - Duration::days(1)).await;
            let at = app.now() - Duration::hours(1);
            post_ok(
                &app,
                &key,
                vec![record(&format!("burst-{n}"), &sub.iccid, 6 * GIB, at)],
            )
            .await;
            run_jobs(&app).await;
            assert_eq!(
                alerts_to(&app, &sub.phone).await,
                kinds(&["used_75", "used_90", "exhausted"]),
                "line {n}"
            );
        }
    }
);

/// The host network as the HTTP adapter meets it: the first request fails (a blip),
/// the rest are applied in the order they arrive.
#[derive(Clone, Default)]
struct HostNetwork {
    applied: std::sync::Arc<std::sync::Mutex<(usize, Vec<String>)>>,
}

impl HostNetwork {
    async fn start(&self) -> String {
        async fn take(
            axum::extract::State(host): axum::extract::State<HostNetwork>,
            axum::Json(body): axum::Json<Value>,
        ) -> StatusCode {
            let mut applied = host.applied.lock().expect("the host's memory");
            applied.0 += 1;
            if applied.0 == 1 {
                return StatusCode::SERVICE_UNAVAILABLE;
            }
            let action = body["action"]["action"].as_str().unwrap_or("?").to_owned();
            applied.1.push(action);
            StatusCode::OK
        }
        let router = axum::Router::new()
            .route("/lines/{iccid}/actions", axum::routing::post(take))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("an address");
        tokio::spawn(async move { axum::serve(listener, router).await });
        format!("http://{address}")
    }

    fn applied(&self) -> Vec<String> {
        self.applied.lock().expect("the host's memory").1.clone()
    }
}

async fn network_blip(backend: Backend) {
    let host = HostNetwork::default();
    let url = host.start().await;
    let Some(app) = TestApp::start_with(backend, |config| {
        config.network.adapter = "http".into();
        config.network.base_url = url;
    })
    .await
    else {
        return;
    };
    let sub = subscriber(&app, 60, "HK-7D-5G", app.now() - Duration::days(2)).await;
    let key = keys::create(&app, "tower-1").await.expect("a key");
    let at = app.now() - Duration::hours(1);
    post_ok(&app, &key, vec![record("blip-1", &sub.iccid, 6 * GIB, at)]).await;
    // The throttle does not get through the first time; it is retried later.
    run_jobs(&app).await;
    assert_eq!(host.applied(), Vec::<String>::new());
    assert_eq!(line_state(&app, &sub.iccid).await.0, "throttled");

    app.advance_secs(1);
    let order = renew_by_wallet_after_top_up(&app, &sub).await;
    assert_eq!(order["state"], "fulfilled", "{order}");
    assert_eq!(line_state(&app, &sub.iccid).await.0, "active");
    for _ in 0..4 {
        run_jobs(&app).await;
        app.advance(Duration::minutes(5));
    }
    run_jobs(&app).await;
    let applied = host.applied();
    assert_eq!(
        applied.last().map(String::as_str),
        Some("resume"),
        "the line is active here, so the network's last word must be resume: {applied:?}"
    );
    app.finish().await;
}

mod a_network_blip_never_leaves_a_renewed_line_slowed {
    use super::*;

    #[tokio::test]
    async fn sqlite() {
        network_blip(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres() {
        network_blip(Backend::Postgres).await;
    }
}
