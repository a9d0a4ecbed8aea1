//! The batch intake over more rows than one slice of its pipeline: rows of one meter spread
//! over several slices see each other (a slice is validated while the one before it is still
//! being written), and two intakes of overlapping files at once store each date once, with the
//! advance each stored reading records matching the reading stored before it.

use chrono::{Duration, NaiveDate};
use crm_app::audit::Audit;
use crm_app::meters::intake::{Intake, IntakeRow, MeterRef, Refusal, RowOutcome};
use crm_app::meters::records::{ReadingRecord, SubscriberMeters, subscriber_meters, tails};
use crm_app::meters::tail::ReadingTail;
use crm_domain::meter::{ReadingSource, Rejection};
use http::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::json;

use crate::meters::{Meters, subscriber};

/// Days of readings per meter: two meters interleaved make 2,400 rows, three slices.
const DAYS: usize = 1_200;

fn day(k: usize) -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 2, 1).unwrap() + Duration::days(k as i64)
}

/// Meter `m`'s dial on day `k`: 2 or 3 units a day, so every day is an advance.
fn value(m: usize, k: usize) -> Decimal {
    Decimal::from((k as u64 + 1) * (2 + m as u64))
}

async fn two_meters(m: &Meters) -> [String; 2] {
    let mut ids = Vec::new();
    for serial in ["ДЛ-1", "ДЛ-2"] {
        let answer = m
            .create(json!({
                "subscriber_id": m.subscriber, "service_id": m.water, "serial": serial,
                "kind": "cold_water", "installed_on": "2023-01-01", "initial": ["0"],
                "digits": 5,
            }))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        ids.push(answer.json()["id"].as_str().unwrap().to_owned());
    }
    [ids[0].clone(), ids[1].clone()]
}

/// Row `2k + m` is meter `m`'s reading of day `k`. Row 1,000 (the first of the second slice)
/// goes down and must be refused; the last two rows repeat earlier dates, one equal, one not.
fn rows() -> Vec<IntakeRow> {
    let mut rows: Vec<IntakeRow> = (0..DAYS * 2)
        .map(|n| {
            let (k, m) = (n / 2, n % 2);
            IntakeRow {
                line: n as u64 + 2,
                meter: MeterRef::Serial(format!("ДЛ-{}", m + 1)),
                date: day(k),
                values: vec![value(m, k)],
            }
        })
        .collect();
    rows[1_000].values = vec![Decimal::ONE];
    let mut repeat = rows[300].clone();
    repeat.line = rows.len() as u64 + 2;
    rows.push(repeat);
    let mut different = rows[600].clone();
    different.line = rows.len() as u64 + 2;
    different.values = vec![value(0, 300) + Decimal::ONE];
    rows.push(different);
    rows
}

async fn intake(m: &Meters, batch: &str) -> Intake {
    Intake::new(
        m.world.services(),
        &m.world.tenant,
        &Audit::system("import"),
        ReadingSource::Import,
        batch,
    )
    .await
    .unwrap()
}

/// The dates of `meter`'s stored readings, oldest first, after checking that every stored
/// reading's advance is its value minus the stored reading before it.
fn dates_with_consistent_advances(found: &SubscriberMeters, meter: &str) -> Vec<NaiveDate> {
    let mut previous = Decimal::ZERO;
    let mut dates = Vec::new();
    for reading in found.readings_of(meter) {
        assert_eq!(
            reading.advance,
            vec![reading.values[0] - previous],
            "advance of {meter} on {}",
            reading.date
        );
        previous = reading.values[0];
        dates.push(reading.date);
    }
    dates
}

/// Advances consistent; the first meter lost its refused row, the second holds every day.
async fn assert_history_consistent(m: &Meters, meters: &[String; 2]) {
    let db = m.world.services().db.tenant(&m.world.tenant);
    let found = subscriber_meters(&db, &m.subscriber).await.unwrap();
    for (meter, expected) in meters.iter().zip([DAYS - 1, DAYS]) {
        let dates = dates_with_consistent_advances(&found, meter);
        assert_eq!(dates.len(), expected, "readings of {meter}");
    }
    assert_tails_match_history(m, &found, meters).await;
}

/// Each meter's stored reading tail is what its whole history gives (trimmed to the default
/// average window of 6 months), so the next reading is validated against the real history.
async fn assert_tails_match_history(m: &Meters, found: &SubscriberMeters, meters: &[String]) {
    let db = m.world.services().db.tenant(&m.world.tenant);
    let ids: Vec<&str> = meters.iter().map(String::as_str).collect();
    let tails = tails(&db, &ids).await.unwrap();
    for meter in meters {
        let history: Vec<ReadingRecord> = found.readings_of(meter).into_iter().cloned().collect();
        let (tail, _) = tails.get(meter).expect("a meter with readings has a tail");
        assert_eq!(*tail, ReadingTail::of(&history, 6), "tail of {meter}");
        assert!(tail.from.is_some(), "years of daily readings are trimmed");
    }
}

