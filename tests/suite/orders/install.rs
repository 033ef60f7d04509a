//! Installing a new eSIM on the phone it was bought on (one-tap links, the fields to
//! type in, the QR code for another device), and when its validity starts: at
//! payment, or (`[lines] validity_start = "at_install"`) at the first use the network
//! reports, at the latest `latest_start_days` after payment.

use datacard::usage::UsageRecord;

use super::helpers::*;

const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const PIXEL: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36";
const LATEST_DAYS: i64 = 30;

async fn at_install(backend: Backend) -> Option<TestApp> {
    TestApp::start_with(backend, |config| {
        config.lines.validity_start = "at_install".into();
        config.lines.latest_start_days = 30;
        // Sessions outlive the latest start, so the subscriber can look again after it.
        config.accounts.session_days = 90;
    })
    .await
}

/// The demo subscriber buys a 7-day eSIM from the wallet; the order and the new line.
async fn buy_esim(demo: &Shopper<'_>) -> (Value, String) {
    let order = demo.order(new_esim("HK-7D-5G", "wallet")).await;
    let order = demo.show(&id_of(&order)).await;
    assert_eq!(order["state"], "fulfilled", "{order}");
    let me = demo.me().await;
    let iccid = me["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|line| line["activation_code"] == order["activation_code"])
        .and_then(|line| line["iccid"].as_str())
        .expect("the new line")
        .to_owned();
    (order, iccid)
}

fn usage(id: &str, iccid: &str, bytes: i64, at: DateTime<Utc>) -> UsageRecord {
    UsageRecord {
        id: id.to_owned(),
        iccid: iccid.to_owned(),
        bytes,
        started_at: at,
        ended_at: at + Duration::seconds(30),
    }
}

/// A portal page as the phone with `user_agent` gets it.
async fn page_on(app: &TestApp, path: &str, cookie: &str, user_agent: &str) -> String {
    let request = Request::get(path)
        .header(header::COOKIE, cookie)
        .header(header::USER_AGENT, user_agent)
        .body(Body::empty())
        .expect("request");
    let (status, _, body) = app.send(request).await;
    let page = String::from_utf8_lossy(&body).into_owned();
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

/// The `href` of the element marked `data-testid="{testid}"`, and where it is.
fn href_of(page: &str, testid: &str) -> (usize, String) {
    let marker = format!("data-testid=\"{testid}\"");
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("{testid} in {page}"));
    let tag_start = page[..at].rfind('<').expect("a tag");
    let tag = &page[tag_start..at + page[at..].find('>').expect("tag end")];
    let href = tag
        .split("href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("an href in {tag}"));
    (tag_start, href.replace("&amp;", "&"))
}

fn text_of(page: &str, testid: &str) -> String {
    let marker = format!("data-testid=\"{testid}\"");
    let at = page
        .find(&marker)
        .unwrap_or_else(|| panic!("{testid} in {page}"));
    let start = at + page[at..].find('>').expect("tag end") + 1;
    let end = start + page[start..].find("</").expect("text end");
    // Line-break opportunities (`<wbr>`) are no text.
    page[start..end].replace("<wbr>", "")
}

story!(
    the_order_page_installs_the_esim_on_the_phone_it_is_shown_on,
    |app| {
        let demo = Shopper::demo(&app).await;
        let (order, _) = buy_esim(&demo).await;
        let lpa = order["activation_code"]
            .as_str()
            .expect("a code")
            .to_owned();
        let (_, rest) = lpa.split_once("LPA:1$").expect("an SGP.22 code");
        let (smdp, matching_id) = rest.split_once('$').expect("address and matching id");
        let carddata = format!("LPA%3A1%24{smdp}%24{matching_id}");
        let (_, cookie) = app
            .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await;
        let path = format!("/orders/{}?lang=en", id_of(&order));

        // On an iPhone: Apple's link first, carrying the whole LPA string; Android's after.
        let page = page_on(&app, &path, &cookie, IPHONE).await;
        let (ios_at, ios) = href_of(&page, "install-ios");
        let (android_at, android) = href_of(&page, "install-android");
        assert_eq!(
            ios,
            format!("https://esimsetup.apple.com/esim_qrcode_provisioning?carddata={carddata}")
        );
        assert_eq!(
            android,
            format!("https://esimsetup.android.com/esim_qrcode_provisioning?carddata={carddata}")
        );
        assert!(ios_at < android_at, "the iPhone's own link comes first");
        // By hand: the two fields, each with its copy button; the QR for another device.
        assert_eq!(text_of(&page, "smdp-address"), smdp);
        assert_eq!(text_of(&page, "matching-id"), matching_id);
        assert!(page.contains(&format!("data-copy=\"{smdp}\"")), "{page}");
        // Without the script there is no dead button: it shows them.
        assert_eq!(
            page.matches("<button class=\"secondary copy\" type=\"button\" hidden")
                .count(),
            2,
            "{page}"
        );
        assert!(
            page.contains(&format!("data-copy=\"{matching_id}\"")),
            "{page}"
        );
        assert!(page.contains(&format!("data-qr=\"{lpa}\"")), "{page}");
        assert!(page.contains("Installing on another phone?"), "{page}");
        assert!(page.contains("src=\"/assets/install.js\""), "{page}");
        // Sold at payment (the default): the dates run already.
        assert!(page.contains("data-testid=\"validity\""), "{page}");

        // On Android, its link first.
        let page = page_on(&app, &path, &cookie, PIXEL).await;
        let (ios_at, _) = href_of(&page, "install-ios");
        let (android_at, _) = href_of(&page, "install-android");
        assert!(
            android_at < ios_at,
            "the Android phone's own link comes first"
        );

        // On a computer the QR code comes first: the eSIM goes on a phone.
        let page = page_on(
            &app,
            &path,
            &cookie,
            "Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0",
        )
        .await;
        let qr_at = page.find("data-qr=").expect("the QR code");
        let (ios_at, _) = href_of(&page, "install-ios");
        assert!(qr_at < ios_at, "the QR code before the links on a computer");

        // The account card of the line waiting to be installed offers the same, in zh-HK.
        let page = page_on(&app, "/account?lang=zh-HK", &cookie, IPHONE).await;
        let (_, ios) = href_of(&page, "install-ios");
        assert!(ios.ends_with(&carddata), "{ios}");
        assert!(page.contains("在 iPhone 安裝"), "{page}");
        assert_eq!(text_of(&page, "matching-id"), matching_id);
        // Its validity started at payment: the card says so beside 「等待安裝」.
        assert_eq!(
            text_of(&page, "running-not-installed"),
            "計劃已於付款時開始計算：請盡快安裝 eSIM。"
        );

        // The copy buttons' script is a file of its own.
        let (status, headers, body) = app
            .send(
                Request::get("/assets/install.js")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .expect("type")
                .starts_with("text/javascript")
        );
        assert!(String::from_utf8_lossy(&body).contains("clipboard"));
    }
);

story_with!(
    a_new_esim_sold_at_install_waits_for_its_first_use,
    at_install,
    |app| {
        let demo = Shopper::demo(&app).await;
        let paid_at = app.now();
        let (order, iccid) = buy_esim(&demo).await;
        let latest = paid_at + Duration::days(LATEST_DAYS);

        // Waiting: nothing runs yet, the period is placed from the latest start.
        let line = demo.line(&iccid).await;
        assert_eq!(line["status"], "pending_install", "{line}");
        assert_eq!(at(&line["starts_at_install_by"]), latest, "{line}");
        let install = &line["install"];
        assert_eq!(install["activation_code"], order["activation_code"]);
        let lpa = install["activation_code"].as_str().expect("LPA");
        assert_eq!(
            lpa,
            format!(
                "LPA:1${}${}",
                install["smdp_address"].as_str().expect("address"),
                install["matching_id"].as_str().expect("matching id")
            )
        );
        let carddata = lpa.replace(':', "%3A").replace('$', "%24");
        assert_eq!(
            install["ios_url"],
            format!("https://esimsetup.apple.com/esim_qrcode_provisioning?carddata={carddata}")
        );
        assert_eq!(
            install["android_url"],
            format!("https://esimsetup.android.com/esim_qrcode_provisioning?carddata={carddata}")
        );
        assert_eq!(install["profile_state"], "released");
        assert_eq!(line["current_period"], Value::Null, "{line}");
        let first = &line["queued_periods"][0];
        assert_eq!(at(&first["starts_at"]), latest);
        assert_eq!(at(&first["ends_at"]), latest + Duration::days(7));

        // Shown as waiting, on the order page and the account card.
        let (_, cookie) = app
            .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await;
        let latest_shown = latest
            .with_timezone(&chrono_tz::Asia::Hong_Kong)
            .format("%-d %b %Y, %H:%M")
            .to_string();
        for path in [
            format!("/orders/{}?lang=en", id_of(&order)),
            "/account?lang=en".into(),
        ] {
            let page = page_on(&app, &path, &cookie, IPHONE).await;
            let waiting = text_of(&page, "starts-at-install");
            assert!(
                waiting.starts_with("Your plan starts when you install the eSIM, at the latest")
                    && waiting.contains(&latest_shown),
                "{path}: {waiting}"
            );
        }

        // Not lapsed while it waits.
        app.advance(Duration::days(2));
        datacard::lines::expire_lapsed(&app).await.expect("sweep");
        assert_eq!(demo.line(&iccid).await["status"], "pending_install");

        // A renewal bought meanwhile queues behind the first period.
        let renewal = demo
            .order(
                json!({ "kind": "renewal", "iccid": iccid, "plan_code": "HK-7D-5G",
                           "periods": 1, "payment_method": "card" }),
            )
            .await;
        pay(&app, &renewal).await;
        deliver_notifications(&app).await;
        assert_eq!(demo.show(&id_of(&renewal)).await["state"], "fulfilled");
        let line = demo.line(&iccid).await;
        assert_eq!(
            at(&line["queued_periods"][1]["starts_at"]),
            latest + Duration::days(7)
        );

        // The first use opens it: the period starts then, the renewal right after.
        let used_at = app.now() - Duration::minutes(10);
        datacard::usage::ingest(&app, &[usage("first", &iccid, 1_000_000, used_at)])
            .await
            .expect("usage");
        let line = demo.line(&iccid).await;
        assert_eq!(line["status"], "active", "{line}");
        assert_eq!(line["starts_at_install_by"], Value::Null, "{line}");
        assert_eq!(line["install"]["profile_state"], "installed");
        let current = &line["current_period"];
        assert_eq!(at(&current["starts_at"]), used_at, "{line}");
        assert_eq!(at(&current["ends_at"]), used_at + Duration::days(7));
        assert_eq!(current["data_used"], 1_000_000, "the first use is charged");
        let queued = line["queued_periods"].as_array().expect("queued");
        assert_eq!(queued.len(), 1, "{line}");
        assert_eq!(at(&queued[0]["starts_at"]), used_at + Duration::days(7));
        assert_eq!(at(&queued[0]["ends_at"]), used_at + Duration::days(14));

        // Opened once: later use, and the latest-start job, move nothing.
        app.advance(Duration::hours(1));
        datacard::usage::ingest(&app, &[usage("second", &iccid, 500, app.now())])
            .await
            .expect("usage");
        assert_eq!(datacard::lines::open_due(&app).await.expect("job"), 0);
        app.advance(Duration::days(LATEST_DAYS));
        assert_eq!(datacard::lines::open_due(&app).await.expect("job"), 0);
        app.advance(-Duration::days(LATEST_DAYS));
        let again = demo.line(&iccid).await;
        assert_eq!(again["current_period"]["starts_at"], current["starts_at"]);
        assert_eq!(again["current_period"]["data_used"], 1_000_500);
        assert_eq!(again["queued_periods"], line["queued_periods"]);
        assert_end_to_end(&again);
    }
);

story_with!(
    an_esim_never_used_opens_at_its_latest_start_once,
    at_install,
    |app| {
        let demo = Shopper::demo(&app).await;
        let paid_at = app.now();
        let (_, iccid) = buy_esim(&demo).await;
        let latest = paid_at + Duration::days(LATEST_DAYS);

        app.advance(Duration::days(LATEST_DAYS - 1));
        assert_eq!(datacard::lines::open_due(&app).await.expect("job"), 0);
        app.advance(Duration::days(1));
        assert_eq!(datacard::lines::open_due(&app).await.expect("job"), 1);
        assert_eq!(
            datacard::lines::open_due(&app).await.expect("job"),
            0,
            "the job is idempotent"
        );
        let line = demo.line(&iccid).await;
        let current = &line["current_period"];
        assert_eq!(at(&current["starts_at"]), latest, "{line}");
        assert_eq!(at(&current["ends_at"]), latest + Duration::days(7));

        // Installed a day later: the period ran from its latest start and stays so.
        app.advance(Duration::days(1));
        datacard::usage::ingest(&app, &[usage("late", &iccid, 2_000, app.now())])
            .await
            .expect("usage");
        let line = demo.line(&iccid).await;
        assert_eq!(line["status"], "active");
        assert_eq!(at(&line["current_period"]["starts_at"]), latest);
        assert_eq!(line["current_period"]["data_used"], 2_000);
    }
);

#[tokio::test]
async fn an_unknown_validity_start_is_refused_at_start_naming_the_setting() {
    for (start, days, named) in [
        ("at_first_sight", 30, "lines.validity_start"),
        ("at_install", 0, "lines.latest_start_days"),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = datacard::config::Config {
            data_dir: dir.path().to_owned(),
            demo: true,
            ..Default::default()
        };
        config.lines.validity_start = start.into();
        config.lines.latest_start_days = days;
        let refused =
            datacard::server::build(config, std::sync::Arc::new(datacard::clock::SystemClock))
                .await
                .err()
                .expect("refused");
        assert!(refused.to_string().contains(named), "{refused:#}");
    }
}

story_with!(
    the_review_of_a_new_esim_sold_at_install_says_when_it_starts,
    at_install,
    |app| {
        datacard::demo::seed(&app).await.expect("demo");
        let (_, cookie) = app
            .portal_log_in(datacard::demo::DEMO_PHONE, datacard::demo::DEMO_PASSWORD)
            .await;
        let latest = app.now() + Duration::days(LATEST_DAYS);
        let shown = |at: DateTime<Utc>| {
            at.with_timezone(&chrono_tz::Asia::Hong_Kong)
                .format("%-d %b %Y, %H:%M")
                .to_string()
        };
        let review = page_on(
            &app,
            "/checkout/review?plan=HK-7D-5G&target=new&method=wallet&periods=1&lang=en",
            &cookie,
            IPHONE,
        )
        .await;
        let starts = text_of(&review, "starts-at-install");
        assert!(starts.contains("when you install the eSIM"), "{starts}");
        assert!(starts.contains(&shown(latest)), "{starts}");
        // Valid until: seven days from the latest start, said to be the latest.
        let valid_until = text_of(&review, "valid-until");
        assert!(
            valid_until.contains(&shown(latest + Duration::days(7)))
                && valid_until.contains("at the latest"),
            "{valid_until}"
        );
        // A renewal of a running line is not counted from an install.
        let renewal = page_on(
            &app,
            &format!(
                "/checkout/review?plan=HK-30D-20G&target={}&method=wallet&periods=1&lang=en",
                datacard::demo::demo_iccid()
            ),
            &cookie,
            IPHONE,
        )
        .await;
        assert!(!renewal.contains("data-testid=\"starts-at-install\""));
    }
);
