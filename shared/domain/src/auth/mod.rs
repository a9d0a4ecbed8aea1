//! Rules of signing in: one-time passwords (TOTP) for the second factor, the base32 text their
//! secrets are shown in, and the lockout that slows down password guessing.

pub mod base32;
pub mod lockout;
pub mod totp;
