//! Constraint violations become domain errors by constraint name, at the call site.

/// The name of the unique/foreign-key constraint an error violated, if any.
///
/// PostgreSQL reports the constraint name; SQLite reports the columns
/// (`UNIQUE constraint failed: accounts.email`), so both are normalised to the
/// `<table>_<column>_key` names our migrations give the constraints.
pub fn constraint_name(error: &sqlx::Error) -> Option<String> {
    let db_error = error.as_database_error()?;
    if let Some(name) = db_error.constraint() {
        return Some(name.to_owned());
    }
    let message = db_error.message();
    let columns = message.strip_prefix("UNIQUE constraint failed: ")?;
    let first = columns.split(',').next()?.trim();
    let (table, column) = first.split_once('.')?;
    let name = match (table, column) {
        ("sessions", "token_hash") => "sessions_token_key".to_owned(),
        ("ledger_transactions", "reference") => "ledger_transactions_reference_key".to_owned(),
        ("plan_versions", "plan_code") => "plan_versions_number_key".to_owned(),
        (table, column) => format!("{table}_{column}_key"),
    };
    Some(name)
}

pub trait ConstraintExt<T> {
    /// Turns a violation of `constraint` into `mapped`; other errors pass through.
    fn on_constraint<E: From<sqlx::Error>>(self, constraint: &str, mapped: E) -> Result<T, E>;
}

impl<T> ConstraintExt<T> for Result<T, sqlx::Error> {
    fn on_constraint<E: From<sqlx::Error>>(self, constraint: &str, mapped: E) -> Result<T, E> {
        match self {
            Err(error) if constraint_name(&error).as_deref() == Some(constraint) => Err(mapped),
            other => other.map_err(E::from),
        }
    }
}
