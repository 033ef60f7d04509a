//! Impossible promotions and coupons are refused and change nothing.

use super::*;

story!(
    impossible_promotions_and_coupons_are_refused_and_change_nothing,
    |app| {
        let key = operator(&app, "heidi").await;
        let before = catalog_rows(&app).await;
        let promotions = "/api/v1/admin/promotions/NEW-OFFER";
        let coupons = "/api/v1/admin/coupons/NEW-COUPON";
        let free = |buy: i64, free: i64| {
            json!({ "code": "NEW-OFFER", "kind": "free_periods", "buy": buy,
        "free": free, "names": { "en": "x" } })
        };
        let cases = [
            (
                promotions,
                promotion(json!({ "percent": 150 })),
                "invalid_promotion",
                "percent must be more than 0 and at most 100",
            ),
            (
                promotions,
                promotion(json!({ "percent": 0 })),
                "invalid_promotion",
                "percent must be more than 0",
            ),
            (
                promotions,
                promotion(json!({ "percent": -5 })),
                "invalid_promotion",
                "percent must be more than 0",
            ),
            (
                promotions,
                promotion(json!({ "percent": 33.333 })),
                "invalid_promotion",
                "at most two decimals",
            ),
            (
                promotions,
                free(0, 1),
                "invalid_promotion",
                "buy must be between 1 and 36 (got 0)",
            ),
            (
                promotions,
                free(3, 0),
                "invalid_promotion",
                "free must be between 1 and 36 (got 0)",
            ),
            (
                promotions,
                promotion(json!({ "amount": { "HKD": 500 } })),
                "invalid_promotion",
                "either percent or amount",
            ),
            (
                promotions,
                promotion(json!({ "first_order_of": "ever" })),
                "invalid_promotion",
                "first_order_of",
            ),
            (
                promotions,
                promotion(json!({ "plans": ["HK-99D-9G"] })),
                "invalid_promotion",
                "unknown plan \"HK-99D-9G\"",
            ),
            (
                promotions,
                promotion(json!({ "total_limit": 5 })),
                "invalid_promotion",
                "a redemption limit does not belong to a promotion",
            ),
            (
                promotions,
                promotion(json!({ "stacking": "sometimes" })),
                "invalid_promotion",
                "stacking \"sometimes\"",
            ),
            (
                promotions,
                promotion(json!({ "priority": 5000 })),
                "invalid_promotion",
                "priority must be between",
            ),
            (
                promotions,
                promotion(
                    json!({ "starts_at": "2027-01-01T00:00:00+08:00", "ends_at": "2026-01-01T00:00:00+08:00" }),
                ),
                "invalid_promotion",
                "ends_at must be after starts_at",
            ),
            (
                promotions,
                promotion(json!({ "kind": "cashback" })),
                "invalid_promotion",
                "kind must be",
            ),
            (
                promotions,
                promotion(json!({ "bonus": true })),
                "invalid_body",
                "unknown field `bonus`",
            ),
            (
                promotions,
                promotion(json!({ "code": "OTHER" })),
                "code_mismatch",
                "NEW-OFFER",
            ),
            (
                coupons,
                coupon(json!({ "kind": "first_period" })),
                "invalid_promotion",
                "kind does not belong to a coupon",
            ),
            (
                coupons,
                coupon(json!({ "total_limit": 0 })),
                "invalid_promotion",
                "total_limit must be at least 1",
            ),
            (
                coupons,
                coupon(json!({ "total_limit": 5, "per_account_limit": 6 })),
                "invalid_promotion",
                "per_account_limit cannot be more than total_limit",
            ),
            (
                coupons,
                coupon(json!({ "amount": { "HKD": -100 }, "percent": null })),
                "invalid_promotion",
                "amount in HKD must be between 1",
            ),
            (
                coupons,
                coupon(json!({ "percent": 101 })),
                "invalid_promotion",
                "at most 100",
            ),
            (
                coupons,
                coupon(json!({ "min_spend": {} })),
                "invalid_promotion",
                "min_spend needs at least one currency",
            ),
            (
                coupons,
                coupon(json!({ "methods": ["cheque"] })),
                "invalid_promotion",
                "payment method \"cheque\"",
            ),
            (
                coupons,
                coupon(json!({ "names": {} })),
                "invalid_promotion",
                "an English name",
            ),
        ];
        for (path, body, code, needle) in cases {
            let reply = put(&app, &key, path, body.clone()).await;
            refused(&reply, StatusCode::BAD_REQUEST, code, needle);
        }

        // A coupon is not changed into a promotion, nor the other way round.
        for (path, body, code) in [
            (
                "/api/v1/admin/promotions/WELCOME10",
                promotion(json!({ "code": "WELCOME10" })),
                "is_a_coupon",
            ),
            (
                "/api/v1/admin/coupons/BUY3GET1",
                coupon(json!({ "code": "BUY3GET1" })),
                "is_a_promotion",
            ),
        ] {
            let reply = put(&app, &key, path, body).await;
            assert_error(&reply, StatusCode::CONFLICT, code);
        }
        // Nor retired as one; unknown and malformed codes are named as such.
        for (method, path, status, code) in [
            (
                Method::POST,
                "coupons/BUY3GET1/retire",
                StatusCode::CONFLICT,
                "is_a_promotion",
            ),
            (
                Method::POST,
                "coupons/NO-SUCH/retire",
                StatusCode::NOT_FOUND,
                "unknown_coupon",
            ),
            (
                Method::GET,
                "promotions/WELCOME10",
                StatusCode::NOT_FOUND,
                "unknown_promotion",
            ),
            (
                Method::GET,
                "coupons/x",
                StatusCode::BAD_REQUEST,
                "invalid_promotion_code",
            ),
        ] {
            let path = format!("/api/v1/admin/{path}");
            let reply = admin(&app, &key, method, &path, None).await;
            assert_error(&reply, status, code);
        }
        assert_eq!(catalog_rows(&app).await, before, "nothing changed");

        // Good entries twice, and retiring twice: the second of each changes nothing.
        for (path, body) in [
            (promotions, promotion(json!({}))),
            (coupons, coupon(json!({}))),
        ] {
            let (status, _, first) = put(&app, &key, path, body.clone()).await;
            assert_eq!(status, StatusCode::CREATED, "{first}");
            let state = catalog_rows(&app).await;
            let (status, _, second) = put(&app, &key, path, body).await;
            assert_eq!(
                (status, second["outcome"].clone()),
                (StatusCode::OK, json!("unchanged"))
            );
            let retire = format!("{path}/retire");
            admin_ok(&app, &key, Method::POST, &retire, None).await;
            let retired = catalog_rows(&app).await;
            assert_ne!(retired, state);
            let again = admin_ok(&app, &key, Method::POST, &retire, None).await;
            assert_eq!(again["outcome"], "unchanged");
            assert_eq!(catalog_rows(&app).await, retired);
        }
    }
);
