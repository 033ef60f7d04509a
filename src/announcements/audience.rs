//! Whom an announcement is for: everyone, or the subscribers with a line that matches
//! every criterion given (its plan's zone, its plan, its status, auto-renew on or off).
//! The rule is the pure [`Audience::matches`]; [`facts_of`] gathers what it needs
//! about an account's lines from their owners.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::catalog::Zone;
use crate::error::Result;
use crate::lines::LineStatus;

/// An empty list or `None` means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<Zone>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plans: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub line_status: Vec<LineStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_renew: Option<bool>,
}

/// What the audience rule looks at about one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineFacts {
    /// The plan running now, else the next one queued; `None` without either.
    pub plan: Option<String>,
    pub zone: Option<Zone>,
    pub status: LineStatus,
    pub auto_renew: bool,
}

impl Audience {
    /// Everyone, visitors not signed in too.
    pub fn is_everyone(&self) -> bool {
        self.zones.is_empty()
            && self.plans.is_empty()
            && self.line_status.is_empty()
            && self.auto_renew.is_none()
    }

    /// Whether a subscriber with these lines is in the audience: everyone is; a
    /// targeted audience needs one line that matches every criterion given.
    pub fn matches(&self, lines: &[LineFacts]) -> bool {
        self.is_everyone() || lines.iter().any(|line| self.matches_line(line))
    }

    fn matches_line(&self, line: &LineFacts) -> bool {
        let zone_ok =
            self.zones.is_empty() || line.zone.is_some_and(|zone| self.zones.contains(&zone));
        let plan_ok = self.plans.is_empty()
            || line
                .plan
                .as_ref()
                .is_some_and(|plan| self.plans.contains(plan));
        let status_ok = self.line_status.is_empty() || self.line_status.contains(&line.status);
        let auto_renew_ok = self.auto_renew.is_none_or(|on| on == line.auto_renew);
        zone_ok && plan_ok && status_ok && auto_renew_ok
    }
}

/// Zones by plan code, retired plans too, read once for many accounts; empty (and not
/// read) when none of `audiences` asks for a zone.
pub async fn zones<'a>(
    app: &App,
    audiences: impl IntoIterator<Item = &'a Audience>,
) -> Result<BTreeMap<String, Zone>> {
    if audiences
        .into_iter()
        .all(|audience| audience.zones.is_empty())
    {
        return Ok(BTreeMap::new());
    }
    Ok(crate::catalog::history::plans(app, None)
        .await?
        .into_iter()
        .map(|record| (record.code.as_str().to_owned(), record.zone))
        .collect())
}

/// The facts of each of the account's lines as of now.
pub async fn facts_of(
    app: &App,
    account_id: &str,
    zones: &BTreeMap<String, Zone>,
) -> Result<Vec<LineFacts>> {
    let mut facts = Vec::new();
    for line in crate::lines::for_account(app, account_id).await? {
        let plan = line
            .current
            .as_ref()
            .or(line.queued.first())
            .map(|period| period.plan_code.clone());
        let auto_renew = crate::auto_renew::settings(app, line.iccid.as_str())
            .await?
            .enabled;
        facts.push(LineFacts {
            zone: plan.as_ref().and_then(|plan| zones.get(plan).copied()),
            plan,
            status: line.status,
            auto_renew,
        });
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(plan: &str, zone: Zone, status: LineStatus, auto_renew: bool) -> LineFacts {
        LineFacts {
            plan: Some(plan.to_owned()),
            zone: Some(zone),
            status,
            auto_renew,
        }
    }

    #[test]
    fn everyone_includes_subscribers_without_lines() {
        assert!(Audience::default().matches(&[]));
        let targeted = Audience {
            auto_renew: Some(false),
            ..Audience::default()
        };
        assert!(!targeted.matches(&[]));
    }

    #[test]
    fn each_criterion_narrows_and_one_line_must_meet_them_all() {
        let hk_active = line("HK-30D-20G", Zone::Hk, LineStatus::Active, false);
        let gba_suspended = line("GBA-7D-10G", Zone::CnHkMo, LineStatus::Suspended, true);
        let both = [hk_active.clone(), gba_suspended.clone()];
        let by_zone = Audience {
            zones: vec![Zone::CnHkMo],
            ..Audience::default()
        };
        assert!(by_zone.matches(&both));
        assert!(!by_zone.matches(std::slice::from_ref(&hk_active)));
        let by_plan = Audience {
            plans: vec!["HK-30D-20G".into()],
            ..Audience::default()
        };
        assert!(by_plan.matches(std::slice::from_ref(&hk_active)));
        assert!(!by_plan.matches(std::slice::from_ref(&gba_suspended)));
        let by_status = Audience {
            line_status: vec![LineStatus::Suspended, LineStatus::Throttled],
            ..Audience::default()
        };
        assert!(by_status.matches(&both));
        assert!(!by_status.matches(std::slice::from_ref(&hk_active)));
        let by_auto_renew = Audience {
            auto_renew: Some(true),
            ..Audience::default()
        };
        assert!(!by_auto_renew.matches(std::slice::from_ref(&hk_active)));
        assert!(by_auto_renew.matches(std::slice::from_ref(&gba_suspended)));
        // Hong Kong zone and auto-renew on: neither line has both.
        let combined = Audience {
            zones: vec![Zone::Hk],
            auto_renew: Some(true),
            ..Audience::default()
        };
        assert!(!combined.matches(&both));
    }

    #[test]
    fn a_line_without_a_plan_matches_no_plan_or_zone() {
        let bare = LineFacts {
            plan: None,
            zone: None,
            status: LineStatus::Expired,
            auto_renew: false,
        };
        let by_zone = Audience {
            zones: vec![Zone::Hk],
            ..Audience::default()
        };
        assert!(!by_zone.matches(std::slice::from_ref(&bare)));
        let by_status = Audience {
            line_status: vec![LineStatus::Expired],
            ..Audience::default()
        };
        assert!(by_status.matches(&[bare]));
    }
}
