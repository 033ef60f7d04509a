//! Telling the subscriber: each finding with an account queues one job, in the
//! transaction that keeps it, which sends one SMS and one email in the subscriber's
//! language: what happened, the amount or use and when, what to do, and a link to the
//! alert (where a charge is disputed) and to the order. Alerts about money and about
//! someone else's use of the line cannot wait for the morning: they go in quiet hours
//! too.

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::db::Tx;
use crate::error::Result;
use crate::i18n::{Locale, t, tf};
use crate::jobs::{self, Job};
use crate::messages::{Channel, Message};
use crate::volume::DataVolume;

use super::{Finding, Kind, store};

pub const ALERT_JOB: &str = "watch.alert";

#[derive(Debug, Serialize, Deserialize)]
struct AlertJob {
    finding_id: String,
}

/// Queues the finding's alert, once (the job's key is the finding's).
pub(super) async fn queue(
    tx: &mut Tx,
    finding_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    jobs::enqueue(
        tx,
        ALERT_JOB,
        Some(&format!("watch.alert:{finding_id}")),
        &AlertJob {
            finding_id: finding_id.to_owned(),
        },
        now,
        now,
    )
    .await
}

/// A finding in words, in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    pub title: String,
    /// What happened, with the amount or use and when.
    pub what: String,
    /// What the subscriber can do.
    pub todo: String,
}

fn bytes_of(value: &serde_json::Value) -> String {
    DataVolume::bytes(value.as_u64().unwrap_or(0)).to_string()
}

/// The finding as the subscriber reads it (alerts, the alert page, the API).
pub fn describe(app: &App, finding: &Finding, locale: Locale) -> Described {
    let zone = app.config.time_zone();
    let local = finding.occurred_at.with_timezone(&zone);
    // As the portal writes dates (`web::portal::format`): `8 Dec 2026, 10:51`,
    // `2026年12月8日 10:51`; a day's use by its day alone.
    let pattern = match (locale, finding.kind == Kind::UsageSpike) {
        (Locale::En, false) => "%-d %b %Y, %H:%M",
        (Locale::En, true) => "%-d %b %Y",
        (_, false) => "%Y年%-m月%-d日 %H:%M",
        (_, true) => "%Y年%-m月%-d日",
    };
    let date = local.format(pattern).to_string();
    let e = &finding.evidence;
    let money = |value: &serde_json::Value| {
        serde_json::from_value::<crate::money::Money>(value.clone())
            .map(|m| m.to_string())
            .unwrap_or_default()
    };
    let usage = match finding.kind {
        Kind::UsageSpike => bytes_of(&e["spike"]["day_bytes"]),
        _ => bytes_of(&e["bytes"]),
    };
    let args = [
        (
            "amount",
            finding.amount.map(|m| m.to_string()).unwrap_or_default(),
        ),
        ("date", date),
        ("line", finding.line_tail().unwrap_or_default().to_owned()),
        ("total", money(&e["order_total"])),
        ("cap", money(&e["cap"])),
        ("count", e["count"].as_u64().unwrap_or(0).to_string()),
        (
            "minutes",
            e["window_minutes"].as_i64().unwrap_or(0).to_string(),
        ),
        ("usage", usage),
        ("usual", bytes_of(&e["spike"]["median_bytes"])),
    ];
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let key = format!("watch.kind.{}", finding.kind.as_str());
    Described {
        title: t(locale, &format!("{key}.title")),
        what: tf(locale, &format!("{key}.what"), &args),
        todo: t(locale, &format!("{key}.todo")),
    }
}

/// Where the subscriber reads the alert (and disputes a charge).
pub fn alert_link(app: &App, finding: &Finding) -> String {
    format!("{}/alerts#f-{}", app.config.public_url(), finding.id)
}

/// Sends the finding's SMS and email. A finding whose account is gone sends nothing.
pub async fn send_alert(app: &App, job: &Job) -> Result<()> {
    let work: AlertJob = job.payload()?;
    let Some(finding) = store::find(app, &work.finding_id).await? else {
        return Ok(());
    };
    let Some(account_id) = &finding.account_id else {
        return Ok(());
    };
    let Some(account) = crate::accounts::find(app, account_id).await? else {
        return Ok(());
    };
    let locale = account.locale;
    let said = describe(app, &finding, locale);
    let link = alert_link(app, &finding);
    let sms = tf(
        locale,
        "watch.message.sms",
        &[
            ("title", &said.title),
            ("what", &said.what),
            ("link", &link),
        ],
    );
    let mut email = format!(
        "{}\n\n{}\n\n{}",
        said.what,
        said.todo,
        tf(locale, "watch.message.see", &[("link", &link)])
    );
    if let Some(order) = &finding.order_id {
        let order_link = format!("{}/orders/{order}", app.config.public_url());
        email.push('\n');
        email.push_str(&tf(locale, "watch.message.order", &[("link", &order_link)]));
    }
    for (channel, to, subject, body) in [
        (Channel::Sms, account.phone.to_string(), String::new(), sms),
        (
            Channel::Email,
            account.email.to_string(),
            tf(locale, "watch.message.subject", &[("title", &said.title)]),
            email,
        ),
    ] {
        let message = Message {
            channel,
            to,
            locale,
            kind: format!("watch_{}", finding.kind.as_str()),
            subject,
            body,
            html: None,
            unsubscribe: None,
        };
        app.messenger
            .send(&app.db, app.now(), &message)
            .await
            .map_err(crate::error::Error::internal)?;
    }
    Ok(())
}
