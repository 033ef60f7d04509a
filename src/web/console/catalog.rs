//! The catalog in the console, `/admin/catalog`: every plan with its versions (the one
//! in force, scheduled ones, retired plans), every promotion and coupon with the
//! orders holding it and the uses left. Every role reads it; admins also get the
//! links to the forms (`catalog_plans`, `catalog_offers`) that change it.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::catalog::history::{self, PlanRecord};
use crate::catalog::{Allowance, format_bytes};
use crate::i18n::{t, tf};
use crate::promotions::history::{self as offers, PromotionRecord};
use crate::promotions::{Kind, Off};
use crate::staff::Permission;
use crate::web::portal::format::{datetime, period};

use super::{Console, catalog_inventory, catalog_offers, catalog_plans, error_page, render};

pub fn routes() -> Router<App> {
    use catalog_offers as o;
    Router::new()
        .route("/admin/catalog", get(show))
        .route("/admin/catalog/plans/new", get(catalog_plans::new_form))
        .route(
            "/admin/catalog/plans",
            axum::routing::post(catalog_plans::submit_new),
        )
        .route(
            "/admin/catalog/plans/{code}",
            get(catalog_plans::edit_form).post(catalog_plans::submit_edit),
        )
        .route("/admin/catalog/promotions/new", get(o::new_promotion))
        .route(
            "/admin/catalog/promotions",
            axum::routing::post(o::create_promotion),
        )
        .route(
            "/admin/catalog/promotions/{code}",
            get(o::edit_promotion).post(o::update_promotion),
        )
        .route("/admin/catalog/coupons/new", get(o::new_coupon))
        .route(
            "/admin/catalog/coupons",
            axum::routing::post(o::create_coupon),
        )
        .route(
            "/admin/catalog/coupons/{code}",
            get(o::edit_coupon).post(o::update_coupon),
        )
        .route(
            "/admin/inventory",
            get(catalog_inventory::show).post(catalog_inventory::upload),
        )
}

/// What the page says after a form saved: `done=plan_changed&code=HK-30D-20G`.
#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: String,
    #[serde(default)]
    code: String,
}

const OUTCOMES: [&str; 9] = [
    "plan_created",
    "plan_changed",
    "plan_unchanged",
    "promotion_created",
    "promotion_changed",
    "promotion_unchanged",
    "coupon_created",
    "coupon_changed",
    "coupon_unchanged",
];

pub async fn show(State(app): State<App>, console: Console, Query(done): Query<Done>) -> Response {
    let member = match console.require(Permission::Read) {
        Ok(member) => member,
        Err(response) => return *response,
    };
    let may_edit = member.role.may(Permission::EditCatalog);
    let locale = console.locale;
    let loaded = async {
        Ok::<_, crate::error::Error>((
            history::plans(&app, None).await?,
            offers::promotions(&app, None).await?,
        ))
    }
    .await;
    let (plans, records) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return error_page(&console, &error),
    };
    let (coupons, promotions): (Vec<&PromotionRecord>, Vec<&PromotionRecord>) =
        records.iter().partition(|r| r.promotion.coupon().is_some());
    let code = done
        .code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(40)
        .collect::<String>();
    let body = html! {
        h1 { (t(locale, "console.catalog.title")) }
        @if OUTCOMES.contains(&done.done.as_str()) {
            (super::layout::notice(&tf(locale, &format!("console.catalog.done.{}", done.done), &[("code", &code)]), false))
        }
        section.card #plans aria-labelledby="plans-h" {
            h2 #plans-h { (t(locale, "console.catalog.plans")) }
            @if may_edit { p { a.button href="/admin/catalog/plans/new" { (t(locale, "console.catalog.new_plan")) } } }
            (plans_table(&app, &console, &plans, may_edit))
        }
        section.card #promotions aria-labelledby="promotions-h" {
            h2 #promotions-h { (t(locale, "console.catalog.promotions")) }
            @if may_edit { p { a.button href="/admin/catalog/promotions/new" { (tf(locale, "console.catalog.new_offer", &[("what", &t(locale, "console.catalog.noun.promotions"))])) } } }
            (offers_table(&app, &console, &promotions, "promotions", may_edit))
        }
        section.card #coupons aria-labelledby="coupons-h" {
            h2 #coupons-h { (t(locale, "console.catalog.coupons")) }
            @if may_edit { p { a.button href="/admin/catalog/coupons/new" { (tf(locale, "console.catalog.new_offer", &[("what", &t(locale, "console.catalog.noun.coupons"))])) } } }
            (offers_table(&app, &console, &coupons, "coupons", may_edit))
        }
    };
    render(&console, &t(locale, "console.catalog.title"), body)
}

