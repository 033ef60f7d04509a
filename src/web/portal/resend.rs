//! "Send a new code" under every code form: a plain form that works without
//! JavaScript, saying when the limits let another code go (the server refuses an
//! early press, and sends nothing); a small script counts down and holds the button
//! until then.

use maud::{Markup, PreEscaped, html};

use crate::app::App;
use crate::i18n::{t, tf};

use super::Portal;
use super::format::wait;

/// Counts `data-resend-wait` seconds down in the hint and keeps the button disabled
/// until then.
const SCRIPT: &str = r#"document.querySelectorAll('form[data-resend-wait]').forEach(function (form) {
  var left = parseInt(form.getAttribute('data-resend-wait'), 10);
  var button = form.querySelector('button');
  var hint = form.querySelector('[data-countdown]');
  if (!(left > 0) || !button || !hint) return;
  button.disabled = true;
  var tick = function () {
    if (left <= 0) {
      button.disabled = false;
      hint.textContent = hint.getAttribute('data-ready');
      return;
    }
    var text = hint.getAttribute(left === 1 ? 'data-one' : 'data-other');
    hint.textContent = text.replace('{n}', String(left));
    left -= 1;
    setTimeout(tick, 1000);
  };
  tick();
});"#;

/// The seconds until a code may be sent to `destination` from `client`; 0 when now
/// (or when the limits cannot be read: the server still refuses an early press).
pub async fn wait_secs(app: &App, destination: &str, client: &str) -> i64 {
    crate::accounts::code_wait(app, destination, client)
        .await
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "code limits not read");
            0
        })
}

/// The resend form: posts `hidden` to `action`.
pub fn form(portal: &Portal, action: &str, hidden: &[(&str, &str)], wait_secs: i64) -> Markup {
    let locale = portal.locale;
    let seconds = |form: &str| {
        let n = tf(locale, &format!("wait.seconds.{form}"), &[("count", "{n}")]);
        tf(locale, "code.resend_wait", &[("wait", &n)])
    };
    let ready = t(locale, "code.resend_ready");
    html! {
        form.resend method="post" action=(action) data-resend-wait=(wait_secs.max(0)) {
            input type="hidden" name="csrf" value=(portal.csrf);
            @for (name, value) in hidden {
                input type="hidden" name=(name) value=(value);
            }
            p.hint #resend-hint data-countdown data-one=(seconds("one")) data-other=(seconds("other")) data-ready=(ready) {
                @if wait_secs > 0 {
                    (tf(locale, "code.resend_wait", &[("wait", &wait(locale, wait_secs))]))
                } @else {
                    (ready)
                }
            }
            button.secondary type="submit" aria-describedby="resend-hint" { (t(locale, "code.resend")) }
        }
        script { (PreEscaped(SCRIPT)) }
    }
}
