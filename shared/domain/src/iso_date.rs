//! Dates as `YYYY-MM-DD` text, written and read without chrono's general formatter and parser.
//!
//! Readings, reading tails and meter specs carry several dates each, and a readings import
//! writes and reads them for every row: chrono's pattern machinery was a few per cent of it.
//! The text is exactly what chrono writes and reads for years 0 to 9999; anything else (other
//! years, other shapes chrono accepts) goes through chrono. Use with `#[serde(with = ...)]`.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serializer, de};

/// `date` as `YYYY-MM-DD` in `buf`, when its year has four digits.
fn write(date: NaiveDate, buf: &mut [u8; 10]) -> Option<&str> {
    let year = u32::try_from(date.year()).ok().filter(|y| *y <= 9999)?;
    let digits = |n: u32, out: &mut [u8]| {
        let mut n = n;
        for place in out.iter_mut().rev() {
            *place = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    digits(year, &mut buf[0..4]);
    buf[4] = b'-';
    digits(date.month(), &mut buf[5..7]);
    buf[7] = b'-';
    digits(date.day(), &mut buf[8..10]);
    std::str::from_utf8(buf).ok()
}

/// `text` read as `YYYY-MM-DD`; `None` when it has another shape or is no date.
fn parse_plain(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |part: &[u8]| {
        part.iter().try_fold(0u32, |n, b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    let year = i32::try_from(number(&bytes[0..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&bytes[5..7])?, number(&bytes[8..10])?)
}

/// `text` as a date: `YYYY-MM-DD` read directly, anything else as chrono reads it.
fn parse(text: &str) -> Result<NaiveDate, chrono::ParseError> {
    match parse_plain(text) {
        Some(date) => Ok(date),
        None => text.parse(),
    }
}

pub fn serialize<S: Serializer>(date: &NaiveDate, to: S) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; 10];
    match write(*date, &mut buf) {
        Some(text) => to.serialize_str(text),
        None => to.collect_str(date),
    }
}

pub fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<NaiveDate, D::Error> {
    struct Visitor;
    impl de::Visitor<'_> for Visitor {
        type Value = NaiveDate;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a date as YYYY-MM-DD")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<NaiveDate, E> {
            parse(text).map_err(E::custom)
        }
    }
    from.deserialize_str(Visitor)
}

/// A date that serialises through this module: for tuples and collections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IsoDate(pub NaiveDate);

impl serde::Serialize for IsoDate {
    fn serialize<S: Serializer>(&self, to: S) -> Result<S::Ok, S::Error> {
        serialize(&self.0, to)
    }
}

impl<'de> Deserialize<'de> for IsoDate {
    fn deserialize<D: Deserializer<'de>>(from: D) -> Result<Self, D::Error> {
        deserialize(from).map(IsoDate)
    }
}

/// For `Option<NaiveDate>` fields.
pub mod option {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::IsoDate;

    pub fn serialize<S: Serializer>(date: &Option<NaiveDate>, to: S) -> Result<S::Ok, S::Error> {
        date.map(IsoDate).serialize(to)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<Option<NaiveDate>, D::Error> {
        Ok(Option::<IsoDate>::deserialize(from)?.map(|d| d.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_what_chrono_does_for_every_day_of_many_years() {
        let mut day = NaiveDate::from_ymd_opt(1899, 12, 25).unwrap();
        let last = NaiveDate::from_ymd_opt(2101, 1, 5).unwrap();
        while day <= last {
            let chrono_text = serde_json::to_string(&day).unwrap();
            let ours = serde_json::to_string(&IsoDate(day)).unwrap();
            assert_eq!(ours, chrono_text);
            let back: IsoDate = serde_json::from_str(&chrono_text).unwrap();
            assert_eq!(back.0, day);
            day = day.succ_opt().unwrap();
        }
    }

    #[test]
    fn years_of_other_lengths_and_other_shapes_go_through_chrono() {
        for date in [
            NaiveDate::from_ymd_opt(12, 3, 4).unwrap(),
            NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(-5, 6, 7).unwrap(),
        ] {
            let text = serde_json::to_string(&IsoDate(date)).unwrap();
            assert_eq!(text, serde_json::to_string(&date).unwrap());
            assert_eq!(serde_json::from_str::<IsoDate>(&text).unwrap().0, date);
        }
    }

    #[test]
    fn impossible_dates_and_other_text_are_refused() {
        for text in ["2023-02-29", "2023-13-01", "20x3-01-01", "", "2023/01/01"] {
            assert!(
                serde_json::from_str::<IsoDate>(&format!("\"{text}\"")).is_err(),
                "{text}"
            );
        }
        assert!(serde_json::from_str::<IsoDate>("20230101").is_err());
    }

    #[test]
    fn options_keep_null() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Holder {
            #[serde(with = "super::option")]
            day: Option<NaiveDate>,
        }
        for day in [None, NaiveDate::from_ymd_opt(2024, 2, 29)] {
            let text = serde_json::to_string(&Holder { day }).unwrap();
            assert_eq!(
                serde_json::from_str::<Holder>(&text).unwrap(),
                Holder { day }
            );
        }
    }
}
