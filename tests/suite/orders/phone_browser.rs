//! A subscriber's phone browser at the portal, for the order stories: signed in as
//! the demo subscriber, with the form token and cookie, and a User-Agent of choice.

use super::helpers::*;

pub(super) const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
pub(super) const DESKTOP: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

pub(super) struct Browser<'a> {
    pub(super) app: &'a TestApp,
    pub(super) csrf: String,
    pub(super) cookie: String,
}

impl<'a> Browser<'a> {
    pub(super) async fn demo(app: &'a TestApp) -> Browser<'a> {
        datacard::demo::seed(app).await.expect("demo");
        let (csrf, cookie) = app
            .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await;
        Browser { app, csrf, cookie }
    }

    pub(super) async fn get(
        &self,
        path: &str,
        agent: &str,
    ) -> (StatusCode, HeaderMapOwned, String) {
        let separator = if path.contains('?') { '&' } else { '?' };
        let request = Request::get(format!("{path}{separator}lang=en"))
            .header(header::COOKIE, &self.cookie)
            .header(header::USER_AGENT, agent)
            .body(Body::empty())
            .expect("request");
        let (status, headers, body) = self.app.send(request).await;
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    pub(super) async fn post(
        &self,
        path: &str,
        agent: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, agent, &all).await
    }

    pub(super) async fn post_raw(
        &self,
        path: &str,
        agent: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String, String) {
        let request = Request::post(format!("{path}?lang=en"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &self.cookie)
            .header(header::USER_AGENT, agent)
            .body(Body::from(
                serde_urlencoded::to_string(fields).expect("form"),
            ))
            .expect("request");
        let (status, headers, body) = self.app.send(request).await;
        let location = headers
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (
            status,
            location,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    /// Pay on the review for one period of the plan on the demo line.
    pub(super) async fn buy(
        &self,
        method: &str,
        total: i64,
        agent: &str,
    ) -> (StatusCode, String, String) {
        // Orders are told apart by when they were made.
        self.app.advance_secs(1);
        let iccid = demo_iccid();
        let total = total.to_string();
        self.post(
            "/checkout",
            agent,
            &[
                ("plan", PLAN),
                ("target", iccid.as_str()),
                ("method", method),
                ("periods", "1"),
                ("confirmed_total", total.as_str()),
            ],
        )
        .await
    }

    pub(super) async fn latest_order(&self) -> (String, String) {
        let row = sqlx::query(
            "SELECT o.id, p.id AS payment FROM orders o JOIN payments p ON p.order_id = o.id \
             ORDER BY o.created_at DESC, o.id DESC, p.created_at DESC LIMIT 1",
        )
        .fetch_one(self.app.db.reader())
        .await
        .expect("an order");
        (row.get("id"), row.get("payment"))
    }
}

pub(super) type HeaderMapOwned = axum::http::HeaderMap;

pub(super) const ALIPAY_TOTAL: i64 = 8932; // HK$88.00 + 1.5 %
pub(super) const CARD_TOTAL: i64 = 9020; // HK$88.00 + 2.5 %
