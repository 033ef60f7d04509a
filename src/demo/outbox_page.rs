//! `/dev/outbox`: in demo mode, the SMS and email that would have been sent.

use axum::extract::State;
use axum::response::Response;
use maud::html;

use crate::app::App;
use crate::error::{Code, Error};
use crate::i18n::t;

use crate::web::portal::format::datetime;
use crate::web::portal::{Portal, error_page, render};

pub async fn show(State(app): State<App>, portal: Portal) -> Response {
    let Some(outbox) = app.messenger.outbox().filter(|_| app.config.demo) else {
        return error_page(&portal, &Error::not_found(Code::NotFound));
    };
    let mut entries = match outbox.entries().await {
        Ok(entries) => entries,
        Err(error) => return error_page(&portal, &Error::internal(error)),
    };
    entries.reverse();
    let locale = portal.locale;
    let body = html! {
        h1 { (t(locale, "outbox.title")) }
        p.lead { (t(locale, "outbox.lead")) }
        @if entries.is_empty() {
            p { (t(locale, "outbox.empty")) }
        } @else {
            table.outbox {
                thead { tr {
                    th scope="col" { (t(locale, "outbox.at")) }
                    th scope="col" { (t(locale, "outbox.to")) }
                    th scope="col" { (t(locale, "outbox.body")) }
                } }
                tbody {
                    @for entry in entries.iter().take(200) {
                        tr data-kind=(entry.message.kind) {
                            td { (datetime(locale, entry.at, app.config.time_zone())) br; span.hint { (format!("{:?}", entry.message.channel).to_lowercase()) } }
                            td { (entry.message.to) }
                            td.body lang=(entry.message.locale.tag()) {
                                @if !entry.message.subject.is_empty() { strong { (entry.message.subject) } br; }
                                (entry.message.body)
                                // An HTML email's images (the reminder's QR code), to check by eye or phone.
                                @if let Some(html) = &entry.message.html {
                                    @for image in &html.images {
                                        img src=(image.data_uri()) width="160" height="160" data-content-id=(image.content_id)
                                            alt=(t(locale, "outbox.html_image"));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    render(&portal, &t(locale, "outbox.title"), body)
}
