//! The stable error codes of API.md, one variant each. `as_str` is the text clients see
//! (`{"error": {"code": …}}`) and the key of the message (`error.<code>`); `kind` is the
//! kind, and so the HTTP status, the code is raised with.

use std::fmt;

use super::ErrorKind;

macro_rules! codes {
    ($($kind:ident { $($variant:ident = $text:literal,)* })*) => {
        /// A stable, machine-readable error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($($variant,)*)*
        }

        impl Code {
            /// Every code, grouped by kind.
            pub const ALL: &[Code] = &[$($(Code::$variant,)*)*];

            /// The code as clients see it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($(Code::$variant => $text,)*)*
                }
            }

            /// The kind of error this code is raised as.
            pub fn kind(self) -> ErrorKind {
                match self {
                    $($(Code::$variant => ErrorKind::$kind,)*)*
                }
            }
        }
    };
}

codes! {
    Invalid {
        InvalidArticle = "invalid_article",
        InvalidCategory = "invalid_category",
        InvalidSubject = "invalid_subject",
        InvalidMessage = "invalid_message",
        InvalidAttachment = "invalid_attachment",
        ImageTooLarge = "image_too_large",
        TooManyAttachments = "too_many_attachments",
        InvalidTicketState = "invalid_ticket_state",
        InvalidAssignee = "invalid_assignee",
        InvalidCannedReply = "invalid_canned_reply",
        AmountMismatch = "amount_mismatch",
        AmountTooLarge = "amount_too_large",
        CodeAttemptsExceeded = "code_attempts_exceeded",
        CodeExpired = "code_expired",
        CodeMismatch = "code_mismatch",
        CouponExpired = "coupon_expired",
        CouponMinimumSpend = "coupon_minimum_spend",
        CouponNotApplicable = "coupon_not_applicable",
        CouponNotCombinable = "coupon_not_combinable",
        CouponNotFound = "coupon_not_found",
        CouponNotYetValid = "coupon_not_yet_valid",
        EnrolmentLinkInvalid = "enrolment_link_invalid",
        InvalidAmount = "invalid_amount",
        InvalidAnnouncement = "invalid_announcement",
        InvalidBody = "invalid_body",
        InvalidCode = "invalid_code",
        InvalidCsv = "invalid_csv",
        InvalidEmail = "invalid_email",
        InvalidForm = "invalid_form",
        InvalidHoursBefore = "invalid_hours_before",
        InvalidIccid = "invalid_iccid",
        InvalidIdempotencyKey = "invalid_idempotency_key",
        InvalidKeyName = "invalid_key_name",
        InvalidMonth = "invalid_month",
        InvalidLanguage = "invalid_language",
        InvalidNotification = "invalid_notification",
        InvalidOutcome = "invalid_outcome",
        InvalidPeriod = "invalid_period",
        InvalidPeriods = "invalid_periods",
        InvalidPhone = "invalid_phone",
        InvalidPlan = "invalid_plan",
        InvalidPlanCode = "invalid_plan_code",
        InvalidPrice = "invalid_price",
        InvalidPromotion = "invalid_promotion",
        InvalidPromotionCode = "invalid_promotion_code",
        InvalidQuery = "invalid_query",
        InvalidRange = "invalid_range",
        InvalidRefundDestination = "invalid_refund_destination",
        InvalidRefundReason = "invalid_refund_reason",
        InvalidRole = "invalid_role",
        InvalidSchedule = "invalid_schedule",
        InvalidSetupIntent = "invalid_setup_intent",
        InvalidSignature = "invalid_signature",
        InvalidToken = "invalid_token",
        InvalidTopUp = "invalid_top_up",
        InvalidUnsubscribeLink = "invalid_unsubscribe_link",
        MalformedJson = "malformed_json",
        NoRecords = "no_records",
        PaymentMethodUnavailable = "payment_method_unavailable",
        PhoneOrEmailRequired = "phone_or_email_required",
        ReasonRequired = "reason_required",
        ReferenceRequired = "reference_required",
        RegistrationIncomplete = "registration_incomplete",
        ReservedKeyName = "reserved_key_name",
        TokenExpired = "token_expired",
        WeakPassword = "weak_password",
        WrongColumns = "wrong_columns",
        WrongProvider = "wrong_provider",
        InvalidSpendCap = "invalid_spend_cap",
    }
    Unauthenticated {
        InvalidCredentials = "invalid_credentials",
        InvalidNetworkKey = "invalid_network_key",
        InvalidOperatorKey = "invalid_operator_key",
        InvalidTotp = "invalid_totp",
        Unauthenticated = "unauthenticated",
    }
    Forbidden {
        CrossOrigin = "cross_origin",
        CsrfFailed = "csrf_failed",
        OwnApproval = "own_approval",
        RoleForbidden = "role_forbidden",
    }
    NotFound {
        AnnouncementNotFound = "announcement_not_found",
        ArticleNotFound = "article_not_found",
        TicketNotFound = "ticket_not_found",
        AttachmentNotFound = "attachment_not_found",
        CannedReplyNotFound = "canned_reply_not_found",
        CardNotFound = "card_not_found",
        LineNotFound = "line_not_found",
        MessageNotFound = "message_not_found",
        NotFound = "not_found",
        OrderNotFound = "order_not_found",
        PaymentNotFound = "payment_not_found",
        PlanNotFound = "plan_not_found",
        ReceiptNotFound = "receipt_not_found",
        RefundNotFound = "refund_not_found",
        StatementNotFound = "statement_not_found",
        UnknownCoupon = "unknown_coupon",
        UnknownPlan = "unknown_plan",
        UnknownPromotion = "unknown_promotion",
        UnknownProvider = "unknown_provider",
        FindingNotFound = "finding_not_found",
    }
    Conflict {
        ArticleExists = "article_exists",
        TicketClosed = "ticket_closed",
        CatalogChangedConcurrently = "catalog_changed_concurrently",
        CouponAlreadyUsed = "coupon_already_used",
        CouponExhausted = "coupon_exhausted",
        EmailAlreadyVerified = "email_already_verified",
        EmailTaken = "email_taken",
        IdempotencyInProgress = "idempotency_in_progress",
        InsufficientBalance = "insufficient_balance",
        IsACoupon = "is_a_coupon",
        IsAPromotion = "is_a_promotion",
        KeyNameTaken = "key_name_taken",
        MessageNotResendable = "message_not_resendable",
        NoEsimInInventory = "no_esim_in_inventory",
        NoSavedCard = "no_saved_card",
        OfferAlreadyUsed = "offer_already_used",
        OrderCancelled = "order_cancelled",
        OrderNotCancellable = "order_not_cancellable",
        OrderNotAwaitingPayment = "order_not_awaiting_payment",
        OrderNotRetryable = "order_not_retryable",
        OrderRetried = "order_retried",
        PaymentNotOpen = "payment_not_open",
        PaymentNotRefundable = "payment_not_refundable",
        PhoneTaken = "phone_taken",
        PriceChanged = "price_changed",
        RefundExceedsPaid = "refund_exceeds_paid",
        RefundNotPending = "refund_not_pending",
        StaffEmailTaken = "staff_email_taken",
        TopUpSpent = "top_up_spent",
        WalletWouldGoNegative = "wallet_would_go_negative",
        OrderNotPaid = "order_not_paid",
    }
    Unprocessable {
        IdempotencyKeyReused = "idempotency_key_reused",
    }
    TooLarge {
        AttachmentTooLarge = "attachment_too_large",
        BatchTooLarge = "batch_too_large",
        BodyTooLarge = "body_too_large",
    }
    UnsupportedMediaType {
        UnsupportedMediaType = "unsupported_media_type",
    }
    MethodNotAllowed {
        MethodNotAllowed = "method_not_allowed",
    }
    RateLimited {
        TooManyTickets = "too_many_tickets",
        Busy = "busy",
        CouponAttemptsLocked = "coupon_attempts_locked",
        LoginLocked = "login_locked",
        TooManyCodes = "too_many_codes",
    }
    Unavailable {
        CardProviderUnavailable = "card_provider_unavailable",
        DatabaseUnavailable = "database_unavailable",
    }
    Internal {
        InternalError = "internal_error",
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::path::Path;

    use super::*;
    use crate::i18n::{Locale, t};

    #[test]
    fn codes_are_distinct_snake_case_and_have_messages() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} twice");
            assert!(
                text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{text}"
            );
            for locale in Locale::ALL {
                let key = format!("error.{text}");
                assert_ne!(t(locale, &key), key, "no message for {text}");
            }
        }
    }

    /// `Error::invalid(Code::X)` and the like must agree with `X.kind()`, which the
    /// OpenAPI document derives its statuses from. A deliberate exception names its
    /// kind with `Error::new` and is listed here.
    #[test]
    fn constructors_agree_with_the_kind_of_their_code() {
        const EXCEPTIONS: &[(&str, &str)] = &[
            // The card page says the card service is unavailable, with a 503.
            ("stripe_card/mod.rs", "PaymentMethodUnavailable"),
        ];
        let by_name: std::collections::HashMap<String, Code> = Code::ALL
            .iter()
            .map(|code| (format!("{code:?}"), *code))
            .collect();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut wrong = Vec::new();
        for file in rust_files(&src) {
            if file.starts_with(src.join("error")) {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let text: String = text.split_whitespace().collect();
            for (constructor, kind) in [
                ("Error::invalid(", ErrorKind::Invalid),
                ("Error::not_found(", ErrorKind::NotFound),
                ("Error::conflict(", ErrorKind::Conflict),
                ("Error::unauthenticated(", ErrorKind::Unauthenticated),
                ("Error::rate_limited(", ErrorKind::RateLimited),
            ] {
                for (name, _) in after(&text, &format!("{constructor}Code::")) {
                    if by_name.get(name).map(|code| code.kind()) != Some(kind) {
                        wrong.push(format!("{}: {constructor}{name}", file.display()));
                    }
                }
            }
            for (kind, rest) in after(&text, "Error::new(ErrorKind::") {
                let Some(name) = rest.strip_prefix(",Code::").map(ident) else {
                    continue;
                };
                let expected = by_name.get(name).map(|code| format!("{:?}", code.kind()));
                let excepted = EXCEPTIONS
                    .iter()
                    .any(|(path, code)| file.ends_with(path) && *code == name);
                if expected.as_deref() != Some(kind) && !excepted {
                    wrong.push(format!("{}: Error::new({kind}, {name})", file.display()));
                }
            }
        }
        assert!(wrong.is_empty(), "kind differs from Code::kind: {wrong:#?}");
    }

    /// Each identifier following `prefix` in `text`, with the rest of the text after it.
    fn after<'a>(text: &'a str, prefix: &str) -> Vec<(&'a str, &'a str)> {
        text.match_indices(prefix)
            .map(|(at, _)| {
                let rest = &text[at + prefix.len()..];
                let name = ident(rest);
                (name, &rest[name.len()..])
            })
            .collect()
    }

    fn ident(text: &str) -> &str {
        let end = text
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(text.len());
        &text[..end]
    }

    fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(rust_files(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
        out
    }
}
