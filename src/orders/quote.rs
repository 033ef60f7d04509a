//! Quotes: what an order would cost, promotions included, with no side effects (but
//! for counting unknown coupon codes, see [`crate::promotions::throttle`]). The
//! server prices: nothing the client says about prices or discounts is read.

use crate::app::App;
use crate::catalog::{self, MAX_PERIODS, Plan, PlanCode};
use crate::error::{Code, Error, Result};
use crate::lines::Iccid;
use crate::money::Money;
use crate::promotions::{self, Applied, History, Purchase};

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
    let fee = Fee {
        fixed: method.fee_fixed,
        basis_points: method.fee_basis_points,
    };
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
            let unit_price = plan
                .price(currency)
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
            let purchase = Purchase {
                plan: &plan,
                unit_price,
                periods: request.periods,
                method: request.payment_method,
                coupon,
                history: History {
                    ordered_plan: ordered.contains(plan.code.as_str()),
                    ordered_any: !ordered.is_empty(),
                },
            };
            let applied = promotions::for_order(app, account_id, &purchase).await?;
            let periods = request.periods + promotions::free_periods(&applied);
            let discounts = pricing::discounts(&applied);
            (
                pricing::price(unit_price, periods, discounts, fee)?,
                Some(plan),
                iccid,
                applied,
            )
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
