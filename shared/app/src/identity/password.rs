//! Passwords: the policy for new ones and argon2id hashing (PHC strings, parameters stored with
//! each hash so they can be raised later without breaking old hashes).

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejected {
    #[error("at least {MIN_LENGTH} characters")]
    TooShort,
    #[error("at most {MAX_LENGTH} characters")]
    TooLong,
    #[error("too common or too simple")]
    TooCommon,
}

impl PasswordRejected {
    pub fn code(&self) -> &'static str {
        match self {
            PasswordRejected::TooShort => "password_too_short",
            PasswordRejected::TooLong => "password_too_long",
            PasswordRejected::TooCommon => "password_too_common",
        }
    }
}

/// Passwords people pick first; refusing them stops the cheapest guessing.
const COMMON: &[&str] = &[
    "1234567890",
    "0123456789",
    "qwertyuiop",
    "password12",
    "password123",
    "1q2w3e4r5t",
    "qwerty1234",
    "1qaz2wsx3edc",
    "йцукенгшщз",
    "пароль1234",
    "1111111111",
    "0000000000",
    "abcdefghij",
    "iloveyou12",
    "admin12345",
    "zaq12wsxcde",
];

/// Checks a new password against the policy (length; not a well-known or one-character one).
pub fn check_new(password: &str) -> Result<(), PasswordRejected> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PasswordRejected::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PasswordRejected::TooLong);
    }
    let lower = password.to_lowercase();
    let mut chars = lower.chars();
    let first = chars.next();
    if COMMON.contains(&lower.as_str()) || chars.all(|c| Some(c) == first) {
        return Err(PasswordRejected::TooCommon);
    }
    Ok(())
}

/// The argon2id cost. Production uses the OWASP-recommended defaults (19 MiB, 2 passes);
/// tests may lower it to stay fast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashCost {
    pub memory_kib: u32,
    pub passes: u32,
}

impl Default for HashCost {
    fn default() -> Self {
        Self {
            memory_kib: Params::DEFAULT_M_COST,
            passes: Params::DEFAULT_T_COST,
        }
    }
}

impl HashCost {
    /// The cheapest cost argon2 accepts, for tests only.
    pub const FOR_TESTS: HashCost = HashCost {
        memory_kib: 64,
        passes: 1,
    };

    fn hasher(self) -> Argon2<'static> {
        let params = Params::new(self.memory_kib, self.passes, 1, None).unwrap_or(Params::DEFAULT);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }
}

/// A PHC string (`$argon2id$v=19$m=...$salt$hash`) of the password with a fresh salt.
pub fn hash(password: &str, cost: HashCost) -> String {
    cost.hasher()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        // Hashing with valid parameters and a generated salt only fails without randomness.
        .unwrap_or_else(|e| panic!("password hashing failed: {e}"))
}

/// Whether `password` matches the stored PHC string; a malformed string never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Spends the time a real verification would, for sign-in attempts with an unknown email, so
/// response times do not reveal which emails have accounts.
pub fn verify_nothing(password: &str, cost: HashCost) {
    let _ = cost.hasher().hash_password(password.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert_eq!(check_new("short"), Err(PasswordRejected::TooShort));
        assert_eq!(check_new(&"x".repeat(129)), Err(PasswordRejected::TooLong));
        assert_eq!(check_new("aaaaaaaaaaaa"), Err(PasswordRejected::TooCommon));
        assert_eq!(check_new("Password123"), Err(PasswordRejected::TooCommon));
        assert_eq!(check_new("ЙЦУКЕНГШЩЗ"), Err(PasswordRejected::TooCommon));
        assert!(check_new("correct horse battery").is_ok());
        assert!(check_new("Счётчик-2026!").is_ok());
    }

    #[test]
    fn hash_and_verify() {
        let phc = hash("correct horse battery", HashCost::FOR_TESTS);
        assert!(phc.starts_with("$argon2id$v=19$"));
        assert!(verify("correct horse battery", &phc));
        assert!(!verify("correct horse batterY", &phc));
        assert!(!verify("anything", "not a phc string"));
        assert_ne!(
            phc,
            hash("correct horse battery", HashCost::FOR_TESTS),
            "salted"
        );
    }
}
