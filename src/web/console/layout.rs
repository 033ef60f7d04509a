//! The console's page shell: a bar with the console's sections (those the member's
//! role may open), who is signed in, the language switch and logging out.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::i18n::{Locale, t};
use crate::staff::Permission;

use super::Console;

const STYLE: &str = include_str!("console.css");

pub fn page(console: &Console, title: &str, content: Markup) -> Markup {
    let locale = console.locale;
    html! {
        (DOCTYPE)
        html lang=(locale.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) " · " (t(locale, "console.brand")) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                a.skip href="#main" { (t(locale, "nav.skip")) }
                header.console {
                    a.brand href="/admin" { (t(locale, "console.brand")) }
                    @if let Some(member) = &console.member {
                        nav aria-label=(t(locale, "console.nav")) {
                            ul {
                                li { (link(console, "/admin", "console.home")) }
                                li { (link(console, "/admin/customers", "console.customers.title")) }
                                li { (link(console, "/admin/tickets", "console.tickets.title")) }
                                li { (link(console, "/admin/help", "console.help.title")) }
                                li { (link(console, "/admin/payments/attention", "console.attention.nav")) }
                                li { (link(console, "/admin/books", "console.books.title")) }
                                li { (link(console, "/admin/catalog", "console.catalog.title")) }
                                li { (link(console, "/admin/inventory", "console.inventory.title")) }
                                li { (link(console, "/admin/audit", "console.audit")) }
                                li { (link(console, "/admin/refunds", "console.refunds.pending_title")) }
                                li { (link(console, "/admin/announcements", "console.announcements.title")) }
                                @if member.role.may(Permission::ManageStaff) {
                                    li { (link(console, "/admin/staff", "console.staff_title")) }
                                }
                            }
                        }
                        span.who data-testid="signed-in-as" {
                            (member.email) " · " (t(locale, &format!("console.role.{}", member.role.as_str())))
                        }
                        form method="post" action="/admin/logout" {
                            input type="hidden" name="csrf" value=(console.csrf);
                            button type="submit" { (t(locale, "console.log_out")) }
                        }
                    }
                    nav.lang aria-label=(t(locale, "nav.language")) {
                        @for other in Locale::ALL {
                            @if other == locale {
                                span aria-current="true" lang=(other.tag()) { (other.native_name()) }
                            } @else {
                                a href={ (console.path) "?lang=" (other.tag()) } lang=(other.tag()) hreflang=(other.tag()) { (other.native_name()) }
                            }
                        }
                    }
                }
                main #main tabindex="-1" { (content) }
            }
        }
    }
}

fn link(console: &Console, href: &str, key: &str) -> Markup {
    let current = console.path == href;
    html! { a href=(href) aria-current=[current.then_some("page")] { (t(console.locale, key)) } }
}

/// The error that stopped a form, in the reader's words, its code for machines.
pub fn error_notice(console: &Console, error: &crate::error::Error) -> Markup {
    html! {
        p.notice.error role="alert" data-code=(error.code) {
            (t(console.locale, &format!("error.{}", error.code)))
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
