//! HMAC-SHA256 signatures for values the platform hands out and later gets back: query cursors,
//! local download links. A value that comes back unchanged verifies; anything else does not.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Shortest accepted key: 32 bytes, the output size of SHA-256.
pub const MIN_KEY_BYTES: usize = 32;

#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Signer(..)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("signing key must be at least {MIN_KEY_BYTES} bytes, got {0}")]
pub struct KeyTooShort(pub usize);

impl Signer {
    pub fn new(key: &[u8]) -> Result<Self, KeyTooShort> {
        if key.len() < MIN_KEY_BYTES {
            return Err(KeyTooShort(key.len()));
        }
        Ok(Self { key: key.to_vec() })
    }

    /// A signer whose signatures also depend on `purpose`, so a signature made for one kind of
    /// value is never valid for another.
    pub fn for_purpose(&self, purpose: &str) -> Signer {
        let mut mac = self.mac();
        mac.update(b"purpose:");
        mac.update(purpose.as_bytes());
        Signer {
            key: mac.finalize().into_bytes().to_vec(),
        }
    }

    /// URL-safe base64 of the HMAC of `message`.
    pub fn sign(&self, message: &[u8]) -> String {
        let mut mac = self.mac();
        mac.update(message);
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Constant-time check of a signature made by [`Signer::sign`].
    pub fn verify(&self, message: &[u8], signature: &str) -> bool {
        let Ok(raw) = URL_SAFE_NO_PAD.decode(signature) else {
            return false;
        };
        let mut mac = self.mac();
        mac.update(message);
        mac.verify_slice(&raw).is_ok()
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes keys of any length; the constructor cannot fail.
        <HmacSha256 as KeyInit>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let signer = Signer::new(&[7; 32]).unwrap();
        let sig = signer.sign(b"hello");
        assert!(signer.verify(b"hello", &sig));
        assert!(!signer.verify(b"hellO", &sig));
        assert!(!signer.verify(b"hello", "AAAA"));
        assert!(!signer.verify(b"hello", "not base64!"));
        let other = Signer::new(&[8; 32]).unwrap();
        assert!(!other.verify(b"hello", &sig));
    }

    #[test]
    fn purposes_do_not_mix() {
        let signer = Signer::new(&[7; 32]).unwrap();
        let cursors = signer.for_purpose("cursor");
        let links = signer.for_purpose("link");
        assert!(!links.verify(b"x", &cursors.sign(b"x")));
    }

    #[test]
    fn short_keys_refused() {
        assert_eq!(Signer::new(b"short").unwrap_err(), KeyTooShort(5));
    }
}
