//! Access tokens: HS256 JWTs with the algorithm pinned and every claim required.

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use entity::enums::Role;

pub const ISSUER: &str = "tongxin";
pub const AUDIENCE: &str = "tongxin-api";
/// Access tokens live 15 minutes; refresh tokens carry sessions beyond that.
pub const ACCESS_TOKEN_TTL_SECS: i64 = 15 * 60;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    /// The refresh session this token belongs to.
    pub sid: String,
    pub roles: Vec<Role>,
    /// The organizer's department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dept: Option<i32>,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        super::jwt_crypto::install();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        JwtKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub fn issue(
        &self,
        user_id: i32,
        session_id: &str,
        roles: Vec<Role>,
        dept: Option<i32>,
    ) -> anyhow::Result<String> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            exp: now + ACCESS_TOKEN_TTL_SECS,
            iat: now,
            sid: session_id.to_owned(),
            roles,
            dept,
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// The claims of a token this server issued and that is still valid. A token issued
    /// in the future (beyond the leeway) is refused: no clock of ours made it.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|err| match err.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?
            .claims;
        if claims.iat > Utc::now().timestamp() + self.validation.leeway as i64 {
            return Err(TokenError::Invalid);
        }
        Ok(claims)
    }
}

/// Why an access token was refused; the apps refresh on [`TokenError::Expired`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    Expired,
    /// Tampered with, signed with another key, of another issuer or audience, malformed,
    /// or issued in the future.
    Invalid,
}

impl TokenError {
    /// What the client is told (`extensions.reason` and the message).
    pub fn reason(self) -> crate::error::Reason {
        match self {
            TokenError::Expired => crate::error::Reason::TokenExpired,
            TokenError::Invalid => crate::error::Reason::TokenInvalid,
        }
    }
}
