//! Quotes: what an order would cost, promotions included, with no side effects (but
//! for counting unknown coupon codes, see [`crate::promotions::throttle`]). The
//! server prices: nothing the client says about prices or discounts is read.

use std::collections::{BTreeMap, BTreeSet};

use crate::app::App;
use crate::catalog::{self, MAX_PERIODS, Plan, PlanCode};
use crate::error::{Code, Error, Result};
use crate::lines::Iccid;
use crate::money::Money;
use crate::promotions::{self, Applied, History, Promotion, Purchase};

use super::pricing::{self, Breakdown, Fee};
use super::store;
use super::{OrderKind, OrderRequest, Product};
use crate::payments::Method;

/// Wallet top-ups between HK$10 and HK$10,000 (in the operator's currency).
const TOP_UP_RANGE: std::ops::RangeInclusive<i64> = 1_000..=1_000_000;

#[derive(Debug, Clone)]
pub struct Quote {
    pub request: OrderRequest,
    pub breakdown: Breakdown,
    pub plan: Option<Plan>,
    pub iccid: Option<Iccid>,
    pub settlement_secs: i64,
    /// The promotions the order gets, to be redeemed with it.
    pub applied: Vec<Applied>,
}

pub async fn quote(app: &App, account_id: &str, request: &OrderRequest) -> Result<Quote> {
    let payments = &app.config.payments;
    let method = request.payment_method.config(payments);
    if !method.enabled {
        return Err(Error::invalid(Code::PaymentMethodUnavailable).on_field("payment_method"));
    }
    let fee = fee_of(app, request.payment_method);
    let currency = app.config.locale.currency;
    let coupon = request
        .coupon
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let (breakdown, plan, iccid, applied) = match request.kind {
        OrderKind::WalletTopup => {
            if request.payment_method == Method::Wallet {
                return Err(
                    Error::invalid(Code::PaymentMethodUnavailable).on_field("payment_method")
                );
            }
            if request.plan_code.is_some() || request.iccid.is_some() || request.periods != 1 {
                return Err(Error::invalid(Code::InvalidTopUp));
            }
            let amount = request
                .amount
                .ok_or_else(|| Error::invalid(Code::InvalidAmount).on_field("amount"))?;
            if amount.currency != currency || !TOP_UP_RANGE.contains(&amount.amount) {
                return Err(Error::invalid(Code::InvalidAmount).on_field("amount"));
            }
            if coupon.is_some() {
                return Err(Error::invalid(Code::CouponNotApplicable).on_field("coupon"));
            }
            (
                pricing::price(amount, 1, Vec::new(), fee)?,
                None,
                None,
                Vec::new(),
            )
        }
        OrderKind::Renewal | OrderKind::NewEsim => {
            if request.amount.is_some() {
                return Err(Error::invalid(Code::InvalidBody));
            }
            let code = request
                .plan_code
                .as_deref()
                .ok_or_else(|| Error::invalid(Code::InvalidPlanCode).on_field("plan_code"))?;
            let code = PlanCode::parse(code)?;
            let plan = catalog::find(app, &code)
                .await?
                .ok_or_else(|| Error::not_found(Code::PlanNotFound))?;
            plan.price(currency)
                .ok_or_else(|| Error::not_found(Code::PlanNotFound))?;
            let iccid = match (request.kind, &request.iccid) {
                (OrderKind::Renewal, Some(text)) => {
                    let iccid = Iccid::parse(text)?;
                    ensure_line_of(app, &iccid, account_id).await?;
                    Some(iccid)
                }
                (OrderKind::Renewal, None) => {
                    return Err(Error::invalid(Code::InvalidIccid).on_field("iccid"));
                }
                (_, Some(_)) => return Err(Error::invalid(Code::InvalidBody)),
                (_, None) => None,
            };
            if request.periods == 0 || request.periods > MAX_PERIODS {
                return Err(Error::invalid(Code::InvalidPeriods).on_field("periods"));
            }
            let ordered = store::ordered_plans(app, account_id).await?;
            let (breakdown, applied) = price_plan(
                app,
                account_id,
                &plan,
                request.periods,
                request.payment_method,
                coupon,
                &ordered,
                None,
            )
            .await?;
            (breakdown, Some(plan), iccid, applied)
        }
    };
    Ok(Quote {
        request: request.clone(),
        breakdown,
        plan,
        iccid,
        settlement_secs: method.settlement_secs,
        applied,
    })
}

/// The fee `method` adds, as configured.
fn fee_of(app: &App, method: Method) -> Fee {
    let config = method.config(&app.config.payments);
    Fee {
        fixed: config.fee_fixed,
        basis_points: config.fee_basis_points,
    }
}

/// `periods` of `plan` paid by `method`, priced as an order is: the promotions the
/// account's history (`ordered`) and `coupon` give, free periods added, the fee on
/// top. `account_id` is read only for a coupon; `candidate` is an unsaved offer priced
/// in place of the stored one of its code (the console's preview).
#[expect(
    clippy::too_many_arguments,
    reason = "one order's terms, each its own; a struct would only rename them"
)]
async fn price_plan(
    app: &App,
    account_id: &str,
    plan: &Plan,
    periods: u32,
    method: Method,
    coupon: Option<&str>,
    ordered: &BTreeSet<String>,
    candidate: Option<&Promotion>,
) -> Result<(Breakdown, Vec<Applied>)> {
    let unit_price = plan
        .price(app.config.locale.currency)
        .ok_or_else(|| Error::not_found(Code::PlanNotFound))?;
    let purchase = Purchase {
        plan,
        unit_price,
        periods,
        method,
        coupon,
        history: history_of(plan, ordered),
    };
    let applied = promotions::for_order_with(app, account_id, &purchase, candidate).await?;
    let all = periods + promotions::free_periods(&applied);
    let discounts = pricing::discounts(&applied);
    let breakdown = pricing::price(unit_price, all, discounts, fee_of(app, method))?;
    Ok((breakdown, applied))
}

