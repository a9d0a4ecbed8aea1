//! A subscriber's status over time: active, suspended or closed, each from a date, and the
//! changes allowed between them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::SubscriberStatus;

/// The current status, the day it took effect and why (for suspensions and closings).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusState {
    pub status: SubscriberStatus,
    pub since: NaiveDate,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusChange {
    /// Active or suspended -> closed (the account ends).
    Close,
    /// Closed or suspended -> active.
    Reopen,
    /// Active -> suspended (services paused).
    Suspend,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StatusChangeError {
    #[error("a {from:?} account cannot be changed with {change:?}")]
    NotAllowed {
        from: SubscriberStatus,
        change: StatusChange,
    },
    #[error("the date is before the current status took effect ({since})")]
    BeforeCurrentStatus { since: NaiveDate },
    #[error("the date is before the account was opened ({opened_on})")]
    BeforeOpening { opened_on: NaiveDate },
    #[error("the date is in the future")]
    InFuture,
    #[error("the reason has at most 500 characters")]
    ReasonTooLong,
}

impl StatusChangeError {
    pub fn code(&self) -> &'static str {
        match self {
            StatusChangeError::NotAllowed { .. } => "status_change_not_allowed",
            StatusChangeError::BeforeCurrentStatus { .. } => "status_date_before_current",
            StatusChangeError::BeforeOpening { .. } => "status_date_before_opening",
            StatusChangeError::InFuture => "status_date_in_future",
            StatusChangeError::ReasonTooLong => "status_reason_too_long",
        }
    }

    /// The input field the error belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            StatusChangeError::NotAllowed { .. } => "status",
            StatusChangeError::ReasonTooLong => "reason",
            _ => "date",
        }
    }
}

impl StatusChange {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusChange::Close => "close",
            StatusChange::Reopen => "reopen",
            StatusChange::Suspend => "suspend",
        }
    }

    pub fn target(self) -> SubscriberStatus {
        match self {
            StatusChange::Close => SubscriberStatus::Closed,
            StatusChange::Reopen => SubscriberStatus::Active,
            StatusChange::Suspend => SubscriberStatus::Suspended,
        }
    }

    fn allowed_from(self, from: SubscriberStatus) -> bool {
        use SubscriberStatus::{Active, Closed, Suspended};
        matches!(
            (self, from),
            (StatusChange::Close, Active | Suspended)
                | (StatusChange::Reopen, Closed | Suspended)
                | (StatusChange::Suspend, Active)
        )
    }
}

impl StatusState {
    pub const MAX_REASON_CHARS: usize = 500;

    pub fn active_since(since: NaiveDate) -> Self {
        Self {
            status: SubscriberStatus::Active,
            since,
            reason: None,
        }
    }

    /// The state after `change` on day `on`. The day may not be in the future (`today` in the
    /// tenant's time zone), before the current status began, or before the account opened.
    pub fn apply(
        &self,
        change: StatusChange,
        on: NaiveDate,
        today: NaiveDate,
        opened_on: NaiveDate,
        reason: Option<&str>,
    ) -> Result<StatusState, StatusChangeError> {
        if !change.allowed_from(self.status) {
            return Err(StatusChangeError::NotAllowed {
                from: self.status,
                change,
            });
        }
        if on > today {
            return Err(StatusChangeError::InFuture);
        }
        if on < opened_on {
            return Err(StatusChangeError::BeforeOpening { opened_on });
        }
        if on < self.since {
            return Err(StatusChangeError::BeforeCurrentStatus { since: self.since });
        }
        let reason = reason
            .map(|r| r.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|r| !r.is_empty());
        if reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > Self::MAX_REASON_CHARS)
        {
            return Err(StatusChangeError::ReasonTooLong);
        }
        Ok(StatusState {
            status: change.target(),
            since: on,
            reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    #[test]
    fn allowed_changes_and_their_dates() {
        let active = StatusState::active_since(day(1));
        let suspended = active
            .apply(
                StatusChange::Suspend,
                day(5),
                day(20),
                day(1),
                Some(" долг "),
            )
            .unwrap();
        assert_eq!(suspended.status, SubscriberStatus::Suspended);
        assert_eq!(suspended.reason.as_deref(), Some("долг"));
        let closed = suspended
            .apply(StatusChange::Close, day(10), day(20), day(1), None)
            .unwrap();
        assert_eq!(closed.since, day(10));
        let reopened = closed
            .apply(StatusChange::Reopen, day(10), day(20), day(1), None)
            .unwrap();
        assert_eq!(reopened.status, SubscriberStatus::Active);
    }

    #[test]
    fn refused_changes() {
        let active = StatusState::active_since(day(5));
        let refuse = |state: &StatusState, change, on| {
            state
                .apply(change, on, day(20), day(2), None)
                .unwrap_err()
                .code()
        };
        assert_eq!(
            refuse(&active, StatusChange::Reopen, day(6)),
            "status_change_not_allowed"
        );
        assert_eq!(
            refuse(&active, StatusChange::Close, day(21)),
            "status_date_in_future"
        );
        assert_eq!(
            refuse(&active, StatusChange::Close, day(1)),
            "status_date_before_opening"
        );
        assert_eq!(
            refuse(&active, StatusChange::Close, day(4)),
            "status_date_before_current"
        );
        let closed = active
            .apply(StatusChange::Close, day(6), day(20), day(2), None)
            .unwrap();
        assert_eq!(
            refuse(&closed, StatusChange::Suspend, day(7)),
            "status_change_not_allowed"
        );
        assert_eq!(
            active
                .apply(
                    StatusChange::Close,
                    day(6),
                    day(20),
                    day(2),
                    Some(&"x".repeat(501))
                )
                .unwrap_err(),
            StatusChangeError::ReasonTooLong
        );
    }
}
