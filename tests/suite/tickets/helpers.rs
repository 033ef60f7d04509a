//! What the support stories share: subscribers at the API, images made to measure,
//! multipart forms as a browser sends them, the notification jobs run by hand.

pub(super) use axum::body::Body;
pub(super) use axum::http::{Method, Request, StatusCode, header};
pub(super) use base64::Engine;
pub(super) use datacard::staff::Role;
pub(super) use serde_json::{Value, json};

pub(super) use crate::support::*;

/// A registered subscriber at the API.
pub(super) struct Sub {
    pub(super) auth: String,
    pub(super) email: String,
    pub(super) phone: String,
    pub(super) id: String,
}

impl Sub {
    pub(super) async fn register(app: &TestApp, phone: &str, email: &str) -> Sub {
        let token = app.register(phone, email, "harbour lights 88").await;
        let auth = bearer(&token);
        let (_, _, me) = app
            .get_json("/api/v1/me", &[("authorization", &auth)])
            .await;
        Sub {
            auth,
            email: email.to_owned(),
            phone: phone.to_owned(),
            id: me["id"].as_str().expect("an account id").to_owned(),
        }
    }

    pub(super) fn headers(&self) -> [(&str, &str); 1] {
        [("authorization", self.auth.as_str())]
    }

    pub(super) async fn post(&self, app: &TestApp, path: &str, body: Value) -> Reply {
        app.post_json(path, body, &self.headers()).await
    }

    pub(super) async fn get(&self, app: &TestApp, path: &str) -> Reply {
        app.get_json(path, &self.headers()).await
    }

    /// Opens a case; panics unless 201.
    pub(super) async fn open_case(&self, app: &TestApp, body: Value) -> Value {
        let (status, _, case) = self.post(app, "/api/v1/me/tickets", body).await;
        assert_eq!(status, StatusCode::CREATED, "{case}");
        case
    }
}

pub(super) fn case_body(subject: &str, text: &str) -> Value {
    json!({ "category": "payment", "subject": subject, "body": text })
}

/// An operator key of `role`, as an `Authorization` header value.
pub(super) async fn key(app: &TestApp, name: &str, role: Role) -> String {
    bearer(
        &datacard::api_keys::create_operator(app, name, role)
            .await
            .expect("an operator key"),
    )
}

/// A real PNG of `width` × `height` (grey pixels).
pub(super) fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().expect("PNG header");
        let pixels = vec![128u8; (width * height) as usize];
        writer.write_image_data(&pixels).expect("PNG data");
    }
    out
}

/// A PNG that declares `width` × `height` in its header and holds almost nothing:
/// decoded, 50000 × 50000 would take gigabytes.
pub(super) fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend_from_slice(&13u32.to_be_bytes());
    bytes.extend_from_slice(b"IHDR");
    bytes.extend_from_slice(&width.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&[8, 0, 0, 0, 0, 0, 0, 0, 0]);
    bytes.extend_from_slice(&[0; 64]);
    bytes
}

pub(super) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A `multipart/form-data` body of text fields and `images` files.
pub(super) fn multipart(fields: &[(&str, &str)], images: &[(&str, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = "----datacardtestboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (filename, bytes) in images {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"images\"; filename=\"{filename}\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl TestApp {
    /// A portal page with the browser's cookie: status, `Location`, body.
    pub(super) async fn page(&self, path: &str, cookie: &str) -> (StatusCode, String, String) {
        let request = Request::get(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .expect("a request");
        let (status, headers, body) = self.send(request).await;
        let location = headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (
            status,
            location,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    /// A portal form sent as a browser sends a form with files.
    pub(super) async fn post_multipart(
        &self,
        path: &str,
        cookie: &str,
        fields: &[(&str, &str)],
        images: &[(&str, Vec<u8>)],
    ) -> (StatusCode, String, String) {
        let (content_type, body) = multipart(fields, images);
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::COOKIE, cookie)
            .body(Body::from(body))
            .expect("a request");
        let (status, headers, body) = self.send(request).await;
        let location = headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (
            status,
            location,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    /// Runs the queued case notifications (email, SMS) that are due.
    pub(super) async fn send_case_notifications(&self) -> usize {
        datacard::jobs::run_due_of_kind(&self.app, "notify", datacard::tickets::NOTIFY_JOB)
            .await
            .expect("send the case notifications")
    }

    /// Files kept under the data dir's `attachments/`.
    pub(super) fn attachment_files(&self) -> usize {
        let root = self.dir.path().join("attachments");
        let Ok(cases) = std::fs::read_dir(root) else {
            return 0;
        };
        cases
            .filter_map(Result::ok)
            .filter_map(|case| std::fs::read_dir(case.path()).ok())
            .map(|files| files.count())
            .sum()
    }
}
