//! The eSIM stock in the back office: the counts on the console and the admin API, the
//! low-stock alert told once per crossing (audit entry and an email to the support
//! address), and a CSV imported from the console with its bad rows named by line.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use datacard::demo::{DEMO_PASSWORD, DEMO_PHONE};
use datacard::inventory::low_stock::{self, Alert};
use datacard::lines::Iccid;
use datacard::staff::Role;
use serde_json::json;

use super::*;

const SUPPORT: &str = "stock@example.hk";

async fn low_threshold(backend: Backend) -> Option<TestApp> {
    TestApp::start_with(backend, |config| {
        // The demo's 50 eSIMs are one above it: the first sale crosses it.
        config.inventory.low_stock_threshold = 49;
        config.support.email = SUPPORT.into();
    })
    .await
}

async fn audited(app: &TestApp, action: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT actor || ' ' || detail FROM audit_log WHERE action = $1 ORDER BY seq",
    )
    .bind(action)
    .fetch_all(app.db.reader())
    .await
    .expect("the audit log")
}

/// The demo subscriber buys a new eSIM by `method` (paid at the sandbox for a card).
async fn sell_one(app: &TestApp, method: &str) {
    let token = app.log_in(DEMO_PHONE, DEMO_PASSWORD).await;
    let (status, _, order) = app
        .post_json(
            "/api/v1/orders",
            json!({ "kind": "new_esim", "plan_code": "HK-7D-5G", "periods": 1, "payment_method": method }),
            &[("authorization", &bearer(&token))],
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    if method == "card" {
        app.pay_at_sandbox(&order).await;
    }
}

/// Posts `csv` as the console's import form does (multipart, with the CSRF token).
pub(super) async fn upload(app: &TestApp, member: &Staff, csv: &str) -> (StatusCode, String) {
    let boundary = "----datacardTestBoundary7MA4YWxk";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"stock.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n",
        member.csrf
    );
    let request = Request::post("/admin/inventory?lang=en")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::COOKIE, &member.cookie)
        .body(Body::from(body))
        .expect("a request");
    let (status, _, page) = app.send(request).await;
    (status, String::from_utf8_lossy(&page).into_owned())
}

fn good_row(n: u32) -> String {
    let iccid = Iccid::with_check_digit(&format!("8985209{n:011}")).expect("an ICCID");
    format!("{iccid},rsp2.example.hk,NEW-{n:04}")
}

