//! The task state machine (DESIGN.md §3), as pure functions.
//!
//! ```text
//! BACKLOG → READY → IN_PROGRESS → REVIEW → DONE
//!                        ↑__________|  (reject, reason required)
//! BACKLOG, READY, IN_PROGRESS, REVIEW → BLOCKED (reason required) → back to the state it left
//! anything but DONE and CANCELLED → CANCELLED
//! ```

use std::fmt;

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaskState {
    /// Captured, not yet queued.
    Backlog,
    /// Queued for an agent.
    Ready,
    /// An agent is working on it.
    InProgress,
    /// Work submitted; waits for an operator's approval.
    Review,
    /// Approved.
    Done,
    /// Waiting on something outside the task; remembers the state it left.
    Blocked,
    /// Dropped.
    Cancelled,
}

impl TaskState {
    /// Every state, in the order of the happy path.
    pub const ALL: [TaskState; 7] =
        [Self::Backlog, Self::Ready, Self::InProgress, Self::Review, Self::Done, Self::Blocked, Self::Cancelled];

    /// The stored and wire form (`IN_PROGRESS`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Backlog => "BACKLOG",
            Self::Ready => "READY",
            Self::InProgress => "IN_PROGRESS",
            Self::Review => "REVIEW",
            Self::Done => "DONE",
            Self::Blocked => "BLOCKED",
            Self::Cancelled => "CANCELLED",
        }
    }

    /// The name people read in activity sentences (`In progress`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Backlog => "Backlog",
            Self::Ready => "Ready",
            Self::InProgress => "In progress",
            Self::Review => "Review",
            Self::Done => "Done",
            Self::Blocked => "Blocked",
            Self::Cancelled => "Cancelled",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// DONE and CANCELLED: no way out.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Done | Self::Cancelled)
    }

    /// States a task can be blocked from.
    fn blockable(self) -> bool {
        matches!(self, Self::Backlog | Self::Ready | Self::InProgress | Self::Review)
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a transition means. It decides the activity kind and which note it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Move {
    /// A step along the happy path (BACKLOG → READY → IN_PROGRESS → REVIEW).
    Advance,
    /// REVIEW → DONE.
    Approve,
    /// REVIEW → IN_PROGRESS; needs a reason.
    Reject,
    /// → BLOCKED; needs a reason.
    Block,
    /// BLOCKED → the state it left.
    Unblock,
    /// → CANCELLED.
    Cancel,
}

impl Move {
    /// Whether the move needs a reason (`reject`, `block`).
    pub fn requires_reason(self) -> bool {
        matches!(self, Self::Reject | Self::Block)
    }
}

/// A transition that the state machine does not allow, with what would be allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The task's current state.
    pub from: TaskState,
    /// The requested state (`None` for an unblock of a task that is not blocked).
    pub to: Option<TaskState>,
    /// The states the task can move to from here.
    pub allowed: Vec<TaskState>,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to {
            Some(to) => write!(f, "A task in {} cannot move to {to}", self.from)?,
            None => write!(f, "A task in {} is not blocked, so it cannot be unblocked", self.from)?,
        }
        if self.allowed.is_empty() {
            write!(f, "; {} is final.", self.from)
        } else {
            let names: Vec<&str> = self.allowed.iter().map(|s| s.as_str()).collect();
            write!(f, "; allowed from {}: {}.", self.from, names.join(", "))
        }
    }
}

/// The states a task in `from` may move to. `blocked_from` is the state a BLOCKED task left.
pub fn allowed_targets(from: TaskState, blocked_from: Option<TaskState>) -> Vec<TaskState> {
    use TaskState::*;
    let mut out = match from {
        Backlog => vec![Ready],
        Ready => vec![InProgress],
        InProgress => vec![Review],
        Review => vec![Done, InProgress],
        // A blocked task returns where it came from; a row without one (never written by Nexus)
        // goes back to the start of the line rather than getting stuck.
        Blocked => vec![blocked_from.filter(|s| s.blockable()).unwrap_or(Backlog)],
        Done | Cancelled => vec![],
    };
    if from.blockable() {
        out.push(Blocked);
    }
    if !from.is_terminal() {
        out.push(Cancelled);
    }
    out
}

/// Decides what moving from `from` to `to` means, or refuses it.
pub fn classify(from: TaskState, blocked_from: Option<TaskState>, to: TaskState) -> Result<Move, Refused> {
    use TaskState::*;
    let allowed = allowed_targets(from, blocked_from);
    if !allowed.contains(&to) {
        return Err(Refused { from, to: Some(to), allowed });
    }
    Ok(match (from, to) {
        (_, Cancelled) => Move::Cancel,
        (_, Blocked) => Move::Block,
        (Blocked, _) => Move::Unblock,
        (Review, Done) => Move::Approve,
        (Review, InProgress) => Move::Reject,
        _ => Move::Advance,
    })
}

