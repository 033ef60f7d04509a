//! Whole account flows a story starts from: codes, registration, email
//! verification, logging in.

use axum::http::StatusCode;
use serde_json::json;

use super::{Reply, TestApp, bearer};

impl TestApp {
    /// Asks for a code for `purpose`, expecting 202.
    pub async fn request_code(&self, phone: &str, purpose: &str, headers: &[(&str, &str)]) {
        let (status, _, body) = self
            .post_json(
                "/api/v1/verification-codes",
                json!({ "phone": phone, "purpose": purpose }),
                headers,
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "code for {phone}: {body}");
        // As the worker would, soon after.
        self.send_queued_messages().await;
    }

    /// Registers through the API (code, account, log in) and returns a bearer token.
    pub async fn register(&self, phone: &str, email: &str, password: &str) -> String {
        self.request_code(phone, "register", &[]).await;
        let code = self.last_code(phone).await;
        let (status, _, body) = self
            .post_json(
                "/api/v1/accounts",
                json!({ "phone": phone, "email": email, "password": password, "code": code }),
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "register {phone}: {body}");
        self.verify_email(email).await;
        self.log_in(phone, password).await
    }

    /// The token in the newest verification link sent to `email`.
    pub async fn email_token(&self, email: &str) -> String {
        let entry = self.last_message(&email.to_lowercase()).await;
        assert_eq!(
            entry.message.kind, "email_verification",
            "the newest message to {email} is not a verification link: {entry:?}"
        );
        let body = &entry.message.body;
        let start = body.find("token=").expect("a token in the link") + "token=".len();
        body[start..]
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// Opens the verification link sent to `email`, expecting success.
    pub async fn verify_email(&self, email: &str) {
        let token = self.email_token(email).await;
        let (status, _, body) = self
            .post_json(
                "/api/v1/email-verifications",
                json!({ "token": token }),
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "verify {email}: {body}");
    }

    /// Logs in, expecting success; returns the token.
    pub async fn log_in(&self, login: &str, password: &str) -> String {
        let (status, _, body) = self.try_log_in(login, password).await;
        assert_eq!(status, StatusCode::CREATED, "log in as {login}: {body}");
        body["token"]
            .as_str()
            .expect("a token in the session")
            .to_owned()
    }

    pub async fn try_log_in(&self, login: &str, password: &str) -> Reply {
        self.post_json(
            "/api/v1/sessions",
            json!({ "login": login, "password": password }),
            &[],
        )
        .await
    }

    /// `GET /api/v1/me` with the token.
    pub async fn me(&self, token: &str) -> Reply {
        self.get_json("/api/v1/me", &[("authorization", &bearer(token))])
            .await
    }
}
