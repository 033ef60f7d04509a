//! Promotions: offers the operator defines as data in the catalog file — a
//! first-period discount, buy N periods get M free, coupon codes — evaluated by pure
//! code ([`evaluate`]) for quotes and orders alike, and redeemed exactly once, in the
//! order's own transaction ([`redemption::redeem`]). Their entries are checked by
//! [`file`] and stored by [`definition_store`]; the catalog file as a whole (plans
//! and offers in one transaction) is read and imported by [`catalog_file`].
//!
//! # Which promotions an order gets (the winning rule)
//!
//! 1. A promotion is *eligible* when the order falls in its validity window, its
//!    plan, zone and payment-method restrictions admit the order, its condition holds
//!    (a first-order discount: no earlier order of the plan, or of any plan, that
//!    still counts; buy N get M: at least N periods paid; a coupon: the subscriber
//!    entered its code and it has uses left) and it takes something off.
//! 2. Eligible promotions are *ranked*: higher `priority` first; on equal priority,
//!    the one that saves more on this order; then by code.
//! 3. If the first ranked is **exclusive**, it applies alone. Otherwise exclusive
//!    promotions are set aside and the first-ranked **combinable** promotion of each
//!    kind applies — at most one first-period discount, one free-periods offer and
//!    one coupon.
//! 4. A coupon the subscriber entered that does not apply is refused with a reason
//!    (`coupon_not_found`, `coupon_expired`, `coupon_exhausted`,
//!    `coupon_not_applicable`, `coupon_not_combinable`, …), never dropped silently.
//!
//! # What each takes off
//!
//! Each discount is computed on the undiscounted price of what it covers, so that
//! the order in which promotions are listed or applied cannot change the total: a
//! first-period discount on one period's price; free periods at the unit price each;
//! a coupon (and its minimum spend) on the paid periods' price. Percentages are
//! rounded half up to the minor unit ([`crate::money::percent_half_up`]),
//! once each. The discounts add up and pricing clamps their sum to the list price,
//! so a total is never negative; the payment fee is then charged on what is left.
//!
//! # Free periods
//!
//! The subscriber asks for the periods they pay for; buy N get M adds
//! `⌊paid ÷ N⌋ × M` free periods on top (never beyond 36 periods in all). They are
//! real periods of the order — its `periods` count includes them — and the list
//! price covers them, with their value shown as the promotion's discount.
//!
//! # Redemption
//!
//! Reserved when the order is created, inside its transaction, by guarded counters
//! (see [`redemption`]); a reservation held by an order that then expires, is cancelled
//! or fails no longer counts, and is released by the next redemption of the same
//! coupon or account. A late payment that fulfils such an order takes it back.

pub mod catalog_file;
mod definition_store;
pub mod edit;
mod entry;
mod evaluate;
mod file;
mod file_fields;
pub mod history;
mod model;
pub mod offers;
mod order;
mod reason;
pub mod redemption;
pub mod store;
pub mod throttle;

#[cfg(test)]
mod tests;

pub use definition_store::{PromotionChange, PromotionReport};
pub use entry::{PromotionEntry, promotion_entry_json};
pub use evaluate::{
    Applied, Context, CouponRefusal, CouponUsage, EnteredCoupon, History, evaluate,
};
pub use file::{PromotionSpec, check as check_promotion};
pub use model::{
    Coupon, FirstOrderOf, InvalidCode, Kind, KindTag, Off, Promotion, PromotionCode, Scope,
    Stacking, Window, name_in,
};
pub use order::{Purchase, for_order, for_order_with, free_periods_by_count};
pub use reason::Reason;

/// Free periods the order gets.
pub fn free_periods(applied: &[Applied]) -> u32 {
    applied.iter().map(|a| a.free_periods).sum()
}