/// The target of `mv` from `from`, if that move applies there (`approve` only from REVIEW, …).
pub fn target_of(mv: Move, from: TaskState, blocked_from: Option<TaskState>) -> Result<TaskState, Refused> {
    use TaskState::*;
    let to = match mv {
        Move::Approve => Some(Done),
        Move::Reject => Some(InProgress),
        Move::Block => Some(Blocked),
        Move::Cancel => Some(Cancelled),
        Move::Unblock => (from == Blocked).then(|| allowed_targets(from, blocked_from)[0]),
        Move::Advance => match from {
            Backlog => Some(Ready),
            Ready => Some(InProgress),
            InProgress => Some(Review),
            _ => None,
        },
    };
    let refused = |to| Refused { from, to, allowed: allowed_targets(from, blocked_from) };
    let Some(to) = to else { return Err(refused(None)) };
    match classify(from, blocked_from, to) {
        Ok(m) if m == mv => Ok(to),
        // e.g. "reject" on a READY task would be READY → IN_PROGRESS, which is a start, not a reject.
        _ => Err(refused(Some(to))),
    }
}

#[cfg(test)]
mod tests {
    use super::TaskState::*;
    use super::*;

    /// The whole table of DESIGN.md §3: (from, blocked_from, to) → move, or refused.
    #[test]
    fn every_pair_of_states_is_classified_as_the_design_table_says() {
        let allowed: &[(TaskState, Option<TaskState>, TaskState, Move)] = &[
            (Backlog, None, Ready, Move::Advance),
            (Ready, None, InProgress, Move::Advance),
            (InProgress, None, Review, Move::Advance),
            (Review, None, Done, Move::Approve),
            (Review, None, InProgress, Move::Reject),
            (Backlog, None, Blocked, Move::Block),
            (Ready, None, Blocked, Move::Block),
            (InProgress, None, Blocked, Move::Block),
            (Review, None, Blocked, Move::Block),
            (Blocked, Some(Backlog), Backlog, Move::Unblock),
            (Blocked, Some(Ready), Ready, Move::Unblock),
            (Blocked, Some(InProgress), InProgress, Move::Unblock),
            (Blocked, Some(Review), Review, Move::Unblock),
            (Backlog, None, Cancelled, Move::Cancel),
            (Ready, None, Cancelled, Move::Cancel),
            (InProgress, None, Cancelled, Move::Cancel),
            (Review, None, Cancelled, Move::Cancel),
            // A blocked task can be cancelled whatever it was blocked from.
            (Blocked, None, Cancelled, Move::Cancel),
        ];
        for &(from, bf, to, mv) in allowed {
            assert_eq!(classify(from, bf, to), Ok(mv), "{from} → {to}");
        }
        // Everything else is refused, naming the allowed targets.
        let blocked_from_options = [None, Some(Backlog), Some(Ready), Some(InProgress), Some(Review)];
        for from in TaskState::ALL {
            for bf in blocked_from_options {
                if from != Blocked && bf.is_some() {
                    continue;
                }
                for to in TaskState::ALL {
                    let listed = allowed
                        .iter()
                        .any(|&(f, b, t, _)| f == from && t == to && (from != Blocked || b == bf || t == Cancelled));
                    let fallback = from == Blocked && bf.is_none() && (to == Backlog || to == Cancelled);
                    match classify(from, bf, to) {
                        Ok(_) => assert!(listed || fallback, "{from} ({bf:?}) → {to} must be refused"),
                        Err(r) => {
                            assert!(!listed, "{from} ({bf:?}) → {to} must be allowed");
                            assert_eq!(r.allowed, allowed_targets(from, bf));
                            assert!(!r.allowed.contains(&to));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn final_states_allow_nothing_and_say_so() {
        for from in [Done, Cancelled] {
            assert!(allowed_targets(from, None).is_empty());
            let r = classify(from, None, Ready).unwrap_err();
            assert!(r.to_string().contains("is final"), "{r}");
        }
    }

    #[test]
    fn named_moves_apply_only_where_they_mean_what_they_say() {
        assert_eq!(target_of(Move::Approve, Review, None), Ok(Done));
        assert_eq!(target_of(Move::Reject, Review, None), Ok(InProgress));
        // READY → IN_PROGRESS is a start, not a reject.
        let r = target_of(Move::Reject, Ready, None).unwrap_err();
        assert_eq!(r.allowed, vec![InProgress, Blocked, Cancelled]);
        assert_eq!(target_of(Move::Unblock, Blocked, Some(Review)), Ok(Review));
        assert_eq!(target_of(Move::Unblock, Ready, None).unwrap_err().to, None);
        assert_eq!(target_of(Move::Block, Blocked, Some(Ready)).unwrap_err().to, Some(Blocked));
        assert_eq!(target_of(Move::Cancel, Done, None).unwrap_err().allowed, vec![]);
        assert_eq!(target_of(Move::Advance, Backlog, None), Ok(Ready));
        assert!(target_of(Move::Advance, Review, None).is_err());
    }

    #[test]
    fn refusals_name_the_current_state_and_the_allowed_targets() {
        let r = classify(Backlog, None, Done).unwrap_err();
        assert_eq!(
            r.to_string(),
            "A task in BACKLOG cannot move to DONE; allowed from BACKLOG: READY, BLOCKED, CANCELLED."
        );
    }

    #[test]
    fn stored_names_round_trip() {
        for s in TaskState::ALL {
            assert_eq!(TaskState::parse(s.as_str()), Some(s));
        }
        assert_eq!(TaskState::parse("in_progress"), None);
    }
}
