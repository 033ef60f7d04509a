//! `POST /api/v1/webhooks/{provider}`: signed notifications, verified by the
//! provider's own scheme before anything is stored, applied only to that provider's
//! own payments, and answered in the words the provider waits for.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
use utoipa::openapi::{self, ContentBuilder, Ref, RefOr, ResponseBuilder};

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::orders::{Applied, apply_notification};
use crate::payments::provider::Acknowledged;
use crate::payments::{Provider, ProviderError, ProviderName};

use super::refusals;

/// Receives one notification. A provider this installation does not run → 404; bad
/// signature → 400 and nothing changes; a notification about another provider's
/// payment (`wrong_provider`) or a payment we do not know (`payment_not_found`) is
/// kept for the operator and refused; a genuine one about something that is not our
/// payment (another event type, a payment another system made on the same account)
/// is acknowledged and ignored.
#[utoipa::path(post, path = "/api/v1/webhooks/{provider}", tag = "payments",
    params(("provider" = String, Path, description = "stripe, alipay or wechat_pay (sandbox in demo mode)")),
    responses(ReceiveResponses))]
pub async fn receive(
    State(app): State<App>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(adapter) = ProviderName::parse(&provider).and_then(|name| app.providers().get(name))
    else {
        return Error::not_found(Code::UnknownProvider).into_response();
    };
    let outcome = handle(&app, adapter.as_ref(), &headers, &body).await;
    adapter.acknowledge(outcome)
}

/// Each provider is answered in its own words: Stripe and the sandbox get JSON
/// (`{"received": true, …}`, errors as `ErrorBody`), Alipay the text `success` or
/// `fail`, WeChat Pay 204 or `{"code": "FAIL", "message": <error code>}`.
struct ReceiveResponses;

impl utoipa::IntoResponses for ReceiveResponses {
    fn responses() -> BTreeMap<String, RefOr<openapi::Response>> {
        let text = |example: &str| {
            ContentBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some([example])),
                ))
                .build()
        };
        let flag = || ObjectBuilder::new().schema_type(Type::Boolean);
        let receipt = ObjectBuilder::new()
            .property("received", flag())
            .required("received")
            .property("duplicate", flag())
            .property("ignored", flag());
        let wechat_pay_refusal = || {
            ObjectBuilder::new()
                .property("code", ObjectBuilder::new().schema_type(Type::String))
                .required("code")
                .property("message", ObjectBuilder::new().schema_type(Type::String))
                .required("message")
        };
        let received = ResponseBuilder::new()
            .description("Received (Stripe and the sandbox: JSON; Alipay: the text `success`)")
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(receipt)).build(),
            )
            .content("text/plain; charset=utf-8", text("success"))
            .build();
        let mut responses = BTreeMap::from([
            ("200".to_owned(), RefOr::T(received)),
            (
                "204".to_owned(),
                RefOr::T(
                    ResponseBuilder::new()
                        .description("Received (WeChat Pay)")
                        .build(),
                ),
            ),
        ]);
        for (status, response) in refusals::responses(&[&[
            Code::UnknownProvider,
            Code::InvalidSignature,
            Code::InvalidNotification,
            Code::AmountMismatch,
            Code::WrongProvider,
            Code::PaymentNotFound,
        ]]) {
            let RefOr::T(mut response) = response else {
                continue;
            };
            let error_body = RefOr::Ref(Ref::from_schema_name("ErrorBody"));
            let json = OneOfBuilder::new()
                .item(error_body)
                .item(wechat_pay_refusal());
            response.content.insert(
                "application/json".to_owned(),
                ContentBuilder::new().schema(Some(json)).build(),
            );
            response
                .content
                .insert("text/plain; charset=utf-8".to_owned(), text("fail"));
            responses.insert(status, RefOr::T(response));
        }
        responses
    }
}

async fn handle(
    app: &App,
    adapter: &dyn Provider,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Acknowledged> {
    let provider = adapter.name();
    let notification = match adapter.verify_notification(headers, body, app.now()) {
        Ok(notification) => notification,
        Err(ProviderError::NotForUs(why)) => {
            tracing::info!(%provider, why, "notification acknowledged and ignored");
            return Ok(Acknowledged::NotForUs);
        }
        Err(error) => {
            tracing::warn!(%provider, %error, "notification refused");
            return Err(match error {
                ProviderError::Refused(_) => Error::invalid(Code::InvalidSignature),
                _ => Error::invalid(Code::InvalidNotification),
            });
        }
    };
    match apply_notification(app, provider, &notification).await? {
        Applied::AmountMismatch => Err(Error::invalid(Code::AmountMismatch)),
        applied => Ok(Acknowledged::Applied {
            duplicate: applied == Applied::Duplicate,
        }),
    }
}
