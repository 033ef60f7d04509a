//! The operator's back-office staff: who they are, the role each has and what each
//! role may do, enrolment by a one-time link (password and TOTP), console logins and
//! sessions. Roles form a ladder: a viewer reads; support also answers tickets,
//! resends messages, queries payments and marks lines for review; finance also
//! refunds, adjusts wallets and exports; an admin also edits the catalog, the staff and
//! the keys, and posts announcements.

mod enrolment;
mod login;
mod store;
mod totp;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::error::{Code, Error, Result};

pub use enrolment::{
    Enrolled, Enrolment, EnrolmentPage, create, enrol, enrolment_page, seed_enrolled,
};
pub use login::{ConsoleSession, authenticate, log_in, log_out, recovery_codes_left};
pub use totp::{STEP_SECS, base32, code_at, otpauth_uri};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Support,
    Finance,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Support, Role::Finance, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Support => "support",
            Role::Finance => "finance",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Result<Role> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == text.trim())
            .ok_or_else(|| Error::invalid(Code::InvalidRole).on_field("role"))
    }

    pub fn may(self, permission: Permission) -> bool {
        self >= permission.least_role()
    }

    /// `Ok` when this role may; else 403 `role_forbidden`, naming the role it takes.
    pub fn require(self, permission: Permission) -> Result<()> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(Error::of(Code::RoleForbidden).with_details(vec![format!(
                "{} needs the {} role; this is {}",
                permission.as_str(),
                permission.least_role().as_str(),
                self.as_str()
            )]))
        }
    }
}

/// What a staff member or an operator key may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Customers, orders, payments, the books, the audit log (viewing personal data is
    /// logged).
    Read,
    AnswerTickets,
    ResendMessages,
    QueryPayments,
    ReviewLines,
    Refund,
    AdjustWallets,
    /// Fulfil a payment the provider confirmed out of band: it gives service for
    /// money, so it takes the role that refunds.
    FulfilManually,
    Export,
    EditCatalog,
    ManageStaff,
    ManageKeys,
    /// Post and edit announcements (and send them, marketing ones included).
    PostAnnouncements,
}

impl Permission {
    pub const ALL: [Permission; 13] = [
        Permission::Read,
        Permission::AnswerTickets,
        Permission::ResendMessages,
        Permission::QueryPayments,
        Permission::ReviewLines,
        Permission::Refund,
        Permission::AdjustWallets,
        Permission::FulfilManually,
        Permission::Export,
        Permission::EditCatalog,
        Permission::ManageStaff,
        Permission::ManageKeys,
        Permission::PostAnnouncements,
    ];

    pub fn least_role(self) -> Role {
        match self {
            Permission::Read => Role::Viewer,
            Permission::AnswerTickets
            | Permission::ResendMessages
            | Permission::QueryPayments
            | Permission::ReviewLines => Role::Support,
            Permission::Refund
            | Permission::AdjustWallets
            | Permission::FulfilManually
            | Permission::Export => Role::Finance,
            Permission::EditCatalog
            | Permission::ManageStaff
            | Permission::ManageKeys
            | Permission::PostAnnouncements => Role::Admin,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Read => "read",
            Permission::AnswerTickets => "answer_tickets",
            Permission::ResendMessages => "resend_messages",
            Permission::QueryPayments => "query_payments",
            Permission::ReviewLines => "review_lines",
            Permission::Refund => "refund",
            Permission::AdjustWallets => "adjust_wallets",
            Permission::FulfilManually => "fulfil_manually",
            Permission::Export => "export",
            Permission::EditCatalog => "edit_catalog",
            Permission::ManageStaff => "manage_staff",
            Permission::ManageKeys => "manage_keys",
            Permission::PostAnnouncements => "post_announcements",
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffMember {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub enrolled_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
}

impl StaffMember {
    /// The audit log's actor for what this member does.
    pub fn actor(&self) -> String {
        format!("staff:{}", self.email)
    }
}

/// A staff email: trimmed and lower-cased; letters, digits and `._%+-` before one
/// `@`, a dotted domain of letters, digits and `-` after it.
pub fn parse_email(input: &str) -> Result<String> {
    let email = input.trim().to_lowercase();
    let local_ok = |local: &str| {
        !local.is_empty()
            && local.len() <= 64
            && local
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b))
    };
    let domain_ok = |domain: &str| {
        domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    };
    match email.split_once('@') {
        Some((local, domain)) if email.len() <= 254 && local_ok(local) && domain_ok(domain) => {
            Ok(email)
        }
        _ => Err(Error::invalid(Code::InvalidEmail).on_field("email")),
    }
}

pub async fn list(app: &App) -> Result<Vec<StaffMember>> {
    store::list(app.db.reader()).await
}

pub async fn find_by_email(app: &App, email: &str) -> Result<Option<StaffMember>> {
    store::find_by_email(app.db.reader(), &parse_email(email)?).await
}

/// Disables a member: their sessions end and they cannot log in; audited.
pub async fn disable(app: &App, email: &str, actor: &str) -> Result<bool> {
    let email = parse_email(email)?;
    let now = app.now();
    let mut tx = crate::audit::begin(&app.db).await?;
    let Some(member) = store::find_by_email(&mut *tx, &email).await? else {
        return Ok(false);
    };
    if !store::disable(&mut tx, &member.id, now).await? {
        return Ok(false);
    }
    crate::audit::record(
        &mut tx,
        &crate::audit::Key::from_secret(&app.secret),
        now,
        actor,
        "staff.disable",
        &member.id,
        &email,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roles_are_a_ladder() {
        assert!(Role::Viewer.may(Permission::Read));
        assert!(!Role::Viewer.may(Permission::QueryPayments));
        assert!(Role::Support.may(Permission::QueryPayments));
        assert!(!Role::Support.may(Permission::Refund));
        assert!(Role::Finance.may(Permission::Refund) && Role::Finance.may(Permission::Export));
        assert!(!Role::Finance.may(Permission::EditCatalog));
        for permission in Permission::ALL {
            assert!(Role::Admin.may(permission), "{}", permission.as_str());
        }
        let refused = Role::Support.require(Permission::Refund).unwrap_err();
        assert_eq!(refused.code, Code::RoleForbidden);
    }

    #[test]
    fn roles_parse_by_name_only() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        for bad in ["", "Admin ", "root", "admin;drop", "ADMIN"] {
            if bad.trim() == "admin" {
                continue;
            }
            assert!(Role::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn staff_emails_are_checked() {
        assert_eq!(parse_email(" Ops@Example.COM ").unwrap(), "ops@example.com");
        for bad in [
            "",
            "ops",
            "@example.com",
            "ops@",
            "ops@example",
            "o ps@example.com",
            "a@b@c.com",
        ] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }
}
