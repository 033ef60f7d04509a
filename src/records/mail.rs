//! Sending records: each receipt and credit note by email (HTML and plain text) and a
//! short SMS with its link, as soon as it is issued (a service message, so quiet hours
//! do not hold it); and on the 1st, last month's statement by email to those who opted
//! in ([`statements_by_email`]), once each (`statement_mailings`).

use chrono::{DateTime, Utc};
use maud::{DOCTYPE, html};
use serde::{Deserialize, Serialize};

use crate::accounts::Account;
use crate::app::App;
use crate::clock::to_millis;
use crate::error::{Error, Result};
use crate::i18n::{Locale, t, tf};
use crate::jobs::{self, Job};
use crate::messages::{Channel, HtmlPart, Message};
use crate::orders::receipts::{DocumentJob, DocumentRef};

use super::receipt::{ReceiptView, method_name};
use super::{Month, format, statement};

pub const STATEMENT_JOB: &str = "records.send_statement";

#[derive(Debug, Serialize, Deserialize)]
pub struct StatementJob {
    pub account_id: String,
    pub month: String,
}

/// Does the subscriber want their monthly statement by email? The preferences page
/// (`statements_by_email`) owns the choice, off until they turn it on. Every reader of
/// the choice goes through here.
pub async fn statements_by_email(app: &App, account_id: &str) -> Result<bool> {
    Ok(crate::preferences::get(app, account_id)
        .await?
        .statements_by_email)
}

/// Sends a receipt or credit note (the job queued when it was issued).
pub async fn send_document(app: &App, job: &Job) -> Result<()> {
    let DocumentJob { number } = job.payload()?;
    let Some(document) = DocumentRef::find(app, &number).await? else {
        return Ok(());
    };
    let (account_id, order_id) = match &document {
        DocumentRef::Receipt(r) => (r.account_id.clone(), r.order_id.clone()),
        DocumentRef::CreditNote(n) => (n.account_id.clone(), n.order_id.clone()),
    };
    let Some(account) = crate::accounts::find(app, &account_id).await? else {
        return Ok(());
    };
    let locale = account.locale;
    let link = format!("{}/orders/{order_id}/receipt", app.config.public_url());
    let (subject, lines, sms) = match &document {
        DocumentRef::Receipt(receipt) => {
            let view = ReceiptView::build(app, receipt, locale).await?;
            let mut lines: Vec<(String, String)> = view
                .items
                .iter()
                .map(|i| (i.description.clone(), i.amount.to_string()))
                .collect();
            lines.extend(view.discounts.iter().map(|d| {
                let why = d
                    .reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                (format!("{}{why}", d.description), format!("−{}", d.amount))
            }));
            lines.push((t(locale, "checkout.fee_line"), view.fee.to_string()));
            lines.push((t(locale, "checkout.total"), view.total.to_string()));
            lines.push((t(locale, "order.method"), method_name(view.method, locale)));
            if let Some(reference) = &view.provider_reference {
                lines.push((t(locale, "records.reference"), reference.clone()));
            }
            lines.push((t(locale, "records.paid"), view.paid_at_local.clone()));
            (
                tf(locale, "records.receipt_title", &[("number", &view.number)]),
                lines,
                tf(
                    locale,
                    "records.sms_receipt",
                    &[
                        ("number", &view.number),
                        ("total", &view.total.to_string()),
                        ("link", &link),
                    ],
                ),
            )
        }
        DocumentRef::CreditNote(note) => {
            let view = super::CreditNoteView::of(note, locale);
            let zone = app.config.time_zone();
            let lines = vec![
                (view.description.clone(), format!("−{}", view.amount)),
                (
                    t(locale, "records.credits_receipt"),
                    view.receipt_number.clone(),
                ),
                (t(locale, "records.why"), view.reason.clone()),
                (
                    t(locale, "records.issued"),
                    format::datetime(locale, view.issued_at, zone),
                ),
            ];
            (
                tf(
                    locale,
                    "records.credit_note_title",
                    &[("number", &view.number)],
                ),
                lines,
                tf(
                    locale,
                    "records.sms_credit_note",
                    &[
                        ("number", &view.number),
                        ("amount", &view.amount.to_string()),
                        ("link", &link),
                    ],
                ),
            )
        }
    };
    let email = email(
        app,
        &account,
        &subject,
        &lines,
        &link,
        &t(locale, "records.open_receipt"),
    );
    send(app, email).await?;
    send(
        app,
        Message {
            channel: Channel::Sms,
            to: account.phone.as_str().to_owned(),
            locale,
            kind: "receipt".into(),
            subject: String::new(),
            body: sms,
            html: None,
            unsubscribe: None,
        },
    )
    .await
}

async fn send(app: &App, message: Message) -> Result<()> {
    app.messenger
        .send(&app.db, app.now(), &message)
        .await
        .map_err(Error::internal)
}

