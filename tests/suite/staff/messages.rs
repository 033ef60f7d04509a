//! The message log: every SMS and email sent is kept (a one-time code or link without
//! its text), shown on the customer's page and in their timeline, and support sends
//! one again — the same text to the same address, audited; a withheld or unknown
//! message is refused with nothing sent.

use std::sync::Arc;

use axum::http::StatusCode;
use datacard::messages::{Channel, Message, Messenger, Sender, log};
use datacard::staff::Role;
use serde_json::Value;

use super::*;

const PHONE: &str = "+85265700001";
const EMAIL: &str = "told@example.com";

/// A registered subscriber (its code and email link were sent) to whom someone else
/// then tried to register the same phone: the owner got an "already registered" SMS.
async fn told_customer(app: &TestApp) -> String {
    let token = app.register(PHONE, EMAIL, PASSWORD).await;
    // Past the wait before another code may be asked for.
    app.advance_secs(61);
    app.request_code(PHONE, "register", &[]).await;
    let (_, _, me) = app.me(&token).await;
    me["id"].as_str().unwrap().to_owned()
}

async fn customer(app: &TestApp, auth: &str, account: &str) -> Value {
    let (status, _, body) = app
        .get_json(
            &format!("/api/v1/admin/customers/{account}"),
            &[("authorization", auth)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn of_kind<'a>(customer: &'a Value, kind: &str) -> Vec<&'a Value> {
    customer["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == kind)
        .collect()
}

story!(
    support_sees_what_a_customer_was_told_and_sends_it_again,
    |app| {
        let account = told_customer(&app).await;
        let viewer = bearer(
            &datacard::api_keys::create_operator(&app, "looker", Role::Viewer)
                .await
                .unwrap(),
        );
        let body = customer(&app, &viewer, &account).await;
        // The code and the email link went out but their texts are not kept.
        let code = of_kind(&body, "verification_code");
        assert_eq!(code.len(), 1, "{body}");
        assert_eq!(code[0]["withheld"], true);
        assert_eq!(code[0]["body"], "");
        assert_eq!(code[0]["to"], PHONE);
        assert_eq!(code[0]["result"], "sent");
        let link = of_kind(&body, "email_verification");
        assert_eq!(link[0]["to"], EMAIL);
        assert_eq!(link[0]["withheld"], true);
        let notice = of_kind(&body, "already_registered");
        assert_eq!(notice.len(), 1, "{body}");
        assert_eq!(notice[0]["withheld"], false);
        let text = notice[0]["body"].as_str().unwrap().to_owned();
        assert!(text.contains("/password-reset"), "{text}");
        let notice_id = notice[0]["id"].as_str().unwrap().to_owned();
        assert!(
            body["timeline"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == "message.sent" && e["reference"] == notice_id.as_str()),
            "messages join the timeline: {}",
            body["timeline"]
        );

        // A viewer may read but not resend; nothing goes out.
        let sent_before = app.messages_to(PHONE).await.len();
        let path = format!("/api/v1/admin/messages/{notice_id}/resend");
        let reply = app
            .post_json(&path, serde_json::json!({}), &[("authorization", &viewer)])
            .await;
        assert_error(&reply, StatusCode::FORBIDDEN, "role_forbidden");

        // Support, in the console: the customer page lists it with "Send again".
        let desk = app.enrolled_staff("desk@example.com", Role::Support).await;
        let (status, _, page) = app
            .console_get(&format!("/admin/customers/{account}"), &desk.cookie)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains(&format!("data-message=\"{notice_id}\"")),
            "{page}"
        );
        assert!(page.contains(&format!("/admin/messages/{notice_id}/resend")));
        let code_id = code[0]["id"].as_str().unwrap();
        assert!(
            !page.contains(&format!("/admin/messages/{code_id}/resend")),
            "a withheld code offers no resend"
        );
        let (status, headers, _) = app
            .console_post(
                &format!("/admin/messages/{notice_id}/resend"),
                &desk.cookie,
                &[("csrf", &desk.csrf), ("back", &account)],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let location = headers.get("location").unwrap().to_str().unwrap();
        assert_eq!(
            location,
            format!("/admin/customers/{account}?said=resent&at=messages#messages")
        );
        let (_, _, page) = app.console_get(location, &desk.cookie).await;
        assert!(
            page.contains("<p class=\"notice\" role=\"status\">"),
            "the page says it went: {page}"
        );
        let sent = app.messages_to(PHONE).await;
        assert_eq!(sent.len(), sent_before + 1, "one more SMS");
        assert_eq!(sent.last().unwrap().message.body, text, "the same text");

        // And by the API: a new entry naming the one it repeats.
        let support = bearer(
            &datacard::api_keys::create_operator(&app, "desk-key", Role::Support)
                .await
                .unwrap(),
        );
        let (status, _, again) = app
            .post_json(&path, serde_json::json!({}), &[("authorization", &support)])
            .await;
        assert_eq!(status, StatusCode::CREATED, "{again}");
        assert_eq!(again["resend_of"], notice_id.as_str());
        assert_eq!(again["resent_by"], "desk-key");
        assert_eq!(again["result"], "sent");
        assert_eq!(again["body"], text.as_str());
        let body = customer(&app, &viewer, &account).await;
        assert_eq!(of_kind(&body, "already_registered").len(), 3, "{body}");

        let log = datacard::audit::list(&app, Some(&notice_id), None, 10)
            .await
            .unwrap();
        let actors: Vec<&str> = log
            .entries
            .iter()
            .filter(|e| e.action == "message.resend")
            .map(|e| e.actor.as_str())
            .collect();
        assert_eq!(
            actors,
            ["desk-key", "staff:desk@example.com"],
            "newest first"
        );
    }
);

story!(a_withheld_or_unknown_message_is_not_sent_again, |app| {
    let account = told_customer(&app).await;
    let support = bearer(
        &datacard::api_keys::create_operator(&app, "desk", Role::Support)
            .await
            .unwrap(),
    );
    let body = customer(&app, &support, &account).await;
    let code = of_kind(&body, "verification_code")[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = (
        app.count_rows("sent_messages").await,
        app.outbox().await.len(),
    );
    for (id, status, error) in [
        (
            code.as_str(),
            StatusCode::CONFLICT,
            "message_not_resendable",
        ),
        ("msg_nothing", StatusCode::NOT_FOUND, "message_not_found"),
        (
            "msg_x'%20OR%20'1'='1",
            StatusCode::NOT_FOUND,
            "message_not_found",
        ),
    ] {
        let reply = app
            .post_json(
                &format!("/api/v1/admin/messages/{id}/resend"),
                serde_json::json!({}),
                &[("authorization", &support)],
            )
            .await;
        assert_error(&reply, status, error);
    }
    // In the console, the refusal is said on the customer's page.
    let desk = app.enrolled_staff("desk@example.com", Role::Support).await;
    let (status, headers, _) = app
        .console_post(
            &format!("/admin/messages/{code}/resend"),
            &desk.cookie,
            &[("csrf", &desk.csrf), ("back", &account)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers.get("location").unwrap().to_str().unwrap();
    assert!(
        location.contains("problem=message_not_resendable"),
        "{location}"
    );
    let (_, _, page) = app.console_get(location, &desk.cookie).await;
    assert!(
        page.contains("data-code=\"message_not_resendable\""),
        "{page}"
    );
    assert_eq!(
        (
            app.count_rows("sent_messages").await,
            app.outbox().await.len()
        ),
        before,
        "nothing sent, nothing logged"
    );
    assert!(
        datacard::audit::list(&app, Some(&code), None, 10)
            .await
            .unwrap()
            .entries
            .is_empty()
    );
});

/// A transport that refuses everything.
struct Refusing;

#[async_trait::async_trait]
impl Sender for Refusing {
    async fn send(&self, _: &Message) -> anyhow::Result<()> {
        anyhow::bail!("gateway said 503")
    }
}

story!(
    a_message_the_transport_refused_is_logged_as_not_sent,
    |app| {
        let messenger = Messenger::new(Arc::new(Refusing), Arc::new(Refusing));
        let message = Message {
            channel: Channel::Sms,
            to: "+85265700002".into(),
            locale: datacard::i18n::Locale::ZhHk,
            kind: "alert_low_data".into(),
            subject: String::new(),
            body: "<b>餘額不足</b>' OR 1=1 --".into(),
            html: None,
            unsubscribe: None,
        };
        let sent = messenger.send(&app.db, app.now(), &message).await;
        assert!(sent.is_err(), "the caller hears the transport's refusal");
        let logged = log::sent_to(&app.db, &["+85265700002"], 10).await.unwrap();
        assert_eq!(logged.len(), 1);
        assert_eq!(logged[0].result, "failed");
        assert!(logged[0].error.as_deref().unwrap().contains("503"));
        assert_eq!(logged[0].body, message.body, "kept as it was, not run");
        // Sending it again through the failing transport is logged too, as failed.
        let again = messenger
            .resend(&app.db, app.now(), &logged[0].id, "staff:desk@example.com")
            .await
            .unwrap();
        assert_eq!(again.result, "failed");
        assert_eq!(again.resend_of.as_deref(), Some(logged[0].id.as_str()));
    }
);
