//! The subscriber portal: server-rendered pages that work without JavaScript, in
//! Traditional Chinese (Hong Kong) and English.

mod account;
mod alerts;
mod announcements;
mod auth;
mod auto_renew;
mod cards;
mod checkout;
mod email;
pub(crate) mod format;
mod forms;
pub(crate) mod guard;
mod help;
mod home;
mod install;
mod layout;
mod order_actions;
mod order_payment;
mod orders;
mod plans;
mod preferences;
pub(crate) mod qr;
mod records;
mod recovery;
mod resend;
mod stripe_card;
mod support;
mod support_form;
mod usage;

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::html;

use crate::accounts::{self, Account};
use crate::app::App;
use crate::error::{Code, Error, ErrorKind};
use crate::i18n::{Locale, t};
use crate::ids::new_token;

use super::cookies;
use super::extract::locale_of;
use guard::CsrfBinding;

/// The portal's pages, and `extra` pages (the demo's outbox page) served with the
/// same request context (language, session, CSRF, the Origin check).
pub fn routes(app: &App, extra: Router<App>) -> Router<App> {
    extra
        .route("/", get(home::show))
        .route("/register", get(auth::register_form).post(auth::register))
        .route(
            "/register/verify",
            get(auth::verify_form).post(auth::verify),
        )
        .route("/register/verify/resend", axum::routing::post(auth::resend))
        .route("/verify-email", get(email::verify))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", get(auth::logout_form).post(auth::logout))
        .route(
            "/password-reset",
            get(recovery::reset_form).post(recovery::reset),
        )
        .route(
            "/password-reset/confirm",
            get(recovery::confirm_form).post(recovery::confirm),
        )
        .route(
            "/password-reset/confirm/resend",
            axum::routing::post(recovery::confirm_resend),
        )
        .route("/account", get(account::show))
        .route(
            "/account/phone",
            get(recovery::phone_form).post(recovery::phone),
        )
        .route(
            "/account/phone/confirm",
            get(recovery::phone_confirm_form).post(recovery::phone_confirm),
        )
        .route(
            "/account/phone/confirm/resend",
            axum::routing::post(recovery::phone_resend),
        )
        .route("/plans", get(plans::show))
        .route("/checkout", get(checkout::choose).post(checkout::pay))
        .route("/checkout/review", get(checkout::review))
        .route("/orders", get(orders::list))
        .route("/lines/{iccid}/usage", get(usage::show))
        .route(
            "/lines/{iccid}/auto-renew",
            axum::routing::post(auto_renew::save),
        )
        .route("/orders/{id}", get(orders::show))
        .route("/orders/{id}/refresh", axum::routing::post(orders::refresh))
        .route("/orders/{id}/status", get(order_payment::status))
        .route(
            "/orders/{id}/cancel",
            axum::routing::post(order_actions::cancel),
        )
        .route(
            "/orders/{id}/retry",
            axum::routing::post(order_actions::retry),
        )
        .route("/assets/order-status.js", get(order_payment::script))
        .route("/pay/stripe/{payment_id}", get(stripe_card::show))
        .route(
            "/pay/stripe/{payment_id}/setup",
            axum::routing::post(stripe_card::pay::setup),
        )
        .route(
            "/pay/stripe/{payment_id}/confirm",
            axum::routing::post(stripe_card::pay::confirm),
        )
        .route(
            "/account/cards/{id}/remove",
            axum::routing::post(cards::remove),
        )
        .merge(records::routes())
        .route(
            "/preferences",
            get(preferences::show).post(preferences::save),
        )
        .route("/announcements", get(announcements::list))
        .route(
            "/announcements/{id}/read",
            axum::routing::post(announcements::read),
        )
        .route(
            "/u/{token}",
            get(preferences::unsubscribe_form).post(preferences::unsubscribe),
        )
        .merge(support_routes())
        .layer(middleware::from_fn_with_state(app.clone(), context))
        .route(install::SCRIPT_PATH, get(install::script))
}

