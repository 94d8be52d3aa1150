//! Typed ids: a task id cannot be passed where a project id is expected.
//!
//! Ids are UUIDv7 strings, so ordering by id is ordering by creation time; that is what the
//! cursors of every connection rely on. `parse` accepts any UUID spelling and normalises it to the
//! stored lower-case hyphenated form.

use std::fmt;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Parses an id from the outside world; `None` if it is not a UUID.
            pub fn parse(s: &str) -> Option<Self> {
                uuid::Uuid::parse_str(s.trim()).ok().map(|u| Self(u.hyphenated().to_string()))
            }

            /// Wraps an id read from the database (trusted: the database only holds valid ids).
            pub fn from_db(s: String) -> Self {
                Self(s)
            }

            /// The stored form.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The stored form, owned.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

typed_id!(
    /// A project's id.
    ProjectId
);
typed_id!(
    /// A task's id.
    TaskId
);
typed_id!(
    /// An activity entry's id.
    ActivityId
);
typed_id!(
    /// A user's id.
    UserId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_normalised_and_garbage_is_refused() {
        let id = TaskId::parse(" 0193A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B ").unwrap();
        assert_eq!(id.as_str(), "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
        assert!(TaskId::parse("not-an-id").is_none());
        assert!(TaskId::parse("").is_none());
        assert!(TaskId::parse("' OR 1=1 --").is_none());
    }
}
