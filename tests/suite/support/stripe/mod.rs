//! What the Stripe tests share: the datacard server in-process on a loopback port,
//! its payment methods served by Stripe at `api_base`, the demo subscriber signed in
//! through the API, and a clock the test moves.

pub mod fake;
pub mod localstripe;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{Value, json};
use sqlx::Row;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use datacard::app::App;
use datacard::clock::ManualClock;
use datacard::config::{Config, Secret};

pub const SECRET_KEY: &str = "sk_test_datacard";
pub const WEBHOOK_SECRET: &str = "whsec_datacard_test";
pub const PLAN: &str = "HK-30D-20G";
/// Notifications come within a second or two; this only stops a hang.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Server {
    pub app: App,
    pub base: String,
    pub clock: ManualClock,
    token: String,
    stop: Option<oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    _data: tempfile::TempDir,
}

impl Server {
    /// Card, Alipay and WeChat Pay served by Stripe at `api_base`.
    pub async fn start(api_base: &str, timeout_secs: u64) -> Server {
        let data = tempfile::tempdir().expect("temp data dir");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("local addr").to_string();
        let base = format!("http://{address}");
        let mut config = Config {
            demo: true,
            data_dir: data.path().join("data"),
            ..Config::default()
        };
        config.server.bind = address;
        config.server.public_url = base.clone();
        for method in [
            &mut config.payments.card,
            &mut config.payments.alipay,
            &mut config.payments.wechat_pay,
        ] {
            method.provider = datacard::payments::ProviderName::Stripe;
        }
        let settings = &mut config.payments.providers.stripe;
        settings.api_base = api_base.to_owned();
        settings.secret_key = Secret::new(SECRET_KEY);
        settings.webhook_secret = Secret::new(WEBHOOK_SECRET);
        settings.publishable_key = "pk_test_localstripe".into();
        settings.timeout_secs = timeout_secs;

        // Real time, so that signatures made now are fresh; moved by hand to make
        // reconciliation and expiry due.
        let clock = ManualClock::new(Utc::now());
        let app = datacard::server::build(config, Arc::new(clock.clone()))
            .await
            .expect("build the app");
        let demo = datacard::demo::seed(&app).await.expect("seed demo data");
        let (stop, stopped) = oneshot::channel::<()>();
        let served = tokio::spawn(datacard::server::serve(app.clone(), listener, async {
            let _ = stopped.await;
        }));
        let (status, session) = post(
            &base,
            "/api/v1/sessions",
            None,
            json!({ "login": demo.phone, "password": demo.password }),
        )
        .await;
        assert_eq!(status, 201, "log in: {session}");
        Server {
            app,
            base,
            clock,
            token: session["token"].as_str().expect("a token").to_owned(),
            stop: Some(stop),
            served: Some(served),
            _data: data,
        }
    }

    pub fn webhook_url(&self) -> String {
        format!("{}/api/v1/webhooks/stripe", self.base)
    }

    /// A renewal of the demo line paid by `method`: the API's answer.
    pub async fn try_order(&self, method: &str) -> (u16, Value) {
        let iccid = datacard::lines::Iccid::with_check_digit("898520000000000001")
            .expect("the demo ICCID")
            .to_string();
        post(
            &self.base,
            "/api/v1/orders",
            Some(&self.token),
            json!({ "kind": "renewal", "iccid": iccid, "plan_code": PLAN, "periods": 1,
                    "payment_method": method }),
        )
        .await
    }

    /// As [`Server::try_order`], expecting the payment open at Stripe.
    pub async fn order(&self, method: &str) -> Value {
        let (status, order) = self.try_order(method).await;
        assert_eq!(status, 201, "create the order: {order}");
        assert_eq!(order["payment"]["provider"], "stripe", "{order}");
        order
    }

    pub async fn show(&self, id: &str) -> Value {
        let response = reqwest::Client::new()
            .get(format!("{}/api/v1/orders/{id}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("the server answers");
        response.json().await.expect("an order")
    }

    pub async fn refresh(&self, id: &str) -> Value {
        let (status, order) = post(
            &self.base,
            &format!("/api/v1/orders/{id}/refresh"),
            Some(&self.token),
            Value::Null,
        )
        .await;
        assert_eq!(status, 200, "refresh: {order}");
        order
    }

    /// The order once its state is `state`; else a failure showing `context()`.
    pub async fn order_reaching(
        &self,
        id: &str,
        state: &str,
        context: impl Fn() -> String,
    ) -> Value {
        let started = Instant::now();
        loop {
            let order = self.show(id).await;
            if order["state"] == state {
                return order;
            }
            assert!(
                started.elapsed() < SETTLE_TIMEOUT,
                "order {id} never reached {state}: {order}\n{}",
                context()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `(source, provider_event_id, outcome)` of each input about the payment.
    pub async fn events_of(&self, payment_id: &str) -> Vec<(String, String, String)> {
        sqlx::query(
            "SELECT source, provider_event_id, outcome FROM payment_events \
             WHERE payment_id = $1 ORDER BY received_at, id",
        )
        .bind(payment_id)
        .fetch_all(self.app.db.reader())
        .await
        .expect("payment events")
        .iter()
        .map(|row| {
            (
                row.get::<String, _>("source"),
                row.get::<String, _>("provider_event_id"),
                row.get::<String, _>("outcome"),
            )
        })
        .collect()
    }

    pub async fn run_jobs(&self) {
        datacard::orders::reconcile::run_due(&self.app, "stripe-test")
            .await
            .expect("jobs run");
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            tokio::time::timeout(Duration::from_secs(30), served)
                .await
                .expect("the server stops within 30 s")
                .expect("the server task")
                .expect("the server stopped cleanly");
        }
    }
}

/// A POST with an optional bearer token and JSON body; the status and JSON answer.
pub async fn post(base: &str, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = reqwest::Client::new().post(format!("{base}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if !body.is_null() {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub fn payment_of(order: &Value) -> String {
    order["payment"]["id"]
        .as_str()
        .expect("a payment id")
        .to_owned()
}

pub fn id_of(order: &Value) -> String {
    order["id"].as_str().expect("an order id").to_owned()
}

/// Whether an input from `source` had `outcome`.
pub fn has_event(events: &[(String, String, String)], source: &str, outcome: &str) -> bool {
    events.iter().any(|(s, _, o)| s == source && o == outcome)
}
