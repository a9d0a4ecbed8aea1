//! Rules of a tenant's settings that are not requisites: payment due day, the meter-reading
//! window, the names notifications are sent under, the name shown in the interface.

use serde::{Deserialize, Serialize};

/// The day of the month payment for the previous month is due. At most the 28th, so every
/// month has it; the Housing Code's default is the 10th (art. 155 part 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct DueDay(u8);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DueDayError {
    #[error("the due day is a day of the month from 1 to 28")]
    OutOfRange,
}

impl DueDayError {
    pub fn code(&self) -> &'static str {
        "due_day_range"
    }
}

impl DueDay {
    pub fn new(day: u8) -> Result<Self, DueDayError> {
        if (1..=28).contains(&day) {
            Ok(Self(day))
        } else {
            Err(DueDayError::OutOfRange)
        }
    }

    pub fn day(self) -> u8 {
        self.0
    }
}

impl Default for DueDay {
    fn default() -> Self {
        Self(10)
    }
}

impl TryFrom<u8> for DueDay {
    type Error = DueDayError;
    fn try_from(day: u8) -> Result<Self, Self::Error> {
        Self::new(day)
    }
}

impl From<DueDay> for u8 {
    fn from(day: DueDay) -> u8 {
        day.0
    }
}

/// The days of the month on which meter readings are accepted, both inclusive. In a month
/// shorter than `to_day` the window ends on its last day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ReadingWindowFields")]
pub struct ReadingWindow {
    from_day: u8,
    to_day: u8,
}

#[derive(Deserialize)]
struct ReadingWindowFields {
    from_day: u8,
    to_day: u8,
}

impl TryFrom<ReadingWindowFields> for ReadingWindow {
    type Error = ReadingWindowError;
    fn try_from(f: ReadingWindowFields) -> Result<Self, Self::Error> {
        Self::new(f.from_day, f.to_day).map_err(|mut errors| errors.remove(0))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReadingWindowError {
    #[error("the first day is a day of the month from 1 to 31")]
    FromOutOfRange,
    #[error("the last day is a day of the month from 1 to 31")]
    ToOutOfRange,
    #[error("the window ends before it starts")]
    Reversed,
}

impl ReadingWindowError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::FromOutOfRange => "from_day_range",
            Self::ToOutOfRange => "to_day_range",
            Self::Reversed => "window_reversed",
        }
    }

    pub fn field(&self) -> &'static str {
        match self {
            Self::FromOutOfRange => "from_day",
            Self::ToOutOfRange | Self::Reversed => "to_day",
        }
    }
}

impl ReadingWindow {
    pub fn new(from_day: u8, to_day: u8) -> Result<Self, Vec<ReadingWindowError>> {
        let mut errors = Vec::new();
        if !(1..=31).contains(&from_day) {
            errors.push(ReadingWindowError::FromOutOfRange);
        }
        if !(1..=31).contains(&to_day) {
            errors.push(ReadingWindowError::ToOutOfRange);
        }
        if errors.is_empty() && from_day > to_day {
            errors.push(ReadingWindowError::Reversed);
        }
        if errors.is_empty() {
            Ok(Self { from_day, to_day })
        } else {
            Err(errors)
        }
    }

    pub fn from_day(self) -> u8 {
        self.from_day
    }

    pub fn to_day(self) -> u8 {
        self.to_day
    }

    /// Whether `day` of a month with `days_in_month` days is inside the window.
    pub fn contains(self, day: u8, days_in_month: u8) -> bool {
        day >= self.from_day && day <= self.to_day.min(days_in_month)
    }
}

impl Default for ReadingWindow {
    /// The 15th to the 25th, a common contract term.
    fn default() -> Self {
        Self {
            from_day: 15,
            to_day: 25,
        }
    }
}

/// Why a name shown to people (display name, e-mail sender name) is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DisplayTextError {
    #[error("the name is empty")]
    Empty,
    #[error("the name has at most {max} characters")]
    TooLong { max: usize },
    #[error("the name may not contain line breaks, control characters or < > \"")]
    BadCharacter,
}

impl DisplayTextError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "name_empty",
            Self::TooLong { .. } => "name_too_long",
            Self::BadCharacter => "name_bad_character",
        }
    }
}

