//! Payments through the local fakes of Stripe, Alipay and WeChat Pay (`src/fakes/`),
//! without a browser: a demo server with `payments.fakes` on a loopback port, orders
//! placed over the API and paid on the fakes' pages over HTTP, fulfilled by the fakes'
//! signed notifications (verified by the real adapters); then refunds and closes
//! through each adapter, Alipay and WeChat Pay through Stripe, and Alipay's page pay.
//! (`tests/suite/browser.rs` walks the same fakes in Chromium.)

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use datacard::app::App;
use datacard::clock::SystemClock;
use datacard::config::Config;
use datacard::money::{Currency, Money};
use datacard::payments::alipay::{AlipayProvider, Product};
use datacard::payments::{CreateRequest, NextAction, ProviderStatus, provider_for};
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// A notification as our little endpoint got it.
type Received = (HeaderMap, Vec<u8>);

struct Demo {
    app: App,
    base: String,
    http: reqwest::Client,
    auth: String,
    token: String,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
}

impl Demo {
    async fn start(adjust: impl FnOnce(&mut Config)) -> Demo {
        let dir = tempfile::tempdir().expect("temp dir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let mut config = Config {
            demo: true,
            data_dir: dir.path().join("data"),
            ..Config::default()
        };
        config.server.public_url = base.clone();
        config.payments.fakes = true;
        adjust(&mut config);
        let app = datacard::server::build(config, Arc::new(SystemClock))
            .await
            .expect("build the demo app");
        datacard::demo::seed(&app).await.expect("seed the demo");
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(datacard::server::serve(app.clone(), listener, async {
            let _ = stopped.await;
        }));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        let session: Value = http
            .post(format!("{base}/api/v1/sessions"))
            .json(&json!({ "login": datacard::demo::DEMO_PHONE, "password": datacard::demo::DEMO_PASSWORD }))
            .send()
            .await
            .expect("log in")
            .json()
            .await
            .expect("a session");
        let token = session["token"].as_str().expect("a token").to_owned();
        Demo {
            app,
            base,
            http,
            auth: format!("Bearer {token}"),
            token,
            stop,
            server,
            _dir: dir,
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let served = tokio::time::timeout(Duration::from_secs(30), self.server)
            .await
            .expect("the server stops");
        served.expect("the server task").expect("the server ran");
    }

    /// A one-period renewal of the demo line, paid with `method`.
    async fn renew(&self, method: &str) -> Value {
        let iccid = datacard::demo::demo_iccid();
        let body = json!({ "kind": "renewal", "iccid": iccid, "plan_code": "HK-30D-20G",
                           "periods": 1, "payment_method": method });
        let response = self
            .http
            .post(format!("{}/api/v1/orders", self.base))
            .header("authorization", &self.auth)
            .json(&body)
            .send()
            .await
            .expect("create the order");
        assert!(
            response.status().is_success(),
            "order: {}",
            response.status()
        );
        let order: Value = response.json().await.expect("an order");
        assert_eq!(order["state"], "pending_payment", "{order}");
        order
    }

    async fn order(&self, id: &str) -> Value {
        self.http
            .get(format!("{}/api/v1/orders/{id}", self.base))
            .header("authorization", &self.auth)
            .send()
            .await
            .expect("read the order")
            .json()
            .await
            .expect("an order")
    }

    /// Waits (by asking our own API, never the provider) for the order's state.
    async fn settled(&self, order: &Value, wanted: &str) -> Value {
        let id = order["id"].as_str().expect("an order id");
        let started = Instant::now();
        loop {
            let now = self.order(id).await;
            if now["state"] == wanted {
                return now;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "order {id} is {} after 10 s, expected {wanted}",
                now["state"]
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Refunds through the operator's path and the refund job, as `datacard payments refund` does.
    async fn refund(&self, order: &Value) {
        let payment = payment_id(order);
        datacard::orders::refund::refund(&self.app, &payment, "test")
            .await
            .expect("refund");
        datacard::orders::reconcile::run_due(&self.app, "test")
            .await
            .expect("run the refund job");
        let state = datacard::payments::store::find(&self.app, &payment)
            .await
            .expect("read the payment")
            .expect("the payment")
            .state;
        assert_eq!(state.as_str(), "refunded", "{payment} after the refund");
    }

    /// The statuses of the notifications stored for a payment, oldest first.
    async fn notified(&self, payment: &str) -> Vec<String> {
        sqlx::query(
            "SELECT provider_status FROM payment_events WHERE payment_id = $1 AND source = 'notification' ORDER BY received_at, id",
        )
        .bind(payment)
        .fetch_all(self.app.db.reader())
        .await
        .expect("read the events")
        .iter()
        .map(|row| sqlx::Row::get(row, "provider_status"))
        .collect()
    }

    async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(url).form(form).send().await.expect("post")
    }
}

fn payment_id(order: &Value) -> String {
    order["payment"]["id"]
        .as_str()
        .expect("a payment")
        .to_owned()
}

fn next_url(order: &Value, kind: &str) -> String {
    let next = &order["payment"]["next_action"];
    assert_eq!(next["type"], kind, "{next}");
    next["url"].as_str().expect("a url").to_owned()
}

fn location(response: &reqwest::Response) -> String {
    assert!(
        response.status().is_redirection(),
        "expected a redirect, got {}",
        response.status()
    );
    response.headers()["location"]
        .to_str()
        .expect("a location")
        .to_owned()
}

async fn query(demo: &Demo, provider: &str, order: &Value) -> ProviderStatus {
    provider_for(&demo.app, provider)
        .expect("the adapter")
        .query(&payment_id(order))
        .await
        .expect("query")
        .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_through_the_fake_stripe() {
    let demo = Demo::start(|_| {}).await;
    let order = demo.renew("card").await;
    let card_page = next_url(&order, "redirect");
    assert_eq!(
        card_page,
        format!("{}/pay/stripe/{}", demo.base, payment_id(&order))
    );

    // Our card page needs the payer's session, then forwards to the fake's card page.
    let anonymous = demo.http.get(&card_page).send().await.expect("card page");
    assert!(location(&anonymous).starts_with("/login"));
    let forwarded = demo
        .http
        .get(&card_page)
        .header("cookie", format!("dc_session={}", demo.token))
        .send()
        .await
        .expect("card page");
    let fake_page = location(&forwarded);
    assert!(
        fake_page.starts_with(&format!("{}/fake/stripe/card/pi_", demo.base)),
        "{fake_page}"
    );
    let url = reqwest::Url::parse(&fake_page).expect("a url");
    let secret: String = url
        .query_pairs()
        .find(|(k, _)| k == "client_secret")
        .map(|(_, v)| v.into_owned())
        .expect("a client secret");
    let form_url = format!("{}{}", demo.base, url.path());
    let page = demo.http.get(&fake_page).send().await.expect("fake page");
    let html = page.text().await.expect("a page");
    assert!(html.contains("FAKE Stripe for testing only") && html.contains("HK$90.20"));

    // A wrong client secret, then an invalid number, change nothing.
    let wrong = demo
        .post_form(
            &form_url,
            &[
                ("client_secret", "pi_x_secret_y"),
                ("number", "4242424242424242"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 404);
    let invalid = demo
        .post_form(
            &form_url,
            &[("client_secret", &secret), ("number", "4242424242424241")],
        )
        .await;
    assert_eq!(invalid.status(), 422);
    assert_eq!(
        query(&demo, "stripe", &order).await,
        ProviderStatus::Pending
    );

    let return_url = format!(
        "{}/orders/{}?returned=1",
        demo.base,
        order["id"].as_str().unwrap_or_default()
    );
    let paid = demo
        .post_form(
            &form_url,
            &[
                ("client_secret", &secret),
                ("return_url", &return_url),
                ("number", "4242 4242 4242 4242"),
            ],
        )
        .await;
    assert_eq!(location(&paid), return_url);
    demo.settled(&order, "fulfilled").await;
    assert_eq!(
        query(&demo, "stripe", &order).await,
        ProviderStatus::Succeeded
    );
    demo.refund(&order).await;
    // Refunded already: Stripe says `charge_already_refunded`, which is done for us.
    let stripe = provider_for(&demo.app, "stripe").expect("stripe");
    let money = Money::new(9020, Currency::HKD);
    stripe
        .refund(&payment_id(&order), money, "rf_again")
        .await
        .expect("a second refund is a no-op");

    // A second order is cancelled at Stripe before anyone pays it.
    let unpaid = demo.renew("card").await;
    stripe.close(&payment_id(&unpaid)).await.expect("close");
    assert_eq!(
        query(&demo, "stripe", &unpaid).await,
        ProviderStatus::Closed
    );
    stripe
        .close(&payment_id(&unpaid))
        .await
        .expect("closing twice is fine");
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qr_codes_through_the_fake_alipay_and_wechat_pay() {
    let demo = Demo::start(|_| {}).await;
    for (method, scanned_prefix) in [
        ("alipay", "/fake/alipay/qr/"),
        ("wechat_pay", "/fake/wechat_pay/qr/"),
    ] {
        let order = demo.renew(method).await;
        let qr = next_url(&order, "qr");
        assert!(
            qr.starts_with(&format!("{}{scanned_prefix}", demo.base)),
            "{qr}"
        );
        assert_eq!(query(&demo, method, &order).await, ProviderStatus::Pending);
        let page = demo.http.get(&qr).send().await.expect("the QR page");
        assert_eq!(page.status(), 200);
        assert!(
            page.text()
                .await
                .expect("a page")
                .contains("for testing only")
        );
        assert_eq!(
            query(&demo, method, &order).await,
            ProviderStatus::Pending,
            "{method} scanned"
        );
        let token = qr.rsplit('/').next().unwrap_or_default();
        let pay_url = format!("{}/fake/{method}/pay/{token}", demo.base);
        let paid = demo.post_form(&pay_url, &[]).await;
        assert_eq!(
            paid.status(),
            200,
            "{method}: no page to go back to, the fake says so"
        );
        demo.settled(&order, "fulfilled").await;
        assert_eq!(
            query(&demo, method, &order).await,
            ProviderStatus::Succeeded
        );
        assert_eq!(
            demo.post_form(&pay_url, &[]).await.status(),
            200,
            "paying twice changes nothing"
        );
        demo.refund(&order).await;
        if method == "wechat_pay" {
            assert_eq!(query(&demo, method, &order).await, ProviderStatus::Refunded);
        } else {
            // A full refund closes the Alipay trade, with a notification that says so.
            let payment = payment_id(&order);
            let started = Instant::now();
            while demo.notified(&payment).await != ["succeeded", "refunded"] {
                assert!(
                    started.elapsed() < Duration::from_secs(10),
                    "alipay's TRADE_CLOSED notification: {:?}",
                    demo.notified(&payment).await
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }

        // A second order closed before it is paid cannot be paid any more.
        let unpaid = demo.renew(method).await;
        let adapter = provider_for(&demo.app, method).expect("the adapter");
        adapter.close(&payment_id(&unpaid)).await.expect("close");
        let token = next_url(&unpaid, "qr")
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let late = demo
            .post_form(&format!("{}/fake/{method}/pay/{token}", demo.base), &[])
            .await;
        assert!(
            late.text().await.expect("a page").contains("CLOSED"),
            "{method}: closed is closed"
        );
        assert_ne!(
            query(&demo, method, &unpaid).await,
            ProviderStatus::Succeeded
        );
    }
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alipay_and_wechat_pay_through_the_fake_stripe() {
    let demo = Demo::start(|config| {
        config.payments.alipay.provider = datacard::payments::ProviderName::Stripe;
        config.payments.wechat_pay.provider = datacard::payments::ProviderName::Stripe;
    })
    .await;
    // Alipay through Stripe: a redirect to the test page, back to our order page.
    let order = demo.renew("alipay").await;
    let page = next_url(&order, "redirect");
    assert!(
        page.starts_with(&format!("{}/fake/stripe/authorize/pi_", demo.base)),
        "{page}"
    );
    let back = demo.post_form(&page, &[("outcome", "authorize")]).await;
    let back = location(&back);
    assert!(
        back.contains("returned=1") && back.contains("redirect_status=succeeded"),
        "{back}"
    );
    demo.settled(&order, "fulfilled").await;

    // WeChat Pay through Stripe: a QR code; the payment fails.
    let order = demo.renew("wechat_pay").await;
    let page = next_url(&order, "qr");
    assert_eq!(order["payment"]["next_action"]["data"], page.as_str());
    let failed = demo.post_form(&page, &[("outcome", "fail")]).await;
    assert_eq!(failed.status(), 200);
    demo.settled(&order, "failed").await;
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alipay_page_pay_at_the_fake_cashier() {
    let demo = Demo::start(|_| {}).await;
    // The notification goes to a little server of ours, which checks it with the adapter.
    let received: Arc<Mutex<Vec<Received>>> = Arc::default();
    let sink = received.clone();
    let router = axum::Router::new().route(
        "/notify",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let sink = sink.clone();
            async move {
                sink.lock()
                    .expect("the sink")
                    .push((headers, body.to_vec()));
                "success"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let notify_url = format!(
        "http://{}/notify",
        listener.local_addr().expect("an address")
    );
    tokio::spawn(async move { axum::serve(listener, router).await });

    let adapter = AlipayProvider::from_config(
        &demo.app.config.payments.providers.alipay,
        notify_url,
        demo.app.clock.clone(),
    )
    .expect("the adapter")
    .with_product(Product::Page);
    let return_url = format!("{}/orders/ord_page?returned=1", demo.base);
    let request = CreateRequest {
        payment_id: "pay_PAGEPAY0000000000000000001".into(),
        amount: Money::new(8800, Currency::HKD),
        method: datacard::payments::Method::Alipay,
        description: "HK-30D-20G".into(),
        return_url: return_url.clone(),
        expires_at: demo.app.now() + chrono::Duration::minutes(30),
        payer: Default::default(),
    };
    let created = datacard::payments::Provider::create(&adapter, &request)
        .await
        .expect("create");
    let NextAction::Redirect { url } = created.next_action else {
        panic!("page pay redirects");
    };
    let cashier = location(&demo.http.get(&url).send().await.expect("the gateway"));
    assert!(
        cashier.starts_with(&format!("{}/fake/alipay/cashier/", demo.base)),
        "{cashier}"
    );
    let trade_no = cashier.rsplit('/').next().unwrap_or_default();
    let back = location(
        &demo
            .post_form(&format!("{}/fake/alipay/pay/{trade_no}", demo.base), &[])
            .await,
    );
    assert!(
        back.starts_with(&return_url) && back.contains("method=alipay.trade.page.pay.return"),
        "{back}"
    );

    let started = Instant::now();
    let (headers, body) = loop {
        if let Some(first) = received.lock().expect("the sink").first().cloned() {
            break first;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no notification"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let notification = datacard::payments::Provider::verify_notification(
        &adapter,
        &headers,
        &body,
        demo.app.now(),
    )
    .expect("the fake's notification verifies");
    assert_eq!(notification.payment_id, request.payment_id);
    assert_eq!(notification.observation.status, ProviderStatus::Succeeded);
    assert_eq!(notification.observation.amount, Some(request.amount));
    demo.stop().await;
}