// Two worker threads, so a slice really is validated while the one before it is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_in_later_slices_see_the_rows_before_them() {
    let m = Meters::new().await;
    let meters = two_meters(&m).await;
    let rows = rows();
    let outcomes = intake(&m, "job-long").await.run(&rows).await.unwrap();
    assert_eq!(outcomes.len(), rows.len());
    for (n, outcome) in outcomes.iter().enumerate().take(DAYS * 2) {
        match n {
            1_000 => assert!(
                matches!(
                    outcome,
                    RowOutcome::Refused(Refusal::Rejected(Rejection::Decreasing { .. }))
                ),
                "row {n}: {outcome:?}"
            ),
            _ => assert!(
                matches!(outcome, RowOutcome::Stored { meter_id, .. } if *meter_id == meters[n % 2]),
                "row {n}: {outcome:?}"
            ),
        }
    }
    // Validated against row 300 of the first slice, long written by then.
    assert_eq!(
        outcomes[DAYS * 2],
        RowOutcome::Unchanged {
            meter_id: meters[0].clone()
        }
    );
    assert!(matches!(
        &outcomes[DAYS * 2 + 1],
        RowOutcome::Refused(Refusal::Rejected(Rejection::DuplicateDifferent { .. }))
    ));
    // Row 1,002 (the first meter's day 501) follows the refused row: its advance spans two
    // days.
    assert_history_consistent(&m, &meters).await;

    let again = intake(&m, "job-long-2").await.run(&rows).await.unwrap();
    for (n, (first, second)) in outcomes.iter().zip(&again).enumerate() {
        match first {
            RowOutcome::Stored { meter_id, .. } => assert_eq!(
                second,
                &RowOutcome::Unchanged {
                    meter_id: meter_id.clone()
                },
                "row {n}"
            ),
            _ => assert_eq!(
                std::mem::discriminant(second),
                std::mem::discriminant(first),
                "row {n}"
            ),
        }
    }
}

/// The other writer's file: the first meter reads one unit more on days 0 to 700, still
/// going up, so its rows differ from [`rows`] there and agree elsewhere.
fn other_rows() -> Vec<IntakeRow> {
    let mut rows = rows();
    for row in rows.iter_mut().take(DAYS * 2) {
        let k = usize::try_from((row.date - day(0)).num_days()).unwrap();
        if row.meter == MeterRef::Serial("ДЛ-1".into()) && k <= 700 && row.values[0] > Decimal::ONE
        {
            row.values[0] += Decimal::ONE;
        }
    }
    rows
}

/// Whichever intake commits a slice first, the other finds its readings stored meanwhile and
/// must validate its next slice (already validated against its own, unstored, values) again
/// against what is stored: otherwise it would store advances from values that never were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_intakes_at_once_store_each_date_once_with_consistent_advances() {
    let m = Meters::new().await;
    let meters = two_meters(&m).await;
    let (mine, theirs) = (rows(), other_rows());
    let (a, b) = (intake(&m, "job-a").await, intake(&m, "job-b").await);
    let (first, second) = tokio::join!(a.run(&mine), b.run(&theirs));
    let (first, second) = (first.unwrap(), second.unwrap());
    for (n, pair) in first.iter().zip(&second).enumerate() {
        assert!(
            !matches!(pair, (RowOutcome::Stored { .. }, RowOutcome::Stored { .. })),
            "row {n} stored twice: {pair:?}"
        );
        if mine[n].values == theirs[n].values && n < DAYS * 2 && n != 1_000 {
            assert!(
                matches!(
                    pair,
                    (RowOutcome::Stored { .. }, RowOutcome::Unchanged { .. })
                        | (RowOutcome::Unchanged { .. }, RowOutcome::Stored { .. })
                        | (RowOutcome::Unchanged { .. }, RowOutcome::Unchanged { .. })
                        | (RowOutcome::Refused(_), _)
                        | (_, RowOutcome::Refused(_))
                ),
                "row {n}: {pair:?}"
            );
        }
    }
    let db = m.world.services().db.tenant(&m.world.tenant);
    let found = subscriber_meters(&db, &m.subscriber).await.unwrap();
    for meter in &meters {
        let mut dates = std::collections::HashSet::new();
        for date in dates_with_consistent_advances(&found, meter) {
            assert!(dates.insert(date), "{date} twice");
        }
        // The second meter's rows are the same in both files: every day is stored.
        if *meter == meters[1] {
            assert_eq!(dates.len(), DAYS);
        }
    }
    assert_tails_match_history(&m, &found, &meters).await;
}