story_with!(
    the_low_stock_alert_is_told_once_per_crossing,
    low_threshold,
    |app| {
        datacard::demo::seed(&app).await.expect("demo seed");
        let viewer = app.enrolled_staff("viewer@example.com", Role::Viewer).await;
        let admin = app.enrolled_staff("admin@example.com", Role::Admin).await;
        assert_eq!(low_stock::check(&app).await.unwrap(), Alert::Unchanged);
        let (_, _, home) = app.console_get("/admin", &viewer.cookie).await;
        assert!(
            !home.contains("data-testid=\"low-stock\""),
            "50 free: no warning"
        );

        sell_one(&app, "wallet").await;
        assert_eq!(
            low_stock::check(&app).await.unwrap(),
            Alert::Raised {
                free: 49,
                threshold: 49
            },
            "at the threshold"
        );
        for _ in 0..3 {
            assert_eq!(
                low_stock::check(&app).await.unwrap(),
                Alert::Unchanged,
                "told once"
            );
        }
        assert_eq!(
            audited(&app, "inventory.low_stock").await,
            vec!["system 49 free, threshold 49"]
        );
        datacard::jobs::run_due_of_kind(&app, "test", low_stock::LOW_STOCK_JOB)
            .await
            .unwrap();
        let emails: Vec<_> = app
            .outbox_as_sent()
            .await
            .into_iter()
            .filter(|e| e.message.to == SUPPORT)
            .collect();
        assert_eq!(emails.len(), 1, "one email to the support address");
        assert!(
            emails[0].message.body.contains("/admin/inventory"),
            "{:?}",
            emails[0]
        );

        // Every role sees the warning: the home page and the inventory page.
        let (_, _, home) = app.console_get("/admin?lang=en", &viewer.cookie).await;
        assert!(testid_text(&home, "low-stock").is_some(), "{home}");
        let (status, _, page) = app
            .console_get("/admin/inventory?lang=en", &viewer.cookie)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Only 49 eSIMs are free"), "{page}");
        assert!(page.contains("data-count=\"sold\">1<"), "{page}");
        assert!(
            !page.contains("enctype=\"multipart/form-data\""),
            "no import for a viewer"
        );
        let key = datacard::api_keys::create_operator(&app, "viewer-key", Role::Viewer)
            .await
            .unwrap();
        let (status, _, stock) = app
            .get_json(
                "/api/v1/admin/inventory",
                &[("authorization", &bearer(&key))],
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (
                stock["free"].clone(),
                stock["sold"].clone(),
                stock["threshold"].clone(),
                stock["low"].clone()
            ),
            (json!(49), json!(1), json!(49), json!(true))
        );
        assert_eq!(
            stock["by_smdp_address"][0]["smdp_address"],
            "rsp.datacard.example"
        );

        // Restocked from the console: the alert is cleared, and the next fall is told again.
        let (status, page) = upload(
            &app,
            &admin,
            &format!("iccid,smdp_address,matching_id\n{}\n", good_row(1)),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(audited(&app, "inventory.restocked").await.len(), 1);
        assert_eq!(
            audited(&app, "inventory.import").await.last().unwrap(),
            "staff:admin@example.com 1 added, 0 already there, 0 refused"
        );
        let (_, _, home) = app.console_get("/admin", &viewer.cookie).await;
        assert!(!home.contains("data-testid=\"low-stock\""));
        sell_one(&app, "card").await;
        assert!(matches!(
            low_stock::check(&app).await.unwrap(),
            Alert::Raised { free: 49, .. }
        ));
        assert_eq!(audited(&app, "inventory.low_stock").await.len(), 2);
    }
);

story!(
    an_inventory_csv_from_the_console_reports_bad_rows_by_line,
    |app| {
        datacard::demo::seed(&app).await.expect("demo seed");
        let admin = app.enrolled_staff("admin@example.com", Role::Admin).await;
        let before = app.count_rows("esim_inventory").await;
        let csv = format!(
            "iccid,smdp_address,matching_id\n{}\n8985201000000000000,rsp.example.hk\nnot-an-iccid,rsp.example.hk,ABC\n{}\n{}\n<script>x</script>,rsp,<b>\n",
            good_row(1),
            good_row(2),
            good_row(1),
        );
        let (status, page) = upload(&app, &admin, &csv).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(
            page.contains("eSIMs added: 2; already in stock: 1; rows refused: 3."),
            "{page}"
        );
        for line in [3, 4, 7] {
            assert!(
                page.contains(&format!("<tr data-line=\"{line}\">")),
                "line {line} named: {page}"
            );
        }
        assert!(!page.contains("<script>x</script>"));
        assert_eq!(app.count_rows("esim_inventory").await, before + 2);
        let (_, _, inventory) = app.console_get("/admin/inventory", &admin.cookie).await;
        assert!(
            inventory.contains("data-address=\"rsp2.example.hk\""),
            "by SM-DP+ address"
        );

        // A file that is no CSV of stock, or none at all: nothing added.
        let before = app.count_rows("esim_inventory").await;
        let (status, page) = upload(&app, &admin, "name,phone\nChan,9123 4567\n").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            page.contains("<tr data-line=\"1\">"),
            "the header is named: {page}"
        );
        let (status, page) = upload(&app, &admin, "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("data-testid=\"import-refused\""));
        assert_eq!(app.count_rows("esim_inventory").await, before);

        // Without the form's token, refused before anything is read.
        let forged = Staff {
            email: admin.email.clone(),
            secret: admin.secret.clone(),
            cookie: admin.cookie.clone(),
            csrf: "forged".into(),
        };
        let (status, _) = upload(
            &app,
            &forged,
            &format!("iccid,smdp_address,matching_id\n{}\n", good_row(9)),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(app.count_rows("esim_inventory").await, before);
    }
);
