//! What the fakes stories share: a demo server on a loopback port with the fakes on,
//! orders placed over its API, and reading back payments and redirects.

pub(super) use std::sync::{Arc, Mutex};
pub(super) use std::time::{Duration, Instant};

pub(super) use axum::http::HeaderMap;
pub(super) use datacard::app::App;
pub(super) use datacard::clock::SystemClock;
pub(super) use datacard::config::Config;
pub(super) use datacard::money::{Currency, Money};
pub(super) use datacard::payments::alipay::{AlipayProvider, Product};
pub(super) use datacard::payments::{CreateRequest, NextAction, ProviderStatus, provider_for};
pub(super) use serde_json::{Value, json};
pub(super) use tokio::sync::oneshot;

/// A notification as our little endpoint got it.
pub(super) type Received = (HeaderMap, Vec<u8>);

pub(super) struct Demo {
    pub(super) app: App,
    pub(super) base: String,
    pub(super) http: reqwest::Client,
    pub(super) auth: String,
    pub(super) token: String,
    pub(super) stop: oneshot::Sender<()>,
    pub(super) server: tokio::task::JoinHandle<anyhow::Result<()>>,
    pub(super) _dir: tempfile::TempDir,
}

impl Demo {
    pub(super) async fn start(adjust: impl FnOnce(&mut Config)) -> Demo {
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

    pub(super) async fn stop(self) {
        let _ = self.stop.send(());
        let served = tokio::time::timeout(Duration::from_secs(30), self.server)
            .await
            .expect("the server stops");
        served.expect("the server task").expect("the server ran");
    }

    /// A one-period renewal of the demo line, paid with `method`.
    pub(super) async fn renew(&self, method: &str) -> Value {
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

    pub(super) async fn order(&self, id: &str) -> Value {
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
    pub(super) async fn settled(&self, order: &Value, wanted: &str) -> Value {
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
    pub(super) async fn refund(&self, order: &Value) {
        let payment = payment_id(order);
        datacard::orders::refund::refund(&self.app, &payment, "test")
            .await
            .expect("refund");
        // The server's own worker may have claimed the job (with the credit note's
        // message before it): wait for whichever runs it.
        let started = Instant::now();
        loop {
            datacard::orders::reconcile::run_due(&self.app, "test")
                .await
                .expect("run the refund job");
            let state = datacard::payments::store::find(&self.app, &payment)
                .await
                .expect("read the payment")
                .expect("the payment")
                .state;
            if state.as_str() == "refunded" || started.elapsed() > Duration::from_secs(10) {
                assert_eq!(state.as_str(), "refunded", "{payment} after the refund");
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The statuses of the notifications stored for a payment, oldest first.
    pub(super) async fn notified(&self, payment: &str) -> Vec<String> {
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

    pub(super) async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(url).form(form).send().await.expect("post")
    }
}

pub(super) fn payment_id(order: &Value) -> String {
    order["payment"]["id"]
        .as_str()
        .expect("a payment")
        .to_owned()
}

pub(super) fn next_url(order: &Value, kind: &str) -> String {
    let next = &order["payment"]["next_action"];
    assert_eq!(next["type"], kind, "{next}");
    next["url"].as_str().expect("a url").to_owned()
}

pub(super) fn location(response: &reqwest::Response) -> String {
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

pub(super) async fn query(demo: &Demo, provider: &str, order: &Value) -> ProviderStatus {
    provider_for(&demo.app, provider)
        .expect("the adapter")
        .query(&payment_id(order))
        .await
        .expect("query")
        .status
}
