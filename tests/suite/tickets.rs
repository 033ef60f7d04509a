//! The help centre and support cases: CJK and English search over the starter
//! articles, articles written safely, cases opened and answered (internal notes never
//! reach the subscriber), images checked by their bytes, another's case or image not
//! found, closed cases, and "I paid but it didn't update" on a lost notification and
//! on a payment nobody knows about.

mod cases;
mod console;
mod help_centre;
mod helpers;
mod images;
mod not_updated;
