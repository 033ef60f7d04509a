//! The forms of support cases, sent as `multipart/form-data` because they carry
//! images: the new-case form (`GET/POST /support/new`, `POST /support`) and the
//! reply in a case (`POST /support/{id}/messages`). The CSRF token is checked like
//! every portal form's before anything is kept; images are checked by their bytes.

use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use subtle::ConstantTimeEq;

use crate::app::App;
use crate::error::{Code, Error, ErrorKind};
use crate::i18n::{t, tf};
use crate::tickets::{self, Category, NewTicket, Upload, attachments};

use super::forms::Problems;
use super::{Portal, error_page, render, require_account};

/// Fields of a case form as sent.
#[derive(Default)]
pub struct CaseForm {
    pub category: String,
    pub subject: String,
    pub body: String,
    pub order: String,
    pub images: Vec<Upload>,
}

/// Reads a multipart case form once its `csrf` field is the page's token; the
/// refusal page otherwise (403 for the token, 413 for a body past the limit).
pub async fn read(portal: &Portal, request: Request, app: &App) -> Result<CaseForm, Response> {
    let too_large = || error_page(portal, &Error::new(ErrorKind::TooLarge, Code::BodyTooLarge));
    let mut multipart = Multipart::from_request(request, app)
        .await
        .map_err(|_| error_page(portal, &Error::invalid(Code::InvalidForm)))?;
    let mut form = CaseForm::default();
    let mut csrf = String::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(too_large());
            }
            Err(_) => return Err(error_page(portal, &Error::invalid(Code::InvalidForm))),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(too_large());
            }
            Err(_) => return Err(error_page(portal, &Error::invalid(Code::InvalidForm))),
        };
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "csrf" => csrf = text(),
            "category" => form.category = text(),
            "subject" => form.subject = text(),
            "body" => form.body = text(),
            "order" => form.order = text(),
            // A file input left empty still sends an empty part.
            "images" if !bytes.is_empty() => form.images.push(Upload {
                bytes: bytes.to_vec(),
            }),
            _ => {}
        }
    }
    let matches: bool = csrf.as_bytes().ct_eq(portal.csrf.as_bytes()).into();
    if portal.csrf.is_empty() || !matches {
        tracing::info!("case form refused: CSRF token missing or wrong");
        return Err(error_page(
            portal,
            &Error::new(ErrorKind::Forbidden, Code::CsrfFailed),
        ));
    }
    Ok(form)
}

/// The images field: up to three PNG or JPEG photos or screenshots.
pub fn images_field(portal: &Portal, app: &App, problems: &Problems) -> Markup {
    let locale = portal.locale;
    let own = problems.at("images");
    let mb = app.config.support.max_attachment_bytes / (1024 * 1024);
    let hint = tf(
        locale,
        "tickets.images_hint",
        &[
            ("count", &attachments::MAX_PER_MESSAGE.to_string()),
            ("size", &mb.max(1).to_string()),
        ],
    );
    html! {
        div {
            label for="f-images" { (t(locale, "tickets.images")) }
            span.hint id="f-images-hint" { (hint) }
            input #f-images type="file" name="images" accept="image/png,image/jpeg" multiple
                aria-describedby={ "f-images-hint" @if own.is_some() { " f-images-error" } }
                aria-invalid=[own.map(|_| "true")];
            @if let Some(problem) = own { p.field-error id="f-images-error" { (problem.text) } }
        }
    }
}

pub fn textarea(name: &'static str, label: &str, value: &str, problems: &Problems) -> Markup {
    let id = format!("f-{name}");
    let own = problems.at(name);
    html! {
        div {
            label for=(id) { (label) }
            textarea id=(id) name=(name) rows="6" maxlength=(tickets::MAX_BODY) required
                aria-invalid=[own.map(|_| "true")] aria-describedby=[own.map(|_| format!("{id}-error"))] { (value) }
            @if let Some(problem) = own { p.field-error id={ (id) "-error" } { (problem.text) } }
        }
    }
}