fn history_of(plan: &Plan, ordered: &BTreeSet<String>) -> History {
    History {
        ordered_plan: ordered.contains(plan.code.as_str()),
        ordered_any: !ordered.is_empty(),
    }
}

/// What one period of each plan on sale costs paid by `method`, exactly as the
/// checkout's review will price it for this caller (`None`: not signed in, so no
/// earlier orders): promotions included, the method's fee added. Plans without a
/// price in the operator's currency are left out.
pub async fn plan_prices(
    app: &App,
    account_id: Option<&str>,
    plans: &[Plan],
    method: Method,
) -> Result<BTreeMap<PlanCode, Breakdown>> {
    plan_prices_with_offer(app, account_id, plans, method, None).await
}

/// As [`plan_prices`], with `offer` (an unsaved promotion or coupon, a coupon as if
/// entered) in place of the stored offer of its code; the plans need not be stored
/// either. What the console's preview shows, priced by the same code.
pub async fn plan_prices_with_offer(
    app: &App,
    account_id: Option<&str>,
    plans: &[Plan],
    method: Method,
    offer: Option<&Promotion>,
) -> Result<BTreeMap<PlanCode, Breakdown>> {
    if !method.config(&app.config.payments).enabled {
        return Err(Error::invalid(Code::PaymentMethodUnavailable).on_field("payment_method"));
    }
    let ordered = match account_id {
        Some(account_id) => store::ordered_plans(app, account_id).await?,
        None => BTreeSet::new(),
    };
    let mut prices = BTreeMap::new();
    for plan in plans {
        if plan.price(app.config.locale.currency).is_none() {
            continue;
        }
        // No coupon is entered here, so no account is read for one.
        let (breakdown, _) = price_plan(
            app,
            account_id.unwrap_or_default(),
            plan,
            1,
            method,
            None,
            &ordered,
            offer,
        )
        .await?;
        prices.insert(plan.code.clone(), breakdown);
    }
    Ok(prices)
}

/// A number of periods the checkout offers: `paid` for, and `free` more on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodOption {
    pub paid: u32,
    pub free: u32,
}

impl PeriodOption {
    pub fn total(&self) -> u32 {
        self.paid + self.free
    }
}

/// The counts of periods offered at checkout.
const OFFERED_PERIODS: [u32; 5] = [1, 2, 3, 6, 12];

/// The numbers of periods the checkout offers for `plan` paid by `method`, each with
/// the free periods it gets (buy 3 get 1: "3 + 1 free"); `wanted` (from a link) is
/// offered too when it is a number that can be ordered.
pub async fn period_options(
    app: &App,
    account_id: &str,
    plan: &Plan,
    method: Method,
    wanted: Option<u32>,
) -> Result<Vec<PeriodOption>> {
    let Some(unit_price) = plan.price(app.config.locale.currency) else {
        return Ok(Vec::new());
    };
    let mut counts: Vec<u32> = OFFERED_PERIODS
        .into_iter()
        .chain(wanted.filter(|w| (1..=MAX_PERIODS).contains(w)))
        .collect();
    counts.sort_unstable();
    counts.dedup();
    let ordered = store::ordered_plans(app, account_id).await?;
    let purchase = Purchase {
        plan,
        unit_price,
        periods: 1,
        method,
        coupon: None,
        history: history_of(plan, &ordered),
    };
    let free = promotions::free_periods_by_count(app, &purchase, &counts).await?;
    Ok(counts
        .into_iter()
        .zip(free)
        .map(|(paid, free)| PeriodOption { paid, free })
        .filter(|option| option.total() <= MAX_PERIODS)
        .collect())
}

/// Someone else's line, or none, is "not found": we do not say which.
async fn ensure_line_of(app: &App, iccid: &Iccid, account_id: &str) -> Result<()> {
    match crate::lines::owner_of(app, iccid).await?.flatten() {
        Some(owner) if owner.as_str() == account_id => Ok(()),
        _ => Err(Error::not_found(Code::LineNotFound)),
    }
}

impl Quote {
    pub fn total(&self) -> Money {
        self.breakdown.money(self.breakdown.total)
    }

    /// What an order made from this quote buys: [`quote`] has checked that a
    /// renewal has its line and plan, a new eSIM its plan.
    pub fn product(&self) -> Result<Product> {
        let missing = |what: &str| Error::internal(anyhow::anyhow!("quote without its {what}"));
        let plan = || {
            self.plan
                .as_ref()
                .map(|p| p.code.clone())
                .ok_or_else(|| missing("plan"))
        };
        Ok(match self.request.kind {
            OrderKind::Renewal => Product::Renewal {
                iccid: self.iccid.clone().ok_or_else(|| missing("ICCID"))?,
                plan: plan()?,
            },
            OrderKind::NewEsim => Product::NewEsim { plan: plan()? },
            OrderKind::WalletTopup => Product::WalletTopup,
        })
    }
}
