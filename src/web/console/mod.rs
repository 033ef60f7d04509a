//! The operator's back-office console under `/admin/`: server-rendered pages that
//! work without JavaScript, in Traditional Chinese (Hong Kong) and English, for staff
//! signed in with password and TOTP. Its sessions are apart from subscribers' (own
//! cookie, shorter, with an idle timeout); every page checks the member's role.

mod announcement_form;
mod announcements;
mod approvals;
mod attention;
mod books;
mod catalog;
mod catalog_form;
mod catalog_inventory;
mod catalog_offer_form;
mod catalog_offers;
mod catalog_plan_form;
mod catalog_plans;
mod catalog_preview;
mod catalog_values;
mod charts;
mod customer_sections;
mod customers;
mod enrol;
mod findings;
mod forms;
mod fulfil;
mod help;
mod home;
mod layout;
mod login;
mod messages;
mod notices;
mod refunds;
mod reviews;
mod staff;
mod ticket_page;
mod tickets;
mod upload;

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::html;
use subtle::ConstantTimeEq;

use crate::app::App;
use crate::error::{Code, Error, ErrorKind};
use crate::i18n::{Locale, t};
use crate::ids::new_token;
use crate::staff::{Permission, StaffMember};

use super::cookies;
use super::extract::locale_of;
use super::portal::guard::{self, CsrfBinding};

/// A browser not signed in to the console: its login form's CSRF token is bound to it.
const PRE_SESSION: &str = "dc_staff_pre";

pub fn routes(app: &App) -> Router<App> {
    Router::new()
        .route("/admin", get(home::show))
        .route("/admin/login", get(login::show).post(login::submit))
        .route("/admin/logout", post(login::log_out))
        .route("/admin/enrol/{token}", get(enrol::show).post(enrol::submit))
        .route("/admin/audit", get(home::audit))
        .route("/admin/payments/attention", get(attention::list))
        .route("/admin/payments/{id}/query", post(attention::query))
        .route("/admin/attention/dismiss", post(attention::dismiss))
        .route("/admin/books", get(books::show))
        .route("/admin/customers", get(customers::search))
        .route("/admin/customers/{id}", get(customers::show))
        .route("/admin/customers/{id}/refunds", post(refunds::refund))
        .route(
            "/admin/customers/{id}/wallet-adjustments",
            post(refunds::adjust),
        )
        .route("/admin/staff", get(staff::list).post(staff::create))
        .route("/admin/staff/{id}/disable", post(staff::disable))
        .merge(approvals::routes())
        .merge(fulfil::routes())
        .merge(messages::routes())
        .merge(reviews::routes())
        .merge(announcements::routes())
        .merge(catalog::routes())
        .merge(tickets::routes())
        .layer(middleware::from_fn_with_state(app.clone(), context))
}

/// What every console page knows about the request.
#[derive(Clone)]
pub struct Console {
    pub locale: Locale,
    pub member: Option<StaffMember>,
    pub token: Option<String>,
    pub csrf: String,
    pub path: String,
    pub secure: bool,
}

impl FromRequestParts<App> for Console {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _app: &App) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Console>().cloned().ok_or_else(|| {
            Error::internal(anyhow::anyhow!("console context missing")).into_response()
        })
    }
}

impl Console {
    /// The signed-in member whose role allows `permission`; else the login page (not
    /// signed in) or a 403 page.
    pub fn require(&self, permission: Permission) -> Result<&StaffMember, Box<Response>> {
        let Some(member) = &self.member else {
            return Err(Box::new(Redirect::to("/admin/login").into_response()));
        };
        member
            .role
            .require(permission)
            .map_err(|error| Box::new(error_page(self, &error)))?;
        Ok(member)
    }
}

fn session_binding(token: &str) -> String {
    // Bound apart from a subscriber's session of the same value.
    format!("staff:{token}")
}

/// The CSRF token of the console session `token`.
pub(super) fn session_csrf(app: &App, token: &str) -> String {
    guard::csrf_token(&app.secret, &CsrfBinding::Session(&session_binding(token)))
}

/// Whether `sent` is the CSRF token of the console session `token` (the admin API
/// takes it in `X-CSRF-Token` for writes made with a console session).
pub fn csrf_matches(app: &App, token: &str, sent: &str) -> bool {
    let expected = session_csrf(app, token);
    !token.is_empty() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
}

async fn context(State(app): State<App>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let locale = locale_of(&parts, app.config.locale.default_language);
    let token = cookies::get(&parts.headers, cookies::STAFF_SESSION).map(str::to_owned);
    let member = match &token {
        Some(token) => crate::staff::authenticate(&app, token)
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "console session lookup failed");
                None
            }),
        None => None,
    };
    let existing_pre = cookies::get(&parts.headers, PRE_SESSION)
        .filter(|value| value.len() >= 32)
        .map(str::to_owned);
    let new_pre = (member.is_none() && existing_pre.is_none()).then(new_token);
    let csrf = match (&member, &token, existing_pre.as_ref().or(new_pre.as_ref())) {
        (Some(_), Some(token), _) => session_csrf(&app, token),
        (_, _, Some(pre)) => guard::csrf_token(
            &app.secret,
            &CsrfBinding::PreSession(&format!("staff:{pre}")),
        ),
        _ => String::new(),
    };
    let forwarded_https = app.config.server.trust_proxy_headers
        && parts
            .headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes() == b"https");
    let console = Console {
        locale,
        member: member.clone(),
        token: token.filter(|_| member.is_some()),
        csrf,
        path: parts.uri.path().to_owned(),
        secure: app.config.public_url().starts_with("https://") || forwarded_https,
    };
    if guard::changes_state(&parts.method)
        && let Err(origin) = guard::check_origin(&app.config, &parts.headers)
    {
        tracing::info!(%origin, "console form refused: sent from another origin");
        return error_page(
            &console,
            &Error::new(ErrorKind::Forbidden, Code::CrossOrigin),
        );
    }
    let chosen = parts
        .uri
        .query()
        .is_some_and(|q| q.split('&').any(|pair| pair.starts_with("lang=")));
    let secure = console.secure;
    parts.extensions.insert(console);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    let headers = response.headers_mut();
    if let Some(pre) = new_pre.and_then(|value| cookies::set(PRE_SESSION, &value, 86_400, secure)) {
        headers.append(header::SET_COOKIE, pre);
    }
    if chosen && let Some(lang) = cookies::set(cookies::LANG, locale.tag(), 365 * 86_400, secure) {
        headers.append(header::SET_COOKIE, lang);
    }
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// Renders a finished console page.
pub fn render(console: &Console, title: &str, body: maud::Markup) -> Response {
    Html(layout::page(console, title, body).into_string()).into_response()
}

/// A page for an error that stops the request (a role that may not, a bad form).
pub fn error_page(console: &Console, error: &Error) -> Response {
    super::error::log_if_internal(error);
    let locale = console.locale;
    let body = html! {
        h1 { (t(locale, "errorpage.title")) }
        (layout::error_notice(console, error))
        p { a href="/admin" { (t(locale, "console.home")) } }
    };
    let status: StatusCode = super::error::status_of(error);
    (
        status,
        Html(layout::page(console, &t(locale, "errorpage.title"), body).into_string()),
    )
        .into_response()
}
