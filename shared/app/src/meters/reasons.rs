//! Every outcome of reading validation as words for people: Russian first, English beside it.
//! One `match` per type, so a new rejection or flag does not compile until it has words.

use crm_domain::meter::{Flag, MeterKind, Rejection};
use rust_decimal::Decimal;

use crate::validation::Reason;

fn num(value: Decimal) -> String {
    value.normalize().to_string().replace('.', ",")
}

fn date(day: chrono::NaiveDate) -> String {
    day.format("%d.%m.%Y").to_string()
}

/// The zone's name in a reading ("значение" for a single-zone meter).
fn zone_ru(zone: usize) -> String {
    format!("Значение {}", zone + 1)
}

pub fn rejection(rejection: &Rejection) -> Reason {
    let ru = match rejection {
        Rejection::WrongZoneCount { expected, got } => {
            format!("У счётчика {expected} знач. (по одному на зону), а передано {got}")
        }
        Rejection::Negative { zone } => {
            format!("{}: показание не может быть отрицательным", zone_ru(*zone))
        }
        Rejection::TooManyDigits { zone, digits } => format!(
            "{}: не помещается на табло счётчика ({digits} цифр до запятой)",
            zone_ru(*zone)
        ),
        Rejection::BeforeInstallation { installed_on } => format!(
            "Дата показания раньше установки счётчика ({})",
            date(*installed_on)
        ),
        Rejection::InFuture => "Дата показания ещё не наступила".to_owned(),
        Rejection::MeterRemoved { removed_on } => {
            format!(
                "Счётчик снят {}: показания после этого не принимаются",
                date(*removed_on)
            )
        }
        Rejection::Decreasing {
            zone,
            previous,
            value,
        } => format!(
            "{}: {} меньше предыдущего показания {} и не похоже на переход через ноль",
            zone_ru(*zone),
            num(*value),
            num(*previous)
        ),
        Rejection::ConflictsWithLater {
            zone,
            later,
            later_date,
        } => format!(
            "{}: больше более позднего показания {} от {}",
            zone_ru(*zone),
            num(*later),
            date(*later_date)
        ),
        Rejection::DuplicateDifferent { existing } => format!(
            "На эту дату уже есть другое показание ({}); исправьте его, а не вводите новое",
            existing
                .iter()
                .map(|v| num(*v))
                .collect::<Vec<_>>()
                .join(" / ")
        ),
    };
    Reason::new(rejection.code(), ru, english(rejection))
}

/// The English words, zones counted from 1 as people count them.
fn english(rejection: &Rejection) -> String {
    match rejection {
        Rejection::Negative { zone } => format!("value {} is negative", zone + 1),
        Rejection::TooManyDigits { zone, digits } => {
            format!("value {} does not fit the dial ({digits} digits)", zone + 1)
        }
        Rejection::Decreasing {
            zone,
            previous,
            value,
        } => format!(
            "value {}: {} is below the previous reading {} and is not a rollover",
            zone + 1,
            value.normalize(),
            previous.normalize()
        ),
        Rejection::ConflictsWithLater {
            zone,
            later,
            later_date,
        } => format!(
            "value {} is above the later reading {} of {later_date}",
            zone + 1,
            later.normalize()
        ),
        other => other.to_string(),
    }
}

pub fn flag(flag: &Flag) -> Reason {
    let (ru, en) = match flag {
        Flag::AboveAverage {
            zone,
            monthly,
            average,
        } => (
            format!(
                "{}: расход {} в месяц намного выше среднего ({}) — проверьте",
                zone_ru(*zone),
                num(*monthly),
                num(*average)
            ),
            format!(
                "value {}: monthly consumption {monthly} is far above the average {average}",
                zone + 1
            ),
        ),
        Flag::AboveCap { zone, monthly, cap } => (
            format!(
                "{}: расход {} в месяц выше предела {} для такого счётчика — проверьте",
                zone_ru(*zone),
                num(*monthly),
                num(*cap)
            ),
            format!(
                "value {}: monthly consumption {monthly} is above the cap {cap}",
                zone + 1
            ),
        ),
        Flag::OutsideWindow { from_day, to_day } => (
            format!("Показание передано вне периода приёма (с {from_day} по {to_day} число)"),
            format!("taken outside the reading window (days {from_day} to {to_day})"),
        ),
        Flag::VerificationExpired { due } => (
            format!(
                "Срок поверки истёк {}: при расчёте счётчик считается отсутствующим",
                date(*due)
            ),
            format!("the verification expired on {due}: billing treats the meter as absent"),
        ),
    };
    Reason::new(flag.code(), ru, en)
}

/// The kind's name as the UI shows it.
pub fn kind_name(kind: MeterKind, russian: bool) -> &'static str {
    match (kind, russian) {
        (MeterKind::ColdWater, true) => "Холодная вода",
        (MeterKind::ColdWater, false) => "Cold water",
        (MeterKind::HotWater, true) => "Горячая вода",
        (MeterKind::HotWater, false) => "Hot water",
        (MeterKind::Electricity, true) => "Электроэнергия",
        (MeterKind::Electricity, false) => "Electricity",
        (MeterKind::ElectricityTwoZone, true) => "Электроэнергия, 2 зоны",
        (MeterKind::ElectricityTwoZone, false) => "Electricity, 2 zones",
        (MeterKind::ElectricityThreeZone, true) => "Электроэнергия, 3 зоны",
        (MeterKind::ElectricityThreeZone, false) => "Electricity, 3 zones",
        (MeterKind::Heat, true) => "Тепло",
        (MeterKind::Heat, false) => "Heat",
        (MeterKind::Gas, true) => "Газ",
        (MeterKind::Gas, false) => "Gas",
    }
}

/// The names of a kind's zones ("Т1 день", ...), or one plain name for a single-zone meter.
pub fn zone_names(kind: MeterKind, russian: bool) -> Vec<&'static str> {
    use crm_domain::billing::service::Zone;
    let zones = kind.zones();
    if zones.is_empty() {
        return vec![if russian {
            "Показание"
        } else {
            "Reading"
        }];
    }
    zones
        .iter()
        .map(|zone| match (zone, russian) {
            (Zone::Day, true) => "Т1 день",
            (Zone::Day, false) => "T1 day",
            (Zone::Night, true) => "Т2 ночь",
            (Zone::Night, false) => "T2 night",
            (Zone::Peak, true) => "Т1 пик",
            (Zone::Peak, false) => "T1 peak",
            (Zone::HalfPeak, true) => "Т3 полупик",
            (Zone::HalfPeak, false) => "T3 half-peak",
        })
        .collect()
}
