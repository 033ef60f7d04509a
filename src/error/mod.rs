//! The error of the service layer. Client errors carry a stable `code`; the web layer
//! renders the same error as JSON for the API and as a page or form message in the
//! portal, in the reader's language (`error.<code>` in the message catalogs).

mod code;

use std::fmt;

pub use code::Code;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request is malformed or a value is unacceptable (400 / 422).
    Invalid,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    /// Well-formed but refused, e.g. an idempotency key reused with another body (422).
    Unprocessable,
    TooLarge,
    UnsupportedMediaType,
    MethodNotAllowed,
    /// Too many attempts; `retry_after` says when to come back.
    RateLimited,
    /// A dependency (the database, a gateway) is not answering (503).
    Unavailable,
    /// Ours to fix; the cause is logged once, never shown.
    Internal,
}

pub struct Error {
    pub kind: ErrorKind,
    pub code: Code,
    /// Which form field the error is about, for the portal.
    pub field: Option<&'static str>,
    pub retry_after_secs: Option<i64>,
    /// What exactly is wrong, for people: each problem of a refused catalog entry.
    pub details: Vec<String>,
    source: Option<anyhow::Error>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, code: Code) -> Self {
        Self {
            kind,
            code,
            field: None,
            retry_after_secs: None,
            details: Vec::new(),
            source: None,
        }
    }

    /// The error `code` is normally raised as.
    pub fn of(code: Code) -> Self {
        Self::new(code.kind(), code)
    }

    pub fn invalid(code: Code) -> Self {
        Self::new(ErrorKind::Invalid, code)
    }

    pub fn not_found(code: Code) -> Self {
        Self::new(ErrorKind::NotFound, code)
    }

    pub fn conflict(code: Code) -> Self {
        Self::new(ErrorKind::Conflict, code)
    }

    pub fn unauthenticated(code: Code) -> Self {
        Self::new(ErrorKind::Unauthenticated, code)
    }

    pub fn rate_limited(code: Code, retry_after_secs: i64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs.max(1)),
            ..Self::new(ErrorKind::RateLimited, code)
        }
    }

    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        Self {
            source: Some(source.into()),
            ..Self::new(ErrorKind::Internal, Code::InternalError)
        }
    }

    pub fn on_field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    pub fn with_details(mut self, details: Vec<String>) -> Self {
        self.details = details;
        self
    }

    pub fn source(&self) -> Option<&anyhow::Error> {
        self.source.as_ref()
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Error");
        out.field("kind", &self.kind).field("code", &self.code);
        if let Some(source) = &self.source {
            out.field("source", &format_args!("{source:#}"));
        }
        out.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.as_str())?;
        if !self.details.is_empty() {
            write!(f, ": {}", self.details.join("; "))?;
        }
        match &self.source {
            Some(source) => write!(f, ": {source:#}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for Error {}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Error::internal(error)
    }
}

impl From<anyhow::Error> for Error {
    fn from(error: anyhow::Error) -> Self {
        Error::internal(error)
    }
}
