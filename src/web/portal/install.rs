//! Installing an eSIM from the page it is shown on: one tap on the phone that will
//! hold it (its own link first, by `User-Agent`), the two fields to type in by hand
//! (with copy buttons once the script runs), and the QR code for a phone other than
//! the one showing the page. The order page and the account card both show it.

use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};

use crate::i18n::{Locale, t, tf};
use crate::lines::{ActivationCode, Platform};

use super::Portal;
use super::format::datetime;
use super::qr;

/// The phone the page is shown on.
pub fn platform(headers: &HeaderMap) -> Platform {
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    Platform::from_user_agent(agent)
}

/// "Starts when you install it, at the latest …" for a line that waits for its install.
pub fn starts_at_install(locale: Locale, opens_by: DateTime<Utc>, zone: chrono_tz::Tz) -> Markup {
    html! {
        span data-testid="starts-at-install" {
            (tf(locale, "install.starts_at_install", &[("date", &datetime(locale, opens_by, zone))]))
        }
    }
}

/// The install section for the stored activation code `stored` (`1$…$…`), under a
/// heading of `level` (2 to 4; its parts one below), with `note` (when the plan
/// starts) right under the heading. A code that is not an SGP.22 activation code is shown
/// as it is, with its QR code.
pub fn section(
    portal: &Portal,
    stored: &str,
    platform: Platform,
    level: u8,
    note: Markup,
) -> Markup {
    let locale = portal.locale;
    let title = t(locale, "install.title");
    let title = heading(level, &title);
    let Some(code) = ActivationCode::parse(stored) else {
        return html! {
            section.install data-testid="install" {
                (title)
                (note)
                (qr::svg(&format!("LPA:{stored}"), &t(locale, "install.qr_label")))
                p { code.token data-testid="activation-code" { "LPA:" (stored) } }
            }
        };
    };
    let ios = html! {
        a.button href=(code.apple_link()) data-testid="install-ios" { (t(locale, "install.ios")) }
        span.hint { (t(locale, "install.ios_hint")) }
    };
    let android = html! {
        a.button href=(code.android_link()) data-testid="install-android" { (t(locale, "install.android")) }
        span.hint { (t(locale, "install.android_hint")) }
    };
    let links = html! {
        div.install-links data-platform=(match platform { Platform::Ios => "ios", Platform::Android => "android", Platform::Other => "other" }) {
            p { (t(locale, "install.this_phone")) }
            @match platform {
                Platform::Android => { div.install-link.first { (android) } div.install-link.other { (ios) } }
                _ => { div.install-link.first { (ios) } div.install-link.other { (android) } }
            }
        }
    };
    let qr_part = html! {
        div.install-qr {
            (heading(level + 1, &t(locale, "install.qr_title")))
            p { (t(locale, "install.qr_help")) }
            (qr::svg(&code.lpa(), &t(locale, "install.qr_label")))
            p.hint { code.token data-testid="activation-code" { (breakable(&code.lpa())) } }
        }
    };
    html! {
        section.install data-testid="install" {
            (title)
            (note)
            @if platform == Platform::Other { (qr_part) (links) } @else { (links) }
            div.install-manual {
                (heading(level + 1, &t(locale, "install.manual_title")))
                p { (t(locale, "install.manual_help")) }
                (copy_field(locale, "install.smdp", code.smdp_address(), "smdp-address"))
                (copy_field(locale, "install.matching_id", code.matching_id(), "matching-id"))
            }
            @if platform != Platform::Other { (qr_part) }
            script src=(SCRIPT_PATH) defer {}
        }
    }
}

/// `text` with a line-break opportunity after each `.`, `-` and `$`, so that a long
/// address or code wraps between its parts rather than inside one (the box's
/// `overflow-wrap: anywhere` is only the last resort). Copying the text is unchanged.
fn breakable(text: &str) -> Markup {
    html! {
        @for (i, part) in text.split_inclusive(['.', '-', '$']).enumerate() {
            @if i > 0 { wbr; }
            (part)
        }
    }
}

/// `h2` to `h5`, for where the section sits in its page.
fn heading(level: u8, text: &str) -> Markup {
    html! {
        @match level {
            0..=2 => h2 { (text) },
            3 => h3 { (text) },
            4 => h4 { (text) },
            _ => h5 { (text) },
        }
    }
}

/// A value to type in, with its name and a copy button the script shows.
fn copy_field(locale: Locale, label_key: &str, value: &str, testid: &str) -> Markup {
    let label = t(locale, label_key);
    html! {
        div.copy-field {
            span.copy-label { (label) }
            div.copy-row {
                code.token data-testid=(testid) { (breakable(value)) }
                button.secondary.copy type="button" hidden data-copy=(value)
                    data-copied=(t(locale, "install.copied"))
                    aria-label=(tf(locale, "install.copy_what", &[("what", &label)])) {
                    (t(locale, "install.copy"))
                }
            }
        }
    }
}

/// Where the copy buttons' script is served (a file, so a strict `script-src 'self'`
/// policy would allow it).
pub const SCRIPT_PATH: &str = "/assets/install.js";

const SCRIPT: &str = include_str!("install.js");

pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SCRIPT,
    )
        .into_response()
}
