//! The JSON API under `/api/v1`, and its OpenAPI document generated from the code.

mod accounts;
mod admin;
mod alerts;
mod announcements;
mod auto_renew;
mod cards;
mod help;
mod me;
mod orders;
mod plans;
mod preferences;
mod records;
mod refusals;
mod sessions;
mod tickets;
mod usage;
mod webhooks;

#[cfg(test)]
mod document_tests;

use axum::Json;
use axum::Router;
use axum::routing::{delete, get, post, put};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::app::App;

pub use admin::tickets as admin_tickets;
pub use orders::order_view;
pub use plans::plan_body;
pub use tickets::{IMAGE_BODY_LIMIT, image_response};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/api/v1/verification-codes", post(accounts::request_code))
        .route("/api/v1/accounts", post(accounts::register))
        .route("/api/v1/password-resets", post(accounts::reset_password))
        .route("/api/v1/sessions", post(sessions::log_in))
        .route("/api/v1/sessions/current", delete(sessions::log_out))
        .route("/api/v1/me", get(me::me))
        .route("/api/v1/me/phone", post(accounts::change_phone))
        .route(
            "/api/v1/me/email-verification",
            post(accounts::request_email_verification),
        )
        .route("/api/v1/email-verifications", post(accounts::confirm_email))
        .route(
            "/api/v1/me/preferences",
            get(preferences::show).put(preferences::update),
        )
        .route("/api/v1/announcements", get(announcements::list))
        .route("/api/v1/announcements/{id}/read", post(announcements::read))
        .route("/api/v1/me/cards", get(cards::list))
        .route("/api/v1/me/cards/{id}", delete(cards::remove))
        .route("/api/v1/plans", get(plans::list))
        .route("/api/v1/quotes", post(orders::quote))
        .route("/api/v1/orders", post(orders::create).get(orders::list))
        .route("/api/v1/orders/{id}", get(orders::show))
        .route("/api/v1/orders/{id}/refresh", post(orders::refresh))
        .route("/api/v1/orders/{id}/cancel", post(orders::cancel))
        .route("/api/v1/orders/{id}/receipt", get(records::receipt))
        .route("/api/v1/orders/{id}/receipt.pdf", get(records::receipt_pdf))
        .route("/api/v1/me/transactions", get(records::transactions))
        .route("/api/v1/me/statements", get(records::statements))
        .route("/api/v1/me/statements/{month}", get(records::statement))
        .route(
            "/api/v1/lines/{iccid}/auto-renew",
            put(auto_renew::update).get(auto_renew::show),
        )
        .route("/api/v1/webhooks/{provider}", post(webhooks::receive))
        .route(
            "/api/v1/usage",
            // 10 000 records with 128-character ids are about 2.5 MB of JSON.
            post(usage::post).layer(axum::extract::DefaultBodyLimit::max(usage::MAX_BODY_BYTES)),
        )
        .merge(support_routes())
        .route("/api/v1/openapi.json", get(openapi))
        .merge(admin::routes())
}

/// The help centre, support cases and the not-updated button.
fn support_routes() -> Router<App> {
    let with_images = axum::extract::DefaultBodyLimit::max(tickets::IMAGE_BODY_LIMIT);
    Router::new()
        .route("/api/v1/help/articles", get(help::search))
        .route("/api/v1/help/articles/{slug}", get(help::show))
        .route(
            "/api/v1/me/tickets",
            post(tickets::open).layer(with_images).get(tickets::list),
        )
        .route("/api/v1/me/tickets/{id}", get(tickets::show))
        .route(
            "/api/v1/me/tickets/{id}/messages",
            post(tickets::reply).layer(with_images),
        )
        .route(
            "/api/v1/me/tickets/{id}/attachments/{attachment}",
            get(tickets::attachment),
        )
        .route(
            "/api/v1/orders/{id}/not-updated",
            post(tickets::not_updated),
        )
        .merge(watch_routes())
}

/// Alerts about abnormal charges and usage, the spend cap, and disputing a charge.
fn watch_routes() -> Router<App> {
    Router::new()
        .route("/api/v1/me/alerts", get(alerts::alerts))
        .route(
            "/api/v1/me/spend-cap",
            get(alerts::show_cap).put(alerts::put_cap),
        )
        .route("/api/v1/orders/{id}/dispute", post(alerts::dispute))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "datacard API", description = "Self-service API for prepaid eSIM data plans."),
    paths(
        accounts::request_code, accounts::register, accounts::reset_password, accounts::change_phone,
        accounts::request_email_verification, accounts::confirm_email,
        sessions::log_in, sessions::log_out, me::me, plans::list,
        orders::quote, orders::create, orders::show, orders::refresh, orders::cancel, orders::list, webhooks::receive, usage::post,
        auto_renew::show, auto_renew::update, cards::list, cards::remove,
        records::receipt, records::receipt_pdf, records::transactions, records::statements, records::statement,
        admin::plans::list, admin::plans::show, admin::plans::put, admin::plans::retire,
        admin::promotions::list_promotions, admin::promotions::show_promotion,
        admin::promotions::put_promotion, admin::promotions::retire_promotion,
        admin::promotions::list_coupons, admin::promotions::show_coupon,
        admin::promotions::put_coupon, admin::promotions::retire_coupon,
        admin::audit::list, admin::customers::search, admin::customers::show,
        admin::payments::list, admin::payments::query, admin::payments::dismiss,
        admin::reports::summary, admin::reports::export,
        admin::refunds::refund, admin::refunds::approve, admin::refunds::adjust, admin::refunds::pending,
        admin::refunds::reject, admin::payments::fulfil, admin::messages::resend,
        admin::lines::mark, admin::lines::clear, admin::lines::list,
        preferences::show, preferences::update, announcements::list, announcements::read,
        admin::announcements::list, admin::announcements::show, admin::announcements::create,
        admin::announcements::update,
        admin::inventory::show,
        help::search, help::show, tickets::open, tickets::list, tickets::show, tickets::reply, tickets::attachment,
        tickets::not_updated, admin::tickets::list, admin::tickets::show, admin::tickets::open, admin::tickets::reply,
        admin::tickets::change, admin::help::list, admin::help::create, admin::help::put,
        alerts::alerts, alerts::show_cap, alerts::put_cap, alerts::dispute,
    ),
    components(schemas(crate::web::error::ErrorBody)),
    modifiers(&BearerAuth),
    tags((name = "accounts"), (name = "sessions"), (name = "catalog"), (name = "orders"), (name = "lines"), (name = "payments"), (name = "usage"), (name = "announcements"), (name = "help", description = "The help centre: articles in zh-HK, zh-CN and English, searchable in each."), (name = "support", description = "A subscriber's support cases."),
        (name = "admin", description = "The operator's back office; an operator key (`datacard operator-keys create NAME --role …`) as the bearer token, or a staff member's console session. Each endpoint checks the role.")),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "operator_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("dco_…")
                    .description(Some(
                        "An operator key from `datacard operator-keys create NAME`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "network_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("dck_…")
                    .description(Some(
                        "A network API key from `datacard network-keys create NAME`.",
                    ))
                    .build(),
            ),
        );
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
