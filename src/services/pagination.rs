//! Cursor pagination: page requests (`first`, `after`), opaque cursors and pages.
//!
//! Every list is ordered by id (UUIDv7, so by creation time), newest first; a cursor is the
//! encoded id of the last item seen, and the next page is "ids below it". Pages are fetched with
//! one row more than asked, which tells whether there is a next page without counting.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::input::InputError;

/// Page size when the client does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;

/// A validated page request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest {
    /// How many items (0–100).
    pub first: u32,
    /// The id after which to continue, decoded from the cursor.
    pub after: Option<String>,
}

impl PageRequest {
    /// Validates `first` (0–100, default 20) and decodes `after`.
    pub fn parse(first: Option<i32>, after: Option<&str>) -> Result<Self, InputError> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if (0..=MAX_PAGE_SIZE as i32).contains(&n) => n as u32,
            Some(n) => {
                return Err(InputError::new("first", format!("first must be between 0 and {MAX_PAGE_SIZE}, got {n}.")))
            }
        };
        let after = match after {
            None => None,
            Some(c) => Some(decode_cursor(c).ok_or_else(|| {
                InputError::new("after", "after is not a cursor from this API; use a cursor from a previous page.")
            })?),
        };
        Ok(Self { first, after })
    }

    /// The first page of `first` items.
    pub fn first(first: u32) -> Self {
        Self { first: first.min(MAX_PAGE_SIZE), after: None }
    }

    /// Rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch_limit(&self) -> u64 {
        u64::from(self.first) + 1
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items, in list order.
    pub items: Vec<T>,
    /// Whether more items follow.
    pub has_next_page: bool,
}

impl<T> Page<T> {
    /// Cuts `rows` (fetched with [`PageRequest::fetch_limit`]) to the page.
    pub fn from_rows(mut rows: Vec<T>, page: &PageRequest) -> Self {
        let has_next_page = rows.len() > page.first as usize;
        rows.truncate(page.first as usize);
        Self { items: rows, has_next_page }
    }

    /// An empty page.
    pub fn empty() -> Self {
        Self { items: Vec::new(), has_next_page: false }
    }

    /// Converts the items.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), has_next_page: self.has_next_page }
    }
}

/// The opaque cursor for an item id.
pub fn encode_cursor(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{id}"))
}

/// The item id inside a cursor, if it is one of ours.
pub fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let id = text.strip_prefix("v1:")?;
    uuid::Uuid::parse_str(id).ok().map(|u| u.hyphenated().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_outside_0_to_100_name_the_first_field() {
        assert_eq!(PageRequest::parse(None, None).unwrap().first, 20);
        assert_eq!(PageRequest::parse(Some(100), None).unwrap().first, 100);
        assert_eq!(PageRequest::parse(Some(0), None).unwrap().first, 0);
        assert_eq!(PageRequest::parse(Some(101), None).unwrap_err().field, "first");
        assert_eq!(PageRequest::parse(Some(-1), None).unwrap_err().field, "first");
    }

    #[test]
    fn cursors_round_trip_and_foreign_cursors_name_the_after_field() {
        let id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        let page = PageRequest::parse(Some(5), Some(&encode_cursor(id))).unwrap();
        assert_eq!(page.after.as_deref(), Some(id));
        for bad in ["", "bm9wZQ", "not base64!", &URL_SAFE_NO_PAD.encode("v1:not-a-uuid")] {
            assert_eq!(PageRequest::parse(None, Some(bad)).unwrap_err().field, "after", "{bad}");
        }
    }

    #[test]
    fn pages_know_whether_more_follow() {
        let req = PageRequest::first(2);
        assert_eq!(Page::from_rows(vec![1, 2, 3], &req), Page { items: vec![1, 2], has_next_page: true });
        assert_eq!(Page::from_rows(vec![1, 2], &req), Page { items: vec![1, 2], has_next_page: false });
    }
}
