//! Priority normalisation (DESIGN.md §3): agents write priorities in many dialects; Nexus
//! stores one of four levels plus the label as written.
//!
//! | written (case-insensitive, trimmed)        | level    |
//! |--------------------------------------------|----------|
//! | `P0`, `critical`, `urgent`, `blocker`, `1` | CRITICAL |
//! | `P1`, `high`, `important`, `2`             | HIGH     |
//! | `P2`, `medium`, `normal`, `3`, empty       | MEDIUM   |
//! | `P3`, `P4`, `low`, `minor`, `trivial`, `4`, `5` | LOW |
//! | `!!` (or more `!`)                         | CRITICAL |
//! | `!`                                        | HIGH     |
//!
//! Exclamation marks: our agents append them to raise urgency above the default, never to lower
//! it, so one mark is HIGH and two or more are CRITICAL. Anything else is refused with the list of
//! accepted forms rather than guessed at.

use std::fmt;

/// The four levels Nexus sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Priority {
    /// Drop everything.
    Critical,
    /// Next up.
    High,
    /// The default.
    Medium,
    /// When there is time.
    Low,
}

impl Priority {
    /// All levels, most urgent first.
    pub const ALL: [Priority; 4] = [Self::Critical, Self::High, Self::Medium, Self::Low];

    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "CRITICAL",
            Self::High => "HIGH",
            Self::Medium => "MEDIUM",
            Self::Low => "LOW",
        }
    }

    /// The stored rank: 0 (CRITICAL) … 3 (LOW), so ascending order is most urgent first.
    pub fn rank(self) -> i32 {
        match self {
            Self::Critical => 0,
            Self::High => 1,
            Self::Medium => 2,
            Self::Low => 3,
        }
    }

    /// The level for a stored rank.
    pub fn from_rank(rank: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.rank() == rank)
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every accepted form, as listed in error messages.
pub const ACCEPTED_FORMS: &[&str] = &[
    "P0",
    "P1",
    "P2",
    "P3",
    "P4",
    "critical",
    "urgent",
    "blocker",
    "high",
    "important",
    "medium",
    "normal",
    "low",
    "minor",
    "trivial",
    "1",
    "2",
    "3",
    "4",
    "5",
    "!",
    "!!",
    "(empty)",
];

/// Longest label kept as written.
pub const MAX_LABEL_LEN: usize = 32;

/// A label that is not one of the [`ACCEPTED_FORMS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Unknown priority `{label}`. Accepted (any case): {}.", ACCEPTED_FORMS.join(", "))]
pub struct UnknownPriority {
    /// The label as given (shortened).
    pub label: String,
}

/// Normalises a priority label.
pub fn normalise(label: &str) -> Result<Priority, UnknownPriority> {
    let l = label.trim().to_lowercase();
    let p = match l.as_str() {
        "" | "p2" | "medium" | "normal" | "3" => Priority::Medium,
        "p0" | "critical" | "urgent" | "blocker" | "1" => Priority::Critical,
        "p1" | "high" | "important" | "2" | "!" => Priority::High,
        "p3" | "p4" | "low" | "minor" | "trivial" | "4" | "5" => Priority::Low,
        s if s.len() >= 2 && s.bytes().all(|b| b == b'!') => Priority::Critical,
        _ => return Err(UnknownPriority { label: label.trim().chars().take(MAX_LABEL_LEN).collect() }),
    };
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::Priority::*;
    use super::*;

    #[test]
    fn every_dialect_in_the_design_maps_to_its_level() {
        let table: &[(&str, Priority)] = &[
            ("P0", Critical),
            ("p0", Critical),
            ("critical", Critical),
            ("Critical", Critical),
            ("URGENT", Critical),
            ("blocker", Critical),
            ("1", Critical),
            ("!!", Critical),
            ("!!!", Critical),
            ("P1", High),
            ("high", High),
            ("Important", High),
            ("2", High),
            ("!", High),
            ("P2", Medium),
            ("medium", Medium),
            ("normal", Medium),
            ("3", Medium),
            ("", Medium),
            ("   ", Medium),
            ("P3", Low),
            ("P4", Low),
            ("low", Low),
            ("minor", Low),
            ("trivial", Low),
            ("4", Low),
            ("5", Low),
            (" high ", High),
        ];
        for &(label, want) in table {
            assert_eq!(normalise(label), Ok(want), "{label:?}");
        }
    }

    #[test]
    fn unknown_labels_are_refused_with_the_accepted_forms() {
        for bad in ["0", "6", "P5", "highest", "!?", "sev1", "-1", "1.5", "p 1", "medium-high"] {
            let e = normalise(bad).unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains("P0") && msg.contains("trivial") && msg.contains("!!"), "{msg}");
        }
    }

    #[test]
    fn ranks_sort_most_urgent_first_and_round_trip() {
        for p in Priority::ALL {
            assert_eq!(Priority::from_rank(p.rank()), Some(p));
        }
        assert!(Critical.rank() < High.rank() && High.rank() < Medium.rank() && Medium.rank() < Low.rank());
        assert_eq!(Priority::from_rank(7), None);
    }
}
