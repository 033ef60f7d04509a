//! Honest prices on the subscriber's phone: the plans page prices each plan for the
//! payment method picked, its fee included, and that is the review's total for every
//! method; the review says the method, the fee, the dates each period covers, the
//! resulting "valid until" and when a renewal cuts the running period short; buy 3
//! get 1 is a choice; the account card has one "valid until" and says what its data
//! figure is; bad links and tampered forms order nothing and say why.

mod account_card;
mod bad_links;
mod helpers;
mod plans_page;
mod review;
