//! What each operation can refuse with, as error codes; the OpenAPI document's error
//! responses are generated from these lists (one response per status, naming its
//! codes and their English messages), never written by hand.
//!
//! Next to each handler: `refusals!(ShowRefusals = [SIGNED_IN, &[Code::OrderNotFound]]);`
//! and `responses((status = 200, body = …), ShowRefusals)` in its `#[utoipa::path]`.

use std::collections::BTreeMap;

use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

use crate::error::Code;
use crate::i18n::{Locale, t};
use crate::web::error::status_of_kind;

/// A subscriber's bearer token (the `SignedIn` extractor).
pub const SIGNED_IN: &[Code] = &[Code::Unauthenticated];

/// An operator key (the admin `Operator` extractor).
pub const OPERATOR: &[Code] = &[
    Code::InvalidOperatorKey,
    Code::RoleForbidden,
    Code::CsrfFailed,
];

/// A JSON body (`ApiJson`, `AdminJson`): unreadable, of the wrong shape, not sent as
/// `application/json`, or over the body limit.
pub const JSON_BODY: &[Code] = &[
    Code::InvalidBody,
    Code::MalformedJson,
    Code::UnsupportedMediaType,
    Code::BodyTooLarge,
];

/// An `Idempotency-Key` header (`web::idempotency::run`).
pub const IDEMPOTENT: &[Code] = &[
    Code::InvalidIdempotencyKey,
    Code::IdempotencyKeyReused,
    Code::IdempotencyInProgress,
];

/// A verification code entered (`accounts::verification::verify_code`).
pub const CODE_CHECK: &[Code] = &[
    Code::InvalidCode,
    Code::CodeExpired,
    Code::CodeAttemptsExceeded,
];

/// A password hashed or checked under the hashing cap.
pub const PASSWORD_HASH: &[Code] = &[Code::Busy];

/// A coupon looked at (`promotions::for_order`).
pub const COUPON: &[Code] = &[
    Code::CouponNotFound,
    Code::CouponNotYetValid,
    Code::CouponExpired,
    Code::CouponExhausted,
    Code::CouponAlreadyUsed,
    Code::CouponNotApplicable,
    Code::CouponMinimumSpend,
    Code::CouponNotCombinable,
    Code::CouponAttemptsLocked,
];

/// Pricing an order (`orders::quote`).
pub const QUOTE: &[Code] = &[
    Code::PaymentMethodUnavailable,
    Code::InvalidTopUp,
    Code::InvalidAmount,
    Code::InvalidBody,
    Code::InvalidPlanCode,
    Code::PlanNotFound,
    Code::InvalidIccid,
    Code::LineNotFound,
    Code::InvalidPeriods,
    Code::InvalidPrice,
    Code::AmountTooLarge,
];

/// Every code of `groups`, once, in order.
pub fn codes(groups: &[&[Code]]) -> Vec<Code> {
    let mut out: Vec<Code> = Vec::new();
    for code in groups.iter().flat_map(|group| group.iter()) {
        if !out.contains(code) {
            out.push(*code);
        }
    }
    out
}

/// One response per status the codes are answered with; the description lists each
/// code with its English message, the body is an `ErrorBody`.
pub fn responses(groups: &[&[Code]]) -> BTreeMap<String, RefOr<Response>> {
    let mut by_status: BTreeMap<u16, Vec<Code>> = BTreeMap::new();
    for code in codes(groups) {
        let status = status_of_kind(code.kind()).as_u16();
        by_status.entry(status).or_default().push(code);
    }
    by_status
        .into_iter()
        .map(|(status, codes)| {
            let response = ResponseBuilder::new()
                .description(describe(&codes))
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build();
            (status.to_string(), RefOr::T(response))
        })
        .collect()
}

/// "`order_not_found`: We could not find that order." for each code, one a line.
pub fn describe(codes: &[Code]) -> String {
    codes
        .iter()
        .map(|code| {
            let message = t(Locale::En, &format!("error.{code}"));
            format!("`{code}`: {message}")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The codes named in a description made by [`describe`].
#[cfg(test)]
pub fn named_in(description: &str) -> Vec<&str> {
    description
        .split("\n\n")
        .filter_map(|line| line.strip_prefix('`')?.split_once('`'))
        .map(|(code, _)| code)
        .collect()
}

/// `refusals!(Name = [GROUP, &[Code::X], …]);` a type for `responses(…)` in
/// `#[utoipa::path]`: the error responses of those codes.
macro_rules! refusals {
    ($(#[$doc:meta])* $name:ident = [$($group:expr),* $(,)?]) => {
        $(#[$doc])*
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<
                String,
                utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
            > {
                crate::web::api::refusals::responses(&[$($group),*])
            }
        }
    };
}

pub(crate) use refusals;
