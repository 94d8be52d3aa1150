//! Ids at the API boundary: opaque `ID`s parsed into typed ids, or BAD_USER_INPUT naming the field.

use async_graphql::ID;

use super::errors::ApiError;

/// Parses `id` with `parse` (e.g. `TaskId::parse`), naming `field` when it is not an id.
pub fn parse<T>(field: &str, id: &ID, parse: fn(&str) -> Option<T>) -> Result<T, ApiError> {
    parse(id.as_str()).ok_or_else(|| ApiError::bad_input(field, format!("{field} is not a valid id.")))
}
