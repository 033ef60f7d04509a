//! Checkout: choose (plan, line, periods, method, coupon) → review the breakdown,
//! each promotion with why it applies → pay. Nothing is charged before the
//! subscriber confirms the review; a coupon that does not apply sends them back to
//! the first step with the reason at the coupon field.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Code, Error, ErrorKind};
use crate::i18n::{t, tf};
use crate::ledger;
use crate::lines;
use crate::money::Money;
use crate::orders::{self, OrderKind, OrderRequest};
use crate::payments::Method;
use crate::payments::NextAction;
use crate::web::extract::PayerDevice;

mod review;
pub mod shortfall;

pub use review::review;
use review::{Confirmed, review_page};

use super::auth::with_status;
use super::forms::{CsrfForm, error_banner};
use super::{Portal, error_page, render, require_account, to_payment_page};

/// The checkout's state, carried in the query string and the confirming form.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Choice {
    #[serde(default)]
    plan: String,
    /// An ICCID to renew, or `new` for a new eSIM.
    #[serde(default)]
    target: String,
    /// Pre-fill from links in SMS and email.
    #[serde(default)]
    iccid: String,
    #[serde(default)]
    periods: Option<String>,
    #[serde(default)]
    method: String,
    /// Whole dollars, for a wallet top-up.
    #[serde(default)]
    topup: Option<String>,
    #[serde(default)]
    coupon: Option<String>,
    /// The total (minor units) the subscriber saw on the review page; paying checks it.
    #[serde(default)]
    confirmed_total: Option<String>,
    /// A top-up started from a review the wallet could not pay: that review's query,
    /// to come back to ([`shortfall::remember`]).
    #[serde(default, skip_serializing)]
    resume: Option<String>,
}

impl Choice {
    fn coupon(&self) -> Option<String> {
        self.coupon
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_ascii_uppercase)
    }

    /// One when the form leaves it out; anything else that is not a whole number of
    /// periods is refused, never quietly read as one.
    fn periods(&self) -> Result<u32, Error> {
        match self.periods.as_deref().map(str::trim) {
            None | Some("") => Ok(1),
            Some(text) => text
                .parse()
                .map_err(|_| Error::invalid(Code::InvalidPeriods).on_field("periods")),
        }
    }

    fn request(&self, app: &App) -> Result<OrderRequest, Error> {
        let method = Method::parse(&self.method)
            .ok_or_else(|| Error::invalid(Code::PaymentMethodUnavailable).on_field("method"))?;
        if let Some(topup) = self.topup.as_deref() {
            let dollars: i64 = topup
                .trim()
                .parse()
                .map_err(|_| Error::invalid(Code::InvalidAmount).on_field("topup"))?;
            let amount = dollars
                .checked_mul(100)
                .ok_or_else(|| Error::invalid(Code::InvalidAmount).on_field("topup"))?;
            return Ok(OrderRequest {
                kind: OrderKind::WalletTopup,
                iccid: None,
                plan_code: None,
                periods: 1,
                payment_method: method,
                amount: Some(Money::new(amount, app.config.locale.currency)),
                coupon: self.coupon(),
            });
        }
        let target = if self.target.is_empty() {
            self.iccid.as_str()
        } else {
            self.target.as_str()
        };
        let (kind, iccid) = match target {
            "" | "new" => (OrderKind::NewEsim, None),
            iccid => (OrderKind::Renewal, Some(iccid.to_owned())),
        };
        Ok(OrderRequest {
            kind,
            iccid,
            plan_code: Some(self.plan.clone()),
            periods: self.periods()?,
            payment_method: method,
            amount: None,
            coupon: self.coupon(),
        })
    }
}

/// Step one: what and how.
pub async fn choose(
    State(app): State<App>,
    portal: Portal,
    Query(choice): Query<Choice>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    let mut page = choose_page(&app, &portal, &account.id, &choice, None).await;
    if let Some(cookie) = choice
        .resume
        .as_deref()
        .and_then(|resume| shortfall::remember(&portal, resume))
    {
        page.headers_mut()
            .append(axum::http::header::SET_COOKIE, cookie);
    }
    page
}

