//! Bad input to the records: another account's receipt or statement (404, as one
//! that does not exist), a receipt before payment (404), a month in the future, before
//! the account existed, or not `YYYY-MM` (400/404), a bad history cursor or limit
//! (400); each a clear answer that changes nothing.

use super::helpers::*;

story!(records_refuse_bad_input_and_other_accounts, |app| {
    let auth = demo(&app).await;
    let paid = buy(&app, &auth, renewal(1, "card")).await;
    let paid_id = id_of(&paid);
    let (status, _, unpaid) = send(
        &app.router,
        Method::POST,
        "/api/v1/orders",
        &auth,
        Some(renewal(1, "card")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let unpaid_id = id_of(&unpaid);
    let other = bearer(
        &app.register("+85261239001", "other@example.com", "harbour lights 88")
            .await,
    );
    let rows_before = (
        app.count_rows("receipts").await,
        app.count_rows("jobs").await,
    );

    let refused: Vec<(String, &str, StatusCode, &str)> = vec![
        (
            format!("/api/v1/orders/{paid_id}/receipt"),
            other.as_str(),
            StatusCode::NOT_FOUND,
            "receipt_not_found",
        ),
        (
            format!("/api/v1/orders/{paid_id}/receipt.pdf"),
            other.as_str(),
            StatusCode::NOT_FOUND,
            "receipt_not_found",
        ),
        (
            format!("/api/v1/orders/{unpaid_id}/receipt"),
            auth.as_str(),
            StatusCode::NOT_FOUND,
            "receipt_not_found",
        ),
        (
            "/api/v1/orders/ord_nope/receipt.pdf".into(),
            auth.as_str(),
            StatusCode::NOT_FOUND,
            "receipt_not_found",
        ),
        (
            "/api/v1/me/statements/2027-01".into(),
            auth.as_str(),
            StatusCode::NOT_FOUND,
            "statement_not_found",
        ),
        (
            "/api/v1/me/statements/2026-10.pdf".into(),
            auth.as_str(),
            StatusCode::NOT_FOUND,
            "statement_not_found",
        ),
        (
            "/api/v1/me/statements/2026-13".into(),
            auth.as_str(),
            StatusCode::BAD_REQUEST,
            "invalid_month",
        ),
        (
            "/api/v1/me/statements/2026-1".into(),
            auth.as_str(),
            StatusCode::BAD_REQUEST,
            "invalid_month",
        ),
        (
            "/api/v1/me/statements/2026-11.xls".into(),
            auth.as_str(),
            StatusCode::BAD_REQUEST,
            "invalid_month",
        ),
        (
            "/api/v1/me/statements/%3Cscript%3E".into(),
            auth.as_str(),
            StatusCode::BAD_REQUEST,
            "invalid_month",
        ),
        (
            "/api/v1/me/statements/2026-11'%20OR%201=1".into(),
            auth.as_str(),
            StatusCode::BAD_REQUEST,
            "invalid_month",
        ),
        (
            "/api/v1/me/transactions?limit=0".into(),
            auth.as_str(),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/api/v1/me/transactions?limit=1000".into(),
            auth.as_str(),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/api/v1/me/transactions?limit=abc".into(),
            auth.as_str(),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/api/v1/me/transactions?before=ltx_nope".into(),
            auth.as_str(),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/api/v1/me/transactions?before='%20OR%201=1--".into(),
            auth.as_str(),
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
        (
            "/api/v1/me/statements".into(),
            "Bearer nope",
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
    ];
    for (path, who, status, code) in refused {
        let reply = send(&app.router, Method::GET, &path, who, None).await;
        assert_error(&reply, status, code);
    }
    // Another account's history cursor is no cursor of this one's.
    let (_, _, page) = app
        .get_json("/api/v1/me/transactions", &[("authorization", &auth)])
        .await;
    let theirs = page["entries"][0]["id"]
        .as_str()
        .expect("an entry")
        .to_owned();
    let reply = send(
        &app.router,
        Method::GET,
        &format!("/api/v1/me/transactions?before={theirs}"),
        &other,
        None,
    )
    .await;
    assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_query");
    // The other subscriber's own statements start the month they registered.
    let (status, _, list) = app
        .get_json("/api/v1/me/statements", &[("authorization", &other)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["total_paid"]["amount"], 0);

    assert_eq!(
        (
            app.count_rows("receipts").await,
            app.count_rows("jobs").await
        ),
        rows_before,
        "nothing changed"
    );

    // The portal says the same in words.
    let (_, cookie) = app.portal_log_in("+85261239001", "harbour lights 88").await;
    for (path, status) in [
        (format!("/orders/{paid_id}/receipt"), StatusCode::NOT_FOUND),
        ("/statements/2099-01".to_owned(), StatusCode::NOT_FOUND),
        ("/statements/nope".to_owned(), StatusCode::BAD_REQUEST),
    ] {
        let request = Request::get(&path)
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .expect("a request");
        let (got, _, body) = app.send(request).await;
        assert_eq!(got, status, "{path}: {}", String::from_utf8_lossy(&body));
    }
});
