//! The messages we send, rendered from the catalogs in the recipient's language.

use crate::i18n::{Locale, t, tf};

use super::{Channel, Message};

fn message(
    channel: Channel,
    to: &str,
    locale: Locale,
    kind: &str,
    subject_key: &str,
    body: String,
) -> Message {
    Message {
        channel,
        to: to.to_owned(),
        locale,
        kind: kind.to_owned(),
        subject: match channel {
            Channel::Email => t(locale, subject_key),
            Channel::Sms => String::new(),
        },
        body,
        html: None,
        unsubscribe: None,
    }
}

pub fn verification_code(
    channel: Channel,
    to: &str,
    locale: Locale,
    code: &str,
    minutes: i64,
) -> Message {
    let body = tf(
        locale,
        "message.code.body",
        &[("code", code), ("minutes", &minutes.to_string())],
    );
    message(
        channel,
        to,
        locale,
        "verification_code",
        "message.code.subject",
        body,
    )
}

/// Sent instead of a code when someone tries to register a number that already has
/// an account: the owner learns of it, the person asking learns nothing.
pub fn already_registered(to: &str, locale: Locale, base_url: &str) -> Message {
    let body = tf(
        locale,
        "message.already_registered.body",
        &[("url", &format!("{base_url}/password-reset"))],
    );
    message(
        Channel::Sms,
        to,
        locale,
        "already_registered",
        "message.already_registered.subject",
        body,
    )
}

/// `support` is where to report it: the portal's new-case page.
pub fn password_changed(channel: Channel, to: &str, locale: Locale, support: &str) -> Message {
    let body = tf(
        locale,
        "message.password_changed.body",
        &[("support", support)],
    );
    message(
        channel,
        to,
        locale,
        "password_changed",
        "message.password_changed.subject",
        body,
    )
}

pub fn phone_changed(to: &str, locale: Locale, new_phone_masked: &str, support: &str) -> Message {
    let body = tf(
        locale,
        "message.phone_changed.body",
        &[("phone", new_phone_masked), ("support", support)],
    );
    message(
        Channel::Sms,
        to,
        locale,
        "phone_changed",
        "message.phone_changed.subject",
        body,
    )
}

/// The link that proves the subscriber reads this email.
pub fn email_verification(to: &str, locale: Locale, link: &str) -> Message {
    let body = tf(locale, "message.email_verification.body", &[("url", link)]);
    message(
        Channel::Email,
        to,
        locale,
        "email_verification",
        "message.email_verification.subject",
        body,
    )
}

/// Sent when someone registers with an email that already has an account: the
/// owner learns of it; the person registering is told no more than with any email.
pub fn register_attempt(to: &str, locale: Locale, base_url: &str) -> Message {
    let body = tf(
        locale,
        "message.register_attempt.body",
        &[("url", &format!("{base_url}/password-reset"))],
    );
    message(
        Channel::Email,
        to,
        locale,
        "register_attempt",
        "message.register_attempt.subject",
        body,
    )
}
