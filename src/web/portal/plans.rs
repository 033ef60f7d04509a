//! The plans page: the catalog on sale, comparable at a glance.

use axum::extract::State;
use axum::response::Response;
use maud::html;

use crate::app::App;
use crate::catalog::{self, Allowance, format_bytes};
use crate::i18n::{t, tf};

use super::format::{period, speed};
use super::{Portal, error_page, render};

pub async fn show(State(app): State<App>, portal: Portal) -> Response {
    let locale = portal.locale;
    let plans = match catalog::list(&app).await {
        Ok(plans) => plans,
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
