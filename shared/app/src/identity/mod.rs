//! Identity: accounts (tenant users and platform staff), passwords, sessions, API keys and how
//! roles become permissions. The web layer turns these into a request's principal.

pub mod accounts;
pub mod api_keys;
pub mod password;
pub mod roles;
pub mod secrets;
pub mod sessions;
