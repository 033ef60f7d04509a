//! Quotes, orders and refresh: `POST /api/v1/quotes`, `/orders`, `GET /orders[/{id}]`,
//! `POST /orders/{id}/refresh`, `POST /orders/{id}/cancel`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::i18n::Locale;
use crate::money::Money;
use crate::orders::{self, Order, OrderKind, OrderRequest, OrderState};
use crate::payments::Method;
use crate::payments::{NextAction, PaymentState};
use crate::web::api::refusals::{COUPON, IDEMPOTENT, JSON_BODY, QUOTE, SIGNED_IN, refusals};
use crate::web::error::json_response;
use crate::web::extract::{ApiJson, PayerDevice, RequestLocale, SignedIn};
use crate::web::idempotency;

/// What to buy. The server prices it: a `price`, `list_price`, `total`, `fee`,
/// `discount`, `discounts` or `breakdown` sent along is accepted and ignored.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderBody {
    pub kind: OrderKind,
    /// For renewals: the line to renew.
    pub iccid: Option<String>,
    pub plan_code: Option<String>,
    /// How many periods (1–36); 1 when left out.
    pub periods: Option<u32>,
    pub payment_method: Method,
    /// For wallet top-ups: how much to add.
    pub amount: Option<Money>,
    /// A coupon code (any case); refused with `coupon_not_found`, `coupon_expired`,
    /// `coupon_exhausted`, `coupon_not_applicable`, … when it does not apply.
    pub coupon: Option<String>,
    /// The total a quote showed the payer: when the price has changed since (a new catalog
    /// version, an offer run out) the order is refused with 409 `price_changed` instead of
    /// being charged at the new price. Optional.
    pub expected_total: Option<Money>,
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    #[expect(dead_code, reason = "accepted and ignored: the server prices")]
    price: Option<IgnoredAny>,
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    #[expect(dead_code, reason = "accepted and ignored: the server prices")]
    list_price: Option<IgnoredAny>,
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    #[expect(dead_code, reason = "accepted and ignored: the server prices")]
    total: Option<IgnoredAny>,
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    #[expect(dead_code, reason = "accepted and ignored: the server prices")]
    fee: Option<IgnoredAny>,
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    #[expect(dead_code, reason = "accepted and ignored: the server prices")]
    discount: Option<IgnoredAny>,
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    #[expect(dead_code, reason = "accepted and ignored: the server prices")]
    discounts: Option<IgnoredAny>,
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    #[expect(dead_code, reason = "accepted and ignored: the server prices")]
    breakdown: Option<IgnoredAny>,
}

impl OrderBody {
    fn request(&self) -> OrderRequest {
        OrderRequest {
            kind: self.kind,
            iccid: self.iccid.clone(),
            plan_code: self.plan_code.clone(),
            periods: self.periods.unwrap_or(1),
            payment_method: self.payment_method,
            amount: self.amount,
            coupon: self.coupon.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BreakdownBody {
    pub list_price: Money,
    pub discounts: Vec<DiscountBody>,
    pub fee: Money,
    pub total: Money,
}

#[derive(Serialize, ToSchema)]
pub struct DiscountBody {
    /// The promotion's or coupon's code.
    pub promotion: String,
    /// Its name, in the request's language.
    pub name: String,
    /// Why the order got it, in the request's language.
    pub reason: String,
    pub amount: Money,
    /// Periods added at no charge (their value is in `amount`).
    pub free_periods: u32,
}

#[derive(Serialize, ToSchema)]
pub struct QuoteBody {
    pub kind: OrderKind,
    pub plan_code: Option<String>,
    pub periods: u32,
    pub payment_method: Method,
    pub breakdown: BreakdownBody,
    /// How long the money takes to settle with this method.
    pub settlement_secs: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentBody {
    pub id: String,
    pub provider: String,
    pub method: Method,
    pub state: PaymentState,
    pub next_action: NextAction,
}

#[derive(Serialize, ToSchema)]
pub struct OrderView {
    pub id: String,
    pub kind: OrderKind,
    pub state: OrderState,
    pub iccid: Option<String>,
    pub plan_code: Option<String>,
    pub periods: u32,
    pub breakdown: BreakdownBody,
    pub payment: Option<PaymentBody>,
    /// For a fulfilled new eSIM: `LPA:1$<SM-DP+>$<matching id>`.
    pub activation_code: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub fulfilled_at: Option<DateTime<Utc>>,
}

fn breakdown_body(b: &orders::Breakdown, locale: Locale) -> BreakdownBody {
    BreakdownBody {
        list_price: b.money(b.list_price),
        discounts: b
            .discounts
            .iter()
            .map(|d| DiscountBody {
                promotion: d.promotion.clone(),
                name: crate::promotions::name_in(&d.names, locale)
                    .unwrap_or(&d.promotion)
                    .to_owned(),
                reason: d
                    .reason
                    .as_ref()
                    .map(|r| r.text(locale))
                    .unwrap_or_default(),
                amount: b.money(d.amount),
                free_periods: d.free_periods,
            })
            .collect(),
        fee: b.money(b.fee),
        total: b.money(b.total),
    }
}

pub fn order_view(order: &Order, locale: Locale) -> OrderView {
    OrderView {
        id: order.id.to_string(),
        kind: order.kind(),
        state: order.state,
        iccid: order.iccid().map(|i| i.as_str().to_owned()),
        plan_code: order.plan_code().map(|p| p.as_str().to_owned()),
        periods: order.breakdown.periods,
        breakdown: breakdown_body(&order.breakdown, locale),
        payment: order.payment.as_ref().map(|p| PaymentBody {
            id: p.id.clone(),
            provider: p.provider.clone(),
            method: p.method,
            state: p.state,
            next_action: p.next_action.clone(),
        }),
        activation_code: order
            .activation_code
            .as_ref()
            .map(|code| format!("LPA:{code}")),
        created_at: order.created_at,
        expires_at: order.expires_at,
        paid_at: order.paid_at,
        fulfilled_at: order.fulfilled_at,
    }
}

refusals!(QuoteRefusals = [SIGNED_IN, JSON_BODY, QUOTE, COUPON]);

/// The price breakdown of an order, promotions included, without creating it. A
/// coupon that does not apply answers its reason (in the request's language).
#[utoipa::path(post, path = "/api/v1/quotes", tag = "orders", request_body = OrderBody, security(("bearer" = [])),
    responses((status = 200, body = QuoteBody), QuoteRefusals))]
pub async fn quote(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<OrderBody>,
) -> Response {
    match orders::quote(&app, &signed_in.account.id, &body.request()).await {
        Ok(quote) => Json(QuoteBody {
            kind: body.kind,
            plan_code: quote.plan.as_ref().map(|p| p.code.to_string()),
            periods: quote.breakdown.periods,
            payment_method: body.payment_method,
            breakdown: breakdown_body(&quote.breakdown, locale),
            settlement_secs: quote.settlement_secs,
        })
        .into_response(),
        Err(error) => json_response(&error, locale),
    }
}

refusals!(
    CreateRefusals = [
        SIGNED_IN,
        JSON_BODY,
        IDEMPOTENT,
        QUOTE,
        COUPON,
        &[
            Code::PriceChanged,
            Code::OfferAlreadyUsed,
            Code::NoEsimInInventory,
            Code::InsufficientBalance,
        ],
    ]
);

/// Creates the order, redeeming its promotions; `payment.next_action` says where the
/// payer goes (an order that promotions made free is fulfilled at once).
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = OrderBody, security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header,
        description = "1–255 printable ASCII characters: the same key and body again replay the first success")),
    responses((status = 201, body = OrderView), CreateRefusals))]
