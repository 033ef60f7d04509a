//! The plans page: the catalog on sale, comparable at a glance, with the offers the
//! visitor qualifies for on each plan.

use axum::extract::State;
use axum::response::Response;
use maud::html;

use crate::app::App;
use crate::catalog::{self, Allowance, format_bytes};
use crate::i18n::{t, tf};
use crate::orders;
use crate::promotions::{name_in, offers};

use super::format::{period, speed};
use super::{Portal, error_page, render};

pub async fn show(State(app): State<App>, portal: Portal) -> Response {
    let locale = portal.locale;
    let account_id = portal.account.as_ref().map(|a| a.id.as_str());
    let loaded = async {
        let plans = catalog::list(&app).await?;
        let ordered = match account_id {
            Some(account_id) => orders::store::ordered_plans(&app, account_id).await?,
            None => Default::default(),
        };
        let viewer = account_id.map(|account_id| offers::Viewer {
            account_id,
            ordered_plans: &ordered,
        });
        let offers = offers::for_plans(&app, viewer, &plans).await?;
        Ok::<_, crate::error::Error>((plans, offers))
    }
    .await;
    let (plans, offers) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return error_page(&portal, &error),
    };
    let currency = app.config.locale.currency;
    let body = html! {
        h1 { (t(locale, "plans.title")) }
        p.lead { (t(locale, "plans.lead")) }
        ul.plans {
            @for plan in &plans {
                li.card.plan data-plan=(plan.code) {
                    h2 { (plan.name(locale)) }
                    @if let Some(price) = plan.price(currency) { p.price { (price) } }
                    @if let Some(offers) = offers.get(&plan.code).filter(|o| !o.is_empty()) {
                        ul.offers aria-label=(t(locale, "plans.offers")) {
                            @for offer in offers {
                                li data-offer=(offer.code) {
                                    strong { (name_in(&offer.names, locale).unwrap_or(offer.code.as_str())) }
                                    span.hint {
                                        (offer.condition.text(locale))
                                        @if let Some(coupon) = &offer.coupon {
                                            " · " a href={ "/checkout?plan=" (plan.code) "&coupon=" (coupon) } { (t(locale, "plans.use_coupon")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    dl.facts {
                        dt { (t(locale, "plans.validity")) } dd { (period(locale, plan.period)) }
                        dt { (t(locale, "plans.data")) }
                        dd {
                            @match plan.allowance {
                                Allowance::Capped { bytes } => { (format_bytes(bytes)) }
                                Allowance::Unlimited { fair_use_cap, throttle_kbps } => {
                                    (t(locale, "plans.unlimited")) br;
                                    span.hint { (tf(locale, "plans.fair_use", &[("cap", &format_bytes(fair_use_cap)), ("speed", &speed(throttle_kbps))])) }
                                }
                            }
                        }
                        dt { (t(locale, "plans.zone")) } dd { (t(locale, &format!("zone.{}", plan.zone.as_str()))) }
                    }
                    a.button href={ "/checkout?plan=" (plan.code) } aria-label={ (t(locale, "plans.choose")) " " (plan.name(locale)) } { (t(locale, "plans.choose")) }
                }
            }
        }
    };
    render(&portal, &t(locale, "plans.title"), body)
}
