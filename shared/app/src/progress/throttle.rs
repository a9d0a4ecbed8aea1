//! When to write progress: every `rows` units of work or every `interval`, whichever comes
//! first, so a fast job does not spend its time writing its own status and a slow one still
//! shows movement. Pure.

use chrono::{DateTime, Duration, Utc};

#[derive(Clone, Debug)]
pub struct Throttle {
    rows: u64,
    interval: Duration,
    last_processed: u64,
    last_at: Option<DateTime<Utc>>,
}

impl Throttle {
    pub fn new(rows: u64, interval: Duration) -> Self {
        Self {
            rows: rows.max(1),
            interval,
            last_processed: 0,
            last_at: None,
        }
    }

    /// Whether progress at `processed` should be written now.
    pub fn due(&self, processed: u64, now: DateTime<Utc>) -> bool {
        match self.last_at {
            None => true,
            Some(at) => {
                processed.saturating_sub(self.last_processed) >= self.rows
                    || (processed != self.last_processed && now - at >= self.interval)
            }
        }
    }

    /// Records that progress at `processed` was written at `now`.
    pub fn written(&mut self, processed: u64, now: DateTime<Utc>) {
        self.last_processed = processed;
        self.last_at = Some(now);
    }
}

impl Default for Throttle {
    /// Every 10,000 rows or 2 seconds: the UI polls every 2 seconds.
    fn default() -> Self {
        Self::new(10_000, Duration::seconds(2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_or_time_whichever_first() {
        let t0 = DateTime::from_timestamp(1_000_000, 0).unwrap();
        let mut throttle = Throttle::new(100, Duration::seconds(2));
        assert!(throttle.due(0, t0));
        throttle.written(0, t0);
        assert!(!throttle.due(99, t0 + Duration::seconds(1)));
        assert!(throttle.due(100, t0 + Duration::seconds(1)));
        assert!(throttle.due(1, t0 + Duration::seconds(2)));
        // Nothing new: no write even when time has passed.
        assert!(!throttle.due(0, t0 + Duration::seconds(10)));
    }
}