fn plans_table(app: &App, console: &Console, plans: &[PlanRecord], may_edit: bool) -> Markup {
    let locale = console.locale;
    let now = app.now();
    let zone = app.config.time_zone();
    let currency = app.config.locale.currency;
    html! {
        @if plans.is_empty() { p { (t(locale, "console.catalog.none")) } } @else {
            div.scroll tabindex="0" role="region" aria-label=(t(locale, "console.catalog.plans")) { table data-testid="plans" {
                thead { tr {
                    th scope="col" { (t(locale, "console.catalog.plan")) }
                    th scope="col" { (t(locale, "console.catalog.terms")) }
                    th scope="col" { (t(locale, "console.catalog.price_now")) }
                    th scope="col" { (t(locale, "console.catalog.versions")) }
                    th scope="col" { (t(locale, "console.catalog.state")) }
                    @if may_edit { th scope="col" { span.skip-label { (t(locale, "console.staff.actions")) } } }
                } }
                tbody {
                    @for record in plans {
                        @let shown = record.in_force(now).or(record.latest());
                        tr data-plan=(record.code) {
                            td { @if let Some(v) = shown { (v.name(locale)) br; } code.hint { (record.code) } }
                            td { @if let Some(v) = shown {
                                (period(locale, v.period)) " · "
                                @match v.allowance {
                                    Allowance::Capped { bytes } => { (format_bytes(bytes)) }
                                    Allowance::Unlimited { .. } => { (t(locale, "plans.unlimited")) }
                                }
                                br; span.hint { (t(locale, &format!("zone.{}", record.zone.as_str()))) }
                            } }
                            td data-testid="price-now" { @if let Some(price) = record.in_force(now).and_then(|v| v.price(currency)) { (price) } @else { "—" } }
                            td {
                                @for v in record.versions.iter().rev() {
                                    @if v.effective_from > now {
                                        span.tag.scheduled data-scheduled=(v.version) { (tf(locale, "console.catalog.version_from", &[("version", &v.version.to_string()), ("time", &datetime(locale, v.effective_from, zone))])) }
                                        br;
                                    }
                                }
                                @if let Some(v) = record.in_force(now) { (tf(locale, "console.catalog.version_in_force", &[("version", &v.version.to_string()), ("count", &record.versions.len().to_string())])) }
                            }
                            td {
                                @if let Some(at) = record.retired_at { span.tag.retired { (tf(locale, "console.catalog.retired_since", &[("time", &datetime(locale, at, zone))])) } }
                                @else if record.in_force(now).is_none() { (t(locale, "console.catalog.not_yet")) }
                                @else { (t(locale, "console.catalog.on_sale")) }
                            }
                            @if may_edit { td { a.edit href={ "/admin/catalog/plans/" (record.code) } aria-label={ (t(locale, "console.catalog.edit")) " " (record.code) } { (t(locale, "console.catalog.edit")) } } }
                        }
                    }
                }
            } }
        }
    }
}

/// What an offer takes off or gives, in the reader's words.
fn effect(console: &Console, currency: crate::money::Currency, kind: &Kind) -> String {
    let locale = console.locale;
    let off = |off: &Off| off.describe(currency);
    match kind {
        Kind::FirstPeriod { off: o, .. } => tf(
            locale,
            "console.catalog.effect.first_period",
            &[("off", &off(o))],
        ),
        Kind::FreePeriods { buy, free } => tf(
            locale,
            "console.catalog.effect.free_periods",
            &[("buy", &buy.to_string()), ("free", &free.to_string())],
        ),
        Kind::Coupon(coupon) => tf(
            locale,
            "console.catalog.effect.coupon",
            &[("off", &off(&coupon.off))],
        ),
    }
}

fn offers_table(
    app: &App,
    console: &Console,
    records: &[&PromotionRecord],
    path: &str,
    may_edit: bool,
) -> Markup {
    let locale = console.locale;
    let zone = app.config.time_zone();
    let now = app.now();
    let currency = app.config.locale.currency;
    let coupons = path == "coupons";
    html! {
        @if records.is_empty() { p { (t(locale, "console.catalog.none")) } } @else {
            div.scroll tabindex="0" role="region" aria-label=(t(locale, &format!("console.catalog.{path}"))) { table data-testid=(path) {
                thead { tr {
                    th scope="col" { (t(locale, "console.catalog.offer")) }
                    th scope="col" { (t(locale, "console.catalog.discount")) }
                    th scope="col" { (t(locale, "console.catalog.valid")) }
                    th scope="col" { (t(locale, "console.catalog.redemptions")) }
                    @if coupons { th scope="col" { (t(locale, "console.catalog.uses_left")) } }
                    th scope="col" { (t(locale, "console.catalog.state")) }
                    @if may_edit { th scope="col" { span.skip-label { (t(locale, "console.staff.actions")) } } }
                } }
                tbody {
                    @for record in records {
                        @let p = &record.promotion;
                        tr data-offer=(p.code) {
                            td { (p.name(locale)) br; code.hint { (p.code) } }
                            td { (effect(console, currency, &p.kind)) }
                            td {
                                @if let Some(at) = p.window.starts_at { (tf(locale, "console.catalog.from", &[("time", &datetime(locale, at, zone))])) br; }
                                @if let Some(at) = p.window.ends_at { (tf(locale, "console.catalog.until", &[("time", &datetime(locale, at, zone))])) }
                                @if p.window.starts_at.is_none() && p.window.ends_at.is_none() { (t(locale, "console.catalog.always")) }
                            }
                            td data-redemptions=(record.redemptions) { (record.redemptions) }
                            @if coupons {
                                td data-testid="uses-left" {
                                    @match p.coupon().and_then(|c| c.total_limit) {
                                        Some(limit) => { (limit.saturating_sub(record.redemptions)) " / " (limit) }
                                        None => { (t(locale, "console.catalog.no_limit")) }
                                    }
                                }
                            }
                            td {
                                @if let Some(at) = record.retired_at { span.tag.retired { (tf(locale, "console.catalog.retired_since", &[("time", &datetime(locale, at, zone))])) } }
                                @else if p.window.ended(now) { (t(locale, "console.catalog.ended")) }
                                @else if !p.window.started(now) { (t(locale, "console.catalog.not_yet")) }
                                @else { (t(locale, "console.catalog.active")) }
                            }
                            @if may_edit { td { a.edit href={ "/admin/catalog/" (path) "/" (p.code) } aria-label={ (t(locale, "console.catalog.edit")) " " (p.code) } { (t(locale, "console.catalog.edit")) } } }
                        }
                    }
                }
            } }
        }
    }
}
