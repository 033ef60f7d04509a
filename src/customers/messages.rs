//! Sending a customer a message again: the same text to the same address (a code or
//! link that was not kept cannot go again), logged as a resend and audited as
//! `message.resend` with the outcome.

use crate::app::App;
use crate::audit;
use crate::error::Result;
use crate::messages::SentMessage;

/// Sends the logged message `id` again on behalf of `actor`; the new log entry says
/// whether the transport took it. 404 `message_not_found`, 409
/// `message_not_resendable` (a withheld one-time code or link).
pub async fn resend(app: &App, id: &str, actor: &str) -> Result<SentMessage> {
    let now = app.now();
    let sent = app.messenger.resend(&app.db, now, id, actor).await?;
    let mut tx = audit::begin(&app.db).await?;
    audit::record(
        &mut tx,
        &audit::Key::from_secret(&app.secret),
        now,
        actor,
        "message.resend",
        id,
        &format!("{} {} to {}: {}", sent.id, sent.kind, sent.to, sent.result),
    )
    .await?;
    tx.commit().await?;
    Ok(sent)
}
