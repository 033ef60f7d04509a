//! Alipay and WeChat Pay lines get a reminder with a QR code instead of an order.

use super::helpers::*;

story!(an_alipay_line_gets_a_reminder_and_no_order, |app| {
    let sub = subscriber(&app, 4).await;
    let settings = enable(&app, &sub, json!({ "enabled": true, "method": "alipay" })).await;
    assert_eq!(settings["method"], "alipay");
    app.advance(Duration::hours(25));
    assert_eq!(scan(&app).await, 1);
    assert_eq!(scan(&app).await, 0);
    run_jobs(&app).await;
    run_jobs(&app).await;
    assert!(renewal_orders(&app, &sub.account_id).await.is_empty());
    assert_eq!(app.count_rows("orders").await, 0);
    assert_eq!(
        renew_messages(&app, &sub.email).await,
        strings(&["auto_renew_reminder"])
    );
    assert_eq!(
        renew_messages(&app, &sub.phone).await,
        strings(&["auto_renew_reminder"])
    );
    let email = app.last_message(&sub.email).await.message;
    assert!(!email.subject.is_empty());
    let link = format!(
        "https://datacard.test/checkout?plan={PLAN}&iccid={}",
        sub.iccid
    );
    assert!(
        email.body.contains(&link),
        "the pre-filled checkout as text: {}",
        email.body
    );
    // The email's HTML part shows the same checkout as a QR code, an inline PNG that
    // the outbox keeps; the SMS stays short text.
    let html = email.html.expect("the reminder email has an HTML part");
    let [image] = html.images.as_slice() else {
        panic!("one image in the reminder email: {:?}", html.images.len());
    };
    assert_eq!(image.content_type, "image/png");
    assert!(
        html.markup
            .contains(&format!("src=\"cid:{}\"", image.content_id)),
        "{}",
        html.markup
    );
    assert_eq!(
        qr_text(&image.data),
        link,
        "the QR code is the checkout link"
    );
    let sms = app.last_message(&sub.phone).await.message;
    assert_eq!(sms.html, None);
    assert!(sms.body.contains(&link), "{}", sms.body);
    assert!(
        sms.body.chars().count() <= 200,
        "a short SMS: {} characters",
        sms.body.chars().count()
    );
});

/// The text of the one QR code in a PNG image, read by a real decoder.
fn qr_text(png_bytes: &[u8]) -> String {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a sane image size")];
    let frame = reader.next_frame(&mut pixels).expect("a PNG image");
    assert_eq!(frame.color_type, png::ColorType::Grayscale);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(
        frame.width as usize,
        frame.height as usize,
        |x, y| pixels[y * frame.line_size + x],
    );
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().expect("a readable QR code").1
}
