//! Lockout with backoff: a few free failures, then sign-in is locked for a minute, doubling
//! with every further failure up to an hour. A success resets the count.

use chrono::Duration;

/// Consecutive failures allowed before the first lock.
pub const FREE_FAILURES: u32 = 5;
pub const FIRST_LOCK: Duration = Duration::minutes(1);
pub const LONGEST_LOCK: Duration = Duration::hours(1);

/// How long sign-in stays locked after `failures` consecutive failures (none before the
/// fifth).
pub fn lock_after(failures: u32) -> Option<Duration> {
    let beyond = failures.checked_sub(FREE_FAILURES)?;
    // 2^6 minutes already exceed the cap; larger shifts would only overflow.
    let minutes = 1_i64 << beyond.min(6);
    Some((FIRST_LOCK * i32::try_from(minutes).unwrap_or(64)).min(LONGEST_LOCK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_free_then_doubling_up_to_an_hour() {
        for failures in 0..5 {
            assert_eq!(lock_after(failures), None);
        }
        let minutes: Vec<i64> = (5..=13)
            .map(|f| lock_after(f).unwrap().num_minutes())
            .collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(lock_after(u32::MAX), Some(LONGEST_LOCK));
    }
}
