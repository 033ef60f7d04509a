//! The payment attempt's state machine. Every input (the provider's synchronous
//! answer, a verified notification, a status query, our own expiry) goes through
//! [`next_state`]; states only move forward along
//! `created/pending/unknown → failed/cancelled → succeeded → refund_pending → refunded`:
//! money that arrived trumps a closure we thought had happened, and nothing ever
//! moves back.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// Stored, the provider not yet asked (or its answer lost).
    Created,
    /// The provider has it; waiting for the payer.
    Pending,
    Failed,
    Cancelled,
    Succeeded,
    /// Money to go back (a second payment, or one we cannot fulfil).
    RefundPending,
    Refunded,
}

impl PaymentState {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Created => "created",
            PaymentState::Pending => "pending",
            PaymentState::Failed => "failed",
            PaymentState::Cancelled => "cancelled",
            PaymentState::Succeeded => "succeeded",
            PaymentState::RefundPending => "refund_pending",
            PaymentState::Refunded => "refunded",
        }
    }

    pub fn parse(text: &str) -> Option<PaymentState> {
        [
            PaymentState::Created,
            PaymentState::Pending,
            PaymentState::Failed,
            PaymentState::Cancelled,
            PaymentState::Succeeded,
            PaymentState::RefundPending,
            PaymentState::Refunded,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    fn rank(self) -> u8 {
        match self {
            PaymentState::Created | PaymentState::Pending => 0,
            PaymentState::Failed | PaymentState::Cancelled => 1,
            PaymentState::Succeeded => 2,
            PaymentState::RefundPending => 3,
            PaymentState::Refunded => 4,
        }
    }

    /// Still waiting on the payer or the provider.
    pub fn is_open(self) -> bool {
        self.rank() == 0
    }
}

/// What a provider says about a payment, in our words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderStatus {
    Pending,
    Succeeded,
    Failed,
    Closed,
    Refunded,
    /// The provider could not say (a gateway error, a timeout): ask again later.
    Unknown,
}

impl ProviderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderStatus::Pending => "pending",
            ProviderStatus::Succeeded => "succeeded",
            ProviderStatus::Failed => "failed",
            ProviderStatus::Closed => "closed",
            ProviderStatus::Refunded => "refunded",
            ProviderStatus::Unknown => "unknown",
        }
    }
}

/// The state after `input`, or `None` when the input changes nothing.
pub fn next_state(current: PaymentState, input: ProviderStatus) -> Option<PaymentState> {
    let target = match input {
        ProviderStatus::Pending => PaymentState::Pending,
        ProviderStatus::Succeeded => PaymentState::Succeeded,
        ProviderStatus::Failed => PaymentState::Failed,
        ProviderStatus::Closed => PaymentState::Cancelled,
        ProviderStatus::Refunded => PaymentState::Refunded,
        ProviderStatus::Unknown => return None,
    };
    let forward = target.rank() > current.rank()
        || (current == PaymentState::Created && target == PaymentState::Pending);
    // A refund is only reached from money that arrived.
    let refund_ok =
        target != PaymentState::Refunded || current.rank() >= PaymentState::Succeeded.rank();
    (forward && refund_ok && target != current).then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_usual_paths() {
        use PaymentState::*;
        assert_eq!(next_state(Created, ProviderStatus::Pending), Some(Pending));
        assert_eq!(
            next_state(Pending, ProviderStatus::Succeeded),
            Some(Succeeded)
        );
        assert_eq!(next_state(Pending, ProviderStatus::Failed), Some(Failed));
        assert_eq!(next_state(Pending, ProviderStatus::Closed), Some(Cancelled));
        // Late money after we closed it: accepted.
        assert_eq!(
            next_state(Cancelled, ProviderStatus::Succeeded),
            Some(Succeeded)
        );
        // Never backwards.
        assert_eq!(next_state(Succeeded, ProviderStatus::Pending), None);
        assert_eq!(next_state(Succeeded, ProviderStatus::Failed), None);
        assert_eq!(next_state(Cancelled, ProviderStatus::Pending), None);
        assert_eq!(next_state(Pending, ProviderStatus::Refunded), None);
        assert_eq!(
            next_state(RefundPending, ProviderStatus::Refunded),
            Some(Refunded)
        );
        assert_eq!(next_state(Pending, ProviderStatus::Unknown), None);
    }

    fn any_state() -> impl Strategy<Value = PaymentState> {
        prop_oneof![
            Just(PaymentState::Created),
            Just(PaymentState::Pending),
            Just(PaymentState::Failed),
            Just(PaymentState::Cancelled),
            Just(PaymentState::Succeeded),
            Just(PaymentState::RefundPending),
            Just(PaymentState::Refunded),
        ]
    }

    fn any_input() -> impl Strategy<Value = ProviderStatus> {
        prop_oneof![
            Just(ProviderStatus::Pending),
            Just(ProviderStatus::Succeeded),
            Just(ProviderStatus::Failed),
            Just(ProviderStatus::Closed),
            Just(ProviderStatus::Refunded),
            Just(ProviderStatus::Unknown),
        ]
    }

    proptest! {
        #[test]
        fn any_sequence_only_moves_forward_and_ends_the_same_whatever_the_duplicates(
            inputs in proptest::collection::vec(any_input(), 0..12), start in any_state()
        ) {
            let mut state = start;
            for input in &inputs {
                if let Some(next) = next_state(state, *input) {
                    prop_assert!(next.rank() >= state.rank());
                    state = next;
                }
            }
            // Replaying every input again (duplicates) changes nothing further
            // unless a later input in the replay is more final.
            let mut replayed = state;
            for input in &inputs {
                if let Some(next) = next_state(replayed, *input) {
                    replayed = next;
                }
            }
            prop_assert!(replayed.rank() >= state.rank());
            if inputs.iter().all(|i| next_state(state, *i).is_none()) {
                prop_assert_eq!(replayed, state);
            }
        }
    }
}
