//! Accounts and sessions: login, access tokens, rotating refresh tokens with reuse detection.
//!
//! Refresh tokens are opaque random strings stored only as SHA-256 hashes. Each sign-in starts a
//! family; every refresh retires the presented token and issues its child in one conditional
//! update, so of two concurrent refreshes exactly one wins. A retired token presented again is
//! theft unless it is the immediate predecessor of the active token and within a few seconds'
//! grace (two tabs refreshing at once): then it is refused without revoking anything.

pub mod jwt;
pub mod password;
mod rate_limit;
mod revocation;
mod sessions;

use serde::{Deserialize, Serialize};

pub use revocation::{SessionRevoker, POLL_INTERVAL as REVOCATION_POLL_INTERVAL};
pub use sessions::{AuthError, AuthService, Session};

/// What a user may do. Ordered: each role includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Reads everything.
    Viewer,
    /// Steers work: tasks, approvals, agent files.
    Operator,
    /// Everything, including users.
    Owner,
}

impl Role {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "VIEWER",
            Self::Operator => "OPERATOR",
            Self::Owner => "OWNER",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "VIEWER" => Some(Self::Viewer),
            "OPERATOR" => Some(Self::Operator),
            "OWNER" => Some(Self::Owner),
            _ => None,
        }
    }
}

/// An authenticated caller, taken from a validated access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user's id.
    pub user_id: String,
    /// The user's role at the time the token was issued.
    pub role: Role,
}

/// Why a request carries no principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnonymousReason {
    /// No credential was sent.
    Missing,
    /// The token's lifetime is over; the client should refresh.
    Expired,
    /// The token is malformed, forged or for another audience.
    Invalid,
}

/// The caller of one request: a principal, or anonymous and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A valid access token was presented.
    User(Principal),
    /// No usable credential.
    Anonymous(AnonymousReason),
}

impl Caller {
    /// The principal, if any.
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Self::User(p) => Some(p),
            Self::Anonymous(_) => None,
        }
    }
}
