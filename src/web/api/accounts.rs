//! `POST /api/v1/verification-codes`, `/accounts`, `/password-resets`, `/me/phone`,
//! `/me/email-verification` and `/email-verifications`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::accounts::{self, Account, Destination, Email, Phone, Purpose};
use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::i18n::Locale;
use crate::web::api::refusals::{
    CODE_CHECK, IDEMPOTENT, JSON_BODY, PASSWORD_HASH, SIGNED_IN, refusals,
};
use crate::web::error::json_response;
use crate::web::extract::{ApiJson, ClientAddr, RequestLocale, SignedIn};
use crate::web::idempotency::{self, Caller};

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequestBody {
    /// E.164. Required for `register` and `change_phone`.
    pub phone: Option<String>,
    /// Alternative to `phone` for `reset_password`.
    pub email: Option<String>,
    pub purpose: Purpose,
}

#[derive(Serialize, ToSchema)]
pub struct CodeSent {
    /// Seconds the code stays valid.
    pub expires_in: i64,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    pub phone: String,
    pub email: String,
    pub password: String,
    /// The six digits from the SMS.
    pub code: String,
    /// Language for messages; defaults to the request's.
    pub language: Option<Locale>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountBody {
    pub id: String,
    pub phone: String,
    pub email: String,
    /// False until the link sent to the email is opened.
    pub email_verified: bool,
}

impl From<&Account> for AccountBody {
    fn from(account: &Account) -> Self {
        Self {
            id: account.id.clone(),
            phone: account.phone.to_string(),
            email: account.email.to_string(),
            email_verified: account.email_verified,
        }
    }
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetBody {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub code: String,
    pub new_password: String,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneChangeBody {
    /// The new phone, which received the `change_phone` code.
    pub phone: String,
    pub code: String,
}

fn destination(app: &App, phone: Option<&str>, email: Option<&str>) -> Result<Destination> {
    match (phone, email) {
        (Some(phone), None) => Ok(Destination::Phone(Phone::parse_in(
            phone,
            app.config.locale.phone_region,
        )?)),
        (None, Some(email)) => Ok(Destination::Email(Email::parse(email)?)),
        _ => Err(Error::invalid(Code::PhoneOrEmailRequired)),
    }
}

refusals!(
    RequestCodeRefusals = [
        JSON_BODY,
        IDEMPOTENT,
        &[
            Code::PhoneOrEmailRequired,
            Code::InvalidPhone,
            Code::InvalidEmail,
            Code::Unauthenticated,
            Code::TooManyCodes,
        ],
    ]
);

/// Sends a verification code. Answers the same whether or not an account exists.
#[utoipa::path(post, path = "/api/v1/verification-codes", tag = "accounts", request_body = CodeRequestBody,
    security((), ("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header,
        description = "1–255 printable ASCII characters: the same key and body again replay the first success")),
    responses((status = 202, body = CodeSent), RequestCodeRefusals))]
pub async fn request_code(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CodeRequestBody>,
) -> Response {
    let signed_in = match crate::web::extract::token_of_headers(&headers) {
        Some(token) => accounts::authenticate(&app, &token).await.ok().flatten(),
        None => None,
    };
    let account_id = signed_in.as_ref().map(|account| account.id.clone());
    let caller = match &account_id {
        Some(id) => Caller::Account(id),
        None => Caller::Address(&client),
    };
    idempotency::run(&app, &headers, "codes", caller, &body, locale, |_| async {
        let destination = destination(&app, body.phone.as_deref(), body.email.as_deref())?;
        let request = accounts::CodeRequest {
            destination,
            purpose: body.purpose,
            locale: signed_in.as_ref().map(|a| a.locale).unwrap_or(locale),
            client: client.clone(),
            account_id: signed_in.map(|a| a.id),
        };
        let expires_in = accounts::request_code(&app, request).await?;
        Ok((StatusCode::ACCEPTED, json!(CodeSent { expires_in })))
    })
    .await
}

refusals!(
    RegisterRefusals = [
        JSON_BODY,
        CODE_CHECK,
        PASSWORD_HASH,
        &[
            Code::InvalidPhone,
            Code::InvalidEmail,
            Code::WeakPassword,
            Code::EmailTaken,
            Code::PhoneTaken,
        ],
    ]
);

/// Creates an account with the code sent for `register`. An `Idempotency-Key` is
/// ignored: nothing derived from a password is kept, and a retry finds the code used.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", request_body = RegisterBody,
    responses((status = 201, body = AccountBody), RegisterRefusals))]
