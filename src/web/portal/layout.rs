//! The page shell every portal page shares: header with navigation and the language
//! switch, main content, footer. Mobile first; readable without CSS or JavaScript.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::app::App;
use crate::i18n::{Locale, t};

use super::Portal;

/// A banner announcement as the page shows it.
#[derive(Debug, Clone)]
pub struct Banner {
    pub id: String,
    pub title: String,
}

/// The banners for this reader now; a page still renders (without them) should the
/// database not answer. Not looked up for what is no page: the order page's script and
/// the status it polls.
pub async fn banners(app: &App, portal: &Portal) -> Vec<Banner> {
    if portal.path.starts_with("/assets/") || portal.path.ends_with("/status") {
        return Vec::new();
    }
    let account = portal.account.as_ref().map(|a| a.id.as_str());
    match crate::announcements::banners_for(app, account).await {
        Ok(found) => found
            .into_iter()
            .map(|a| Banner {
                title: a.title(portal.locale).to_owned(),
                id: a.id,
            })
            .collect(),
        Err(error) => {
            tracing::warn!(%error, "banners not shown");
            Vec::new()
        }
    }
}

const STYLE: &str = include_str!("style.css");

/// A whole page: `<title>`, shell, and `content` as `<main>`.
pub fn page(portal: &Portal, title: &str, content: Markup) -> Markup {
    let locale = portal.locale;
    html! {
        (DOCTYPE)
        html lang=(locale.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light";
                title { (title) " · " (t(locale, "brand")) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                a.skip href="#main" { (t(locale, "nav.skip")) }
                header.site {
                    div.bar {
                        a.brand href="/" { (t(locale, "brand")) }
                        (language_switch(portal))
                    }
                    nav aria-label=(t(locale, "nav.main")) {
                        ul {
                            li { (nav_link(portal, "/plans", "nav.plans")) }
                            @if portal.account.is_some() {
                                li { (nav_link(portal, "/account", "nav.account")) }
                                li { (nav_link(portal, "/orders", "nav.orders")) }
                                li { (nav_link(portal, "/logout", "nav.logout")) }
                            } @else {
                                li { (nav_link(portal, "/login", "nav.login")) }
                                li { (nav_link(portal, "/register", "nav.register")) }
                            }
                        }
                    }
                }
                (banner_list(portal))
                main #main tabindex="-1" {
                    (content)
                }
                footer.site {
                    p { (t(locale, "footer.text")) }
                    p.footer-links data-testid="help-footer" {
                        a href="/help" { (t(locale, "help.title")) }
                        " · "
                        a href=(if portal.account.is_some() { "/support" } else { "/support/new" }) { (t(locale, "tickets.title")) }
                        " · "
                        a href="/announcements" { (t(locale, "announcements.title")) }
                        " · "
                        a href="/preferences" { (t(locale, "preferences.title")) }
                    }
                    (support_line(portal))
                    @if portal.demo {
                        p { (t(locale, "footer.demo")) " " a href="/dev/outbox" { (t(locale, "outbox.title")) } }
                    }
                }
            }
        }
    }
}

/// Service notices on every page until dismissed: the title, a link to read it, and
/// (signed in) a button that marks it read and comes back to this page.
fn banner_list(portal: &Portal) -> Markup {
    let locale = portal.locale;
    html! {
        @for banner in &portal.banners {
            section.banner aria-labelledby={ "banner-" (banner.id) } data-testid="banner" data-id=(banner.id) {
                p #{ "banner-" (banner.id) } {
                    span.banner-kind { (t(locale, "announcements.banner_kind")) } " "
                    strong { (banner.title) }
                }
                div.banner-actions {
                    a href={ "/announcements#" (banner.id) } { (t(locale, "announcements.read_more")) }
                    @if portal.account.is_some() {
                        form method="post" action={ "/announcements/" (banner.id) "/read" } {
                            input type="hidden" name="csrf" value=(portal.csrf);
                            input type="hidden" name="next" value=(portal.here());
                            button.secondary type="submit" aria-describedby={ "banner-" (banner.id) } {
                                (t(locale, "announcements.dismiss"))
                            }
                        }
                    }
                }
            }
        }
    }
}

fn nav_link(portal: &Portal, href: &str, key: &str) -> Markup {
    let current = portal.path == href;
    html! {
        a href=(href) aria-current=[current.then_some("page")] { (t(portal.locale, key)) }
    }
}

/// Links to the same page in each language, keeping its query (the phone being
/// verified, the plan at checkout); the choice is remembered.
fn language_switch(portal: &Portal) -> Markup {
    html! {
        nav.lang aria-label=(t(portal.locale, "nav.language")) {
            @for locale in Locale::ALL {
                @if locale == portal.locale {
                    span aria-current="true" lang=(locale.tag()) { (locale.native_name()) }
                } @else {
                    a href=(portal.in_language(locale)) lang=(locale.tag()) hreflang=(locale.tag()) {
                        (locale.native_name())
                    }
                }
            }
        }
    }
}

/// The operator's support contact in one line, for the footer.
fn support_line(portal: &Portal) -> Markup {
    if portal.support.is_empty() {
        return html! {};
    }
    html! {
        p data-testid="support-footer" { (t(portal.locale, "support.title")) " " (contact_links(portal)) }
    }
}

/// Where to get help, for a page that reports a problem (every error page, a failed
/// payment): the help centre, a support case, and the operator's contact when one is
/// configured.
pub fn support(portal: &Portal) -> Markup {
    let locale = portal.locale;
    html! {
        section.support aria-labelledby="support-title" data-testid="support" {
            h2 #support-title { (t(locale, "support.help")) }
            p data-testid="help-links" {
                a.contact href="/help" { (t(locale, "help.title")) }
                " "
                a.contact href="/support/new" { (t(locale, "help.open_case")) }
            }
            @if !portal.support.is_empty() {
                p { (contact_links(portal)) }
            }
        }
    }
}

/// The operator's contact alone (nothing when none is configured), for a page that
/// already leads to the help centre and a case.
pub fn contact(portal: &Portal) -> Markup {
    html! {
        @if !portal.support.is_empty() {
            p data-testid="contact" { (contact_links(portal)) }
        }
    }
}

fn contact_links(portal: &Portal) -> Markup {
    use crate::config::SupportConfig;
    let support = &portal.support;
    let locale = portal.locale;
    html! {
        @if !support.phone.is_empty() {
            a.contact href={ "tel:+" (SupportConfig::digits(&support.phone)) } { (t(locale, "support.phone")) " " span.nowrap { (support.phone) } }
            " "
        }
        @if !support.whatsapp.is_empty() {
            a.contact href={ "https://wa.me/" (SupportConfig::digits(&support.whatsapp)) } rel="noopener" { "WhatsApp " span.nowrap { (support.whatsapp) } }
            " "
        }
        @if !support.email.is_empty() {
            a.contact href={ "mailto:" (support.email) } { (support.email) }
            " "
        }
        @if !support.hours.is_empty() {
            span.hint { (crate::i18n::tf(locale, "support.hours", &[("hours", &support.hours)])) }
        }
    }
}

/// A notice at the top of a page (`role=status`) or an error (`role=alert`).
pub fn notice(text: &str, is_error: bool) -> Markup {
    html! {
        @if is_error {
            p.notice.error role="alert" { (text) }
        } @else {
            p.notice role="status" { (text) }
        }
    }
}
