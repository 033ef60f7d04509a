//! Marking a line for review: a note for staff with a reason, on the customer's page
//! and the attention list, cleared with a reason, each audited; the line keeps
//! working. Bad input (no reason, a bad or unknown ICCID, clearing what is not
//! marked) is refused with nothing changed.

use axum::http::{Method, StatusCode};
use datacard::staff::Role;
use serde_json::json;

use super::*;

const SUBSCRIBERS: Numbering = Numbering {
    phone: "+852657",
    email: "review",
    iccid: "89852067",
};

story!(support_marks_a_line_for_review_and_clears_it, |app| {
    let sub = app
        .subscriber_with_line(&SUBSCRIBERS, 1, "HK-30D-20G", app.now(), Used::Nothing)
        .await;
    let support = bearer(
        &datacard::api_keys::create_operator(&app, "desk", Role::Support)
            .await
            .unwrap(),
    );
    let auth = [("authorization", support.as_str())];
    let path = format!("/api/v1/admin/lines/{}/review", sub.iccid);
    let (status, _, marked) = app
        .post_json(
            &path,
            json!({ "reason": "  Used in three countries in an hour <script>  " }),
            &auth,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{marked}");
    assert_eq!(marked["iccid"], sub.iccid.as_str());
    assert_eq!(marked["account_id"], sub.account_id.as_str());
    assert_eq!(
        marked["reason"],
        "Used in three countries in an hour <script>"
    );
    assert_eq!(marked["marked_by"], "desk");

    // On the customer's page and in their timeline; listed for everyone to see.
    let (_, _, customer) = app
        .get_json(
            &format!("/api/v1/admin/customers/{}", sub.account_id),
            &auth,
        )
        .await;
    assert_eq!(customer["line_reviews"][0]["iccid"], sub.iccid.as_str());
    assert!(
        customer["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "line.review" && e["reference"] == sub.iccid.as_str())
    );
    assert_eq!(
        customer["lines"][0]["status"], "active",
        "the line keeps working"
    );
    let (status, _, list) = app.get_json("/api/v1/admin/lines/reviews", &auth).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");

    let viewer = app.enrolled_staff("viewer@example.com", Role::Viewer).await;
    let (_, _, page) = app
        .console_get(
            &format!("/admin/customers/{}", sub.account_id),
            &viewer.cookie,
        )
        .await;
    assert!(
        page.contains("Used in three countries in an hour &lt;script&gt;"),
        "shown, escaped: {page}"
    );
    assert!(
        !page.contains(&format!("/admin/lines/{}/review", sub.iccid)),
        "a viewer gets no form"
    );
    let (_, _, page) = app
        .console_get("/admin/payments/attention", &viewer.cookie)
        .await;
    assert!(
        page.contains(&format!("data-iccid=\"{}\"", sub.iccid)),
        "{page}"
    );
    assert!(page.contains(&format!("href=\"/admin/customers/{}\"", sub.account_id)));

    // Clearing takes a reason too; from the attention list, back to it.
    let desk = app.enrolled_staff("desk@example.com", Role::Support).await;
    let clear = format!("/admin/lines/{}/review/clear", sub.iccid);
    let (status, headers, _) = app
        .console_post(
            &clear,
            &desk.cookie,
            &[("csrf", &desk.csrf), ("back", "attention"), ("reason", "")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers.get("location").unwrap().to_str().unwrap();
    assert_eq!(
        location,
        "/admin/payments/attention?problem=reason_required&at=reviews#reviews"
    );
    let (status, headers, _) = app
        .console_post(
            &clear,
            &desk.cookie,
            &[
                ("csrf", &desk.csrf),
                ("back", "attention"),
                ("reason", "Travelling; confirmed by phone"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        headers
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("said=cleared")
    );
    let (_, _, list) = app.get_json("/api/v1/admin/lines/reviews", &auth).await;
    assert_eq!(list, json!([]));

    // Marked again from the customer's page, then cleared by the API.
    let (status, headers, _) = app
        .console_post(
            &format!("/admin/lines/{}/review", sub.iccid),
            &desk.cookie,
            &[
                ("csrf", &desk.csrf),
                ("back", &sub.account_id),
                ("reason", "Second look"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers.get("location").unwrap().to_str().unwrap(),
        format!(
            "/admin/customers/{}?said=marked&at=lines#lines",
            sub.account_id
        )
    );
    let reply = app
        .request(
            Method::DELETE,
            &path,
            Some(json!({ "reason": "done" })),
            &auth,
        )
        .await;
    assert_eq!(reply.0, StatusCode::NO_CONTENT, "{:?}", reply.2);

    let log = datacard::audit::list(&app, Some(&sub.iccid), None, 10)
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = log
        .entries
        .iter()
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("line.review_clear", "desk"),
            ("line.review", "staff:desk@example.com"),
            ("line.review_clear", "staff:desk@example.com"),
            ("line.review", "desk"),
        ]
    );
});

story!(bad_review_input_is_refused_with_nothing_changed, |app| {
    let sub = app
        .subscriber_with_line(&SUBSCRIBERS, 2, "HK-30D-20G", app.now(), Used::Nothing)
        .await;
    let support = bearer(
        &datacard::api_keys::create_operator(&app, "desk", Role::Support)
            .await
            .unwrap(),
    );
    let auth = [("authorization", support.as_str())];
    let path = format!("/api/v1/admin/lines/{}/review", sub.iccid);
    let unknown = datacard::lines::Iccid::with_check_digit("898520679999999999")
        .unwrap()
        .to_string();
    let cases = [
        (
            path.clone(),
            json!({ "reason": "" }),
            StatusCode::BAD_REQUEST,
            "reason_required",
        ),
        (
            path.clone(),
            json!({ "reason": "   " }),
            StatusCode::BAD_REQUEST,
            "reason_required",
        ),
        (
            path.clone(),
            json!({ "reason": "x".repeat(501) }),
            StatusCode::BAD_REQUEST,
            "reason_required",
        ),
        (
            path.clone(),
            json!({}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            path.clone(),
            json!({ "reason": "x", "extra": 1 }),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            "/api/v1/admin/lines/1234'%20OR%201=1/review".to_owned(),
            json!({ "reason": "x" }),
            StatusCode::BAD_REQUEST,
            "invalid_iccid",
        ),
        (
            format!("/api/v1/admin/lines/{unknown}/review"),
            json!({ "reason": "x" }),
            StatusCode::NOT_FOUND,
            "line_not_found",
        ),
    ];
    for (path, body, status, code) in cases {
        let reply = app.post_json(&path, body.clone(), &auth).await;
        assert_error(&reply, status, code);
    }
    // Clearing a line that is not marked, or without a reason.
    let reply = app
        .request(Method::DELETE, &path, Some(json!({ "reason": "x" })), &auth)
        .await;
    assert_error(&reply, StatusCode::NOT_FOUND, "not_found");
    let reply = app.request(Method::DELETE, &path, None, &auth).await;
    assert_eq!(reply.0, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{:?}", reply.2);
    // A viewer may not mark.
    let viewer = bearer(
        &datacard::api_keys::create_operator(&app, "looker", Role::Viewer)
            .await
            .unwrap(),
    );
    let reply = app
        .post_json(
            &path,
            json!({ "reason": "x" }),
            &[("authorization", &viewer)],
        )
        .await;
    assert_error(&reply, StatusCode::FORBIDDEN, "role_forbidden");
    assert_eq!(app.count_rows("line_reviews").await, 0);
    assert!(
        datacard::audit::list(&app, Some(&sub.iccid), None, 10)
            .await
            .unwrap()
            .entries
            .is_empty()
    );
});