pub async fn register(
    State(app): State<App>,
    RequestLocale(locale): RequestLocale,
    ApiJson(body): ApiJson<RegisterBody>,
) -> Response {
    let language = body.language.unwrap_or(locale);
    let registered = accounts::register(
        &app,
        &body.phone,
        &body.email,
        &body.password,
        &body.code,
        language,
    )
    .await;
    match registered {
        Ok(account) => (StatusCode::CREATED, Json(AccountBody::from(&account))).into_response(),
        Err(error) => json_response(&error, locale),
    }
}

refusals!(
    ResetPasswordRefusals = [
        JSON_BODY,
        CODE_CHECK,
        PASSWORD_HASH,
        &[
            Code::PhoneOrEmailRequired,
            Code::InvalidPhone,
            Code::InvalidEmail,
            Code::WeakPassword
        ],
    ]
);

/// Sets a new password with a `reset_password` code; every session ends.
#[utoipa::path(post, path = "/api/v1/password-resets", tag = "accounts", request_body = PasswordResetBody,
    responses((status = 204, description = "The password is changed; every session has ended"), ResetPasswordRefusals))]
pub async fn reset_password(
    State(app): State<App>,
    ApiJson(body): ApiJson<PasswordResetBody>,
) -> Result<StatusCode> {
    let destination = destination(&app, body.phone.as_deref(), body.email.as_deref())?;
    accounts::reset_password(&app, &destination, &body.code, &body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

refusals!(
    ChangePhoneRefusals = [
        SIGNED_IN,
        JSON_BODY,
        CODE_CHECK,
        &[Code::InvalidPhone, Code::PhoneTaken],
    ]
);

/// Moves the account to a new phone with the `change_phone` code sent to it.
#[utoipa::path(post, path = "/api/v1/me/phone", tag = "accounts", request_body = PhoneChangeBody,
    security(("bearer" = [])),
    responses((status = 200, body = AccountBody), ChangePhoneRefusals))]
pub async fn change_phone(
    State(app): State<App>,
    signed_in: SignedIn,
    ApiJson(body): ApiJson<PhoneChangeBody>,
) -> Result<axum::Json<AccountBody>> {
    let account = accounts::change_phone(&app, &signed_in.account, &body.phone, &body.code).await?;
    Ok(axum::Json(AccountBody::from(&account)))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailVerificationBody {
    /// The `token` from the link in the verification email.
    pub token: String,
}

refusals!(
    EmailVerificationRefusals = [SIGNED_IN, &[Code::EmailAlreadyVerified, Code::TooManyCodes],]
);

/// Sends the signed-in subscriber a new link to verify their email.
#[utoipa::path(post, path = "/api/v1/me/email-verification", tag = "accounts",
    security(("bearer" = [])),
    responses((status = 202, description = "A link is on its way to the account's email"), EmailVerificationRefusals))]
pub async fn request_email_verification(
    State(app): State<App>,
    signed_in: SignedIn,
) -> Result<StatusCode> {
    accounts::request_email_verification(&app, &signed_in.account).await?;
    Ok(StatusCode::ACCEPTED)
}

refusals!(ConfirmEmailRefusals = [JSON_BODY, &[Code::InvalidToken, Code::TokenExpired]]);

/// Confirms an email with the token from its link.
#[utoipa::path(post, path = "/api/v1/email-verifications", tag = "accounts", request_body = EmailVerificationBody,
    responses((status = 200, body = AccountBody), ConfirmEmailRefusals))]
pub async fn confirm_email(
    State(app): State<App>,
    ApiJson(body): ApiJson<EmailVerificationBody>,
) -> Result<axum::Json<AccountBody>> {
    let account = accounts::confirm_email(&app, &body.token).await?;
    Ok(axum::Json(AccountBody::from(&account)))
}
