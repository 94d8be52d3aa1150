//! Accounts and sessions: who the caller is and what their role allows.

use serde::{Deserialize, Serialize};

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