/// The help centre, support cases and the order page's "I paid but it didn't update".
fn support_routes() -> Router<App> {
    use axum::routing::post;
    // Three images at most, each checked against `[support] max_attachment_bytes`.
    let with_images = axum::extract::DefaultBodyLimit::max(crate::web::api::IMAGE_BODY_LIMIT);
    Router::new()
        .route("/help", get(help::index))
        .route("/help/{slug}", get(help::article))
        .route(
            "/support",
            get(support::list)
                .post(support_form::create)
                .layer(with_images),
        )
        .route("/support/new", get(support_form::new_form))
        .route("/support/{id}", get(support::show))
        .route(
            "/support/{id}/messages",
            post(support::reply).layer(with_images),
        )
        .route(
            "/support/{id}/attachments/{attachment}",
            get(support::attachment),
        )
        .route("/c/{number}", get(support::short_link))
        .route("/orders/{id}/not-updated", post(support::not_updated))
        .route("/alerts", get(alerts::show))
        .route("/alerts/spend-cap", post(alerts::save_cap))
        .route("/orders/{id}/dispute", post(alerts::dispute))
}

/// What every portal page needs to know about the request.
#[derive(Clone)]
pub struct Portal {
    pub locale: Locale,
    pub account: Option<Account>,
    /// The session token, when signed in.
    pub token: Option<String>,
    /// The CSRF token every form carries: a MAC of the session token, or of the
    /// pre-session cookie before a login ([`guard::csrf_token`]).
    pub csrf: String,
    pub path: String,
    /// The query string (without `?`): the journey's state (a phone, a plan, `next`)
    /// that the language switch and a login must keep. A form shown again after a
    /// POST names its own with [`Portal::at`].
    pub query: String,
    /// Mark cookies `Secure`.
    pub secure: bool,
    pub demo: bool,
    /// The operator's support contact ([`crate::config::SupportConfig`]).
    pub support: crate::config::SupportConfig,
    /// Current banner announcements for the reader, not dismissed (pages only, not
    /// form posts).
    pub banners: Vec<layout::Banner>,
}

impl FromRequestParts<App> for Portal {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _app: &App) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Portal>().cloned().ok_or_else(|| {
            Error::internal(anyhow::anyhow!("portal context missing")).into_response()
        })
    }
}

/// Works out language, session and CSRF token before the page, refuses a
/// state-changing request from another origin, and sets the cookies that remember
/// language and pre-session after the page.
async fn context(State(app): State<App>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let locale = locale_of(&parts, app.config.locale.default_language);
    let chosen = parts
        .uri
        .query()
        .is_some_and(|q| q.split('&').any(|pair| pair.starts_with("lang=")));
    let token = cookies::get(&parts.headers, cookies::SESSION).map(str::to_owned);
    let account = match &token {
        Some(token) => accounts::authenticate(&app, token)
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "session lookup failed");
                None
            }),
        None => None,
    };
    // Signed in, forms carry the session's token; before that, the pre-session
    // cookie's (made here when the browser has none).
    let existing_pre = cookies::get(&parts.headers, cookies::PRE_SESSION)
        .filter(|value| value.len() >= 32)
        .map(str::to_owned);
    let new_pre = (account.is_none() && existing_pre.is_none()).then(new_token);
    let binding = match (&account, &token, existing_pre.as_ref().or(new_pre.as_ref())) {
        (Some(_), Some(token), _) => Some(CsrfBinding::Session(token)),
        (_, _, Some(pre)) => Some(CsrfBinding::PreSession(pre)),
        _ => None,
    };
    let csrf = binding
        .map(|binding| guard::csrf_token(&app.secret, &binding))
        .unwrap_or_default();
    let forwarded_https = app.config.server.trust_proxy_headers
        && parts
            .headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes() == b"https");
    let mut portal = Portal {
        locale,
        account,
        token: token.clone(),
        csrf,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        secure: app.config.public_url().starts_with("https://") || forwarded_https,
        demo: app.config.demo,
        support: app.config.support.clone(),
        banners: Vec::new(),
    };
    if parts.method == axum::http::Method::GET {
        portal.banners = layout::banners(&app, &portal).await;
    }
    if guard::changes_state(&parts.method)
        && let Err(origin) = guard::check_origin(&app.config, &parts.headers)
    {
        tracing::info!(
            %origin,
            public_url = %app.config.public_url(),
            "form refused: sent from another origin"
        );
        return error_page(
            &portal,
            &Error::new(ErrorKind::Forbidden, Code::CrossOrigin),
        );
    }
    if chosen
        && let Some(account) = &portal.account
        && account.locale != locale
        && let Err(error) = accounts::set_locale(&app, &account.id, locale).await
    {
        tracing::warn!(%error, "language not saved");
    }
    let secure = portal.secure;
    parts.extensions.insert(portal);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    let headers = response.headers_mut();
    if let Some(pre) =
        new_pre.and_then(|value| cookies::set(cookies::PRE_SESSION, &value, 7 * 86_400, secure))
    {
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

/// Sends the browser on to a payment provider's page. Every other answer keeps
/// referrers to our own site; this one lets the browser name our origin (never the
/// page): WeChat Pay's H5 page refuses payers whose `Referer` is not the merchant's
/// registered domain.
pub fn to_payment_page(url: &str) -> Response {
    let mut response = Redirect::to(url).into_response();
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static(PAYMENT_PAGE_REFERRER_POLICY),
    );
    response
}

