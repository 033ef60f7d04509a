//! Alipay and WeChat Pay through their fakes (QR codes and Alipay's page pay) and
//! through the fake Stripe.

use super::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qr_codes_through_the_fake_alipay_and_wechat_pay() {
    let demo = Demo::start(|_| {}).await;
    for (method, scanned_prefix) in [
        ("alipay", "/fake/alipay/qr/"),
        ("wechat_pay", "/fake/wechat_pay/qr/"),
    ] {
        let order = demo.renew(method).await;
        let qr = next_url(&order, "qr");
        assert!(
            qr.starts_with(&format!("{}{scanned_prefix}", demo.base)),
            "{qr}"
        );
        assert_eq!(query(&demo, method, &order).await, ProviderStatus::Pending);
        let page = demo.http.get(&qr).send().await.expect("the QR page");
        assert_eq!(page.status(), 200);
        assert!(
            page.text()
                .await
                .expect("a page")
                .contains("for testing only")
        );
        assert_eq!(
            query(&demo, method, &order).await,
            ProviderStatus::Pending,
            "{method} scanned"
        );
        let token = qr.rsplit('/').next().unwrap_or_default();
        let pay_url = format!("{}/fake/{method}/pay/{token}", demo.base);
        let paid = demo.post_form(&pay_url, &[]).await;
        assert_eq!(
            paid.status(),
            200,
            "{method}: no page to go back to, the fake says so"
        );
        demo.settled(&order, "fulfilled").await;
        assert_eq!(
            query(&demo, method, &order).await,
            ProviderStatus::Succeeded
        );
        assert_eq!(
            demo.post_form(&pay_url, &[]).await.status(),
            200,
            "paying twice changes nothing"
        );
        demo.refund(&order).await;
        if method == "wechat_pay" {
            assert_eq!(query(&demo, method, &order).await, ProviderStatus::Refunded);
        } else {
            // A full refund closes the Alipay trade, with a notification that says so.
            let payment = payment_id(&order);
            let started = Instant::now();
            while demo.notified(&payment).await != ["succeeded", "refunded"] {
                assert!(
                    started.elapsed() < Duration::from_secs(10),
                    "alipay's TRADE_CLOSED notification: {:?}",
                    demo.notified(&payment).await
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }

        // A second order closed before it is paid cannot be paid any more.
        let unpaid = demo.renew(method).await;
        let adapter = provider_for(&demo.app, method).expect("the adapter");
        adapter.close(&payment_id(&unpaid)).await.expect("close");
        let token = next_url(&unpaid, "qr")
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let late = demo
            .post_form(&format!("{}/fake/{method}/pay/{token}", demo.base), &[])
            .await;
        assert!(
            late.text().await.expect("a page").contains("CLOSED"),
            "{method}: closed is closed"
        );
        assert_ne!(
            query(&demo, method, &unpaid).await,
            ProviderStatus::Succeeded
        );
    }
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alipay_and_wechat_pay_through_the_fake_stripe() {
    let demo = Demo::start(|config| {
        config.payments.alipay.provider = datacard::payments::ProviderName::Stripe;
        config.payments.wechat_pay.provider = datacard::payments::ProviderName::Stripe;
    })
    .await;
    // Alipay through Stripe: a redirect to the test page, back to our order page.
    let order = demo.renew("alipay").await;
    let page = next_url(&order, "redirect");
    assert!(
        page.starts_with(&format!("{}/fake/stripe/authorize/pi_", demo.base)),
        "{page}"
    );
    let back = demo.post_form(&page, &[("outcome", "authorize")]).await;
    let back = location(&back);
    assert!(
        back.contains("returned=1") && back.contains("redirect_status=succeeded"),
        "{back}"
    );
    demo.settled(&order, "fulfilled").await;

    // WeChat Pay through Stripe: a QR code; the payment fails.
    let order = demo.renew("wechat_pay").await;
    let page = next_url(&order, "qr");
    assert_eq!(order["payment"]["next_action"]["data"], page.as_str());
    let failed = demo.post_form(&page, &[("outcome", "fail")]).await;
    assert_eq!(failed.status(), 200);
    demo.settled(&order, "failed").await;
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alipay_page_pay_at_the_fake_cashier() {
    let demo = Demo::start(|_| {}).await;
    // The notification goes to a little server of ours, which checks it with the adapter.
    let received: Arc<Mutex<Vec<Received>>> = Arc::default();
    let sink = received.clone();
    let router = axum::Router::new().route(
        "/notify",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let sink = sink.clone();
            async move {
                sink.lock()
                    .expect("the sink")
                    .push((headers, body.to_vec()));
                "success"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let notify_url = format!(
        "http://{}/notify",
        listener.local_addr().expect("an address")
    );
    tokio::spawn(async move { axum::serve(listener, router).await });

    let adapter = AlipayProvider::from_config(
        &demo.app.config.payments.providers.alipay,
        notify_url,
        demo.app.clock.clone(),
    )
    .expect("the adapter")
    .with_product(Product::Page);
    let return_url = format!("{}/orders/ord_page?returned=1", demo.base);
    let request = CreateRequest {
        payment_id: "pay_PAGEPAY0000000000000000001".into(),
        amount: Money::new(8800, Currency::HKD),
        method: datacard::payments::Method::Alipay,
        description: "HK-30D-20G".into(),
        return_url: return_url.clone(),
        expires_at: demo.app.now() + chrono::Duration::minutes(30),
        payer: Default::default(),
    };
    let created = datacard::payments::Provider::create(&adapter, &request)
        .await
        .expect("create");
    let NextAction::Redirect { url } = created.next_action else {
        panic!("page pay redirects");
    };
    let cashier = location(&demo.http.get(&url).send().await.expect("the gateway"));
    assert!(
        cashier.starts_with(&format!("{}/fake/alipay/cashier/", demo.base)),
        "{cashier}"
    );
    let trade_no = cashier.rsplit('/').next().unwrap_or_default();
    let back = location(
        &demo
            .post_form(&format!("{}/fake/alipay/pay/{trade_no}", demo.base), &[])
            .await,
    );
    assert!(
        back.starts_with(&return_url) && back.contains("method=alipay.trade.page.pay.return"),
        "{back}"
    );

    let started = Instant::now();
    let (headers, body) = loop {
        if let Some(first) = received.lock().expect("the sink").first().cloned() {
            break first;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no notification"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let notification = datacard::payments::Provider::verify_notification(
        &adapter,
        &headers,
        &body,
        demo.app.now(),
    )
    .expect("the fake's notification verifies");
    assert_eq!(notification.payment_id, request.payment_id);
    assert_eq!(notification.observation.status, ProviderStatus::Succeeded);
    assert_eq!(notification.observation.amount, Some(request.amount));
    demo.stop().await;
}

/// A payer on a phone: the demo's Alipay (product `auto`, as the fakes wire it) sends
/// them to the fake's wap cashier, Alipay's mobile page, instead of a QR code to scan
/// on the same screen; paid there, they come back to the order, fulfilled by the
/// fake's signed notification.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alipay_from_a_phone_goes_to_the_fake_wap_cashier() {
    let demo = Demo::start(|_| {}).await;
    let iccid = datacard::demo::demo_iccid();
    let body = json!({ "kind": "renewal", "iccid": iccid, "plan_code": "HK-30D-20G",
                       "periods": 1, "payment_method": "alipay" });
    let order: Value = demo
        .http
        .post(format!("{}/api/v1/orders", demo.base))
        .header("authorization", &demo.auth)
        .header(
            "user-agent",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148",
        )
        .json(&body)
        .send()
        .await
        .expect("create the order")
        .json()
        .await
        .expect("an order");
    let url = next_url(&order, "redirect");
    assert!(url.contains("alipay.trade.wap.pay"), "wap pay: {url}");
    let cashier = location(&demo.http.get(&url).send().await.expect("the gateway"));
    assert!(
        cashier.starts_with(&format!("{}/fake/alipay/cashier/", demo.base)),
        "{cashier}"
    );
    let trade_no = cashier.rsplit('/').next().unwrap_or_default();
    let back = location(
        &demo
            .post_form(&format!("{}/fake/alipay/pay/{trade_no}", demo.base), &[])
            .await,
    );
    let order_id = order["id"].as_str().expect("an order id");
    assert!(
        back.starts_with(&format!("{}/orders/{order_id}", demo.base)),
        "back to the order: {back}"
    );
    demo.settled(&order, "fulfilled").await;
    demo.stop().await;
}