/// A subscriber read in the first slice, absent from the second and back in the third: its
/// partition is dropped once the first slice is stored (memory holds two slices' histories) and
/// read again from the store, where the first slice's reading must already be.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_back_after_a_slice_is_read_again_complete() {
    let m = Meters::new().await;
    two_meters(&m).await;
    let (other, _) = subscriber(&m.world, &m.world.tenant, "Вернувшийся").await;
    let linked = m
        .world
        .admin
        .send(
            Method::POST,
            &format!("/api/v1/subscribers/{other}/services"),
            json!({"service_id": m.water, "valid_from": "2023-01-01"}),
        )
        .await;
    assert_eq!(linked.status, StatusCode::CREATED, "{}", linked.text);
    let answer = m
        .create(json!({
            "subscriber_id": other, "service_id": m.water, "serial": "ДЛ-3",
            "kind": "cold_water", "installed_on": "2023-01-01", "initial": ["0"], "digits": 5,
        }))
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let returning = |line: u64, k: usize, value: i64| IntakeRow {
        line,
        meter: MeterRef::Serial("ДЛ-3".into()),
        date: day(k),
        values: vec![Decimal::from(value)],
    };
    // Row 0: the returning meter; rows 1 to 2,000: the two meters of the first subscriber;
    // then the returning meter again (third slice): a later day, and its first day with
    // another value.
    let mut rows = vec![returning(2, 0, 10)];
    rows.extend((0..2_000).map(|n| IntakeRow {
        line: n as u64 + 3,
        meter: MeterRef::Serial(format!("ДЛ-{}", n / 1_000 + 1)),
        date: day(n % 1_000),
        values: vec![value(n / 1_000, n % 1_000)],
    }));
    rows.push(returning(2_003, 1, 25));
    rows.push(returning(2_004, 0, 11));
    let outcomes = intake(&m, "job-back").await.run(&rows).await.unwrap();
    assert!(matches!(&outcomes[0], RowOutcome::Stored { .. }));
    assert!(
        matches!(&outcomes[2_001], RowOutcome::Stored { .. }),
        "{:?}",
        outcomes[2_001]
    );
    assert!(
        matches!(
            &outcomes[2_002],
            RowOutcome::Refused(Refusal::Rejected(Rejection::DuplicateDifferent { .. }))
        ),
        "{:?}",
        outcomes[2_002]
    );
    let db = m.world.services().db.tenant(&m.world.tenant);
    let found = subscriber_meters(&db, &other).await.unwrap();
    let advances: Vec<Vec<Decimal>> = found.readings.iter().map(|r| r.advance.clone()).collect();
    // The second day's advance is from the first day's 10, not from the initial 0.
    assert_eq!(
        advances,
        vec![vec![Decimal::from(10)], vec![Decimal::from(15)]]
    );
    assert!(
        outcomes[1..=2_000]
            .iter()
            .all(|o| matches!(o, RowOutcome::Stored { .. })),
        "the first subscriber's rows"
    );
}

/// A file's rows find their meter through its serial sentinel, which carries a copy of what
/// validation needs of the meter: every edit, removal or new serial rewrites it with the
/// record, so a file read afterwards is validated against the meter as it is now.
#[tokio::test]
async fn rows_are_validated_against_the_meter_as_edited_renamed_and_removed() {
    let m = Meters::new().await;
    let [id, _] = two_meters(&m).await;
    let row = |serial: &str, date: &str, value: u32| IntakeRow {
        line: 2,
        meter: MeterRef::Serial(serial.into()),
        date: date.parse().unwrap(),
        values: vec![Decimal::from(value)],
    };
    let one = |batch: &'static str, row: IntakeRow| {
        let m = &m;
        async move { intake(m, batch).await.run(&[row]).await.unwrap().remove(0) }
    };
    let edit = |body: serde_json::Value| {
        let (m, uri) = (&m, format!("/api/v1/meters/{id}"));
        async move {
            let answer = m.admin().send(Method::PATCH, &uri, body).await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        }
    };

    // What cannot change once the meter has readings: changed before its first one.
    edit(json!({"installed_on": "2023-06-01", "digits": 4})).await;
    let early = one("f1", row("ДЛ-1", "2023-03-01", 5)).await;
    assert!(
        matches!(
            early,
            RowOutcome::Refused(Refusal::Rejected(Rejection::BeforeInstallation { installed_on }))
                if installed_on == "2023-06-01".parse::<NaiveDate>().unwrap()
        ),
        "{early:?}"
    );
    let too_long = one("f2", row("ДЛ-1", "2023-07-01", 12_345)).await;
    assert!(
        matches!(
            too_long,
            RowOutcome::Refused(Refusal::Rejected(Rejection::TooManyDigits {
                digits: 4,
                ..
            }))
        ),
        "{too_long:?}"
    );
    assert!(matches!(
        one("f3", row("ДЛ-1", "2023-07-01", 5)).await,
        RowOutcome::Stored { .. }
    ));

    edit(json!({"serial": "ДЛ-1А"})).await;
    assert_eq!(
        one("f4", row("ДЛ-1", "2023-07-15", 6)).await,
        RowOutcome::Refused(Refusal::UnknownSerial)
    );
    assert!(matches!(
        one("f5", row("ДЛ-1А", "2023-07-15", 6)).await,
        RowOutcome::Stored { .. }
    ));

    let removed = m.remove(&id, json!({"on": "2023-08-01"})).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
    let late = one("f6", row("ДЛ-1А", "2023-09-01", 9)).await;
    assert!(
        matches!(
            late,
            RowOutcome::Refused(Refusal::Rejected(Rejection::MeterRemoved { .. }))
        ),
        "{late:?}"
    );
}
