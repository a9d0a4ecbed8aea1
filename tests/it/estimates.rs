//! Estimation of missing meter readings (Decree 354 p. 59-61): the average window, the limit
//! then the norm, expired verification, idempotent runs, supersession by a real reading, the
//! consumption billing reads, the job through the billing queue and tenant isolation (the demo
//! meters are tested in meters.rs).

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use crm_app::Services;
use crm_app::audit::Audit;
use crm_app::jobs::{BillingJob, Envelope, JobHandler};
use crm_app::keys::{self, Namespace};
use crm_app::meters::consumption::{Basis, consumption_for_period};
use crm_app::meters::estimates::supersession_writes;
use crm_app::meters::estimation::{self, MonthRun};
use crm_app::meters::records::{
    EstimateMethod, EstimateRecord, MeterRecord, MeterStatus, ReadingRecord, reading_body,
    subscriber_meters,
};
use crm_app::meters::tail::ReadingTail;
use crm_app::queue::QueueName;
use crm_app::store::{Condition, Item, Put, ScopedDb, Write};
use crm_domain::TenantId;
use crm_domain::meter::{MeterKind, ReadingSource};
use crm_domain::period::BillingMonth;
use http::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::json;

use crate::catalog::World;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn month(s: &str) -> BillingMonth {
    BillingMonth::parse(s).unwrap()
}

