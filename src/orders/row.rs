//! An `orders` row as read, and its conversion to an [`Order`]: a value that does
//! not convert (an unknown kind, a renewal without its ICCID or plan) is a corrupt
//! row, an internal error, never a default.

use crate::catalog::PlanCode;
use crate::clock::from_millis;
use crate::error::{Error, Result};
use crate::ids::{AccountId, OrderId};
use crate::lines::Iccid;
use crate::money::Currency;
use crate::payments::Method;

use super::{Breakdown, Order, OrderKind, OrderState, Product};

// joins esim_inventory (owner: inventory): the activation code is read with every order on
// the checkout path (refresh, notification, fulfilled page); a second query per order would
// add a round trip there.
// joins plan_versions (owner: catalog): the plan's names as sold, read with the order
// in one query by checkout and settlement (their hot path) rather than a second trip.
pub(super) const COLUMNS: &str = "o.id, o.account_id, o.kind, o.iccid, o.plan_code, o.plan_version_id, o.periods, o.currency, \
    o.list_price, o.discounts, o.fee, o.total, o.payment_method, o.state, o.attention, o.created_at, o.expires_at, \
    o.paid_at, o.fulfilled_at, \
    (SELECT i.smdp_address FROM esim_inventory i WHERE i.order_id = o.id) AS smdp_address, \
    (SELECT i.matching_id FROM esim_inventory i WHERE i.order_id = o.id) AS matching_id, \
    (SELECT v.names FROM plan_versions v WHERE v.id = o.plan_version_id) AS plan_names";

/// The columns of [`COLUMNS`], as stored.
#[derive(sqlx::FromRow)]
pub(super) struct OrderRow {
    id: String,
    account_id: String,
    kind: String,
    iccid: Option<String>,
    plan_code: Option<String>,
    plan_version_id: Option<String>,
    periods: i64,
    currency: String,
    list_price: i64,
    discounts: String,
    fee: i64,
    total: i64,
    payment_method: String,
    state: String,
    attention: Option<String>,
    created_at: i64,
    expires_at: i64,
    paid_at: Option<i64>,
    fulfilled_at: Option<i64>,
    smdp_address: Option<String>,
    matching_id: Option<String>,
    plan_names: Option<String>,
}

pub(super) fn corrupt(what: &str) -> Error {
    Error::internal(anyhow::anyhow!("order row has a bad {what}"))
}

impl OrderRow {
    /// The order, without its payment (the store adds it where wanted).
    pub(super) fn into_order(self) -> Result<Order> {
        let product = product(&self.kind, self.iccid.as_deref(), self.plan_code.as_deref())?;
        let currency = Currency::parse(&self.currency).map_err(|_| corrupt("currency"))?;
        let periods = self.periods;
        let list_price = self.list_price;
        Ok(Order {
            id: OrderId::from_stored(self.id),
            account_id: AccountId::from_stored(self.account_id),
            product,
            plan_version_id: self.plan_version_id,
            breakdown: Breakdown {
                currency,
                unit_price: if periods > 0 {
                    list_price / periods
                } else {
                    list_price
                },
                periods: u32::try_from(periods).map_err(|_| corrupt("periods"))?,
                list_price,
                discounts: serde_json::from_str(&self.discounts)
                    .map_err(|_| corrupt("discounts"))?,
                fee: self.fee,
                total: self.total,
            },
            method: Method::parse(&self.payment_method).ok_or_else(|| corrupt("method"))?,
            state: OrderState::parse(&self.state).ok_or_else(|| corrupt("state"))?,
            attention: self.attention,
            created_at: from_millis(self.created_at),
            expires_at: from_millis(self.expires_at),
            paid_at: self.paid_at.map(from_millis),
            fulfilled_at: self.fulfilled_at.map(from_millis),
            payment: None,
            plan_names: self
                .plan_names
                .and_then(|names| serde_json::from_str(&names).ok())
                .unwrap_or_default(),
            activation_code: self
                .smdp_address
                .zip(self.matching_id)
                .map(|(smdp, matching)| format!("1${smdp}${matching}")),
        })
    }
}

/// What the row buys; a renewal without its ICCID or plan is a corrupt row.
fn product(kind: &str, iccid: Option<&str>, plan_code: Option<&str>) -> Result<Product> {
    let kind = OrderKind::parse(kind).ok_or_else(|| corrupt("kind"))?;
    let plan = || -> Result<PlanCode> {
        let code = plan_code.ok_or_else(|| corrupt("plan_code (none)"))?;
        PlanCode::parse(code).map_err(|_| corrupt("plan_code"))
    };
    Ok(match kind {
        OrderKind::Renewal => Product::Renewal {
            iccid: Iccid::from_stored(iccid.ok_or_else(|| corrupt("iccid (none)"))?)?,
            plan: plan()?,
        },
        OrderKind::NewEsim => Product::NewEsim { plan: plan()? },
        OrderKind::WalletTopup => Product::WalletTopup,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iccid() -> String {
        Iccid::with_check_digit("898520000000000000")
            .unwrap()
            .as_str()
            .to_owned()
    }

    #[test]
    fn a_renewal_needs_its_iccid_and_plan() {
        assert!(product("renewal", None, Some("HK-5GB")).is_err());
        assert!(product("renewal", Some(&iccid()), None).is_err());
        assert!(product("renewal", Some("12"), Some("HK-5GB")).is_err());
        assert!(product("new_esim", None, None).is_err());
        assert!(product("gift", None, None).is_err());
        assert_eq!(
            product("wallet_topup", None, None).unwrap(),
            Product::WalletTopup
        );
    }

    #[test]
    fn a_stored_renewal_reads_back_as_one() {
        let read = product("renewal", Some(&iccid()), Some("HK-5GB")).unwrap();
        assert_eq!(read.kind(), OrderKind::Renewal);
        assert_eq!(read.iccid().map(Iccid::as_str), Some(iccid().as_str()));
        assert_eq!(read.plan().map(PlanCode::as_str), Some("HK-5GB"));
    }
}
