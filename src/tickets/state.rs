//! A case's states and what moves it, and its service-level clock: pure functions the
//! store applies with guarded updates.
//!
//! `open` → a staff reply → `waiting_on_customer` → the subscriber's reply →
//! `waiting_on_operator` → … → `resolved` → (no word for `[support] auto_close_days`,
//! or staff) → `closed`. A subscriber's reply to a resolved case opens it again; a
//! closed case takes no reply.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::config::SupportConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    Open,
    WaitingOnCustomer,
    WaitingOnOperator,
    Resolved,
    Closed,
}

impl TicketState {
    pub const ALL: [TicketState; 5] = [
        TicketState::Open,
        TicketState::WaitingOnCustomer,
        TicketState::WaitingOnOperator,
        TicketState::Resolved,
        TicketState::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::Open => "open",
            TicketState::WaitingOnCustomer => "waiting_on_customer",
            TicketState::WaitingOnOperator => "waiting_on_operator",
            TicketState::Resolved => "resolved",
            TicketState::Closed => "closed",
        }
    }

    pub fn parse(text: &str) -> Option<TicketState> {
        TicketState::ALL
            .into_iter()
            .find(|s| s.as_str() == text.trim())
    }

    /// Open, or waiting on us: the operator's move.
    pub fn awaits_operator(self) -> bool {
        matches!(self, TicketState::Open | TicketState::WaitingOnOperator)
    }

    pub fn is_done(self) -> bool {
        matches!(self, TicketState::Resolved | TicketState::Closed)
    }
}

/// What happens to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    CustomerReply,
    StaffReply,
    /// A note only staff see: it moves nothing.
    InternalNote,
    /// Staff set the state by hand.
    Set(TicketState),
    /// `[support] auto_close_days` passed since it was resolved.
    AutoClose,
}

/// The state after `event`, or `None` when the event is refused in `state` (nothing
/// is said to a closed case; staff cannot set a case back to `open`).
pub fn next(state: TicketState, event: Event) -> Option<TicketState> {
    use TicketState::*;
    match (state, event) {
        (Closed, Event::Set(Closed) | Event::InternalNote) => Some(Closed),
        (Closed, _) => None,
        (_, Event::CustomerReply) => Some(match state {
            Open => Open,
            _ => WaitingOnOperator,
        }),
        (_, Event::StaffReply) => Some(WaitingOnCustomer),
        (_, Event::InternalNote) => Some(state),
        (_, Event::Set(Open)) => (state == Open).then_some(Open),
        (_, Event::Set(target)) => Some(target),
        (Resolved, Event::AutoClose) => Some(Closed),
        (_, Event::AutoClose) => None,
    }
}

/// The service-level targets of a case opened at `created_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sla {
    /// A first staff reply by then.
    pub first_response_by: DateTime<Utc>,
    /// Resolved by then.
    pub resolution_by: DateTime<Utc>,
}

impl Sla {
    pub fn of(created_at: DateTime<Utc>, config: &SupportConfig) -> Sla {
        Sla {
            first_response_by: created_at + Duration::hours(config.first_response_hours),
            resolution_by: created_at + Duration::hours(config.resolution_hours),
        }
    }
}

/// Which target a case has missed at `now`, if any: no first reply in time, or not
/// resolved in time. A case done is overdue no more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Overdue {
    FirstResponse,
    Resolution,
}

pub fn overdue(
    state: TicketState,
    sla: &Sla,
    first_response_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<Overdue> {
    if state.is_done() {
        return None;
    }
    if first_response_at.is_none() && now > sla.first_response_by {
        return Some(Overdue::FirstResponse);
    }
    (now > sla.resolution_by).then_some(Overdue::Resolution)
}

#[cfg(test)]
mod tests {
    use super::TicketState::*;
    use super::*;

    #[test]
    fn replies_move_the_case_between_the_parties() {
        assert_eq!(next(Open, Event::StaffReply), Some(WaitingOnCustomer));
        assert_eq!(
            next(WaitingOnCustomer, Event::CustomerReply),
            Some(WaitingOnOperator)
        );
        assert_eq!(next(Open, Event::CustomerReply), Some(Open));
        assert_eq!(
            next(Resolved, Event::CustomerReply),
            Some(WaitingOnOperator)
        );
        assert_eq!(
            next(WaitingOnOperator, Event::InternalNote),
            Some(WaitingOnOperator)
        );
    }

    #[test]
    fn a_closed_case_takes_no_reply() {
        for event in [
            Event::CustomerReply,
            Event::StaffReply,
            Event::Set(Resolved),
            Event::AutoClose,
        ] {
            assert_eq!(next(Closed, event), None, "{event:?}");
        }
        assert_eq!(next(Closed, Event::InternalNote), Some(Closed));
    }

    #[test]
    fn only_a_resolved_case_closes_by_itself() {
        assert_eq!(next(Resolved, Event::AutoClose), Some(Closed));
        assert_eq!(next(WaitingOnCustomer, Event::AutoClose), None);
        assert_eq!(
            next(WaitingOnCustomer, Event::Set(Resolved)),
            Some(Resolved)
        );
        assert_eq!(next(WaitingOnCustomer, Event::Set(Open)), None);
    }

    #[test]
    fn the_clock_flags_a_missed_target() {
        let config = SupportConfig {
            first_response_hours: 4,
            resolution_hours: 48,
            ..SupportConfig::default()
        };
        let opened = DateTime::parse_from_rfc3339("2026-03-02T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let sla = Sla::of(opened, &config);
        let at = |hours| opened + Duration::hours(hours);
        assert_eq!(overdue(Open, &sla, None, at(3)), None);
        assert_eq!(
            overdue(Open, &sla, None, at(5)),
            Some(Overdue::FirstResponse)
        );
        assert_eq!(overdue(WaitingOnOperator, &sla, Some(at(1)), at(5)), None);
        assert_eq!(
            overdue(WaitingOnOperator, &sla, Some(at(1)), at(49)),
            Some(Overdue::Resolution)
        );
        assert_eq!(overdue(Resolved, &sla, None, at(100)), None);
    }
}