/// For links and redirects to a provider's payment page, see [`to_payment_page`].
pub const PAYMENT_PAGE_REFERRER_POLICY: &str = "strict-origin";

impl Portal {
    /// The same request, as the GET page at `path` with `state` as its query: a form
    /// shown again after its POST, whose language switch must lead back to the page
    /// with what was typed (empty values are left out).
    pub fn at(&self, path: &str, state: &[(&str, &str)]) -> Portal {
        let kept: Vec<(&str, &str)> = state
            .iter()
            .copied()
            .filter(|(_, value)| !value.is_empty())
            .collect();
        Portal {
            path: path.to_owned(),
            query: serde_urlencoded::to_string(kept).unwrap_or_default(),
            ..self.clone()
        }
    }

    /// This page's path and query, without `lang`: where a login comes back to.
    pub fn here(&self) -> String {
        let query = without_lang(&self.query);
        if query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{query}", self.path)
        }
    }

    /// This page in `locale`: the path and the query (the journey's state) kept, `lang`
    /// set.
    pub fn in_language(&self, locale: Locale) -> String {
        let query = without_lang(&self.query);
        let sep = if query.is_empty() { "" } else { "&" };
        format!("{}?{query}{sep}lang={}", self.path, locale.tag())
    }
}

/// A query string without its `lang` pairs.
fn without_lang(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| !pair.is_empty() && *pair != "lang" && !pair.starts_with("lang="))
        .collect::<Vec<_>>()
        .join("&")
}

/// Pages for signed-in subscribers send others to log in first, and back after (to
/// the same page with the same query: the plan chosen, the line to renew).
pub fn require_account(portal: &Portal) -> Result<&Account, Redirect> {
    portal.account.as_ref().ok_or_else(|| {
        let next = form_urlencode(&portal.here());
        Redirect::to(&format!("/login?next={next}"))
    })
}

pub fn form_urlencode(value: &str) -> String {
    serde_urlencoded::to_string([("", value)])
        .map(|s| s.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// A page for an error that stops the request (a bad CSRF token, a server fault).
pub fn error_page(portal: &Portal, error: &Error) -> Response {
    super::error::log_if_internal(error);
    let locale = portal.locale;
    let body = html! {
        h1 { (t(locale, "errorpage.title")) }
        (layout::notice(&t(locale, &format!("error.{}", error.code)), true))
        (layout::support(portal))
        p { a href="/" { (t(locale, "notfound.home")) } }
    };
    let status = super::error::status_of(error);
    (
        status,
        Html(layout::page(portal, &t(locale, "errorpage.title"), body).into_string()),
    )
        .into_response()
}

/// The browser's 404 for paths outside the portal's routes.
pub async fn not_found_page(app: &App, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let locale = locale_of(&parts, app.config.locale.default_language);
    let portal = Portal {
        locale,
        account: None,
        token: None,
        csrf: String::new(),
        path: parts.uri.path().to_owned(),
        query: String::new(),
        secure: false,
        demo: app.config.demo,
        support: app.config.support.clone(),
        banners: Vec::new(),
    };
    let body = html! {
        h1 { (t(locale, "notfound.title")) }
        p { (t(locale, "notfound.body")) }
        (layout::support(&portal))
        p { a href="/" { (t(locale, "notfound.home")) } }
    };
    (
        StatusCode::NOT_FOUND,
        Html(layout::page(&portal, &t(locale, "notfound.title"), body).into_string()),
    )
        .into_response()
}

/// Renders a finished page.
pub fn render(portal: &Portal, title: &str, body: maud::Markup) -> Response {
    Html(layout::page(portal, title, body).into_string()).into_response()
}
