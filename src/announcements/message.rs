//! An announcement as an SMS or an email in the subscriber's language. A marketing one
//! ends with its opt-out: the signed one-click link (an email also carries it as
//! `List-Unsubscribe`).

use maud::{DOCTYPE, PreEscaped, html};

use crate::accounts::Account;
use crate::app::App;
use crate::i18n::{t, tf};
use crate::messages::{Channel, HtmlPart, Message};
use crate::preferences::unsubscribe;

use super::Announcement;

pub(super) fn compose(
    app: &App,
    announcement: &Announcement,
    account: &Account,
    channel: Channel,
) -> Message {
    let locale = account.locale;
    let base = app.config.public_url();
    let page = format!("{}/announcements", base.trim_end_matches('/'));
    let opt_out = announcement
        .marketing
        .then(|| unsubscribe::link(&base, &app.secret, &account.id, channel));
    let title = announcement.title(locale);
    let kind = if announcement.marketing {
        "announcement_marketing"
    } else {
        "announcement"
    };
    match channel {
        Channel::Sms => {
            let mut body = format!(
                "{title}\n{}",
                tf(locale, "announcements.message.more", &[("link", &page)])
            );
            if let Some(link) = &opt_out {
                body.push('\n');
                body.push_str(&tf(
                    locale,
                    "announcements.message.stop_sms",
                    &[("link", link)],
                ));
            }
            Message {
                channel,
                to: account.phone.to_string(),
                locale,
                kind: kind.to_owned(),
                subject: String::new(),
                body,
                html: None,
                unsubscribe: opt_out,
            }
        }
        Channel::Email => {
            let markdown = announcement.body(locale);
            let more = tf(locale, "announcements.message.more", &[("link", &page)]);
            let stop = opt_out.as_ref().map(|link| {
                tf(
                    locale,
                    "announcements.message.stop_email",
                    &[("link", link)],
                )
            });
            let mut body = crate::markdown::to_text(markdown);
            for part in [Some(&more), stop.as_ref()].into_iter().flatten() {
                body.push_str("\n\n");
                body.push_str(part);
            }
            let markup = html! {
                (DOCTYPE)
                html lang=(locale.tag()) {
                    head { meta charset="utf-8"; title { (title) } }
                    body style="font-family: sans-serif; line-height: 1.5; max-width: 36em" {
                        h1 style="font-size: 1.3em" { (title) }
                        (PreEscaped(crate::markdown::to_html(markdown)))
                        p { a href=(page) { (t(locale, "announcements.message.open")) } }
                        @if let Some(link) = &opt_out {
                            p style="color: #555; font-size: 0.9em" {
                                (t(locale, "announcements.message.why_email")) " "
                                a href=(link) { (t(locale, "announcements.message.unsubscribe")) }
                            }
                        }
                    }
                }
            };
            Message {
                channel,
                to: account.email.to_string(),
                locale,
                kind: kind.to_owned(),
                subject: title.to_owned(),
                body,
                html: Some(HtmlPart {
                    markup: markup.into_string(),
                    images: Vec::new(),
                }),
                unsubscribe: opt_out,
            }
        }
    }
}
