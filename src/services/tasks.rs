//! Tasks. The rules are pure and live in [`state`] (the state machine) and [`priority`]
//! (priority normalisation).

pub mod priority;
pub mod state;
