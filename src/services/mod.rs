//! Domain services: the rules and transactions of each domain, free of GraphQL and HTTP types.

pub mod activity;
pub mod auth;
pub mod clock;
pub mod dashboard;
pub mod demo;
pub mod docs;
pub mod incidents;
pub mod input;
pub mod memory;
pub mod operations;
pub mod pagination;
pub mod projects;
pub mod status;
pub mod tasks;
pub mod team;
pub mod users;

/// One page of a list, in the list's order.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Whether more items follow the last one.
    pub has_next: bool,
    /// How many items the whole (filtered) list holds.
    pub total: usize,
}

impl<T> Page<T> {
    /// The page of at most `first` items of `all` that follows the item for which `is_after`
    /// holds (from the start when `is_after` is `None`); `None` when no item matches `is_after`.
    pub fn after(all: Vec<T>, first: usize, is_after: Option<impl Fn(&T) -> bool>) -> Option<Self> {
        let total = all.len();
        let start = match is_after {
            None => 0,
            Some(is_after) => all.iter().position(is_after)? + 1,
        };
        let items: Vec<T> = all.into_iter().skip(start).take(first).collect();
        let has_next = start + items.len() < total;
        Some(Self { items, has_next, total })
    }
}

/// The longest search query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// A search query: trimmed, not empty, at most [`MAX_QUERY_CHARS`] characters.
pub fn search_query(raw: &str) -> Result<String, String> {
    let query = raw.trim();
    if query.is_empty() {
        return Err("The search query is empty.".into());
    }
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(format!("The search query is longer than {MAX_QUERY_CHARS} characters."));
    }
    if query.chars().any(char::is_control) {
        return Err("The search query contains control characters.".into());
    }
    Ok(query.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_the_cursor_item() {
        let all = vec![1, 2, 3, 4, 5];
        let page = Page::after(all.clone(), 2, None::<fn(&i32) -> bool>).unwrap();
        assert_eq!((page.items, page.has_next, page.total), (vec![1, 2], true, 5));
        let page = Page::after(all.clone(), 2, Some(|x: &i32| *x == 4)).unwrap();
        assert_eq!((page.items, page.has_next), (vec![5], false));
        assert!(Page::after(all, 2, Some(|x: &i32| *x == 9)).is_none());
    }
}
