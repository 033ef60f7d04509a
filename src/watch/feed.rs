//! What the subscriber's alert page and `GET /api/v1/me/alerts` show: the account's
//! findings (abnormal charges and usage) and the data alerts its lines were sent
//! (75 % and 90 % used, used up, fair use, ending soon), newest first, in the
//! reader's language.

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::error::Result;
use crate::i18n::{Locale, t, tf};
use crate::money::Money;

use super::alert::describe;
use super::{Finding, store};

/// The data alerts of `crate::usage::alerts` shown beside the findings.
pub const USAGE_ALERTS: [&str; 6] = [
    "used_75",
    "used_90",
    "exhausted",
    "fair_use",
    "expires_3d",
    "expires_1d",
];

/// Most entries shown.
pub const LIMIT: i64 = 100;

/// One entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The finding's id, or `usage:<period>:<kind>` for a data alert.
    pub id: String,
    /// A finding's kind, or the data alert's.
    pub kind: String,
    /// About money (else about data).
    pub charge: bool,
    pub at: DateTime<Utc>,
    pub title: String,
    pub what: String,
    pub todo: String,
    pub iccid: Option<String>,
    pub amount: Option<Money>,
    /// The finding, for a finding.
    pub finding: Option<Finding>,
}

impl Entry {
    pub fn disputable(&self) -> bool {
        self.finding.as_ref().is_some_and(Finding::disputable)
    }
}

/// The account's entries, newest first.
pub async fn of_account(app: &App, account_id: &str, locale: Locale) -> Result<Vec<Entry>> {
    let mut out: Vec<Entry> = store::for_account(app, account_id, LIMIT)
        .await?
        .into_iter()
        .map(|finding| {
            let said = describe(app, &finding, locale);
            Entry {
                id: finding.id.clone(),
                kind: finding.kind.as_str().to_owned(),
                charge: finding.kind.is_charge(),
                at: finding.detected_at,
                title: said.title,
                what: said.what,
                todo: said.todo,
                iccid: finding.iccid.clone(),
                amount: finding.amount,
                finding: Some(finding),
            }
        })
        .collect();
    let lines: Vec<String> = crate::lines::for_account(app, account_id)
        .await?
        .into_iter()
        .map(|line| line.iccid.to_string())
        .collect();
    let sent = crate::usage::alert_log::sent_to_lines(app, &lines, &USAGE_ALERTS, LIMIT).await?;
    for (period, kind, iccid, at) in sent {
        let tail = &iccid[iccid.len().saturating_sub(4)..];
        out.push(Entry {
            id: format!("usage:{period}:{kind}"),
            title: t(locale, &format!("alert.{kind}.subject")),
            what: tf(
                locale,
                &format!("alert.{kind}.body"),
                &[("line", tail), ("link", "/account")],
            ),
            todo: String::new(),
            kind,
            charge: false,
            at,
            iccid: Some(iccid.clone()),
            amount: None,
            finding: None,
        });
    }
    out.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.id.cmp(&a.id)));
    out.truncate(usize::try_from(LIMIT).unwrap_or(100));
    Ok(out)
}
