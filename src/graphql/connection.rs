//! Relay connection helpers shared by the list fields: page size checks, opaque cursors and
//! `PageInfo`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::errors::ApiError;

/// The largest page a client may ask for.
pub const MAX_PAGE: i32 = 100;

/// The page size asked for: 0 to [`MAX_PAGE`], else `BAD_USER_INPUT` naming `first`.
pub fn page_size(first: i32) -> Result<usize, ApiError> {
    if !(0..=MAX_PAGE).contains(&first) {
        return Err(ApiError::bad_input("first", format!("`first` must be between 0 and {MAX_PAGE}, got {first}.")));
    }
    Ok(first as usize)
}

/// An opaque cursor for `key` in a list of `kind`.
pub fn encode_cursor(kind: &str, key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{key}"))
}

/// The key inside a cursor made by [`encode_cursor`] for `kind`, else `BAD_USER_INPUT` naming
/// `after`.
pub fn decode_cursor(kind: &str, cursor: &str) -> Result<String, ApiError> {
    let invalid = || ApiError::bad_input("after", "`after` is not a cursor from this list.");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix(kind).and_then(|rest| rest.strip_prefix(':')).map(str::to_owned).ok_or_else(invalid)
}

/// Where a page sits in its list: the one `PageInfo` type of the schema, shared with the
/// connections built on `async_graphql::connection`.
pub use async_graphql::connection::PageInfo;

/// The `PageInfo` of a forward page. `hasPreviousPage` is false, as Relay allows when paging
/// forwards with `first`/`after`.
pub fn forward_page_info(has_next_page: bool, start_cursor: Option<String>, end_cursor: Option<String>) -> PageInfo {
    PageInfo { has_previous_page: false, has_next_page, start_cursor, end_cursor }
}

/// A byte count as a GraphQL `Int` (saturates at 2³¹ − 1 bytes; workspace files are far smaller).
pub fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_other_lists() {
        let cursor = encode_cursor("incident", "2026-12-02-x");
        assert_eq!(decode_cursor("incident", &cursor).unwrap(), "2026-12-02-x");
        assert!(decode_cursor("note", &cursor).is_err());
        assert!(decode_cursor("incident", "not base64!").is_err());
    }

    #[test]
    fn page_sizes_above_100_are_refused() {
        assert_eq!(page_size(100).unwrap(), 100);
        assert_eq!(page_size(0).unwrap(), 0);
        assert!(page_size(101).is_err());
        assert!(page_size(-1).is_err());
    }
}
