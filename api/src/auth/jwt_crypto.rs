//! HS256 for jsonwebtoken on `ring`, the crypto library the rest of the tree already uses
//! (rustls, for PostgreSQL and WeChat over TLS).
//!
//! Written here rather than taken from a crate feature: jsonwebtoken 10 offers `aws_lc_rs`
//! (a second C crypto library, the slowest part of a clean build) or `rust_crypto` (a
//! third family: RSA, ECDSA and EdDSA crates for an HMAC). Its `CryptoProvider` is the
//! documented way to bring one's own; tokens here are HS256 only, so that is all it signs.

use jsonwebtoken::crypto::{CryptoProvider, JwkUtils, JwtSigner, JwtVerifier};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

struct Hs256(ring::hmac::Key);

impl Hs256 {
    fn new(secret: &[u8]) -> Self {
        Hs256(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret))
    }
}

impl Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        Ok(ring::hmac::sign(&self.0, message).as_ref().to_vec())
    }
}

impl Verifier<Vec<u8>> for Hs256 {
    /// Constant-time comparison, by ring.
    fn verify(&self, message: &[u8], tag: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        ring::hmac::verify(&self.0, message, tag).map_err(|_| signature::Error::new())
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    match algorithm {
        Algorithm::HS256 => Ok(Box::new(Hs256::new(key.try_get_hmac_secret()?))),
        _ => Err(ErrorKind::InvalidAlgorithm.into()),
    }
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    match algorithm {
        Algorithm::HS256 => Ok(Box::new(Hs256::new(key.try_get_hmac_secret()?))),
        _ => Err(ErrorKind::InvalidAlgorithm.into()),
    }
}

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: signer,
    verifier_factory: verifier,
    // JWKs are never read: keys are a shared secret.
    jwk_utils: JwkUtils::new_unimplemented(),
};

/// Installs the provider for the process, once; later calls change nothing.
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = PROVIDER.install_default();
    });
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    /// RFC 7515, appendix A.1: the HS256 example, signed and verified to the byte.
    #[test]
    fn signs_and_verifies_the_rfc_7515_example() {
        let key = URL_SAFE_NO_PAD
            .decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
            .unwrap();
        let input = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
        let expected = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        install();
        let signed = jsonwebtoken::crypto::sign(
            input.as_bytes(),
            &EncodingKey::from_secret(&key),
            Algorithm::HS256,
        )
        .unwrap();
        assert_eq!(signed, expected);
        let decoding = DecodingKey::from_secret(&key);
        assert!(
            jsonwebtoken::crypto::verify(expected, input.as_bytes(), &decoding, Algorithm::HS256)
                .unwrap()
        );
        let other = "eBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(
            !jsonwebtoken::crypto::verify(other, input.as_bytes(), &decoding, Algorithm::HS256)
                .unwrap()
        );
        // Nothing but HS256 is signed.
        assert!(
            jsonwebtoken::crypto::sign(
                input.as_bytes(),
                &EncodingKey::from_secret(&key),
                Algorithm::HS512
            )
            .is_err()
        );
    }
}
