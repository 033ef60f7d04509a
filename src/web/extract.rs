//! Extractors that turn requests into checked values before handlers run.

use std::net::SocketAddr;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Query, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::accounts::{self, Account};
use crate::app::App;
use crate::error::{Code, Error, ErrorKind};
use crate::i18n::Locale;
use crate::payments::Payer;

use super::cookies;

/// A JSON body whose every problem answers in the API's error shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> Error {
    match rejection {
        JsonRejection::JsonDataError(_) => Error::invalid(Code::InvalidBody),
        JsonRejection::JsonSyntaxError(_) => Error::invalid(Code::MalformedJson),
        JsonRejection::MissingJsonContentType(_) => {
            Error::new(ErrorKind::UnsupportedMediaType, Code::UnsupportedMediaType)
        }
        JsonRejection::BytesRejection(_) => Error::new(ErrorKind::TooLarge, Code::BodyTooLarge),
        _ => Error::invalid(Code::MalformedJson),
    }
}

/// The client's address, for rate limits: the socket peer, or the first
/// `X-Forwarded-For` hop when the config says a trusted proxy sets it.
pub struct ClientAddr(pub String);

impl FromRequestParts<App> for ClientAddr {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.len() <= 64);
        if app.config.server.trust_proxy_headers
            && let Some(forwarded) = forwarded
        {
            return Ok(ClientAddr(forwarded.to_owned()));
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string())
            .unwrap_or_else(|| "unknown".to_owned());
        Ok(ClientAddr(peer))
    }
}

/// The payer's device (address and whether it is a phone), for payment flows that
/// depend on it: Alipay's mobile cashier, WeChat Pay H5.
pub struct PayerDevice(pub Payer);

impl FromRequestParts<App> for PayerDevice {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let ClientAddr(address) = ClientAddr::from_request_parts(parts, app).await?;
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let ip = (address != "unknown").then_some(address);
        Ok(PayerDevice(Payer::from_user_agent(ip, user_agent)))
    }
}

/// The language of the answer: `?lang=`, the saved choice, `Accept-Language`, the default.
pub struct RequestLocale(pub Locale);

#[derive(serde::Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

pub fn locale_of(parts: &Parts, default: Locale) -> Locale {
    let from_query = Query::<LangQuery>::try_from_uri(&parts.uri)
        .ok()
        .and_then(|Query(q)| q.lang)
        .and_then(|lang| Locale::parse(&lang));
    from_query
        .or_else(|| cookies::get(&parts.headers, cookies::LANG).and_then(Locale::parse))
        .or_else(|| {
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::from_accept_language)
        })
        .unwrap_or(default)
}

impl FromRequestParts<App> for RequestLocale {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        Ok(RequestLocale(locale_of(
            parts,
            app.config.locale.default_language,
        )))
    }
}

/// The caller's token: `Authorization: Bearer …` only. The portal's session cookie
/// is never one: a browser sends it with any other site's form too.
pub fn token_of(parts: &Parts) -> Option<String> {
    token_of_headers(&parts.headers)
}

pub fn token_of_headers(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_owned())
}

/// The signed-in subscriber, if the request carries a valid session; anonymous
/// otherwise (never a 401).
pub struct MaybeSignedIn(pub Option<Account>);

impl FromRequestParts<App> for MaybeSignedIn {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let Some(token) = token_of(parts) else {
            return Ok(MaybeSignedIn(None));
        };
        Ok(MaybeSignedIn(accounts::authenticate(app, &token).await?))
    }
}

/// A signed-in subscriber, or 401.
pub struct SignedIn {
    pub account: Account,
    pub token: String,
}

impl FromRequestParts<App> for SignedIn {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let token = token_of(parts).ok_or_else(|| Error::unauthenticated(Code::Unauthenticated))?;
        let account = accounts::authenticate(app, &token)
            .await?
            .ok_or_else(|| Error::unauthenticated(Code::Unauthenticated))?;
        Ok(SignedIn { account, token })
    }
}
