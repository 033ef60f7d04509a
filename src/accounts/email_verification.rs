//! Proving an email: a link with a one-time token, valid for a day, kept only as an
//! HMAC under the server secret. Until it is opened the email is no login and gets
//! no reset codes (the phone, proven by its SMS code, still works).

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use sqlx::Row;

use crate::app::App;
use crate::clock::{from_millis, to_millis};
use crate::db::Tx;
use crate::error::{Code, Error, Result};
use crate::ids::new_token;
use crate::messages::{Message, texts};

use super::outgoing::{self, Outgoing};
use super::{Account, store};

const TOKEN_TTL: Duration = Duration::hours(24);
/// Links sent to one account in an hour, however often the subscriber asks.
const LINKS_PER_HOUR: i64 = 5;

fn token_hash(secret: &[u8], token: &str) -> Result<String> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).map_err(Error::internal)?;
    mac.update(b"email_verification\0");
    mac.update(token.as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// Sends the signed-in subscriber a new link (queued; one waits at a time).
pub async fn request_email_verification(app: &App, account: &Account) -> Result<()> {
    if account.email_verified {
        return Err(Error::conflict(Code::EmailAlreadyVerified));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let sent = links_since(&mut tx, &account.id, now - Duration::hours(1)).await?;
    if sent.len() >= usize::try_from(LINKS_PER_HOUR).unwrap_or(0) {
        let oldest = sent.first().copied().unwrap_or(now);
        let wait = (oldest + Duration::hours(1) - now).num_seconds() + 1;
        return Err(Error::rate_limited(Code::TooManyCodes, wait));
    }
    let link = Outgoing::EmailVerification {
        account_id: account.id.clone(),
    };
    let unique = format!("email_verification:{}", account.id);
    outgoing::queue(&mut tx, &link, Some(&unique), now).await?;
    tx.commit().await?;
    Ok(())
}

/// The queued link's message: a fresh token for the account's unverified email.
pub(super) async fn link_message(app: &App, account_id: &str) -> Result<Option<Message>> {
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let Some(account) = store::find_by_id(&mut *tx, account_id).await? else {
        return Ok(None);
    };
    if account.email_verified {
        return Ok(None);
    }
    let token = new_token();
    sqlx::query(
        "INSERT INTO email_verifications (token_hash, account_id, email, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash(&app.secret, &token)?)
    .bind(&account.id)
    .bind(account.email.as_str())
    .bind(to_millis(now))
    .bind(to_millis(now + TOKEN_TTL))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let link = format!("{}/verify-email?token={token}", app.config.public_url());
    Ok(Some(texts::email_verification(
        account.email.as_str(),
        account.locale,
        &link,
    )))
}

/// Opens a link: the email it was sent to becomes the account's verified email.
pub async fn confirm_email(app: &App, token: &str) -> Result<Account> {
    let invalid = || Error::invalid(Code::InvalidToken).on_field("token");
    let token = token.trim();
    if token.is_empty() || token.len() > 256 {
        return Err(invalid());
    }
    let hash = token_hash(&app.secret, token)?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    let row = sqlx::query(
        "SELECT account_id, email, expires_at FROM email_verifications \
         WHERE token_hash = $1 AND used_at IS NULL",
    )
    .bind(&hash)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(invalid)?;
    let account_id: String = row.try_get("account_id")?;
    let email: String = row.try_get("email")?;
    if from_millis(row.try_get("expires_at")?) <= now {
        return Err(Error::invalid(Code::TokenExpired).on_field("token"));
    }
    let used = sqlx::query(
        "UPDATE email_verifications SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
    )
    .bind(to_millis(now))
    .bind(&hash)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if used != 1 || !store::mark_email_verified(&mut tx, &account_id, &email, now).await? {
        return Err(invalid());
    }
    let account = store::find_by_id(&mut *tx, &account_id)
        .await?
        .ok_or_else(invalid)?;
    tx.commit().await?;
    tracing::info!(account.id = %account.id, "email verified");
    Ok(account)
}

async fn links_since(
    tx: &mut Tx,
    account_id: &str,
    since: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>> {
    let rows = sqlx::query(
        "SELECT created_at FROM email_verifications WHERE account_id = $1 AND created_at > $2 \
         ORDER BY created_at",
    )
    .bind(account_id)
    .bind(to_millis(since))
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| Ok(from_millis(row.try_get("created_at")?)))
        .collect()
}