/// A metered service with a norm of 6.935 m³ per resident since 2024.
async fn water(world: &World) -> String {
    let service = world.service("ХВС", "metered").await;
    let answer = world
        .admin
        .send(
            Method::POST,
            &format!("/api/v1/services/{service}/tariffs"),
            json!({"valid_from": "2024-01-01", "rate": "52.30", "norm": "6.935"}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    service
}

/// A subscriber with `residents`, linked to `service` since 2024.
async fn subscriber(world: &World, tenant: &TenantId, service: &str, residents: u32) -> String {
    let services = world.services();
    let new = crm_app::subscribers::NewSubscriber {
        account_number: None,
        input: crm_domain::subscriber::SubscriberInput {
            surname: "Счётчиков".into(),
            name: "Иван".into(),
            city: "Тверь".into(),
            street: "Мира".into(),
            house: "1".into(),
            residents: residents.to_string(),
            ..Default::default()
        },
    };
    let created = crm_app::subscribers::create(services, tenant, &Audit::system("test"), &new)
        .await
        .expect("subscriber");
    let audit = Audit::system("test");
    let cx = crm_app::catalog::services::Context {
        audit: &audit,
        ids: services.ids.as_ref(),
        now: services.clock.now(),
    };
    crm_app::catalog::links::attach(
        &services.db.tenant(tenant),
        &cx,
        &created.id,
        service,
        &crm_app::catalog::links::LinkDraft {
            valid_from: Some("2024-01-01".into()),
            ..Default::default()
        },
    )
    .await
    .expect("link");
    created.id
}

fn meter(id: &str, subscriber: &str, service: &str, due: &str) -> MeterRecord {
    MeterRecord {
        id: id.into(),
        subscriber_id: subscriber.into(),
        service_id: service.into(),
        serial: format!("SN-{id}"),
        kind: MeterKind::ColdWater,
        installed_on: day("2024-12-10"),
        initial: vec![dec("0")],
        digits: 5,
        multiplier: Decimal::ONE,
        verification_due: Some(day(due)),
        seal: None,
        status: MeterStatus::Active,
        removed_on: None,
        replaced_by: None,
        replaces: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

fn reading(meter: &MeterRecord, date: &str, value: &str) -> ReadingRecord {
    ReadingRecord {
        meter_id: meter.id.clone(),
        date: day(date),
        values: vec![dec(value)],
        source: ReadingSource::Operator,
        version_no: 1,
        advance: vec![],
        flags: vec![],
        entered_by: "test".into(),
        entered_at: Utc::now(),
    }
}

fn reading_put(db: &ScopedDb, meter: &MeterRecord, record: &ReadingRecord) -> Write {
    Write::Put(Put {
        item: Item::new(
            keys::reading(db.namespace(), &meter.subscriber_id, &meter.id, record.date),
            reading_body(record),
        ),
        condition: Condition::None,
    })
}

/// Monthly advances 3, 4, 5, 6, 4, 5, 6 m³ read on the 20th, January to July 2025.
const JAN_TO_JUL: [(&str, &str); 7] = [
    ("2025-01-20", "3"),
    ("2025-02-20", "7"),
    ("2025-03-20", "12"),
    ("2025-04-20", "18"),
    ("2025-05-20", "22"),
    ("2025-06-20", "27"),
    ("2025-07-20", "33"),
];

/// The meter's reading tail over `readings` (what every reading write keeps).
fn tail_put(db: &ScopedDb, meter: &MeterRecord, readings: &[ReadingRecord]) -> Write {
    Write::Put(Put {
        item: ReadingTail::whole(readings).item(db.namespace(), &meter.id),
        condition: Condition::None,
    })
}

async fn install(db: &ScopedDb, meter: &MeterRecord, readings: &[(&str, &str)]) {
    let mut writes = vec![Write::Put(Put {
        item: meter.to_item(db.namespace()),
        condition: Condition::MustNotExist,
    })];
    for (date, value) in readings {
        writes.push(reading_put(db, meter, &reading(meter, date, value)));
    }
    let all: Vec<ReadingRecord> = readings
        .iter()
        .map(|(date, value)| reading(meter, date, value))
        .collect();
    writes.push(tail_put(db, meter, &all));
    db.transact(writes).await.expect("meter and readings");
}

async fn run(services: &Services, tenant: &TenantId, m: &str) -> MonthRun {
    estimation::run_month(services, tenant, month(m), &Audit::system("test"), None)
        .await
        .expect("estimation runs")
}

async fn estimates(db: &ScopedDb, subscriber: &str) -> Vec<(EstimateRecord, u64)> {
    subscriber_meters(db, subscriber).await.unwrap().estimates
}

fn only(found: &[(EstimateRecord, u64)], m: &str) -> EstimateRecord {
    found
        .iter()
        .find(|(e, _)| e.month == m)
        .unwrap_or_else(|| panic!("no estimate for {m}: {found:?}"))
        .0
        .clone()
}

#[tokio::test]
async fn average_of_the_window_for_m_periods_then_the_norm_and_reruns_change_nothing() {
    let world = World::new().await;
    let services = world.services();
    let db = services.db.tenant(&world.tenant);
    let service = water(&world).await;
    let sub = subscriber(&world, &world.tenant, &service, 2).await;
    let m = meter("m1", &sub, &service, "2030-12-31");
    install(&db, &m, &JAN_TO_JUL).await;

    // July has its reading: nothing to estimate.
    let july = run(services, &world.tenant, "2025-07").await;
    assert_eq!(july.counts.get("covered"), Some(&1), "{:?}", july.counts);
    assert!(estimates(&db, &sub).await.is_empty());

    for m in ["2025-08", "2025-09", "2025-10", "2025-11"] {
        run(services, &world.tenant, m).await;
    }
    let found = estimates(&db, &sub).await;
    // The last six months with readings (4, 5, 6, 4, 5, 6) average 5; January's 3 is outside.
    for m in ["2025-08", "2025-09", "2025-10"] {
        let e = only(&found, m);
        assert_eq!(
            (e.method, e.consumption),
            (EstimateMethod::Average, vec![dec("5")]),
            "{m}"
        );
    }
    // The fourth month without a reading: the norm, 6.935 m³ x 2 residents.
    let nov = only(&found, "2025-11");
    assert_eq!(
        (nov.method, nov.consumption),
        (EstimateMethod::Norm, vec![dec("13.870")])
    );

    // Running a month again writes nothing: same items, same versions, no new audit records.
    let audits = world.history("subscriber", &sub).await.len();
    let again = run(services, &world.tenant, "2025-08").await;
    assert_eq!(
        again.counts.get("unchanged"),
        Some(&1),
        "{:?}",
        again.counts
    );
    assert_eq!(estimates(&db, &sub).await, found);
    assert!(found.iter().all(|(_, version)| *version == 1));
    assert_eq!(world.history("subscriber", &sub).await.len(), audits);
    let records = world.history("subscriber", &sub).await;
    assert!(records.iter().any(|r| r.action == estimation::AUDIT_ACTION));
}

#[tokio::test]
async fn the_tenant_settings_choose_the_window_and_the_limit() {
    let world = World::new().await;
    let services = world.services();
    let db = services.db.tenant(&world.tenant);
    let service = water(&world).await;
    let sub = subscriber(&world, &world.tenant, &service, 1).await;
    install(&db, &meter("m1", &sub, &service, "2030-12-31"), &JAN_TO_JUL).await;
    let refused = world
        .admin
        .send(
            Method::PUT,
            "/api/v1/settings/meter_estimation",
            json!({"average_months": 0, "max_average_periods": 1}),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert!(refused.field_message("average_months").is_some());
    let saved = world
        .admin
        .send(
            Method::PUT,
            "/api/v1/settings/meter_estimation",
            json!({"average_months": 2, "max_average_periods": 1}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    let changes = world.history("settings", "meter_estimation").await;
    assert_eq!(changes.len(), 1, "the change is audited");

    run(services, &world.tenant, "2025-08").await;
    run(services, &world.tenant, "2025-09").await;
    let found = estimates(&db, &sub).await;
    // Two months (5, 6) average 5.5; one period by the average, then the norm (one resident).
    assert_eq!(only(&found, "2025-08").consumption, [dec("5.5")]);
    let sep = only(&found, "2025-09");
    assert_eq!(
        (sep.method, sep.consumption),
        (EstimateMethod::Norm, vec![dec("6.935")])
    );
}

#[tokio::test]
async fn a_meter_past_its_verification_counts_as_absent() {
    let world = World::new().await;
    let services = world.services();
    let db = services.db.tenant(&world.tenant);
    let service = water(&world).await;
    let sub = subscriber(&world, &world.tenant, &service, 3).await;
    // Due 31 May: the June and July readings are not trusted.
    let m = meter("old", &sub, &service, "2025-05-31");
    install(&db, &m, &JAN_TO_JUL).await;

    let june = run(services, &world.tenant, "2025-06").await;
    assert_eq!(june.counts.get("average"), Some(&1), "{:?}", june.counts);
    for m in ["2025-07", "2025-08", "2025-09"] {
        run(services, &world.tenant, m).await;
    }
    let found = estimates(&db, &sub).await;
    // January to May: 3, 4, 5, 6, 4 -> 4.4.
    assert_eq!(only(&found, "2025-06").consumption, [dec("4.4")]);
    assert_eq!(only(&found, "2025-08").method, EstimateMethod::Average);
    let sep = only(&found, "2025-09");
    assert_eq!(
        (sep.method, sep.consumption),
        (EstimateMethod::Norm, vec![dec("20.805")])
    );
    // Billing sees the estimate, not the untrusted July reading.
    let july = consumption_for_period(&db, &sub, "old", month("2025-07"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        july.basis,
        Basis::Estimated {
            method: EstimateMethod::Average,
            consumption: vec![dec("4.4")]
        }
    );
    // And a reading of an expired meter supersedes nothing.
    let late = reading(&m, "2025-09-25", "40");
    let history: Vec<ReadingRecord> = subscriber_meters(&db, &sub).await.unwrap().readings;
    let writes = supersession_writes(&db, &m, &history, &late, Utc::now())
        .await
        .unwrap();
    assert!(writes.is_empty());
}

#[tokio::test]
async fn a_real_reading_supersedes_the_estimates_and_records_the_difference() {
    let world = World::new().await;
    let services = world.services();
    let db = services.db.tenant(&world.tenant);
    let service = water(&world).await;
    let sub = subscriber(&world, &world.tenant, &service, 2).await;
    let m = meter("m1", &sub, &service, "2030-12-31");
    install(&db, &m, &JAN_TO_JUL).await;
    for month in ["2025-08", "2025-09", "2025-10"] {
        run(services, &world.tenant, month).await;
    }
    // Before: billing reads the estimate; no reading yet.
    let sep = consumption_for_period(&db, &sub, "m1", month("2025-09"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        sep.basis,
        Basis::Estimated {
            method: EstimateMethod::Average,
            consumption: vec![dec("5")]
        }
    );

    // 18 m³ over 20 July .. 20 October (92 days) against 3 x 5 estimated.
    let history: Vec<ReadingRecord> = subscriber_meters(&db, &sub).await.unwrap().readings;
    let new = reading(&m, "2025-10-20", "51");
    let now = Utc::now();
    let writes = supersession_writes(&db, &m, &history, &new, now)
        .await
        .unwrap();
    assert_eq!(writes.len(), 3, "August, September and October");
    let mut all = writes.clone();
    all.push(reading_put(&db, &m, &new));
    all.push(tail_put(
        &db,
        &m,
        &[history.clone(), vec![new.clone()]].concat(),
    ));
    db.transact(all)
        .await
        .expect("reading with its supersessions");

    let found = estimates(&db, &sub).await;
    let differences: Vec<Decimal> = found
        .iter()
        .map(|(e, _)| e.superseded.as_ref().expect("superseded").difference[0])
        .collect();
    // Each month's share of the days less its estimate; together: real minus estimated.
    assert_eq!(differences.iter().sum::<Decimal>(), dec("3"));
    assert_eq!(
        only(&found, "2025-08").superseded.unwrap().difference,
        [dec("1.065217")]
    );
    assert!(
        found
            .iter()
            .all(|(e, v)| *v == 2
                && e.superseded.as_ref().unwrap().by_reading_on == day("2025-10-20"))
    );

    // Written on the estimates' versions: replaying the same writes fails and changes nothing.
    assert!(db.transact(writes).await.is_err());
    // A second look finds nothing left to supersede.
    let history: Vec<ReadingRecord> = subscriber_meters(&db, &sub).await.unwrap().readings;
    assert!(
        supersession_writes(&db, &m, &history, &new, now)
            .await
            .unwrap()
            .is_empty()
    );

    // Billing: August keeps its estimate (charged already) and shows the real share.
    let aug = consumption_for_period(&db, &sub, "m1", month("2025-08"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        aug.basis,
        Basis::Superseded {
            method: EstimateMethod::Average,
            consumption: vec![dec("5")],
            real: vec![dec("6.065217")]
        }
    );
    // The corrections land in the month the reading arrived (now), once.
    let current = BillingMonth::of(crm_app::catalog::today(now));
    let this_month = consumption_for_period(&db, &sub, "m1", current)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(this_month.basis, Basis::Missing);
    assert_eq!(this_month.corrections.len(), 3);
    let corrected: Decimal = this_month.corrections.iter().map(|c| c.difference[0]).sum();
    assert_eq!(corrected, dec("3"));
    assert!(aug.corrections.is_empty());

    // A month with a real reading and no estimate: its own advance.
    let july = consumption_for_period(&db, &sub, "m1", month("2025-07"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        july.basis,
        Basis::Real {
            consumption: vec![dec("6")]
        }
    );
    // Not estimated, no reading: nothing; an unknown meter: none.
    let dec_2025 = consumption_for_period(&db, &sub, "m1", month("2025-12"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dec_2025.basis, Basis::Missing);
    assert!(
        consumption_for_period(&db, &sub, "nope", month("2025-07"))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn after_a_gap_the_reading_month_is_charged_only_its_own_share() {
    let world = World::new().await;
    let services = world.services();
    let db = services.db.tenant(&world.tenant);
    let service = water(&world).await;
    let sub = subscriber(&world, &world.tenant, &service, 2).await;
    let m = meter("m1", &sub, &service, "2030-12-31");
    install(&db, &m, &JAN_TO_JUL).await;
    run(services, &world.tenant, "2025-08").await;
    // A month before a reading that arrived already is covered by it, not estimated.
    let june = reading(&m, "2025-06-20", "27");
    db.delete(crm_app::store::Delete {
        key: keys::reading(db.namespace(), &sub, "m1", june.date),
        condition: Condition::MustExist,
    })
    .await
    .unwrap();
    let covered = run(services, &world.tenant, "2025-06").await;
    assert_eq!(
        covered.counts.get("covered"),
        Some(&1),
        "{:?}",
        covered.counts
    );
    // The September reading covers August (estimated) and September (not estimated).
    let history: Vec<ReadingRecord> = subscriber_meters(&db, &sub).await.unwrap().readings;
    let new = reading(&m, "2025-09-20", "45");
    let mut writes = supersession_writes(&db, &m, &history, &new, Utc::now())
        .await
        .unwrap();
    assert_eq!(writes.len(), 1);
    writes.push(reading_put(&db, &m, &new));
    writes.push(tail_put(
        &db,
        &m,
        &[history.clone(), vec![new.clone()]].concat(),
    ));
    db.transact(writes).await.unwrap();
    let aug = only(&estimates(&db, &sub).await, "2025-08");
    let real_august = dec("5") + aug.superseded.unwrap().difference[0];
    let sep = consumption_for_period(&db, &sub, "m1", month("2025-09"))
        .await
        .unwrap()
        .unwrap();
    let Basis::Real { consumption } = sep.basis else {
        panic!("{:?}", sep.basis)
    };
    // 12 m³ in all: August's real share plus September's own.
    assert_eq!(consumption[0] + real_august, dec("12"));
}

/// The one message waiting on the billing queue.
async fn take(world: &World) -> Envelope<BillingJob> {
    let deliveries = world
        .services()
        .queue
        .receive(QueueName::Billing, 10, Duration::from_secs(60))
        .await
        .expect("receive");
    assert_eq!(deliveries.len(), 1, "one job message");
    serde_json::from_str(&deliveries[0].body).expect("a billing job")
}

#[tokio::test]
async fn the_job_runs_through_the_billing_queue_and_a_redelivery_changes_nothing() {
    let world = World::new().await;
    let services = world.services();
    let db = services.db.tenant(&world.tenant);
    let service = water(&world).await;
    let mut subscribers = Vec::new();
    for n in 0..3 {
        let sub = subscriber(&world, &world.tenant, &service, 2).await;
        install(
            &db,
            &meter(&format!("m{n}"), &sub, &service, "2030-12-31"),
            &JAN_TO_JUL,
        )
        .await;
        subscribers.push(sub);
    }
    // One subscriber without a meter: billing charges the norm directly (p. 42).
    let without = subscriber(&world, &world.tenant, &service, 1).await;

    let started = world
        .admin
        .send(
            Method::POST,
            "/api/v1/meters/estimates/run",
            json!({"month": "2025-08"}),
        )
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text);
    let job_id = started.json()["id"].as_str().unwrap().to_owned();
    let bad = world
        .admin
        .send(
            Method::POST,
            "/api/v1/meters/estimates/run",
            json!({"month": "2025-13"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert!(bad.field_message("month").is_some());

    let envelope = take(&world).await;
    let handler = billing::Handler::new(services.clone());
    handler.handle(envelope.clone()).await.expect("handled");
    let status = world
        .admin
        .get(&format!("/api/v1/meters/estimates/jobs/{job_id}"))
        .await
        .json();
    assert_eq!(status["state"], "done", "{status}");
    assert_eq!(status["counts"]["average"], 3, "{status}");
    assert_eq!(status["counts"]["no_meter"], 1, "{status}");
    let before: Vec<_> = futures_estimates(&db, &subscribers).await;
    let audits = world.history("subscriber", &subscribers[0]).await.len();

    // The same message again (a redelivery): nothing changes.
    handler.handle(envelope).await.expect("handled again");
    assert_eq!(futures_estimates(&db, &subscribers).await, before);
    assert_eq!(
        world.history("subscriber", &subscribers[0]).await.len(),
        audits
    );
    assert!(estimates(&db, &without).await.is_empty());

    // The month's listing: API and page.
    let listed = world
        .admin
        .get("/api/v1/meters/estimates?month=2025-08")
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let items = listed.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    assert!(
        items
            .iter()
            .all(|i| i["method"] == "average" && i["consumption"][0] == "5")
    );
    let page = world.admin.get("/meters/estimates?month=2025-08").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("По среднему"), "{}", page.text);
    assert!(page.text.contains("SN-m0"));
    // The run button posts the session's token in the field the guard reads.
    assert!(page.text.contains(r#"<input type="hidden" name="_csrf""#));
}

async fn futures_estimates(db: &ScopedDb, subscribers: &[String]) -> Vec<(EstimateRecord, u64)> {
    let mut all = Vec::new();
    for sub in subscribers {
        all.extend(estimates(db, sub).await);
    }
    all
}

#[tokio::test]
async fn another_tenants_meters_are_never_estimated_or_read() {
    let world = World::new().await;
    let services = world.services();
    let other = crate::support::tenants::create_tenant(services, "other").await;
    let other_admin = world.user(&other, "administrator").await;
    let service = water(&world).await;
    let sub = subscriber(&world, &world.tenant, &service, 2).await;
    let db = services.db.tenant(&world.tenant);
    install(&db, &meter("m1", &sub, &service, "2030-12-31"), &JAN_TO_JUL).await;

    // The other tenant's run finds nothing of ours.
    let theirs = run(services, &other, "2025-08").await;
    assert_eq!(theirs.counts.get("links"), None, "{:?}", theirs.counts);
    assert!(estimates(&db, &sub).await.is_empty());
    run(services, &world.tenant, "2025-08").await;
    assert_eq!(estimates(&db, &sub).await.len(), 1);
    // Their handle cannot read ours.
    let their_db = services.db.tenant(&other);
    assert!(
        consumption_for_period(&their_db, &sub, "m1", month("2025-08"))
            .await
            .unwrap()
            .is_none()
    );
    let listed = other_admin
        .get("/api/v1/meters/estimates?month=2025-08")
        .await
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 0);
    // Their key space does not reach ours.
    assert_ne!(
        keys::estimate(&Namespace::tenant(&other), &sub, "m1", "2025-08"),
        keys::estimate(&Namespace::tenant(&world.tenant), &sub, "m1", "2025-08")
    );
}

#[tokio::test]
async fn a_reading_imported_in_a_batch_supersedes_the_estimates_too() {
    use crm_app::meters::intake::{Intake, IntakeRow, MeterRef, RowOutcome};
    let world = World::new().await;
    let services = world.services();
    let db = services.db.tenant(&world.tenant);
    let service = water(&world).await;
    let sub = subscriber(&world, &world.tenant, &service, 2).await;
    let m = meter("m1", &sub, &service, "2030-12-31");
    install(&db, &m, &JAN_TO_JUL).await;
    // The serial sentinel, as the registry writes it: how a file's row finds the meter.
    let mut sentinel = crm_app::store::Body::new();
    sentinel.insert("meter_id".into(), json!("m1"));
    sentinel.insert("subscriber_id".into(), json!(sub));
    db.put(Put {
        item: Item::new(keys::meter_serial(db.namespace(), &m.serial), sentinel),
        condition: Condition::MustNotExist,
    })
    .await
    .unwrap();
    for month in ["2025-08", "2025-09", "2025-10"] {
        run(services, &world.tenant, month).await;
    }

    let intake = Intake::new(
        services,
        &world.tenant,
        &Audit::system("test"),
        ReadingSource::Import,
        "file-1",
    )
    .await
    .unwrap();
    let row = IntakeRow {
        line: 2,
        meter: MeterRef::Serial(m.serial.clone()),
        date: day("2025-10-20"),
        values: vec![dec("51")],
    };
    let outcomes = intake.run(std::slice::from_ref(&row)).await.unwrap();
    assert!(
        matches!(outcomes[0], RowOutcome::Stored { .. }),
        "{outcomes:?}"
    );
    // The same three months as when the reading is typed in, with the same differences.
    let found = estimates(&db, &sub).await;
    assert_eq!(found.len(), 3);
    let differences: Vec<Decimal> = found
        .iter()
        .map(|(e, _)| e.superseded.as_ref().expect("superseded").difference[0])
        .collect();
    assert_eq!(differences.iter().sum::<Decimal>(), dec("3"));

    // The same file again changes nothing.
    let again = intake.run(std::slice::from_ref(&row)).await.unwrap();
    assert!(
        matches!(again[0], RowOutcome::Unchanged { .. }),
        "{again:?}"
    );
    assert_eq!(estimates(&db, &sub).await, found);
}
