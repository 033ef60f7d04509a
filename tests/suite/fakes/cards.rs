//! Cards through the fake Stripe.

use super::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cards_through_the_fake_stripe() {
    let demo = Demo::start(|_| {}).await;
    let order = demo.renew("card").await;
    let card_page = next_url(&order, "redirect");
    assert_eq!(
        card_page,
        format!("{}/pay/stripe/{}", demo.base, payment_id(&order))
    );

    // Our card page needs the payer's session, then forwards to the fake's card page.
    let anonymous = demo.http.get(&card_page).send().await.expect("card page");
    assert!(location(&anonymous).starts_with("/login"));
    let forwarded = demo
        .http
        .get(&card_page)
        .header("cookie", format!("dc_session={}", demo.token))
        .send()
        .await
        .expect("card page");
    let fake_page = location(&forwarded);
    assert!(
        fake_page.starts_with(&format!("{}/fake/stripe/card/pi_", demo.base)),
        "{fake_page}"
    );
    let url = reqwest::Url::parse(&fake_page).expect("a url");
    let secret: String = url
        .query_pairs()
        .find(|(k, _)| k == "client_secret")
        .map(|(_, v)| v.into_owned())
        .expect("a client secret");
    let form_url = format!("{}{}", demo.base, url.path());
    let page = demo.http.get(&fake_page).send().await.expect("fake page");
    let html = page.text().await.expect("a page");
    assert!(html.contains("FAKE Stripe for testing only") && html.contains("HK$90.20"));

    // A wrong client secret, then an invalid number, change nothing.
    let wrong = demo
        .post_form(
            &form_url,
            &[
                ("client_secret", "pi_x_secret_y"),
                ("number", "4242424242424242"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 404);
    let invalid = demo
        .post_form(
            &form_url,
            &[("client_secret", &secret), ("number", "4242424242424241")],
        )
        .await;
    assert_eq!(invalid.status(), 422);
    assert_eq!(
        query(&demo, "stripe", &order).await,
        ProviderStatus::Pending
    );

    let return_url = format!(
        "{}/orders/{}?returned=1",
        demo.base,
        order["id"].as_str().unwrap_or_default()
    );
    let paid = demo
        .post_form(
            &form_url,
            &[
                ("client_secret", &secret),
                ("return_url", &return_url),
                ("number", "4242 4242 4242 4242"),
            ],
        )
        .await;
    assert_eq!(location(&paid), return_url);
    demo.settled(&order, "fulfilled").await;
    assert_eq!(
        query(&demo, "stripe", &order).await,
        ProviderStatus::Succeeded
    );
    demo.refund(&order).await;
    // Refunded already: Stripe says `charge_already_refunded`, which is done for us.
    let stripe = provider_for(&demo.app, "stripe").expect("stripe");
    let money = Money::new(9020, Currency::HKD);
    stripe
        .refund(&payment_id(&order), money, "rf_again")
        .await
        .expect("a second refund is a no-op");

    // A second order is cancelled at Stripe before anyone pays it.
    let unpaid = demo.renew("card").await;
    stripe.close(&payment_id(&unpaid)).await.expect("close");
    assert_eq!(
        query(&demo, "stripe", &unpaid).await,
        ProviderStatus::Closed
    );
    stripe
        .close(&payment_id(&unpaid))
        .await
        .expect("closing twice is fine");
    demo.stop().await;
}
