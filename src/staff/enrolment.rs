//! Enrolment: an administrator (or `datacard staff create`) makes a member and a
//! one-time link; the member opens it, adds the TOTP secret to an authenticator app,
//! sets a password and proves the app with a code; recovery codes are shown once.

use chrono::{DateTime, Duration, Utc};

use crate::accounts::password::Password;
use crate::accounts::token_hash;
use crate::app::App;
use crate::audit;
use crate::error::{Code, Error, Result};
use crate::ids::{new_id, new_token};
use crate::sealed::Sealer;

use super::login::{ConsoleSession, start_session};
use super::{Role, StaffMember, parse_email, store, totp};

/// How many recovery codes an enrolment gives.
const RECOVERY_CODES: usize = 10;

/// A member just made, with the link that enrols them (shown once).
pub struct Enrolment {
    pub member: StaffMember,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl Enrolment {
    /// The console address that enrols with this link.
    pub fn link(&self, public_url: &str) -> String {
        format!(
            "{}/admin/enrol/{}",
            public_url.trim_end_matches('/'),
            self.token
        )
    }
}

/// What the enrolment page shows: whom it enrols and the TOTP secret to add.
pub struct EnrolmentPage {
    pub member: StaffMember,
    pub secret_base32: String,
    pub otpauth_uri: String,
}

/// Enrolled: the recovery codes (shown this once) and a first session.
pub struct Enrolled {
    pub member: StaffMember,
    pub recovery_codes: Vec<String>,
    pub session: ConsoleSession,
}

pub(super) fn totp_sealer(app: &App) -> Sealer {
    Sealer::derive(&app.secret, "staff totp")
}

/// Makes a member with `role` and their enrolment link; audited with `actor`.
pub async fn create(app: &App, email: &str, role: Role, actor: &str) -> Result<Enrolment> {
    let email = parse_email(email)?;
    let now = app.now();
    let id = new_id("stf", now);
    let token = new_token();
    let expires_at = now + Duration::hours(app.config.console.enrolment_hours);
    let mut tx = audit::begin(&app.db).await?;
    store::insert_member(&mut tx, &id, &email, role, actor, now).await?;
    store::insert_enrolment(&mut tx, &token_hash(&token), &id, now, expires_at).await?;
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        actor,
        "staff.create",
        &id,
        &format!("{email} as {}", role.as_str()),
    )
    .await?;
    tx.commit().await?;
    let member = StaffMember {
        id,
        email,
        role,
        created_at: now,
        enrolled_at: None,
        disabled_at: None,
    };
    Ok(Enrolment {
        member,
        token,
        expires_at,
    })
}

fn invalid_link() -> Error {
    Error::invalid(Code::EnrolmentLinkInvalid)
}

/// The secret the member adds to their app: made at the first visit and kept, so
/// that reloading the page shows the same one.
async fn pending_secret(app: &App, token: &str) -> Result<(StaffMember, Vec<u8>)> {
    let hash = token_hash(token);
    let sealer = totp_sealer(app);
    let (member, sealed) = store::enrolling_member(app.db.reader(), &hash, app.now())
        .await?
        .ok_or_else(invalid_link)?;
    if let Some(sealed) = sealed {
        let secret = sealer.open(&sealed, &member.id).map_err(Error::internal)?;
        return Ok((member, secret));
    }
    let secret = totp::new_secret();
    let mut tx = app.db.begin().await?;
    let kept =
        store::set_pending_totp(&mut tx, &member.id, &sealer.seal(&secret, &member.id)).await?;
    tx.commit().await?;
    if kept {
        return Ok((member, secret));
    }
    // Another request made it first: show that one.
    let (member, sealed) = store::enrolling_member(app.db.reader(), &hash, app.now())
        .await?
        .ok_or_else(invalid_link)?;
    let sealed = sealed.ok_or_else(invalid_link)?;
    let secret = sealer.open(&sealed, &member.id).map_err(Error::internal)?;
    Ok((member, secret))
}

