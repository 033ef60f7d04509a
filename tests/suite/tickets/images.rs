//! Images on a case: checked by their bytes (not the name or the declared type),
//! their size and the pixels their header declares; refused ones leave nothing, not
//! a row and not a file; kept ones are served only to the case's parties.

use super::helpers::*;

story_with!(
    images_are_checked_by_content_size_and_pixels,
    |backend| TestApp::start_with(backend, |config| config.support.max_attachment_bytes =
        20_000),
    |app| {
        let chan = Sub::register(&app, "+85261234567", "chan@example.com").await;
        let with = |images: Vec<String>| json!({ "category": "install", "subject": "Screenshot", "body": "See the image", "images": images });
        let html = b"<html><body><script>alert(1)</script></body></html>".to_vec();
        let padded = [png(8, 8), vec![0u8; 25_000]].concat();
        for (images, status, code) in [
            (
                vec![b64(&html)],
                StatusCode::BAD_REQUEST,
                "invalid_attachment",
            ),
            (
                vec!["not base64 at all!".to_owned()],
                StatusCode::BAD_REQUEST,
                "invalid_attachment",
            ),
            (
                vec![b64(b"GIF89a\x01\x00\x01\x00\x00\x00\x00")],
                StatusCode::BAD_REQUEST,
                "invalid_attachment",
            ),
            (
                vec![b64(&padded)],
                StatusCode::PAYLOAD_TOO_LARGE,
                "attachment_too_large",
            ),
            (
                vec![b64(&png_bomb(50_000, 50_000))],
                StatusCode::BAD_REQUEST,
                "image_too_large",
            ),
            (
                vec![b64(&png(2, 2)); 4],
                StatusCode::BAD_REQUEST,
                "too_many_attachments",
            ),
        ] {
            let reply = chan.post(&app, "/api/v1/me/tickets", with(images)).await;
            assert_error(&reply, status, code);
        }
        assert_eq!(app.count_rows("tickets").await, 0);
        assert_eq!(app.count_rows("ticket_attachments").await, 0);
        assert_eq!(app.attachment_files(), 0, "no file kept");

        // Through the portal's form, as a browser sends it: the file's name says PNG,
        // its bytes say HTML.
        let (csrf, cookie) = app.portal_log_in(&chan.phone, "harbour lights 88").await;
        let fields = [
            ("csrf", csrf.as_str()),
            ("category", "install"),
            ("subject", "QR fails"),
            ("body", "It says invalid"),
        ];
        let (status, _, page) = app
            .post_multipart(
                "/support?lang=en",
                &cookie,
                &fields,
                &[("screenshot.png", html.clone())],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
        assert!(page.contains("Only photos and screenshots"), "{page}");
        assert!(
            page.contains("value=\"QR fails\""),
            "what was typed is kept: {page}"
        );
        let (status, _, page) = app
            .post_multipart(
                "/support?lang=en",
                &cookie,
                &fields,
                &[("bomb.png", png_bomb(50_000, 50_000))],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{page}");
        let (status, _, _) = app
            .post_multipart(
                "/support",
                &cookie,
                &[
                    ("csrf", "forged"),
                    ("category", "install"),
                    ("subject", "S"),
                    ("body", "B"),
                ],
                &[("a.png", png(2, 2))],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "a forged token is refused");
        assert_eq!(app.count_rows("tickets").await, 0);
        assert_eq!(app.attachment_files(), 0);

        // A real screenshot is kept, and shown to the subscriber and to staff only.
        let (status, location, page) = app
            .post_multipart(
                "/support",
                &cookie,
                &fields,
                &[("screenshot.png", png(30, 20)), ("empty", Vec::new())],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
        assert!(
            location.starts_with("/support/tkt_") && location.ends_with("?opened=1"),
            "{location}"
        );
        assert_eq!(app.attachment_files(), 1);
        let (_, _, page) = app.page(&format!("{location}&lang=en"), &cookie).await;
        assert!(page.contains("Case C-000001 is open"), "{page}");
        let src = page
            .split("<img src=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the image")
            .to_owned();
        let request = Request::get(&src)
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap();
        let (status, headers, bytes) = app.send(request).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "image/png");
        assert!(
            headers[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("sandbox")
        );
        assert_eq!(bytes.as_ref(), png(30, 20).as_slice());
        let staff = app.enrolled_staff("viewer@example.com", Role::Viewer).await;
        let console_src = src.replacen("/support/", "/admin/tickets/", 1);
        let (status, _, _) = app.console_get(&console_src, &staff.cookie).await;
        assert_eq!(status, StatusCode::OK, "staff read the case's images");
        let (status, _, _) = app.page(&console_src, &cookie).await;
        assert_ne!(
            status,
            StatusCode::OK,
            "a subscriber's session is no staff session"
        );
    }
);