/// Trimmed text of 1..=`max` characters without control characters, and without `<`, `>` and
/// `"`, which would break an e-mail `From:` header.
pub fn display_text(raw: &str, max: usize) -> Result<String, DisplayTextError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(DisplayTextError::Empty);
    }
    if text.chars().count() > max {
        return Err(DisplayTextError::TooLong { max });
    }
    if text
        .chars()
        .any(|c| c.is_control() || matches!(c, '<' | '>' | '"'))
    {
        return Err(DisplayTextError::BadCharacter);
    }
    Ok(text.to_owned())
}

/// The most characters of an e-mail sender's display name.
pub const EMAIL_SENDER_NAME_MAX: usize = 64;
/// The most characters of the name shown in the interface.
pub const DISPLAY_NAME_MAX: usize = 100;

/// An alphanumeric SMS sender id: 1 to 11 Latin letters and digits (the GSM limit for
/// alphanumeric originators).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SmsSender(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SmsSenderError {
    #[error("the SMS sender name is empty")]
    Empty,
    #[error("the SMS sender name has at most 11 characters")]
    TooLong,
    #[error("the SMS sender name may contain only Latin letters and digits")]
    BadCharacter,
}

impl SmsSenderError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "sms_sender_empty",
            Self::TooLong => "sms_sender_too_long",
            Self::BadCharacter => "sms_sender_bad_character",
        }
    }
}

impl SmsSender {
    pub const MAX_LEN: usize = 11;

    pub fn parse(raw: &str) -> Result<Self, SmsSenderError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(SmsSenderError::Empty);
        }
        if !name.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(SmsSenderError::BadCharacter);
        }
        if name.len() > Self::MAX_LEN {
            return Err(SmsSenderError::TooLong);
        }
        Ok(Self(name.to_owned()))
    }
}

crate::newtype::string_newtype!(SmsSender, SmsSenderError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_days() {
        assert_eq!(DueDay::default().day(), 10);
        assert!(DueDay::new(1).is_ok() && DueDay::new(28).is_ok());
        assert!(DueDay::new(0).is_err() && DueDay::new(29).is_err());
        assert!(serde_json::from_str::<DueDay>("31").is_err());
    }

    #[test]
    fn reading_windows() {
        let w = ReadingWindow::new(20, 31).unwrap();
        assert!(w.contains(28, 28) && !w.contains(19, 30));
        assert_eq!(
            ReadingWindow::new(25, 15),
            Err(vec![ReadingWindowError::Reversed])
        );
        assert_eq!(
            ReadingWindow::new(0, 32),
            Err(vec![
                ReadingWindowError::FromOutOfRange,
                ReadingWindowError::ToOutOfRange
            ])
        );
        assert!(ReadingWindow::new(5, 5).is_ok());
    }

    #[test]
    fn names() {
        assert_eq!(
            display_text("  ТСЖ «Рассвет» ", 64).unwrap(),
            "ТСЖ «Рассвет»"
        );
        assert_eq!(display_text(" ", 64), Err(DisplayTextError::Empty));
        assert_eq!(
            display_text(&"я".repeat(65), 64),
            Err(DisplayTextError::TooLong { max: 64 })
        );
        assert!(display_text(&"я".repeat(64), 64).is_ok());
        for bad in ["a\r\nBcc: x", "a<b>", "\"q\""] {
            assert_eq!(display_text(bad, 64), Err(DisplayTextError::BadCharacter));
        }
    }

    #[test]
    fn sms_senders() {
        assert_eq!(
            SmsSender::parse("Vodokanal77").unwrap().as_str(),
            "Vodokanal77"
        );
        assert_eq!(
            SmsSender::parse("Vodokanal777"),
            Err(SmsSenderError::TooLong)
        );
        assert_eq!(
            SmsSender::parse("Водоканал"),
            Err(SmsSenderError::BadCharacter)
        );
        assert_eq!(SmsSender::parse("TSJ-1"), Err(SmsSenderError::BadCharacter));
        assert_eq!(SmsSender::parse(""), Err(SmsSenderError::Empty));
    }
}
