//! Import benchmark (filled in below).
fn main() {}