async fn choose_page(
    app: &App,
    portal: &Portal,
    account_id: &str,
    choice: &Choice,
    error: Option<&Error>,
) -> Response {
    let locale = portal.locale;
    let currency = app.config.locale.currency;
    let method = Method::parse(&choice.method)
        .filter(|m| m.config(&app.config.payments).enabled)
        .or_else(|| super::plans::enabled_methods(app).first().copied());
    let wanted = choice.periods().ok();
    let loaded = async {
        let lines = lines::for_account(app, account_id).await?;
        let balance = ledger::wallet_balance(app, account_id, currency).await?;
        let plan = match crate::catalog::PlanCode::parse(&choice.plan) {
            Ok(code) => crate::catalog::find(app, &code).await?,
            Err(_) => None,
        };
        let options = match (&plan, method) {
            (Some(plan), Some(method)) => {
                orders::period_options(app, account_id, plan, method, wanted).await?
            }
            _ => Vec::new(),
        };
        Ok::<_, Error>((lines, balance, plan, options))
    }
    .await;
    let (lines, balance, plan, options) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return error_page(portal, &error),
    };
    let topup = choice.topup.is_some();
    if !topup && plan.is_none() {
        if choice.plan.trim().is_empty() {
            return Redirect::to("/plans").into_response();
        }
        // A link to a plan no longer sold (or never): say so, and the way on.
        return not_on_sale(portal);
    }
    let preselected = if choice.target.is_empty() {
        choice.iccid.as_str()
    } else {
        choice.target.as_str()
    };
    // A link naming an eSIM that is not one of the subscriber's: said at once, and
    // nothing preselected.
    let foreign = Error::not_found(crate::error::Code::LineNotFound);
    let error = error.or_else(|| {
        (!topup
            && !matches!(preselected, "" | "new")
            && !lines.iter().any(|l| l.iccid.as_str() == preselected))
        .then_some(&foreign)
    });
    let title = if topup {
        t(locale, "checkout.topup_title")
    } else {
        t(locale, "checkout.title")
    };
    let body = html! {
        h1 { (title) }
        p.lead { (t(locale, "checkout.lead")) }
        (error_banner(portal, error, &["coupon"]))
        form.stack method="get" action="/checkout/review" {
            @if let Some(plan) = &plan {
                input type="hidden" name="plan" value=(plan.code);
                p { strong { (t(locale, "checkout.plan")) ": " } (plan.name(locale)) " · " (tf(locale, "checkout.unit_price", &[("price", &plan.price(currency).map(|p| p.to_string()).unwrap_or_default())])) }
                fieldset {
                    legend { (t(locale, "checkout.target")) }
                    @for line in &lines {
                        label.choice {
                            input type="radio" name="target" value=(line.iccid) checked[preselected == line.iccid.as_str() || (preselected.is_empty() && lines.len() == 1)];
                            " " (tf(locale, "checkout.renew_line", &[("tail", &line.iccid.as_str()[line.iccid.as_str().len() - 4..])]))
                        }
                    }
                    label.choice {
                        input type="radio" name="target" value="new" checked[preselected == "new" || lines.is_empty()];
                        " " (t(locale, "checkout.new_esim"))
                    }
                }
                (periods_field(portal, plan, &options, wanted.unwrap_or(1)))
            } @else {
                div {
                    label for="f-topup" { (t(locale, "checkout.amount")) }
                    input #f-topup type="number" name="topup" min="10" max="10000" value=(choice.topup.clone().unwrap_or_default()) inputmode="numeric";
                }
            }
            (methods(app, portal, &choice.method, balance, topup))
            @if !topup { (coupon_field(portal, choice, error)) }
            div { button type="submit" { (t(locale, "checkout.review")) } }
        }
    };
    with_status(render(portal, &title, body), error)
}

/// The periods as choices, each saying what it gets: "3 × 30 days + 1 free".
fn periods_field(
    portal: &Portal,
    plan: &crate::catalog::Plan,
    options: &[orders::PeriodOption],
    wanted: u32,
) -> Markup {
    let locale = portal.locale;
    let length = super::format::period(locale, plan.period);
    let checked = if options.iter().any(|o| o.paid == wanted) {
        wanted
    } else {
        1
    };
    html! {
        fieldset.periods {
            legend { (t(locale, "checkout.periods")) }
            @for option in options {
                label.choice data-periods=(option.paid) data-free=(option.free) {
                    input type="radio" name="periods" value=(option.paid) checked[option.paid == checked];
                    " " (tf(locale, "checkout.periods_option", &[("count", &option.paid.to_string()), ("length", &length)]))
                    @if option.free > 0 {
                        " " strong { (tf(locale, "checkout.periods_free", &[("free", &option.free.to_string())])) }
                        span.hint { (tf(locale, "checkout.periods_all", &[("count", &option.total().to_string())])) }
                    }
                }
            }
        }
    }
}

/// The checkout of a plan that is not on sale: the reason, and the way to the plans.
fn not_on_sale(portal: &Portal) -> Response {
    let locale = portal.locale;
    let title = t(locale, "checkout.title");
    let body = html! {
        h1 { (title) }
        (super::layout::notice(&t(locale, "error.plan_not_found"), true))
        p { a.button href="/plans" { (t(locale, "checkout.see_plans")) } }
    };
    let mut page = render(portal, &title, body);
    *page.status_mut() = axum::http::StatusCode::NOT_FOUND;
    page
}

