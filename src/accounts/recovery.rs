//! Getting back in: password reset by code, and moving the account to a new phone.

use crate::app::App;
use crate::error::{Code, Error, Result};
use crate::messages::{Channel, texts};

use super::codes::Purpose;
use super::password::Password;
use super::verification::{use_code, verify_code};
use super::{Account, Destination, Phone, store};

/// Sets a new password with a code sent to the phone or email; every session ends.
pub async fn reset_password(
    app: &App,
    destination: &Destination,
    code: &str,
    new_password: &str,
) -> Result<()> {
    let tx = app.db.begin().await?;
    let (mut tx, stored) =
        verify_code(app, tx, Purpose::ResetPassword, destination.as_str(), code).await?;
    let account_id = stored
        .account_id
        .clone()
        .ok_or_else(|| Error::invalid(Code::InvalidCode).on_field("code"))?;
    let account = store::find_by_id(&mut *tx, &account_id)
        .await?
        .ok_or_else(|| Error::invalid(Code::InvalidCode).on_field("code"))?;
    let password = Password::new(
        new_password,
        app.config.accounts.min_password_length,
        &[account.phone.as_str(), account.email.as_str()],
    )?;
    // The try is spent; the slow hash runs outside any transaction, and the code is
    // used up together with the change.
    tx.commit().await?;
    let hash = password.hash_off_thread(&app.hashers).await?;
    let now = app.now();
    let mut tx = app.db.begin().await?;
    use_code(&mut tx, &stored, app).await?;
    store::update_password(&mut tx, &account.id, &hash, now).await?;
    store::revoke_all_sessions(&mut tx, &account.id, now).await?;
    tx.commit().await?;
    tracing::info!(account.id = %account.id, "password reset");
    let (channel, to) = match destination {
        Destination::Phone(phone) => (Channel::Sms, phone.as_str()),
        Destination::Email(email) => (Channel::Email, email.as_str()),
    };
    let support = support_link(app);
    notify(
        app,
        &texts::password_changed(channel, to, account.locale, &support),
    )
    .await;
    Ok(())
}

/// Where a subscriber reports a change they did not make: a support case about
/// their account.
fn support_link(app: &App) -> String {
    format!("{}/support/new?category=account", app.config.public_url())
}

/// Moves the signed-in account to the phone that received the code.
pub async fn change_phone(
    app: &App,
    account: &Account,
    new_phone: &str,
    code: &str,
) -> Result<Account> {
    let phone = Phone::parse_in(new_phone, app.config.locale.phone_region)?;
    let tx = app.db.begin().await?;
    let (mut tx, stored) = verify_code(app, tx, Purpose::ChangePhone, phone.as_str(), code).await?;
    if stored.account_id.as_deref() != Some(account.id.as_str()) {
        return Err(Error::invalid(Code::InvalidCode).on_field("code"));
    }
    use_code(&mut tx, &stored, app).await?;
    store::update_phone(&mut tx, &account.id, &phone, app.now()).await?;
    tx.commit().await?;
    tracing::info!(account.id = %account.id, "phone changed");
    notify(
        app,
        &texts::phone_changed(
            account.phone.as_str(),
            account.locale,
            &phone.masked(),
            &support_link(app),
        ),
    )
    .await;
    Ok(Account {
        phone,
        ..account.clone()
    })
}

/// Notices after the fact are best effort: the change has happened either way.
async fn notify(app: &App, message: &crate::messages::Message) {
    if let Err(error) = app.messenger.send(&app.db, app.now(), message).await {
        tracing::warn!(message.kind = %message.kind, error = %error, "notice not sent");
    }
}
