//! Random tokens handed to people or machines (session cookies, API keys, invitation and reset
//! links) and the hashes under which the store keeps them: a copy of the store never contains
//! a usable token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// 256 random bits, URL-safe text (43 characters).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    // The operating system's generator; failing means the machine cannot do cryptography at
    // all, and continuing with predictable tokens would be worse than stopping.
    getrandom::fill(&mut bytes).unwrap_or_else(|e| panic!("no secure random numbers: {e}"));
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a token, hex. Tokens carry 256 random bits, so a plain hash is enough (a slow
/// password hash is for low-entropy secrets).
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_distinct_and_hash_stably() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_eq!(token_hash("abc").len(), 64);
        assert!(constant_time_eq("same", "same"));
        assert!(!constant_time_eq("same", "sane"));
        assert!(!constant_time_eq("same", "sam"));
    }
}
