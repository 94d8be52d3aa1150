//! Per-request context taken from HTTP: the caller (bearer token), client address, refresh cookie.

use std::net::{IpAddr, SocketAddr};

use axum::http::{header, HeaderMap};

use super::HttpState;
use crate::graphql::auth::{ClientIp, RefreshCookie, REFRESH_COOKIE};
use crate::services::auth::Caller;

/// The `Bearer` token of an `Authorization` value, if that is what it is.
pub fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

/// The client address: the peer, or the last `X-Forwarded-For` hop when configured to trust it.
pub fn client_ip(state: &HttpState, headers: &HeaderMap, peer: SocketAddr) -> IpAddr {
    if state.app.config.auth.trust_forwarded_for {
        let forwarded = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok());
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    peer.ip()
}

/// The refresh cookie's value, if sent.
pub fn refresh_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == REFRESH_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty())
}

/// Builds the GraphQL request data for one HTTP request.
pub fn request_data(state: &HttpState, headers: &HeaderMap, peer: SocketAddr) -> (Caller, ClientIp, RefreshCookie) {
    let token = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(bearer);
    let caller = state.app.services.auth.authenticate(token);
    (caller, ClientIp(client_ip(state, headers, peer)), RefreshCookie(refresh_cookie(headers)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
    }

    #[test]
    fn the_refresh_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; nexus_refresh=tok; b=2".parse().unwrap());
        assert_eq!(refresh_cookie(&h).as_deref(), Some("tok"));
    }
}