/// Optional, so not a [`super::forms::Field`] (which is required); its error, if
/// any, is said right under it.
fn coupon_field(portal: &Portal, choice: &Choice, error: Option<&Error>) -> Markup {
    let locale = portal.locale;
    let own_error = error.filter(|e| e.field == Some("coupon"));
    let described = if own_error.is_some() {
        "f-coupon-hint f-coupon-error"
    } else {
        "f-coupon-hint"
    };
    html! {
        div {
            label for="f-coupon" { (t(locale, "checkout.coupon")) }
            span.hint id="f-coupon-hint" { (t(locale, "checkout.coupon_hint")) }
            // A refused code comes back with the focus in the field (which scrolls it
            // into view on a phone), ready to be corrected, without script.
            input #f-coupon type="text" name="coupon" value=(choice.coupon().unwrap_or_default())
                autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="32"
                autofocus[own_error.is_some()]
                aria-invalid=[own_error.map(|_| "true")] aria-describedby=(described);
            @if let Some(error) = own_error {
                p.field-error #f-coupon-error role="alert" data-testid="coupon-error" data-code=(error.code) {
                    (t(locale, &format!("error.{}", error.code)))
                }
            }
        }
    }
}

fn methods(app: &App, portal: &Portal, selected: &str, balance: Money, topup: bool) -> Markup {
    let locale = portal.locale;
    let enabled: Vec<Method> = Method::ALL
        .into_iter()
        .filter(|m| m.config(&app.config.payments).enabled && !(topup && *m == Method::Wallet))
        .collect();
    let selected = if enabled.iter().any(|m| m.as_str() == selected) {
        selected
    } else {
        enabled.first().map(|m| m.as_str()).unwrap_or("")
    };
    html! {
        fieldset {
            legend { (t(locale, "checkout.method")) }
            @for method in enabled {
                @let config = method.config(&app.config.payments);
                @let name = if method == Method::Wallet {
                    tf(locale, "checkout.method_wallet", &[("balance", &balance.to_string())])
                } else {
                    t(locale, &format!("checkout.method_{}", method.as_str()))
                };
                @let fee = fee_text(portal, config.fee_fixed, config.fee_basis_points, balance.currency);
                @let settles = if config.settlement_secs <= 0 { t(locale, "checkout.settles_now") } else {
                    tf(locale, "checkout.settles_in", &[("minutes", &((config.settlement_secs + 59) / 60).to_string())])
                };
                label.choice {
                    input type="radio" name="method" value=(method.as_str()) checked[selected == method.as_str()];
                    " " (name) span.hint { (fee) " · " (settles) }
                }
            }
        }
    }
}

pub(crate) fn fee_text(
    portal: &Portal,
    fixed: i64,
    basis_points: i64,
    currency: crate::money::Currency,
) -> String {
    let locale = portal.locale;
    let mut parts = Vec::new();
    if fixed > 0 {
        parts.push(Money::new(fixed, currency).to_string());
    }
    if basis_points > 0 {
        parts.push({
            let percent = format!("{}.{:02}", basis_points / 100, basis_points % 100);
            // A no-break space: "2.5 %" never splits between the number and its sign.
            format!(
                "{}\u{a0}%",
                percent.trim_end_matches('0').trim_end_matches('.')
            )
        });
    }
    if parts.is_empty() {
        t(locale, "checkout.fee_none")
    } else {
        tf(locale, "checkout.fee", &[("fee", &parts.join(" + "))])
    }
}

/// Step three: create the order, then off to the provider (or straight to the order).
pub async fn pay(
    State(app): State<App>,
    portal: Portal,
    PayerDevice(payer): PayerDevice,
    CsrfForm(choice): CsrfForm<Choice>,
) -> Response {
    let account = match require_account(&portal) {
        Ok(account) => account.clone(),
        Err(redirect) => return redirect.into_response(),
    };
    // The total the subscriber confirmed on the review must be today's total: a price
    // or offer that changed since (a new catalog version, a coupon used up), or a total
    // missing or not a number, shows the review again instead of charging.
    let confirmed: Option<i64> = choice
        .confirmed_total
        .as_deref()
        .and_then(|t| t.trim().parse().ok());
    let created = match choice.request(&app) {
        Ok(request) => {
            if let Ok(quote) = orders::quote(&app, &account.id, &request).await
                && confirmed != Some(quote.breakdown.total)
            {
                let confirmed = confirmed.map_or(Confirmed::Unreadable, Confirmed::Other);
                return review_page(&app, &portal, &choice, &quote, confirmed).await;
            }
            orders::create_for(&app, &account.id, &request, &payer, None).await
        }
        Err(error) => Err(error),
    };
    let mut answer = match created {
        Ok(order) => match order.payment.as_ref().map(|p| &p.next_action) {
            Some(NextAction::Redirect { url }) => to_payment_page(url),
            _ => Redirect::to(&format!("/orders/{}", order.id)).into_response(),
        },
        Err(error) if error.kind == ErrorKind::Internal => error_page(&portal, &error),
        Err(error) => choose_page(&app, &portal, &account.id, &choice, Some(&error)).await,
    };
    // Back at a checkout after a top-up: the way back is not needed any more.
    if choice.topup.is_none()
        && let Some(forget) =
            crate::web::cookies::set(crate::web::cookies::RESUME, "", 0, portal.secure)
    {
        answer
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, forget);
    }
    answer
}
