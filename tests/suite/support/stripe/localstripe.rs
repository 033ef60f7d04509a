//! localstripe 1.15.10 (a fake but stateful Stripe, PyPI, GPL-3.0-or-later) as a child
//! process on a loopback port, started with `scripts/stripe/localstripe_loopback.py`,
//! and the requests its fake Stripe.js (`<base>/js.stripe.com/v3/`) makes from a
//! payer's browser, for tests that play the browser themselves.
//!
//! Needs `target/pyenv/stripe` (`scripts/test` installs it) or a Python with
//! localstripe in `DATACARD_STRIPE_PYTHON`. Without it [`LocalStripe::start`] says
//! SKIPPED and gives `None`, unless `DATACARD_REQUIRE_PROVIDERS=1`, when it panics.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use super::{SECRET_KEY, WEBHOOK_SECRET};

/// Any `pk_…` does for localstripe; the card page hands it to Stripe.js.
pub const PUBLISHABLE_KEY: &str = "pk_test_datacard";

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A Python that can import localstripe, or why there is none.
fn python() -> Result<PathBuf, String> {
    let python = std::env::var_os("DATACARD_STRIPE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("target/pyenv/stripe/bin/python"));
    let imports = Command::new(&python)
        .args(["-c", "import localstripe"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if imports {
        Ok(python)
    } else {
        Err(format!(
            "{} cannot import localstripe (scripts/test installs it)",
            python.display()
        ))
    }
}

/// localstripe as a child process, killed when dropped.
pub struct LocalStripe {
    child: Child,
    pub base: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl LocalStripe {
    /// Started, or `None` (said on stderr) when this machine cannot run it.
    pub fn start() -> Option<LocalStripe> {
        let python = match python() {
            Ok(python) => python,
            Err(why) if std::env::var("DATACARD_REQUIRE_PROVIDERS").as_deref() == Ok("1") => {
                panic!("DATACARD_REQUIRE_PROVIDERS=1 but localstripe cannot run: {why}")
            }
            Err(why) => {
                // Past the harness's capture, so that a skip is seen.
                let _ = writeln!(std::io::stderr(), "SKIPPED (stripe): {why}");
                return None;
            }
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("localstripe.log");
        let mut child = Command::new(python)
            .arg(manifest_dir().join("scripts/stripe/localstripe_loopback.py"))
            .args(["--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start localstripe");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_default();
        let Some(address) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "localstripe did not start ({line:?}):\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        let base = format!("http://{address}");
        Some(LocalStripe {
            child,
            base,
            log,
            _dir: dir,
        })
    }

    /// Its requests and webhook deliveries so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Where its fake Stripe.js is served, for `payments.providers.stripe.js_url`.
    pub fn js_url(&self) -> String {
        format!("{}/js.stripe.com/v3/", self.base)
    }

    /// A POST as the Dashboard would make it (with the secret key).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let request = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .form(form);
        Self::send(request.bearer_auth(SECRET_KEY)).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let request = reqwest::Client::new().get(format!("{}{path}", self.base));
        Self::send(request.bearer_auth(SECRET_KEY)).await
    }

    /// A POST as its fake Stripe.js makes it from the payer's browser: a JSON body
    /// with the publishable key, no secret key.
    pub async fn post_from_browser(&self, path: &str, mut body: Value) -> (u16, Value) {
        body["key"] = json!(PUBLISHABLE_KEY);
        let request = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .body(body.to_string());
        Self::send(request).await
    }

    async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request.send().await.expect("localstripe answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// What `stripe.confirmCardSetup(client_secret, {payment_method: {card}})` sends
    /// when the payer typed `number` (expiry 12/30, CVC 123) into the card Element.
    pub async fn confirm_card_setup(&self, client_secret: &str, number: &str) -> (u16, Value) {
        let setup_intent = intent_of_secret(client_secret, "seti_");
        self.post_from_browser(
            &format!("/v1/setup_intents/{setup_intent}/confirm"),
            json!({
                "use_stripe_sdk": true,
                "client_secret": client_secret,
                "payment_method_data": {
                    "type": "card",
                    "card": { "number": number, "exp_month": "12", "exp_year": "2030", "cvc": "123" },
                    "billing_details": { "address": { "postal_code": "00000" } },
                },
            }),
        )
        .await
    }

    /// "Complete authentication" in its 3-D Secure modal for a SetupIntent.
    pub async fn authenticate_setup(&self, client_secret: &str) -> (u16, Value) {
        let setup_intent = intent_of_secret(client_secret, "seti_");
        self.post_from_browser(
            &format!("/v1/setup_intents/{setup_intent}/confirm"),
            json!({ "use_stripe_sdk": true, "client_secret": client_secret }),
        )
        .await
    }

    /// `stripe.confirmCardPayment(client_secret)`: its 3-D Secure modal, answered.
    pub async fn authenticate_payment(&self, client_secret: &str, success: bool) -> (u16, Value) {
        let intent = intent_of_secret(client_secret, "pi_");
        self.post_from_browser(
            &format!("/v1/payment_intents/{intent}/_authenticate?success={success}"),
            json!({ "client_secret": client_secret }),
        )
        .await
    }

    /// Sends every payment_intent event we act on to `url`, signed with our secret.
    pub async fn register_webhook(&self, url: &str) {
        let response = reqwest::Client::new()
            .post(format!("{}/_config/webhooks/datacard", self.base))
            .form(&[
                ("url", url),
                ("secret", WEBHOOK_SECRET),
                ("events[]", "payment_intent.succeeded"),
                ("events[]", "payment_intent.payment_failed"),
                ("events[]", "payment_intent.processing"),
                ("events[]", "payment_intent.canceled"),
            ])
            .send()
            .await
            .expect("register the webhook");
        assert!(response.status().is_success(), "webhook registration");
    }
}

impl Drop for LocalStripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `seti_…` or `pi_…` of a client secret `<id>_secret_<…>`.
fn intent_of_secret<'a>(client_secret: &'a str, prefix: &str) -> &'a str {
    let id = client_secret
        .split("_secret_")
        .next()
        .unwrap_or(client_secret);
    assert!(
        id.starts_with(prefix),
        "not a {prefix} client secret: {client_secret}"
    );
    id
}
