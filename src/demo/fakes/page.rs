//! The fakes' pages: plain, on a phone, and unmistakably fake.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};

use crate::app::App;

/// Which provider a page plays, and its colour: each brand's hue, darkened until white
/// text on it reaches the 4.5:1 contrast WCAG AA asks for.
#[derive(Clone, Copy)]
pub struct Look {
    pub provider: &'static str,
    pub colour: &'static str,
}

pub const STRIPE: Look = Look {
    provider: "Stripe",
    colour: "#533afd",
};
pub const ALIPAY: Look = Look {
    provider: "Alipay",
    colour: "#0958d9",
};
pub const WECHAT_PAY: Look = Look {
    provider: "WeChat Pay",
    colour: "#05793d",
};

/// A whole page: the "FAKE … for testing" banner, one `h1`, then `body`.
pub fn page(look: Look, title: &str, body: Markup) -> Response {
    let heading = format!("FAKE {} · {title}", look.provider);
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (heading) " (for testing)" }
                style { (format!("body{{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:0 auto;padding:0 1rem 2rem;color:#1b1f24}}
                    .fake{{background:#fff4d6;border:3px solid #b35c00;border-radius:.5rem;padding:.6rem .8rem;margin:1rem 0;font-weight:600}}
                    h1{{font-size:1.35rem;border-bottom:4px solid {c};padding-bottom:.3rem}}
                    .amount{{font-size:1.8rem;font-weight:700;margin:.25rem 0}}
                    label{{display:block;font-weight:600;margin-top:.6rem}}
                    input{{font:inherit;width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #8c959f;border-radius:.3rem}}
                    button{{font:inherit;font-weight:600;padding:.7rem 1.2rem;border-radius:.4rem;margin:.8rem .5rem .25rem 0;cursor:pointer;background:{c};color:#fff;border:2px solid {c}}}
                    button.secondary{{background:#fff;color:#b3261e;border-color:#b3261e}}
                    .hint{{color:#57606a;font-size:.9rem}} .error{{color:#b3261e;font-weight:600}} code{{word-break:break-all}}", c = look.colour)) }
            }
            body {
                p.fake role="note" data-testid="fake-banner" {
                    "FAKE " (look.provider) " for testing only: no real money moves, and no real payer ever sees this page. "
                    "測試用的假" (look.provider) "頁面，不涉及真實款項。"
                }
                main {
                    h1 { (heading) }
                    (body)
                }
            }
        }
    };
    Html(markup.into_string()).into_response()
}

/// A page for a payment the fake does not know (or no longer offers).
pub fn not_found(look: Look, what: &str) -> Response {
    let body = html! { p.error { (what) } };
    (StatusCode::NOT_FOUND, page(look, "not found", body)).into_response()
}

/// Whether `url` is a page of our own site (and not one of the fakes'), so that the
/// fakes only ever send the browser back there.
pub fn on_our_site(app: &App, url: &str) -> bool {
    let ours = format!("{}/", app.config.public_url());
    url.starts_with(&ours) && !url.starts_with(&format!("{ours}fake/"))
}

/// The page that linked to a "wallet app" page, when it is one of ours.
pub fn came_from(app: &App, headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::REFERER)
        .and_then(|value| value.to_str().ok())
        .filter(|url| on_our_site(app, url))
        .map(str::to_owned)
}

/// Back to `target` when it is ours; else a page that says what happened.
pub fn back_or_say(app: &App, look: Look, target: Option<&str>, said: &str) -> Response {
    match target.filter(|url| on_our_site(app, url)) {
        Some(url) => Redirect::to(url).into_response(),
        None => page(look, said, html! { p role="status" { (said) } }),
    }
}

/// `url` with `params` added to its query.
pub fn with_query(url: &str, params: &[(&str, &str)]) -> String {
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{query}")
}
