//! Finding a customer in one box by anything they might quote, and their page: what
//! support sees, the evidence, and the audit entry every view leaves.

use axum::http::StatusCode;
use datacard::staff::Role;
use serde_json::Value;

use super::*;

const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852655",
    email: "lookup",
    iccid: "89852065",
};

/// A subscriber with a line and a paid, fulfilled card top-up: every key to find
/// them by exists.
async fn customer_with_a_paid_order(app: &TestApp) -> (Subscriber, Value) {
    let sub = app
        .subscriber_with_line(&SUBSCRIBERS, 1, "HK-30D-20G", app.now(), Used::Nothing)
        .await;
    let order = app.order_top_up(&sub.auth(), 10_000, "card").await;
    app.pay_at_sandbox(&order).await;
    let order_id = order["id"].as_str().unwrap();
    let (_, _, paid) = app
        .get_json(
            &format!("/api/v1/orders/{order_id}"),
            &[("authorization", &sub.auth())],
        )
        .await;
    assert_eq!(paid["state"], "fulfilled", "{paid}");
    (sub, paid)
}

story!(a_customer_is_found_by_every_key_they_might_quote, |app| {
    let (sub, order) = customer_with_a_paid_order(&app).await;
    let key = datacard::api_keys::create_operator(&app, "desk", Role::Support)
        .await
        .unwrap();
    let auth = bearer(&key);
    let order_id = order["id"].as_str().unwrap().to_owned();
    let payment_id = order["payment"]["id"].as_str().unwrap().to_owned();
    let provider_ref: String =
        sqlx::query_scalar("SELECT provider_ref FROM payments WHERE id = $1")
            .bind(&payment_id)
            .fetch_one(app.db.reader())
            .await
            .unwrap();
    let receipt: String = sqlx::query_scalar("SELECT number FROM receipts WHERE order_id = $1")
        .bind(&order_id)
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    let local = sub.phone.trim_start_matches("+852");
    let spaced = format!("{} {}", &local[..4], &local[4..]);
    let upper_email = sub.email.to_uppercase();
    let zeros = format!("00852-{local}");
    let keys = [
        (spaced.as_str(), "phone"),
        (sub.phone.as_str(), "phone"),
        (zeros.as_str(), "phone"),
        (upper_email.as_str(), "email"),
        (sub.iccid.as_str(), "iccid"),
        (order_id.as_str(), "order"),
        (payment_id.as_str(), "payment"),
        (provider_ref.as_str(), "provider_reference"),
        (receipt.as_str(), "receipt"),
    ];
    for (query, matched_by) in keys {
        let path = format!(
            "/api/v1/admin/customers?q={}",
            datacard::web::portal::form_urlencode(query)
        );
        let (status, _, hits) = app.get_json(&path, &[("authorization", &auth)]).await;
        assert_eq!(status, StatusCode::OK, "{query}: {hits}");
        let hits = hits.as_array().unwrap();
        assert_eq!(hits.len(), 1, "{query}: {hits:?}");
        assert_eq!(hits[0]["id"], sub.account_id.as_str(), "{query}");
        assert_eq!(hits[0]["matched_by"], matched_by, "{query}");
        assert_eq!(hits[0]["lines"][0], sub.iccid.as_str());
    }
    // Hostile or empty input: a clear refusal or no one, never everyone.
    for (query, status) in [
        ("' OR '1'='1", StatusCode::OK),
        ("%", StatusCode::OK),
        ("<script>alert(1)</script>", StatusCode::OK),
        ("+85200000000", StatusCode::OK),
        ("", StatusCode::BAD_REQUEST),
        ("   ", StatusCode::BAD_REQUEST),
        (&"9".repeat(101), StatusCode::BAD_REQUEST),
    ] {
        let path = format!(
            "/api/v1/admin/customers?q={}",
            datacard::web::portal::form_urlencode(query)
        );
        let (got, _, body) = app.get_json(&path, &[("authorization", &auth)]).await;
        assert_eq!(got, status, "{query:?}: {body}");
        if status == StatusCode::OK {
            assert_eq!(body.as_array().map(Vec::len), Some(0), "{query:?}: {body}");
        } else {
            assert_eq!(error_code(&body), "invalid_query");
        }
    }
    let (status, _, _) = app
        .get_json("/api/v1/admin/customers", &[("authorization", &auth)])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no q at all");
});

story!(
    the_customer_page_shows_the_evidence_and_the_view_is_logged,
    |app| {
        let (sub, order) = customer_with_a_paid_order(&app).await;
        let viewer = app.enrolled_staff("eyes@example.com", Role::Viewer).await;
        let order_id = order["id"].as_str().unwrap();
        let payment_id = order["payment"]["id"].as_str().unwrap();

        // Found from the console's box by the local number, as a caller says it.
        let local = sub.phone.trim_start_matches("+852");
        let (status, _, page) = app
            .console_get(&format!("/admin/customers?q={local}"), &viewer.cookie)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains(&format!("href=\"/admin/customers/{}\"", sub.account_id)),
            "{page}"
        );
        // Hostile input is shown back escaped, not run.
        let (_, _, page) = app
            .console_get(
                "/admin/customers?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
                &viewer.cookie,
            )
            .await;
        assert!(
            !page.contains("<script>alert(1)</script>") && page.contains("&lt;script&gt;"),
            "escaped"
        );

        let (status, _, page) = app
            .console_get(
                &format!("/admin/customers/{}", sub.account_id),
                &viewer.cookie,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains(&sub.iccid), "the line");
        assert!(
            page.contains(&format!("data-order=\"{order_id}\"")),
            "the order"
        );
        assert!(
            page.contains(&format!("data-payment=\"{payment_id}\"")),
            "its payment"
        );
        assert!(
            page.contains("class=\"evidence\""),
            "the provider's stored events"
        );
        assert!(page.contains("HK$100.00"), "the wallet: {page}");
        assert!(
            page.contains("data-kind=\"order.fulfilled\""),
            "the timeline"
        );

        let (status, _, _) = app
            .console_get("/admin/customers/acc_nobody", &viewer.cookie)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let log = datacard::audit::list(&app, Some(&sub.account_id), None, 10)
            .await
            .unwrap();
        let views: Vec<_> = log
            .entries
            .iter()
            .filter(|e| e.action == "customer.view")
            .collect();
        assert_eq!(views.len(), 1, "one view, one entry");
        assert_eq!(views[0].actor, "staff:eyes@example.com");

        // Over the API too, with the key's name as the actor.
        let key = datacard::api_keys::create_operator(&app, "reports", Role::Viewer)
            .await
            .unwrap();
        let (status, _, body) = app
            .get_json(
                &format!("/api/v1/admin/customers/{}", sub.account_id),
                &[("authorization", &bearer(&key))],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["wallet"]["amount"], 10_000);
        assert_eq!(body["orders"][0]["payments"][0]["id"], payment_id);
        assert!(
            !body["orders"][0]["payments"][0]["events"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        assert_eq!(body["lines"][0]["iccid"], sub.iccid.as_str());
        let log = datacard::audit::list(&app, Some(&sub.account_id), None, 10)
            .await
            .unwrap();
        assert!(
            log.entries
                .iter()
                .any(|e| e.action == "customer.view" && e.actor == "reports")
        );
    }
);