pub async fn create(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
    signed_in: SignedIn,
    PayerDevice(payer): PayerDevice,
    headers: HeaderMap,
    ApiJson(body): ApiJson<OrderBody>,
) -> Response {
    let account_id = signed_in.account.id.as_str();
    let caller = idempotency::Caller::Account(account_id);
    let (app, body, payer) = (&app, &body, &payer);
    idempotency::run(
        app,
        &headers,
        "orders",
        caller,
        body,
        locale,
        |key| async move {
            if let Some(order) = orders::already_made(app, account_id, key.as_deref()).await? {
                return Ok((StatusCode::CREATED, json!(order_view(&order, locale))));
            }
            if let Some(expected) = body.expected_total {
                let quote = orders::quote(app, account_id, &body.request()).await?;
                if quote.total() != expected {
                    return Err(crate::error::Error::conflict(Code::PriceChanged));
                }
            }
            let request = body.request();
            let order =
                orders::create_for(app, account_id, &request, payer, key.as_deref()).await?;
            Ok((StatusCode::CREATED, json!(order_view(&order, locale))))
        },
    )
    .await
}

refusals!(ShowRefusals = [SIGNED_IN, &[Code::OrderNotFound]]);

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path, description = "The order's id")),
    responses((status = 200, body = OrderView), ShowRefusals))]
pub async fn show(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Json<OrderView>> {
    let order = orders::store::find_for_account(&app, &id, &signed_in.account.id)
        .await?
        .ok_or_else(|| Error::not_found(Code::OrderNotFound))?;
    Ok(Json(order_view(&order, locale)))
}

refusals!(RefreshRefusals = [SIGNED_IN, &[Code::OrderNotFound]]);

/// Asks the provider about the payment now, then answers the order.
#[utoipa::path(post, path = "/api/v1/orders/{id}/refresh", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path, description = "The order's id")),
    responses((status = 200, body = OrderView), RefreshRefusals))]
pub async fn refresh(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Json<OrderView>> {
    let order = orders::refresh(&app, &signed_in.account.id, &id).await?;
    Ok(Json(order_view(&order, locale)))
}

refusals!(CancelRefusals = [SIGNED_IN, &[Code::OrderNotFound, Code::OrderNotCancellable]]);

/// Cancels an order that waits for its payment (else 409 `order_not_cancellable`) and
/// closes its payment at the provider; a payment that arrives after all is refunded.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders", security(("bearer" = [])),
    params(("id" = String, Path, description = "The order's id")),
    responses((status = 200, body = OrderView), CancelRefusals))]
pub async fn cancel(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Json<OrderView>> {
    let order = orders::cancel::cancel(&app, &signed_in.account.id, &id).await?;
    Ok(Json(order_view(&order, locale)))
}

refusals!(ListRefusals = [SIGNED_IN]);

/// The account's orders, newest first.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", security(("bearer" = [])),
    responses((status = 200, body = Vec<OrderView>), ListRefusals))]
pub async fn list(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
    signed_in: SignedIn,
) -> Result<Json<Vec<OrderView>>> {
    let orders = orders::store::list_for_account(&app, &signed_in.account.id, 100).await?;
    Ok(Json(
        orders
            .iter()
            .map(|order| order_view(order, locale))
            .collect(),
    ))
}