pub async fn enrolment_page(app: &App, token: &str, issuer: &str) -> Result<EnrolmentPage> {
    let (member, secret) = pending_secret(app, token).await?;
    Ok(EnrolmentPage {
        secret_base32: totp::base32(&secret),
        otpauth_uri: totp::otpauth_uri(issuer, &member.email, &secret),
        member,
    })
}

/// Completes an enrolment: the password meets the policy and the code is the app's.
pub async fn enrol(app: &App, token: &str, password: &str, code: &str) -> Result<Enrolled> {
    let (member, secret) = pending_secret(app, token).await?;
    let password = Password::new(
        password,
        app.config.console.min_password_length,
        &[
            member.email.as_str(),
            member.email.split('@').next().unwrap_or(""),
        ],
    )?;
    let now = app.now();
    let step = totp::matching_step(&secret, code, now)
        .ok_or_else(|| Error::of(Code::InvalidTotp).on_field("code"))?;
    let hash = password.hash_off_thread(&app.hashers).await?;
    let recovery_codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();

    let mut tx = audit::begin(&app.db).await?;
    if !store::complete_enrolment(&mut tx, &token_hash(token), &member.id, &hash, step, now).await?
    {
        return Err(invalid_link());
    }
    for code in &recovery_codes {
        store::insert_recovery_code(
            &mut tx,
            &member.id,
            &token_hash(&normalise_recovery_code(code)),
        )
        .await?;
    }
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        &member.actor(),
        "staff.enrol",
        &member.id,
        "password and TOTP set",
    )
    .await?;
    tx.commit().await?;
    let member = StaffMember {
        enrolled_at: Some(now),
        ..member
    };
    let session = start_session(app, &member).await?;
    Ok(Enrolled {
        member,
        recovery_codes,
        session,
    })
}

/// A member enrolled at once with a known password and TOTP secret: the demo's staff
/// (whose published logins open nothing outside demo mode). `false` when the email is
/// taken already.
pub async fn seed_enrolled(
    app: &App,
    email: &str,
    role: Role,
    password: &str,
    secret: &[u8],
    actor: &str,
) -> Result<bool> {
    let email = parse_email(email)?;
    if store::find_by_email(app.db.reader(), &email)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    let created = create(app, &email, role, actor).await?;
    let sealed = totp_sealer(app).seal(secret, &created.member.id);
    let hash = Password::new(password, 8, &[])?
        .hash_off_thread(&app.hashers)
        .await?;
    let mut tx = app.db.begin().await?;
    store::set_pending_totp(&mut tx, &created.member.id, &sealed).await?;
    store::complete_enrolment(
        &mut tx,
        &token_hash(&created.token),
        &created.member.id,
        &hash,
        0,
        app.now(),
    )
    .await?;
    // Recovery codes nobody is shown: the member has them, as every enrolled member does.
    for _ in 0..RECOVERY_CODES {
        let code = normalise_recovery_code(&recovery_code());
        store::insert_recovery_code(&mut tx, &created.member.id, &token_hash(&code)).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// `xxxx-xxxx-xxxx` of lower-case letters and digits without look-alikes (50+ bits).
fn recovery_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..12)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(4)
        .map(|chunk| chunk.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A recovery code as typed: case, spaces and dashes do not matter.
pub(super) fn normalise_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether `code` looks like a recovery code rather than an app's six digits.
pub(super) fn is_recovery_code(code: &str) -> bool {
    normalise_recovery_code(code).len() == 12
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_long_random_and_forgiving_to_type() {
        let a = recovery_code();
        let b = recovery_code();
        assert_ne!(a, b);
        assert_eq!(a.len(), 14);
        assert!(is_recovery_code(&a));
        assert_eq!(
            normalise_recovery_code(&a.to_uppercase().replace('-', " ")),
            normalise_recovery_code(&a)
        );
        assert!(!is_recovery_code("123456"));
    }
}
