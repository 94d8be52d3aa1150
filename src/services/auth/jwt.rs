//! Access tokens: HS256 JWTs with issuer, audience, expiry and id, all validated.

use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::Role;

/// The `iss` claim.
pub const ISSUER: &str = "nexus";
/// The `aud` claim.
pub const AUDIENCE: &str = "nexus-api";

/// How far in the future a token's `iat` may lie (clocks of replicas differ a little).
pub const CLOCK_SKEW_SECS: i64 = 60;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    /// Role at issue time.
    pub role: Role,
    /// The session (refresh-token family) the token belongs to: logout voids its tokens.
    pub sid: String,
    /// Issued at (seconds).
    pub iat: i64,
    /// Issued at (milliseconds): revocation must also void tokens from the same second.
    pub iat_ms: i64,
    /// Expires at (seconds).
    pub exp: i64,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Token id: unique per token, for tracing one token through the logs. Not looked up:
    /// revocation works per user and issue time (`iat_ms`), not per token.
    pub jti: String,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Past `exp`.
    Expired,
    /// Anything else: signature, algorithm, issuer, audience, shape.
    Invalid,
}

/// Signs and verifies access tokens with one key.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    /// Keys from the configured secret (≥ 32 bytes, checked by config).
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 0;
        validation.validate_exp = true;
        Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), validation }
    }

    /// Issues a token for `user_id` in session `session_id`, valid until `expires_at`.
    pub fn issue(
        &self,
        user_id: &str,
        role: Role,
        session_id: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> String {
        let claims = Claims {
            sub: user_id.to_owned(),
            role,
            sid: session_id.to_owned(),
            iat: now.timestamp(),
            iat_ms: now.timestamp_millis(),
            exp: expires_at.timestamp(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            jti: uuid::Uuid::new_v4().to_string(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).expect("HS256 signing cannot fail")
    }

    /// Verifies a token and returns its claims. A token issued in the future (beyond
    /// [`CLOCK_SKEW_SECS`] of clock difference between replicas) is invalid: revocation compares
    /// issue times, and such a token would outlive a revocation made before its `iat`.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let claims =
            decode::<Claims>(token, &self.decoding, &self.validation).map(|d| d.claims).map_err(|e| {
                match e.kind() {
                    ErrorKind::ExpiredSignature => TokenError::Expired,
                    _ => TokenError::Invalid,
                }
            })?;
        let latest = Utc::now().timestamp() + CLOCK_SKEW_SECS;
        if claims.iat > latest || claims.iat_ms > latest * 1000 {
            return Err(TokenError::Invalid);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_fresh_token_verifies_with_its_claims() {
        let keys = JwtKeys::new(KEY);
        let now = Utc::now();
        let t = keys.issue("u1", Role::Operator, "s1", now, now + Duration::minutes(15));
        let c = keys.verify(&t).unwrap();
        assert_eq!((c.sub.as_str(), c.role, c.iss.as_str(), c.aud.as_str()), ("u1", Role::Operator, ISSUER, AUDIENCE));
    }

    #[test]
    fn an_expired_token_is_reported_as_expired() {
        let keys = JwtKeys::new(KEY);
        let then = Utc::now() - Duration::hours(1);
        let t = keys.issue("u1", Role::Viewer, "s1", then, then + Duration::minutes(15));
        assert_eq!(keys.verify(&t).unwrap_err(), TokenError::Expired);
    }

    #[test]
    fn another_key_another_audience_or_alg_none_is_invalid() {
        let keys = JwtKeys::new(KEY);
        let now = Utc::now();
        let other = JwtKeys::new(b"another-key-another-key-another-key!");
        let t = other.issue("u1", Role::Owner, "s1", now, now + Duration::minutes(5));
        assert_eq!(keys.verify(&t).unwrap_err(), TokenError::Invalid);

        let claims = Claims {
            sub: "u1".into(),
            role: Role::Owner,
            sid: "s1".into(),
            iat: now.timestamp(),
            iat_ms: now.timestamp_millis(),
            exp: (now + Duration::minutes(5)).timestamp(),
            iss: ISSUER.into(),
            aud: "someone-else".into(),
            jti: "x".into(),
        };
        let t = encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(KEY)).unwrap();
        assert_eq!(keys.verify(&t).unwrap_err(), TokenError::Invalid);

        // An unsigned token ("alg": "none") must never pass.
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let body = b64.encode(serde_json::to_vec(&Claims { aud: AUDIENCE.into(), ..claims }).unwrap());
        assert_eq!(keys.verify(&format!("{header}.{body}.")).unwrap_err(), TokenError::Invalid);
        assert_eq!(keys.verify("garbage").unwrap_err(), TokenError::Invalid);
    }

    #[test]
    fn a_token_issued_in_the_future_is_invalid_beyond_the_clock_skew() {
        let keys = JwtKeys::new(KEY);
        let soon = Utc::now() + Duration::seconds(CLOCK_SKEW_SECS / 2);
        assert!(keys.verify(&keys.issue("u1", Role::Viewer, "s1", soon, soon + Duration::minutes(15))).is_ok());
        let later = Utc::now() + Duration::minutes(10);
        let t = keys.issue("u1", Role::Viewer, "s1", later, later + Duration::minutes(15));
        assert_eq!(keys.verify(&t).unwrap_err(), TokenError::Invalid);
    }
}
