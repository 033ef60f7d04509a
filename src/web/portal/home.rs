//! The home page.

use axum::response::Response;
use maud::html;

use crate::i18n::t;

use super::{Portal, render};

pub async fn show(portal: Portal) -> Response {
    let locale = portal.locale;
    let body = html! {
        h1 { (t(locale, "home.title")) }
        p.lead { (t(locale, "home.lead")) }
        div.actions {
            a.button href="/plans" { (t(locale, "home.cta_plans")) }
            @if portal.account.is_some() {
                a.button.secondary href="/account" { (t(locale, "home.cta_account")) }
            } @else {
                a.button.secondary href="/register" { (t(locale, "home.cta_register")) }
            }
        }
        ul.features {
            @for feature in ["data", "pay", "renew"] {
                li.card {
                    h2 { (t(locale, &format!("home.feature_{feature}_title"))) }
                    p { (t(locale, &format!("home.feature_{feature}_body"))) }
                }
            }
        }
    };
    render(&portal, &t(locale, "home.title"), body)
}
