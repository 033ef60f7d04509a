//! The operator's back office over JSON, under `/api/v1/admin/`: plans with every
//! version, promotions and coupons with their redemptions, and the audit log. Every
//! request needs an operator key (`datacard operator-keys create NAME`) as
//! `Authorization: Bearer dco_…`; subscriber tokens and network keys are refused.
//! Writes take the entries of the catalog file as JSON, checked by the same code as
//! `datacard plans import`; each is one transaction, audited under the key's name.
//! `PUT` is idempotent: the same entry again changes nothing and says `unchanged`.

pub mod announcements;
pub mod audit;
pub mod customers;
pub mod findings;
pub mod help;
pub mod inventory;
pub mod lines;
pub mod messages;
pub mod payments;
pub mod plans;
pub mod promotions;
pub mod refunds;
pub mod reports;
pub mod tickets;

use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use axum::routing::{get, post, put};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use crate::api_keys;
use crate::app::App;
use crate::error::{Code, Error, ErrorKind};
use crate::staff::{self, Permission, Role};
use crate::web::cookies;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/admin/plans", get(plans::list))
        .route(
            "/api/v1/admin/plans/{code}",
            get(plans::show).put(plans::put),
        )
        .route("/api/v1/admin/plans/{code}/retire", post(plans::retire))
        .route("/api/v1/admin/promotions", get(promotions::list_promotions))
        .route(
            "/api/v1/admin/promotions/{code}",
            get(promotions::show_promotion).put(promotions::put_promotion),
        )
        .route(
            "/api/v1/admin/promotions/{code}/retire",
            post(promotions::retire_promotion),
        )
        .route("/api/v1/admin/coupons", get(promotions::list_coupons))
        .route(
            "/api/v1/admin/coupons/{code}",
            get(promotions::show_coupon).put(promotions::put_coupon),
        )
        .route(
            "/api/v1/admin/coupons/{code}/retire",
            post(promotions::retire_coupon),
        )
        .route("/api/v1/admin/audit", get(audit::list))
        .route("/api/v1/admin/payments/attention", get(payments::list))
        .route(
            "/api/v1/admin/payments/attention/dismiss",
            post(payments::dismiss),
        )
        .route("/api/v1/admin/payments/{id}/query", post(payments::query))
        .route("/api/v1/admin/payments/{id}/fulfil", post(payments::fulfil))
        .route("/api/v1/admin/customers", get(customers::search))
        .route("/api/v1/admin/customers/{id}", get(customers::show))
        .route("/api/v1/admin/reports/summary", get(reports::summary))
        .route("/api/v1/admin/exports/{file}", get(reports::export))
        .route(
            "/api/v1/admin/customers/{id}/wallet-adjustments",
            post(refunds::adjust),
        )
        .route("/api/v1/admin/payments/{id}/refunds", post(refunds::refund))
        .route("/api/v1/admin/refunds", get(refunds::pending))
        .route("/api/v1/admin/refunds/{id}/approve", post(refunds::approve))
        .route("/api/v1/admin/refunds/{id}/reject", post(refunds::reject))
        .merge(lines::routes())
        .merge(messages::routes())
        .route(
            "/api/v1/admin/announcements",
            get(announcements::list).post(announcements::create),
        )
        .route(
            "/api/v1/admin/announcements/{id}",
            get(announcements::show).put(announcements::update),
        )
        .route("/api/v1/admin/inventory", get(inventory::show))
        .merge(support_routes())
}

/// Support cases and help articles.
fn support_routes() -> Router<App> {
    Router::new()
        .route(
            "/api/v1/admin/tickets",
            get(tickets::list).post(tickets::open),
        )
        .route(
            "/api/v1/admin/tickets/{id}",
            get(tickets::show).patch(tickets::change),
        )
        .route("/api/v1/admin/tickets/{id}/messages", post(tickets::reply))
        .route(
            "/api/v1/admin/help/articles",
            get(help::list).post(help::create),
        )
        .route("/api/v1/admin/help/articles/{slug}", put(help::put))
}

/// Who calls the admin API: an operator key, by name, or a staff member's console
/// session; with the role that decides what they may do. 401 for anything else — no
/// key, a wrong or revoked one, a network key, a subscriber's token or session cookie.
pub struct Operator {
    /// The audit log's actor: the key's name, or `staff:<email>`.
    pub name: String,
    pub role: Role,
}

impl Operator {
    /// 403 `role_forbidden` unless the caller's role allows `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), Error> {
        self.role.require(permission)
    }
}

impl FromRequestParts<App> for Operator {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if let Some(key) = bearer {
            return match api_keys::authenticate_operator(app, key).await? {
                Some((name, role)) => Ok(Operator { name, role }),
                None => Err(Error::unauthenticated(Code::InvalidOperatorKey)),
            };
        }
        let token = cookies::get(&parts.headers, cookies::STAFF_SESSION).unwrap_or("");
        let Some(member) = staff::authenticate(app, token).await? else {
            return Err(Error::unauthenticated(Code::InvalidOperatorKey));
        };
        if !parts.method.is_safe() {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !crate::web::console::csrf_matches(app, token, sent) {
                return Err(Error::of(Code::CsrfFailed));
            }
        }
        Ok(Operator {
            name: member.actor(),
            role: member.role,
        })
    }
}

/// A JSON body whose problems are answered in the API's error shape, with the
/// parser's own words in `details` (which field is unknown, missing or mistyped).
pub struct AdminJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AdminJson<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(AdminJson(value)),
            Err(rejection) => {
                let error = match &rejection {
                    JsonRejection::JsonDataError(_) => Error::invalid(Code::InvalidBody),
                    JsonRejection::JsonSyntaxError(_) => Error::invalid(Code::MalformedJson),
                    JsonRejection::MissingJsonContentType(_) => {
                        return Err(Error::new(
                            ErrorKind::UnsupportedMediaType,
                            Code::UnsupportedMediaType,
                        ));
                    }
                    JsonRejection::BytesRejection(_) => {
                        return Err(Error::new(ErrorKind::TooLarge, Code::BodyTooLarge));
                    }
                    _ => Error::invalid(Code::MalformedJson),
                };
                Err(error.with_details(vec![rejection.body_text()]))
            }
        }
    }
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A new plan, promotion or coupon (answered with 201).
    Created,
    /// A new version, a changed definition, a retirement or a reinstatement.
    Changed,
    /// It was so already: nothing was written, nothing audited.
    Unchanged,
}

/// The code in the address and the one in the body must name the same entry.
fn same_code(address: &str, body: &str) -> Result<(), Error> {
    if body.trim().to_ascii_uppercase() == address {
        Ok(())
    } else {
        Err(
            Error::invalid(Code::CodeMismatch).with_details(vec![format!(
                "the address names {address}, the body {:?}",
                body.trim()
            )]),
        )
    }
}