/// An email of `lines` (label, value) with a link, as plain text and HTML.
fn email(
    app: &App,
    account: &Account,
    subject: &str,
    lines: &[(String, String)],
    link: &str,
    link_text: &str,
) -> Message {
    let locale = account.locale;
    let issuer = &app.config.operator;
    let mut text = String::new();
    for (label, value) in lines {
        text.push_str(&format!("{label}: {value}\n"));
    }
    text.push_str(&format!("\n{link_text}: {link}\n"));
    if !issuer.legal_name.is_empty() {
        text.push_str(&format!("\n{}\n{}\n", issuer.legal_name, issuer.address));
    }
    let markup = html! {
        (DOCTYPE)
        html lang=(locale.tag()) {
            head { meta charset="utf-8"; title { (subject) } }
            body style="font-family: sans-serif; color: #1a1a1a" {
                h1 style="font-size: 1.2em" { (subject) }
                table style="border-collapse: collapse" {
                    @for (label, value) in lines {
                        tr {
                            th style="text-align: left; padding: 4px 12px 4px 0; font-weight: normal" { (label) }
                            td style="text-align: right; padding: 4px 0" { (value) }
                        }
                    }
                }
                p { a href=(link) { (link_text) } }
                @if !issuer.legal_name.is_empty() {
                    p style="color: #4a5560; font-size: 0.85em" { (issuer.legal_name) br; (issuer.address) }
                }
            }
        }
    };
    Message {
        channel: Channel::Email,
        to: account.email.as_str().to_owned(),
        locale,
        kind: "receipt".into(),
        subject: subject.to_owned(),
        body: text,
        html: Some(HtmlPart {
            markup: markup.into_string(),
            images: Vec::new(),
        }),
        unsubscribe: None,
    }
}

/// On and after the 1st: queues last month's statement email for each subscriber who
/// opted in, once per month (the background loop calls this often; a finished month
/// is marked with the account `*`).
pub async fn statements_due(app: &App) -> Result<usize> {
    let zone = app.config.time_zone();
    let now = app.now();
    let month = Month::of(now, zone).previous();
    let key = month.to_string();
    if mailed(app, "*", &key).await? {
        return Ok(0);
    }
    let mut queued = 0;
    for account_id in crate::accounts::ids_made_before(app, month.next().start(zone)).await? {
        if !statements_by_email(app, &account_id).await? {
            continue;
        }
        let mut tx = app.db.begin().await?;
        if mark(&mut tx, &account_id, &key, now).await? {
            jobs::enqueue(
                &mut tx,
                STATEMENT_JOB,
                Some(&format!("statement:{account_id}:{key}")),
                &StatementJob {
                    account_id: account_id.clone(),
                    month: key.clone(),
                },
                now,
                now,
            )
            .await?;
            queued += 1;
        }
        tx.commit().await?;
    }
    let mut tx = app.db.begin().await?;
    mark(&mut tx, "*", &key, now).await?;
    tx.commit().await?;
    Ok(queued)
}

async fn mailed(app: &App, account_id: &str, month: &str) -> Result<bool> {
    let found: Option<(i64,)> = sqlx::query_as(
        "SELECT sent_at FROM statement_mailings WHERE account_id = $1 AND month = $2",
    )
    .bind(account_id)
    .bind(month)
    .fetch_optional(app.db.reader())
    .await?;
    Ok(found.is_some())
}

async fn mark(
    tx: &mut crate::db::Tx,
    account_id: &str,
    month: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO statement_mailings (account_id, month, sent_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, month) DO NOTHING",
    )
    .bind(account_id)
    .bind(month)
    .bind(to_millis(now))
    .execute(&mut **tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Sends one month's statement (the job [`statements_due`] queued).
pub async fn send_statement(app: &App, job: &Job) -> Result<()> {
    let StatementJob { account_id, month } = job.payload()?;
    let Some(account) = crate::accounts::find(app, &account_id).await? else {
        return Ok(());
    };
    let locale: Locale = account.locale;
    let month = statement::check_month(app, &account, &month)?;
    let statement = statement::build(app, &account, month, locale).await?;
    let title = tf(
        locale,
        "records.statement_title",
        &[("month", &format::month(locale, month))],
    );
    let lines = vec![
        (
            t(locale, "records.opening_balance"),
            statement.opening_balance.to_string(),
        ),
        (
            t(locale, "records.closing_balance"),
            statement.closing_balance.to_string(),
        ),
        (
            t(locale, "records.total_paid"),
            statement.total_paid.to_string(),
        ),
        (
            t(locale, "records.total_refunded"),
            statement.total_refunded.to_string(),
        ),
    ];
    let link = format!("{}/statements/{month}", app.config.public_url());
    let mut email = email(
        app,
        &account,
        &title,
        &lines,
        &link,
        &t(locale, "records.open_statement"),
    );
    email.kind = "statement".into();
    send(app, email).await
}
