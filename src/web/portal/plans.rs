//! The plans page: the catalog on sale, grouped by how long each plan runs, each at
//! the price the visitor pays with the payment method they pick (its fee included,
//! and said), with the price per GB and the offers they qualify for.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use crate::app::App;
use crate::catalog::{self, Allowance, Length, Plan, PlanCode, format_bytes};
use crate::i18n::{t, tf};
use crate::money::Money;
use crate::orders::{self, Breakdown};
use crate::payments::Method;
use crate::promotions::{name_in, offers};

use super::format::{period, speed};
use super::{Portal, error_page, render};

#[derive(Debug, Default, Deserialize)]
pub struct PlansQuery {
    /// The payment method the prices are for; the first enabled one when missing or
    /// not one of them.
    #[serde(default)]
    method: String,
}

/// The payment methods the operator takes, in the order the portal lists them.
pub fn enabled_methods(app: &App) -> Vec<Method> {
    Method::ALL
        .into_iter()
        .filter(|m| m.config(&app.config.payments).enabled)
        .collect()
}

pub async fn show(
    State(app): State<App>,
    portal: Portal,
    Query(query): Query<PlansQuery>,
) -> Response {
    let locale = portal.locale;
    let methods = enabled_methods(&app);
    let method = methods
        .iter()
        .copied()
        .find(|m| m.as_str() == query.method)
        .or(methods.first().copied());
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
        let prices = match method {
            Some(method) => orders::plan_prices(&app, account_id, &plans, method).await?,
            None => BTreeMap::new(),
        };
        Ok::<_, crate::error::Error>((plans, offers, prices))
    }
    .await;
    let (plans, offers, prices) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return error_page(&portal, &error),
    };
    let groups: Vec<(Length, Vec<&Plan>)> = Length::ALL
        .into_iter()
        .map(|length| {
            let plans = plans.iter().filter(|p| p.period.length() == length);
            (length, plans.collect::<Vec<_>>())
        })
        .filter(|(_, plans)| !plans.is_empty())
        .collect();
    let shown = Shown {
        portal: &portal,
        method,
        offers: &offers,
        prices: &prices,
    };
    let body = html! {
        h1 { (t(locale, "plans.title")) }
        p.lead { (t(locale, "plans.lead")) }
        @if let Some(method) = method { (method_switch(&app, &portal, &methods, method)) }
        @if groups.len() > 1 {
            nav.jump aria-label=(t(locale, "plans.jump")) {
                ul {
                    @for (length, _) in &groups {
                        li { a href={ "#" (length.as_str()) } { (t(locale, &format!("plans.group.{}", length.as_str()))) } }
                    }
                }
            }
        }
        @for (length, plans) in &groups {
            section.plan-group aria-labelledby=(length.as_str()) {
                h2 id=(length.as_str()) { (t(locale, &format!("plans.group.{}", length.as_str()))) }
                ul.plans {
                    @for plan in plans { (shown.plan(plan)) }
                }
            }
        }
    };
    render(&portal, &t(locale, "plans.title"), body)
}

/// "Pay with": one link per method, so the switch works without script; the chosen
/// one is marked current.
fn method_switch(app: &App, portal: &Portal, methods: &[Method], chosen: Method) -> Markup {
    let locale = portal.locale;
    let config = chosen.config(&app.config.payments);
    let currency = app.config.locale.currency;
    let fee =
        super::checkout::fee_text(portal, config.fee_fixed, config.fee_basis_points, currency);
    html! {
        nav.methods aria-labelledby="methods-h" {
            p #methods-h { strong { (t(locale, "plans.pay_with")) } }
            ul {
                @for method in methods {
                    li {
                        a href={ "/plans?method=" (method.as_str()) } data-method=(method.as_str())
                            aria-current=[(*method == chosen).then_some("true")] {
                            (t(locale, &format!("plans.method_{}", method.as_str())))
                        }
                    }
                }
            }
            p.hint data-testid="method-fee" {
                (tf(locale, "plans.prices_with", &[("method", &t(locale, &format!("plans.method_{}", chosen.as_str()))), ("fee", &fee)]))
            }
        }
    }
}

struct Shown<'a> {
    portal: &'a Portal,
    method: Option<Method>,
    offers: &'a BTreeMap<PlanCode, Vec<offers::Offer>>,
    prices: &'a BTreeMap<PlanCode, Breakdown>,
}

