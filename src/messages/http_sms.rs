//! SMS through a Twilio-style HTTP gateway (Twilio and the many providers that copy its API).

use std::time::Duration;

use anyhow::{Context, bail};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;

use super::{Channel, Message, Sender};
use crate::config::{Secret, SmsGatewayConfig};

/// Long enough for a gateway's brief hiccup to pass, short enough that a subscriber
/// waiting for a verification code does not notice.
const RETRY_DELAY: Duration = Duration::from_millis(200);

pub struct HttpSmsSender {
    client: reqwest::Client,
    url: String,
    account_sid: String,
    auth_token: Secret,
    from: String,
}

impl HttpSmsSender {
    pub fn new(config: &SmsGatewayConfig) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs))
            .build()
            .context("cannot build the HTTP client for the SMS gateway")?;
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            config.base_url.trim_end_matches('/'),
            config.account_sid
        );
        Ok(Self {
            client,
            url,
            account_sid: config.account_sid.clone(),
            auth_token: config.auth_token.clone(),
            from: config.from.clone(),
        })
    }

    async fn post(&self, body: &str) -> reqwest::Result<reqwest::Response> {
        self.client
            .post(&self.url)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
            // reqwest is built without its `form` feature, so the body is encoded by hand.
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send()
            .await
    }
}

/// Worth one more try: the gateway says it is overloaded or broken, not that the
/// request is wrong. A 4xx would fail the same way again.
fn is_transient(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
}

#[async_trait::async_trait]
impl Sender for HttpSmsSender {
    async fn send(&self, message: &Message) -> anyhow::Result<()> {
        if message.channel != Channel::Sms {
            bail!(
                "the SMS gateway cannot send a {:?} message",
                message.channel
            );
        }
        let body = serde_urlencoded::to_string([
            ("To", message.to.as_str()),
            ("From", self.from.as_str()),
            ("Body", message.body.as_str()),
        ])?;
        let mut retried = false;
        loop {
            // Only connection failures are retried: after a timeout the gateway may
            // already have accepted the message, and a second SMS would be a duplicate.
            let response = match self.post(&body).await {
                Ok(response) => response,
                Err(error) if error.is_connect() && !retried => {
                    tracing::warn!(%error, "SMS gateway unreachable, retrying once");
                    retried = true;
                    tokio::time::sleep(RETRY_DELAY).await;
                    continue;
                }
                Err(error) => return Err(error).context("cannot reach the SMS gateway"),
            };
            let status = response.status();
            if status.is_success() {
                return Ok(());
            }
            if is_transient(status) && !retried {
                tracing::warn!(%status, "SMS gateway failed, retrying once");
                retried = true;
                tokio::time::sleep(RETRY_DELAY).await;
                continue;
            }
            // The answer's body often quotes the phone number or the text back, so it
            // stays out of the error; the status is what the operator needs.
            bail!("SMS gateway answered {status}");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, VecDeque};
    use std::sync::{Arc, Mutex};

    use axum::extract::{Form, State};
    use axum::http::{HeaderMap, Uri};
    use base64::Engine;

    use super::*;
    use crate::i18n::Locale;

    #[derive(Debug, Clone)]
    struct Request {
        path: String,
        authorization: String,
        form: HashMap<String, String>,
    }

    #[derive(Default)]
    struct Receiver {
        /// Statuses to answer with, in order; 201 once they run out.
        statuses: Mutex<VecDeque<StatusCode>>,
        requests: Mutex<Vec<Request>>,
    }

    impl Receiver {
        fn requests(&self) -> Vec<Request> {
            self.requests.lock().unwrap().clone()
        }
    }

    async fn record(
        State(receiver): State<Arc<Receiver>>,
        uri: Uri,
        headers: HeaderMap,
        Form(form): Form<HashMap<String, String>>,
    ) -> StatusCode {
        let authorization = headers
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let path = uri.path().to_owned();
        receiver.requests.lock().unwrap().push(Request {
            path,
            authorization,
            form,
        });
        receiver
            .statuses
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(StatusCode::CREATED)
    }

    /// A gateway on a free local port answering with `statuses`, and a sender pointed at it.
    async fn gateway(statuses: &[StatusCode]) -> (Arc<Receiver>, HttpSmsSender) {
        let receiver = Arc::new(Receiver::default());
        receiver.statuses.lock().unwrap().extend(statuses);
        let app = axum::Router::new()
            .fallback(record)
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let config = SmsGatewayConfig {
            base_url: format!("http://{address}/"),
            account_sid: "AC123".into(),
            auth_token: Secret::new("token-456"),
            from: "DATACARD".into(),
            timeout_secs: 5,
        };
        (receiver, HttpSmsSender::new(&config).unwrap())
    }

    fn sms(body: &str) -> Message {
        Message {
            channel: Channel::Sms,
            to: "+85291234567".into(),
            locale: Locale::ZhHk,
            kind: "verification_code".into(),
            subject: String::new(),
            body: body.into(),
            html: None,
            unsubscribe: None,
        }
    }

    #[tokio::test]
    async fn posts_the_form_with_basic_auth_to_the_account_path() {
        let (receiver, sender) = gateway(&[]).await;
        sender.send(&sms("你的驗證碼是 123456")).await.unwrap();
        let requests = receiver.requests();
        assert_eq!(requests.len(), 1);
        let request = &requests[0];
        assert_eq!(request.path, "/2010-04-01/Accounts/AC123/Messages.json");
        let credentials = base64::engine::general_purpose::STANDARD.encode("AC123:token-456");
        assert_eq!(request.authorization, format!("Basic {credentials}"));
        assert_eq!(request.form["To"], "+85291234567");
        assert_eq!(request.form["From"], "DATACARD");
        assert_eq!(request.form["Body"], "你的驗證碼是 123456");
    }

    #[tokio::test]
    async fn a_client_error_fails_at_once_without_personal_data() {
        let (receiver, sender) = gateway(&[StatusCode::BAD_REQUEST]).await;
        let error = sender.send(&sms("code 123456")).await.unwrap_err();
        let shown = format!("{error:#}");
        assert!(shown.contains("400"), "{shown}");
        assert!(
            !shown.contains("+85291234567") && !shown.contains("123456"),
            "{shown}"
        );
        assert_eq!(receiver.requests().len(), 1);
    }

    #[tokio::test]
    async fn a_server_error_is_retried_once() {
        let (receiver, sender) = gateway(&[StatusCode::SERVICE_UNAVAILABLE]).await;
        sender.send(&sms("code 123456")).await.unwrap();
        assert_eq!(receiver.requests().len(), 2);
    }

    #[tokio::test]
    async fn a_second_server_error_gives_up() {
        let statuses = [StatusCode::TOO_MANY_REQUESTS, StatusCode::BAD_GATEWAY];
        let (receiver, sender) = gateway(&statuses).await;
        let error = sender.send(&sms("code 123456")).await.unwrap_err();
        assert!(format!("{error:#}").contains("502"), "{error:#}");
        assert_eq!(receiver.requests().len(), 2);
    }

    #[tokio::test]
    async fn only_sms_is_sent() {
        let (receiver, sender) = gateway(&[]).await;
        let mut email = sms("code 123456");
        email.channel = Channel::Email;
        email.to = "someone@example.com".into();
        assert!(sender.send(&email).await.is_err());
        assert!(receiver.requests().is_empty());
    }
}
