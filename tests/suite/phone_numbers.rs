//! Hong Kong subscribers type their number as they know it: eight digits, with or
//! without spaces, `852` or `00852`. Every form reads it as the same E.164 number.

use axum::http::StatusCode;
use serde_json::json;

story!(an_eight_digit_local_number_registers_and_logs_in, |app| {
    // The code goes to the number in international form, whichever way it was typed.
    app.request_code("9876 5432", "register", &[]).await;
    let code = app.last_code("+85298765432").await;
    let (status, _, body) = app
        .post_json(
            "/api/v1/accounts",
            json!({ "phone": "98765432", "email": "local@example.hk",
                    "password": "a long enough password", "code": code }),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["phone"], "+85298765432", "{body}");
    app.verify_email("local@example.hk").await;

    for typed in ["98765432", "9876 5432", "852 9876 5432", "00852-9876-5432"] {
        let token = app.log_in(typed, "a long enough password").await;
        let (status, _, me) = app.me(&token).await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!(me["phone"], "+85298765432", "logged in as {typed:?}: {me}");
    }
    // The portal's login form too.
    app.portal_log_in("9876 5432", "a long enough password")
        .await;
});

story!(
    a_number_that_is_not_a_phone_is_refused_and_registers_nothing,
    |app| {
        for typed in ["9876 543", "987654321", "09876543", "9876 543a", "phone"] {
            let reply = app
                .post_json(
                    "/api/v1/verification-codes",
                    json!({ "phone": typed, "purpose": "register" }),
                    &[],
                )
                .await;
            crate::support::assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_phone");
        }
        assert_eq!(app.count_rows("verification_codes").await, 0);
    }
);