impl Shown<'_> {
    fn plan(&self, plan: &Plan) -> Markup {
        let locale = self.portal.locale;
        let price = self.prices.get(&plan.code);
        let choose = match self.method {
            Some(method) => format!("/checkout?plan={}&method={}", plan.code, method.as_str()),
            None => format!("/checkout?plan={}", plan.code),
        };
        let offers = self.offers.get(&plan.code).filter(|o| !o.is_empty());
        html! {
            li.card.plan data-plan=(plan.code) {
                h3 { (plan.name(locale)) }
                p.terms {
                    span.nowrap { (period(locale, plan.period)) } " · "
                    @match plan.allowance {
                        Allowance::Capped { bytes } => { span.nowrap { (format_bytes(bytes)) } }
                        Allowance::Unlimited { .. } => { span.nowrap { (t(locale, "plans.unlimited")) } }
                    }
                    " · " (t(locale, &format!("zone.{}", plan.zone.as_str())))
                    @if let Allowance::Unlimited { fair_use_cap, throttle_kbps } = plan.allowance {
                        span.hint { (tf(locale, "plans.fair_use", &[("cap", &format_bytes(fair_use_cap)), ("speed", &speed(throttle_kbps))])) }
                    }
                }
                @if let Some(b) = price {
                    div.buy {
                        p.price { span.total data-testid="plan-total" data-total=(b.total) { (b.money(b.total)) } }
                        a.button href=(choose) aria-label={ (t(locale, "plans.choose")) " " (plan.name(locale)) } { (t(locale, "plans.choose")) }
                    }
                    p.hint.price-note {
                        (self.price_note(b))
                        @if let Some(per_gb) = plan.allowance.bytes().and_then(|bytes| per_gb(b.money(b.total), bytes)) {
                            " · " span.nowrap data-testid="per-gb" { (tf(locale, "plans.per_gb", &[("price", &per_gb.to_string())])) }
                        }
                    }
                }
                @if let Some(offers) = offers {
                    ul.offers aria-label=(t(locale, "plans.offers")) {
                        @for offer in offers {
                            li data-offer=(offer.code) {
                                strong { (name_in(&offer.names, locale).unwrap_or(offer.code.as_str())) }
                                span.hint {
                                    (offer.condition.text(locale))
                                    @if let Some(coupon) = &offer.coupon {
                                        " · " a href={ (choose) "&coupon=" (coupon) } { (t(locale, "plans.use_coupon")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// What the price is made of: the fee it includes, and a discount it already has.
    fn price_note(&self, b: &Breakdown) -> String {
        let locale = self.portal.locale;
        let method = self
            .method
            .map(|m| t(locale, &format!("plans.method_{}", m.as_str())))
            .unwrap_or_default();
        let mut parts = Vec::new();
        if !b.discounts.is_empty() {
            let names: Vec<&str> = b
                .discounts
                .iter()
                .map(|d| name_in(&d.names, locale).unwrap_or(&d.promotion))
                .collect();
            parts.push(tf(
                locale,
                "plans.first_period_with",
                &[
                    ("offer", &names.join(", ")),
                    ("list", &b.money(b.list_price).to_string()),
                ],
            ));
        }
        parts.push(if b.fee > 0 {
            tf(
                locale,
                "plans.incl_fee",
                &[("fee", &b.money(b.fee).to_string()), ("method", &method)],
            )
        } else {
            t(locale, "plans.no_fee")
        });
        parts.join(" · ")
    }
}

/// The price of one GB (1 GiB, as plans are sold) at `total` for `bytes`, rounded
/// half up to the minor unit; `None` for no data.
fn per_gb(total: Money, bytes: u64) -> Option<Money> {
    const GB: i128 = 1 << 30;
    if bytes == 0 || total.amount < 0 {
        return None;
    }
    let bytes = i128::from(bytes);
    let amount = (i128::from(total.amount) * GB * 2 + bytes) / (bytes * 2);
    i64::try_from(amount)
        .ok()
        .map(|amount| Money::new(amount, total.currency))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    #[test]
    fn price_per_gb_rounds_half_up_to_the_cent() {
        let hkd = |amount| Money::new(amount, Currency::HKD);
        // HK$90.20 for 20 GB: HK$4.51 a GB.
        assert_eq!(per_gb(hkd(9020), 20 << 30), Some(hkd(451)));
        // HK$18.00 for 1 GB.
        assert_eq!(per_gb(hkd(1800), 1 << 30), Some(hkd(1800)));
        // HK$0.05 for 2 GB is 2.5 cents a GB: 3.
        assert_eq!(per_gb(hkd(5), 2 << 30), Some(hkd(3)));
        // HK$100 for 512 MB: HK$200 a GB.
        assert_eq!(per_gb(hkd(10_000), 512 << 20), Some(hkd(20_000)));
        assert_eq!(per_gb(hkd(10_000), 0), None);
    }
}