#[derive(serde::Deserialize, Default)]
pub struct NewQuery {
    category: Option<String>,
    order: Option<String>,
}

fn new_case_page(app: &App, portal: &Portal, form: &CaseForm, problems: &Problems) -> Response {
    let locale = portal.locale;
    let fields = ["category", "subject", "body", "images", "order"];
    let chosen = Category::parse(&form.category);
    let body = html! {
        h1 { (t(locale, "tickets.new_title")) }
        p { (t(locale, "tickets.new_lead")) " " a href="/help" { (t(locale, "help.title")) } }
        (problems.summary(&fields))
        form.stack method="post" action="/support" enctype="multipart/form-data" novalidate {
            input type="hidden" name="csrf" value=(portal.csrf);
            @if !form.order.is_empty() {
                input type="hidden" name="order" value=(form.order);
                p.notice role="status" data-testid="about-order" { (tf(locale, "tickets.about_order", &[("order", &form.order)])) }
                @if let Some(problem) = problems.at("order") { p.field-error { (problem.text) } }
            }
            fieldset aria-invalid=[problems.at("category").map(|_| "true")] {
                legend { (t(locale, "tickets.category_label")) }
                @for category in Category::ALL {
                    label.choice {
                        input type="radio" name="category" value=(category.as_str()) checked[chosen == Some(category)] required;
                        " " (t(locale, &format!("tickets.category.{}", category.as_str())))
                    }
                }
                @if let Some(problem) = problems.at("category") { p.field-error id="f-category" { (problem.text) } }
            }
            div {
                label for="f-subject" { (t(locale, "tickets.subject")) }
                input #f-subject name="subject" type="text" value=(form.subject) maxlength=(tickets::MAX_SUBJECT) required
                    aria-invalid=[problems.at("subject").map(|_| "true")] aria-describedby=[problems.at("subject").map(|_| "f-subject-error")];
                @if let Some(problem) = problems.at("subject") { p.field-error id="f-subject-error" { (problem.text) } }
            }
            (textarea("body", &t(locale, "tickets.body"), &form.body, problems))
            (images_field(portal, app, problems))
            button type="submit" { (t(locale, "tickets.send")) }
        }
        p { a href="/support" { (t(locale, "tickets.back")) } }
    };
    let mut response = render(portal, &t(locale, "tickets.new_title"), body);
    *response.status_mut() = problems.status();
    response
}

/// `GET /support/new?category=&order=`: the form, ready for what the link is about.
pub async fn new_form(
    State(app): State<App>,
    portal: Portal,
    Query(query): Query<NewQuery>,
) -> Response {
    if let Err(redirect) = require_account(&portal) {
        return redirect.into_response();
    }
    let form = CaseForm {
        category: query.category.unwrap_or_default(),
        order: query.order.unwrap_or_default(),
        ..CaseForm::default()
    };
    new_case_page(&app, &portal, &form, &Problems::new(portal.locale))
}

/// `POST /support`: opens the case, then shows it; the form again with every
/// problem otherwise (nothing kept).
pub async fn create(State(app): State<App>, portal: Portal, request: Request) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let form = match read(&portal, request, &app).await {
        Ok(form) => form,
        Err(refusal) => return refusal,
    };
    let new = NewTicket {
        category: form.category.clone(),
        subject: form.subject.clone(),
        body: form.body.clone(),
        order_id: Some(form.order.clone()).filter(|o| !o.is_empty()),
        images: form.images.clone(),
    };
    match tickets::open(&app, &account.id, &new).await {
        Ok(ticket) => Redirect::to(&format!("/support/{}?opened=1", ticket.id)).into_response(),
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => {
            let form = CaseForm {
                images: Vec::new(),
                ..form
            };
            new_case_page(&app, &portal, &form, &Problems::of(portal.locale, &error))
        }
    }
}
