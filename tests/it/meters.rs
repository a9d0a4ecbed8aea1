//! Meters and readings end to end: the registry through the API (serial uniqueness, edits,
//! removal), validation reasons through the API and the form, corrections keeping versions,
//! duplicates, replacement splitting consumption, verification lists, tenant thresholds,
//! the batch intake imports use, access by role and tenant isolation.

use chrono::{Duration, NaiveDate};
use crm_app::audit::Audit;
use crm_app::meters::intake::{Intake, IntakeRow, MeterRef, Refusal, RowOutcome};
use crm_domain::TenantId;
use crm_domain::meter::{ReadingSource, Rejection};
use http::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::catalog::{Answer, Client, World};

/// A world with one real subscriber linked to a metered water service and a two-zone
/// electricity service.
pub(crate) struct Meters {
    pub(crate) world: World,
    pub(crate) subscriber: String,
    account: String,
    pub(crate) water: String,
    power: String,
}

pub(crate) async fn subscriber(
    world: &World,
    tenant: &TenantId,
    surname: &str,
) -> (String, String) {
    let created = crm_app::subscribers::create(
        world.services(),
        tenant,
        &Audit::system("test"),
        &crm_app::subscribers::NewSubscriber {
            account_number: None,
            input: crm_domain::subscriber::SubscriberInput {
                surname: surname.into(),
                name: "Иван".into(),
                city: "Тверь".into(),
                street: "Мира".into(),
                house: "1".into(),
                flat: "1".into(),
                ..Default::default()
            },
        },
    )
    .await
    .expect("subscriber");
    (created.id, created.account_number.to_string())
}

impl Meters {
    pub(crate) async fn new() -> Meters {
        Self::with_tenant("acme").await
    }

    async fn with_tenant(id: &str) -> Meters {
        let world = World::with_tenant(id).await;
        let (subscriber, account) = subscriber(&world, &world.tenant, "Счётчиков").await;
        let water = world.service("ХВС", "metered").await;
        let power = world.service("ЭЛ2", "two_zone").await;
        for service in [&water, &power] {
            let linked = world
                .admin
                .send(
                    Method::POST,
                    &format!("/api/v1/subscribers/{subscriber}/services"),
                    json!({"service_id": service, "valid_from": "2025-01-01"}),
                )
                .await;
            assert_eq!(linked.status, StatusCode::CREATED, "{}", linked.text);
        }
        Meters {
            world,
            subscriber,
            account,
            water,
            power,
        }
    }

    pub(crate) fn admin(&self) -> &Client {
        &self.world.admin
    }

    pub(crate) async fn create(&self, body: Value) -> Answer {
        self.admin()
            .send(Method::POST, "/api/v1/meters", body)
            .await
    }

    /// A cold-water meter installed on 2026-01-10 at `initial`, 5 digits.
    async fn water_meter(&self, serial: &str, initial: &str) -> String {
        let answer = self
            .create(json!({
                "subscriber_id": self.subscriber, "service_id": self.water, "serial": serial,
                "kind": "cold_water", "installed_on": "2026-01-10", "initial": [initial],
                "digits": 5, "verification_due": "2031-01-10",
            }))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        answer.json()["id"].as_str().unwrap().to_owned()
    }

    /// Removes `meter` with `body` (`{"on": ...}` or `{}` for today).
    pub(crate) async fn remove(&self, meter: &str, body: Value) -> Answer {
        self.admin()
            .send(
                Method::POST,
                &format!("/api/v1/meters/{meter}/remove"),
                body,
            )
            .await
    }

    async fn reading(&self, meter: &str, date: &str, values: Value) -> Answer {
        self.admin()
            .send(
                Method::POST,
                &format!("/api/v1/meters/{meter}/readings"),
                json!({"date": date, "values": values}),
            )
            .await
    }
}

fn codes(reading: &Value) -> Vec<String> {
    reading["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn registry_create_edit_remove_and_serial_uniqueness() {
    let m = Meters::new().await;
    let id = m.water_meter("ХВ-001", "12,5").await;
    let got = m.admin().get(&format!("/api/v1/meters/{id}")).await.json();
    assert_eq!(got["serial"], "ХВ-001");
    assert_eq!(got["initial"], json!(["12.5"]));
    assert_eq!(got["status"], "active");

    // The serial is unique per tenant.
    let again = m
        .create(
            json!({"subscriber_id": m.subscriber, "service_id": m.water, "serial": "ХВ-001",
            "kind": "cold_water", "installed_on": "2026-01-10"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert_eq!(again.json()["code"], "serial_taken");

    // Field-level reasons: a service not linked, a kind not matching the service's zones.
    let other = m.world.service("ГВС", "metered").await;
    let bad = m
        .create(
            json!({"subscriber_id": m.subscriber, "service_id": other, "serial": "X-1",
            "kind": "electricity_two_zone", "installed_on": "2026-01-10", "digits": 12}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert_eq!(
        bad.field_message("service_id").as_deref(),
        Some("Эта услуга не подключена абоненту")
    );
    assert_eq!(
        bad.field_message("digits").as_deref(),
        Some("Разрядность табло — от 4 до 9 цифр")
    );
    let zones = m
        .create(
            json!({"subscriber_id": m.subscriber, "service_id": m.power, "serial": "X-2",
            "kind": "electricity", "installed_on": "2026-01-10"}),
        )
        .await;
    assert_eq!(
        zones.field_message("kind").as_deref(),
        Some("Для этой услуги нужен счётчик с 2 зон.")
    );

    // Edit: a new serial frees the old one; kind cannot change once readings exist.
    let patched = m
        .admin()
        .send(
            Method::PATCH,
            &format!("/api/v1/meters/{id}"),
            json!({"serial": "ХВ-001А", "seal": "П-77", "version": 1}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
    assert_eq!(patched.json()["seal"], "П-77");
    let freed = m
        .create(
            json!({"subscriber_id": m.subscriber, "service_id": m.water, "serial": "ХВ-001",
            "kind": "hot_water", "installed_on": "2026-01-10"}),
        )
        .await;
    assert_eq!(freed.status, StatusCode::CREATED, "{}", freed.text);
    assert_eq!(
        m.reading(&id, "2026-02-20", json!(["20"])).await.status,
        StatusCode::CREATED
    );
    let kind = m
        .admin()
        .send(
            Method::PATCH,
            &format!("/api/v1/meters/{id}"),
            json!({"kind": "hot_water"}),
        )
        .await;
    assert_eq!(kind.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(kind.json()["errors"][0]["field"], "kind");

    // Removal keeps the meter and its readings; nothing is accepted after the day.
    let removed = m.remove(&id, json!({"on": "2026-03-01"})).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
    assert_eq!(removed.json()["status"], "removed");
    let after = m.reading(&id, "2026-03-20", json!(["30"])).await;
    assert_eq!(after.json()["code"], "reading_meter_removed");
    assert_eq!(
        m.admin()
            .get(&format!("/api/v1/meters/{id}/readings"))
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let removed_list = m.admin().get("/api/v1/meters?status=removed").await.json();
    assert_eq!(removed_list["items"][0]["id"], id.as_str());
    let subscriber_meters = m
        .admin()
        .get(&format!("/api/v1/subscribers/{}/meters", m.subscriber))
        .await
        .json();
    assert_eq!(subscriber_meters["items"].as_array().unwrap().len(), 2);

    // Every change is on the meter's timeline.
    let actions: Vec<String> = m
        .world
        .history("meter", &id)
        .await
        .iter()
        .map(|r| r.action.clone())
        .collect();
    assert_eq!(
        actions,
        [
            "meter.remove",
            "reading.create",
            "meter.update",
            "meter.create"
        ]
    );
}

#[tokio::test]
async fn every_rejection_has_its_typed_reason_and_flags_are_stored() {
    let m = Meters::new().await;
    let id = m.water_meter("ХВ-100", "99990").await;
    // A rollover across the 5-digit dial: 99,990 -> 3 is 13 m³.
    let first = m.reading(&id, "2026-02-20", json!(["3"])).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(first.json()["outcome"], "stored");
    assert_eq!(
        m.reading(&id, "2026-03-20", json!([10])).await.status,
        StatusCode::CREATED
    );

    let today = chrono::Utc::now().date_naive();
    let future = (today + Duration::days(10)).to_string();
    let cases = [
        (
            "2026-04-20",
            json!(["9"]),
            "reading_decreasing",
            "values[0]",
            "Значение 1: 9 меньше предыдущего показания 10 и не похоже на переход через ноль",
        ),
        (
            future.as_str(),
            json!(["20"]),
            "reading_in_future",
            "date",
            "Дата показания ещё не наступила",
        ),
        (
            "2026-01-01",
            json!(["1"]),
            "reading_before_installation",
            "date",
            "Дата показания раньше установки счётчика (10.01.2026)",
        ),
        (
            "2026-03-20",
            json!(["11"]),
            "reading_duplicate_different",
            "date",
            "На эту дату уже есть другое показание (10); исправьте его, а не вводите новое",
        ),
        (
            "2026-03-01",
            json!(["12"]),
            "reading_conflicts_with_later",
            "values[0]",
            "Значение 1: больше более позднего показания 10 от 20.03.2026",
        ),
        (
            "2026-04-20",
            json!(["100000"]),
            "reading_too_many_digits",
            "values[0]",
            "Значение 1: не помещается на табло счётчика (5 цифр до запятой)",
        ),
    ];
    for (date, values, code, field, message) in cases {
        let answer = m.reading(&id, date, values).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{date}: {}",
            answer.text
        );
        let problem = answer.json();
        assert_eq!(problem["code"], code);
        assert_eq!(
            answer.field_message(field).as_deref(),
            Some(message),
            "{code}"
        );
    }
    // English on request.
    let english = m
        .admin()
        .english()
        .send(
            Method::POST,
            &format!("/api/v1/meters/{id}/readings"),
            json!({"date": "2026-04-20", "values": ["9"]}),
        )
        .await;
    assert_eq!(
        english.field_message("values[0]").as_deref(),
        Some("value 1: 9 is below the previous reading 10 and is not a rollover")
    );
    // Wrong zone count and text in numbers: field errors before validation.
    let zones = m.reading(&id, "2026-04-20", json!(["1", "2"])).await;
    assert_eq!(zones.json()["errors"][0]["field"], "values[0]");
    let text = m.reading(&id, "2026-04-20", json!(["много"])).await;
    assert_eq!(
        text.field_message("values[0]").as_deref(),
        Some("Введите число, например 123,45")
    );

    // An equal duplicate is idempotent.
    let same = m.reading(&id, "2026-03-20", json!(["10.000"])).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.text);
    assert_eq!(same.json()["outcome"], "unchanged");

    // Accepted but flagged: 60 m³ in a month is above the cold-water cap of 40 m³ and far
    // above the average; the 28th is outside the default window (15th to 25th).
    let flagged = m.reading(&id, "2026-04-28", json!(["70"])).await;
    assert_eq!(flagged.status, StatusCode::CREATED, "{}", flagged.text);
    let flags = codes(&flagged.json()["reading"]);
    assert!(flags.contains(&"reading_above_cap".to_owned()), "{flags:?}");
    assert!(
        flags.contains(&"reading_outside_window".to_owned()),
        "{flags:?}"
    );
    assert!(
        flagged.json()["reading"]["flags"][0]["message"]
            .as_str()
            .unwrap()
            .contains("выше предела 40")
    );

    // History: newest first, consumption per period (the rollover counts 13).
    let history = m
        .admin()
        .get(&format!("/api/v1/meters/{id}/readings"))
        .await
        .json();
    let consumption: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["consumption"][0].as_str().unwrap())
        .collect();
    assert_eq!(consumption, ["60", "7", "13"]);
    assert_eq!(history["items"][2]["since"], "2026-01-10");

    // Expired verification is flagged.
    let expired = m
        .create(
            json!({"subscriber_id": m.subscriber, "service_id": m.water, "serial": "ХВ-OLD",
            "kind": "cold_water", "installed_on": "2020-01-10", "verification_due": "2026-01-31"}),
        )
        .await;
    let expired = expired.json()["id"].as_str().unwrap().to_owned();
    let late = m.reading(&expired, "2026-02-20", json!(["5"])).await;
    assert_eq!(
        codes(&late.json()["reading"]),
        ["reading_verification_expired"]
    );
}

#[tokio::test]
async fn corrections_keep_every_version_and_are_audited() {
    let m = Meters::new().await;
    let id = m.water_meter("ХВ-200", "0").await;
    m.reading(&id, "2026-02-20", json!(["10"])).await;
    m.reading(&id, "2026-03-20", json!(["20"])).await;
    let uri = format!("/api/v1/meters/{id}/readings/2026-02-20");
    let corrected = m
        .admin()
        .send(
            Method::PUT,
            &uri,
            json!({"values": ["12"], "version_no": 1, "comment": "опечатка"}),
        )
        .await;
    assert_eq!(corrected.status, StatusCode::CREATED, "{}", corrected.text);
    assert_eq!(corrected.json()["reading"]["version_no"], 2);
    // A stale version is refused; a correction breaking the sequence is refused with its reason.
    let stale = m
        .admin()
        .send(
            Method::PUT,
            &uri,
            json!({"values": ["13"], "version_no": 1}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let breaking = m
        .admin()
        .send(Method::PUT, &uri, json!({"values": ["25"]}))
        .await;
    assert_eq!(breaking.json()["code"], "reading_conflicts_with_later");
    let versions = m.admin().get(&format!("{uri}/versions")).await.json();
    assert_eq!(versions["items"].as_array().unwrap().len(), 1);
    assert_eq!(versions["items"][0]["values"], json!(["10"]));
    assert_eq!(versions["items"][0]["version_no"], 1);
    let history = m
        .admin()
        .get(&format!("/api/v1/meters/{id}/readings"))
        .await
        .json();
    assert_eq!(history["items"][1]["values"], json!(["12"]));
    assert_eq!(history["items"][0]["consumption"], json!(["8"]));
    let record = m.world.history("meter", &id).await.remove(0);
    assert_eq!(record.action, "reading.correct");
    let change = &record.changes[0];
    assert_eq!(change.field, "readings.2026-02-20.values");
    assert_eq!(
        (change.old.clone(), change.new.clone()),
        (Some(json!(["10"])), Some(json!(["12"]))),
        "{:?}",
        record.changes
    );
}

#[tokio::test]
async fn replacement_splits_the_period_between_the_meters() {
    let m = Meters::new().await;
    let old = m.water_meter("ХВ-300", "100").await;
    m.reading(&old, "2026-02-20", json!(["110"])).await;
    let replaced = m
        .admin()
        .send(
            Method::POST,
            &format!("/api/v1/meters/{old}/replace"),
            json!({"on": "2026-03-10", "final_values": ["114"],
                   "new_meter": {"serial": "ХВ-301", "initial": ["0.5"], "verification_due": "2032-03-10"}}),
        )
        .await;
    assert_eq!(replaced.status, StatusCode::CREATED, "{}", replaced.text);
    let answer = replaced.json();
    let new = answer["new"]["id"].as_str().unwrap().to_owned();
    assert_eq!(answer["old"]["status"], "removed");
    assert_eq!(answer["old"]["replaced_by"], new.as_str());
    assert_eq!(answer["new"]["replaces"], old.as_str());
    assert_eq!(answer["new"]["installed_on"], "2026-03-10");
    assert_eq!(answer["new"]["service_id"], m.water.as_str());
    m.reading(&new, "2026-03-20", json!(["3.5"])).await;

    // March: 4 m³ on the old meter up to the 10th, 3 m³ on the new one after it.
    let month = |answer: &Value, wanted: &str| -> String {
        answer["months"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["month"] == wanted)
            .map(|m| m["consumption"][0].as_str().unwrap().to_owned())
            .unwrap()
    };
    let old_months = m
        .admin()
        .get(&format!("/api/v1/meters/{old}/consumption?months=24"))
        .await
        .json();
    let new_months = m
        .admin()
        .get(&format!("/api/v1/meters/{new}/consumption?months=24"))
        .await
        .json();
    assert_eq!(month(&old_months, "2026-02"), "10");
    assert_eq!(month(&old_months, "2026-03"), "4");
    assert_eq!(month(&new_months, "2026-03"), "3");
    assert_eq!(month(&new_months, "2026-02"), "0");
    // The old meter takes nothing after the replacement; a bad final reading names its field.
    let late = m.reading(&old, "2026-03-20", json!(["120"])).await;
    assert_eq!(late.json()["code"], "reading_meter_removed");
    let again = m
        .admin()
        .send(
            Method::POST,
            &format!("/api/v1/meters/{new}/replace"),
            json!({"on": "2026-03-25", "final_values": ["1"], "new_meter": {"serial": "ХВ-302"}}),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again
            .field_message("final_0")
            .unwrap()
            .contains("меньше предыдущего")
    );
}

#[tokio::test]
async fn verification_lists_by_due_date() {
    let m = Meters::new().await;
    let today = chrono::Utc::now().date_naive();
    let make = |serial: &'static str, due: NaiveDate| {
        json!({"subscriber_id": m.subscriber, "service_id": m.water, "serial": serial,
            "kind": "cold_water", "installed_on": "2020-01-10", "verification_due": due.to_string()})
    };
    for (serial, days) in [("EXP", -40), ("SOON", 10), ("LATER", 60), ("FAR", 900)] {
        let answer = m.create(make(serial, today + Duration::days(days))).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    }
    let serials = |answer: Value| -> Vec<String> {
        answer["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["serial"].as_str().unwrap().to_owned())
            .collect()
    };
    let expired = m
        .admin()
        .get("/api/v1/meters/verification-due?expired=true")
        .await
        .json();
    assert_eq!(serials(expired), ["EXP"]);
    let within = m
        .admin()
        .get("/api/v1/meters/verification-due?days=30")
        .await
        .json();
    assert_eq!(serials(within), ["EXP", "SOON"]);
    let within = m
        .admin()
        .get("/api/v1/meters/verification-due?days=90")
        .await
        .json();
    assert_eq!(serials(within), ["EXP", "SOON", "LATER"]);
    // A removed meter leaves the list.
    let soon = m.admin().get("/api/v1/meters").await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["serial"] == "SOON")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    m.remove(&soon, json!({})).await;
    let within = m
        .admin()
        .get("/api/v1/meters/verification-due?days=30")
        .await
        .json();
    assert_eq!(serials(within), ["EXP"]);
    // The page lists them too.
    let page = m.admin().get("/meters?due=expired").await;
    assert!(
        page.text.contains("EXP") && !page.text.contains("LATER"),
        "{}",
        page.text
    );
}

#[tokio::test]
async fn thresholds_are_tenant_settings() {
    let m = Meters::new().await;
    let id = m.water_meter("ХВ-400", "0").await;
    m.reading(&id, "2026-02-20", json!(["6"])).await;
    // 6 m³ a month is fine under the default cap of 40 m³...
    assert!(codes(&m.reading(&id, "2026-03-20", json!(["12"])).await.json()["reading"]).is_empty());
    // ...but not under the tenant's cap of 5, with a window of the 1st to the 31st.
    let saved = m
        .admin()
        .send(
            Method::PUT,
            "/api/v1/settings/meter_validation",
            json!({"average_factor": "3", "average_months": 6, "cap_cold_water": "5"}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert_eq!(
        saved.json()["meter_validation"]["caps"]["cap_cold_water"],
        "5"
    );
    let window = m
        .admin()
        .send(
            Method::PUT,
            "/api/v1/settings/meter_readings",
            json!({"from_day": 1, "to_day": 31}),
        )
        .await;
    assert_eq!(window.status, StatusCode::OK);
    let flagged = m.reading(&id, "2026-04-20", json!(["18"])).await;
    assert_eq!(codes(&flagged.json()["reading"]), ["reading_above_cap"]);
    let bad = m
        .admin()
        .send(
            Method::PUT,
            "/api/v1/settings/meter_validation",
            json!({"average_factor": "0", "average_months": 99}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.field_message("average_factor").is_some());
    assert_eq!(
        bad.field_message("average_months").as_deref(),
        Some("От 1 до 36 месяцев")
    );
    let audited = m.world.history("settings", "meter_validation").await;
    assert_eq!(audited[0].action, "settings.update");
}

#[tokio::test]
async fn batch_intake_is_idempotent_and_reports_each_row() {
    let m = Meters::new().await;
    let water = m.water_meter("ХВ-500", "0").await;
    let power = m
        .create(json!({"subscriber_id": m.subscriber, "service_id": m.power, "serial": "ЭЛ-500",
            "kind": "electricity_two_zone", "installed_on": "2026-01-10", "initial": ["100", "50"]}))
        .await;
    assert_eq!(power.status, StatusCode::CREATED, "{}", power.text);
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let v = |xs: &[i64]| xs.iter().map(|x| Decimal::from(*x)).collect::<Vec<_>>();
    let row = |line, meter: MeterRef, date: &str, values: &[i64]| IntakeRow {
        line,
        meter,
        date: d(date),
        values: v(values),
    };
    let serial = |s: &str| MeterRef::Serial(s.to_owned());
    let rows = vec![
        row(2, serial("ХВ-500"), "2026-02-20", &[10]),
        row(3, serial("ХВ-500"), "2026-03-20", &[15]),
        row(4, serial("НЕТ-ТАКОГО"), "2026-03-20", &[1]),
        row(5, serial("ЭЛ-500"), "2026-02-20", &[150]),
        row(6, serial("ЭЛ-500"), "2026-03-20", &[200, 80]),
        row(7, serial("ХВ-500"), "2026-04-20", &[14]),
        row(8, MeterRef::Account(m.account.clone()), "2026-04-20", &[30]),
        row(9, MeterRef::Account("ЛС-НЕТ".into()), "2026-04-20", &[30]),
    ];
    let services = m.world.services();
    let audit = Audit::system("import");
    let intake = Intake::new(
        services,
        &m.world.tenant,
        &audit,
        ReadingSource::Import,
        "job-1",
    )
    .await
    .unwrap();
    let outcomes = intake.run(&rows).await.unwrap();
    assert!(matches!(&outcomes[0], RowOutcome::Stored { meter_id, .. } if *meter_id == water));
    assert!(matches!(&outcomes[1], RowOutcome::Stored { .. }));
    assert_eq!(outcomes[2], RowOutcome::Refused(Refusal::UnknownSerial));
    assert_eq!(
        outcomes[3],
        RowOutcome::Refused(Refusal::Rejected(Rejection::WrongZoneCount {
            expected: 2,
            got: 1
        }))
    );
    assert!(matches!(&outcomes[4], RowOutcome::Stored { .. }));
    // The poison row is refused with its reason; the rows around it are stored.
    assert!(matches!(
        &outcomes[5],
        RowOutcome::Refused(Refusal::Rejected(Rejection::Decreasing { .. }))
    ));
    // Two active meters on the account: the row must name the serial.
    assert_eq!(
        outcomes[6],
        RowOutcome::Refused(Refusal::AmbiguousAccount { meters: 2 })
    );
    assert_eq!(outcomes[7], RowOutcome::Refused(Refusal::UnknownAccount));
    assert_eq!(
        Refusal::UnknownSerial.reason().ru,
        "Счётчика с таким заводским номером нет"
    );

    // The same rows again change nothing.
    let again = intake.run(&rows).await.unwrap();
    for (first, second) in outcomes.iter().zip(&again) {
        match first {
            RowOutcome::Stored { meter_id, .. } => {
                assert_eq!(
                    second,
                    &RowOutcome::Unchanged {
                        meter_id: meter_id.clone()
                    }
                )
            }
            refused => assert_eq!(second, refused),
        }
    }
    // A different value for a stored date is refused.
    let different = intake
        .run(&[row(10, serial("ХВ-500"), "2026-03-20", &[16])])
        .await
        .unwrap();
    assert!(matches!(
        &different[0],
        RowOutcome::Refused(Refusal::Rejected(Rejection::DuplicateDifferent { .. }))
    ));
    let history = m
        .admin()
        .get(&format!("/api/v1/meters/{water}/readings"))
        .await
        .json();
    assert_eq!(history["items"].as_array().unwrap().len(), 2);
    assert_eq!(history["items"][0]["source"], "import");
    assert_eq!(history["items"][0]["entered_by"], "import:job-1");
    // One audit record per written transaction.
    let batches = crm_app::catalog::history::of_entity(
        &services.db.tenant(&m.world.tenant),
        "reading_batch",
        "job-1",
        10,
        None,
    )
    .await
    .unwrap()
    .0;
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].action, "reading.import");

    // By account number when the subscriber has one active meter.
    let (lonely, lonely_account) = subscriber(&m.world, &m.world.tenant, "Одинцов").await;
    m.admin()
        .send(
            Method::POST,
            &format!("/api/v1/subscribers/{lonely}/services"),
            json!({"service_id": m.water, "valid_from": "2025-01-01"}),
        )
        .await;
    let answer = m
        .create(
            json!({"subscriber_id": lonely, "service_id": m.water, "serial": "ХВ-501",
            "kind": "cold_water", "installed_on": "2026-01-10"}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let by_account = intake
        .run(&[row(
            11,
            MeterRef::Account(lonely_account),
            "2026-02-20",
            &[4],
        )])
        .await
        .unwrap();
    assert!(
        matches!(&by_account[0], RowOutcome::Stored { .. }),
        "{by_account:?}"
    );
}

#[tokio::test]
async fn the_form_shows_reasons_at_once_and_on_submit() {
    let m = Meters::new().await;
    let id = m.water_meter("ХВ-600", "0").await;
    m.reading(&id, "2026-02-20", json!(["10"])).await;
    // Immediate feedback: nothing stored.
    let check = m
        .admin()
        .form(
            &format!("/meters/{id}/readings/check"),
            &[("date", "2026-03-20"), ("value_0", "5")],
        )
        .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.text);
    assert!(
        check.text.contains("data-feedback=\"danger\""),
        "{}",
        check.text
    );
    assert!(
        check.text.contains("5 меньше предыдущего показания 10"),
        "{}",
        check.text
    );
    let fine = m
        .admin()
        .form(
            &format!("/meters/{id}/readings/check"),
            &[("date", "2026-03-20"), ("value_0", "15,5")],
        )
        .await;
    assert!(
        fine.text.contains("data-feedback=\"success\""),
        "{}",
        fine.text
    );
    assert!(fine.text.contains("5,5"), "{}", fine.text);
    // Submitting a bad one shows the card again with the reason next to the field.
    let refused = m
        .admin()
        .form(
            &format!("/meters/{id}/readings"),
            &[("date", "2026-03-20"), ("value_0", "5")],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert!(refused.text.contains("5 меньше предыдущего показания 10"));
    // A good one is stored and the card shows it and the chart.
    let stored = m
        .admin()
        .form(
            &format!("/meters/{id}/readings"),
            &[("date", "2026-03-20"), ("value_0", "15,5")],
        )
        .await;
    assert_eq!(stored.status, StatusCode::SEE_OTHER, "{}", stored.text);
    let card = m.admin().get(&format!("/meters/{id}")).await;
    assert_eq!(card.status, StatusCode::OK);
    assert!(card.text.contains("<svg") && card.text.contains("data-chart=\"consumption\""));
    assert!(card.text.contains("15,5"), "{}", card.text);
    // Correction through the form keeps the old version.
    let corrected = m
        .admin()
        .form(
            &format!("/meters/{id}/readings/correct"),
            &[
                ("correct_date", "2026-03-20"),
                ("correct_0", "16"),
                ("comment", "перепутали"),
            ],
        )
        .await;
    assert_eq!(
        corrected.status,
        StatusCode::SEE_OTHER,
        "{}",
        corrected.text
    );
    let versions = m
        .admin()
        .get(&format!("/api/v1/meters/{id}/readings/2026-03-20/versions"))
        .await
        .json();
    assert_eq!(versions["items"][0]["values"], json!(["15.5"]));
    // The subscriber card lists the meter with its last reading; the list page filters.
    let subscriber = m
        .admin()
        .get(&format!("/subscribers/{}", m.subscriber))
        .await;
    assert!(subscriber.text.contains("ХВ-600") && subscriber.text.contains("20.03.2026: 16"));
    let list = m.admin().get("/meters?kind=hot_water").await;
    assert!(!list.text.contains("ХВ-600"));
    let list = m.admin().get("/meters?kind=cold_water").await;
    assert!(list.text.contains("ХВ-600"));
    // Registration form errors are shown next to the fields.
    let form = m
        .admin()
        .form(
            "/meters",
            &[
                ("subscriber_id", m.subscriber.as_str()),
                ("service_id", m.water.as_str()),
                ("serial", "ХВ-600"),
                ("kind", "cold_water"),
                ("installed_on", "2026-01-10"),
            ],
        )
        .await;
    assert_eq!(
        form.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        form.text
    );
    assert!(
        form.text
            .contains("Счётчик с таким заводским номером уже есть")
    );
}

#[tokio::test]
async fn roles_and_tenants_are_kept_apart() {
    let m = Meters::new().await;
    let id = m.water_meter("ХВ-700", "0").await;
    let viewer = m.world.user(&m.world.tenant, "viewer").await;
    let operator = m.world.user(&m.world.tenant, "operator").await;
    let accountant = m.world.user(&m.world.tenant, "accountant").await;
    assert_eq!(
        viewer.get(&format!("/api/v1/meters/{id}")).await.status,
        StatusCode::OK
    );
    let body = json!({"date": "2026-02-20", "values": ["5"]});
    let uri = format!("/api/v1/meters/{id}/readings");
    assert_eq!(
        viewer.send(Method::POST, &uri, body.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        accountant
            .send(Method::POST, &uri, body.clone())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        operator.send(Method::POST, &uri, body.clone()).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        operator
            .send(
                Method::POST,
                &format!("/api/v1/meters/{id}/remove"),
                json!({})
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Another tenant's administrator finds nothing of it.
    let beta = crate::support::tenants::create_tenant(m.world.services(), "beta").await;
    let stranger = m.world.user(&beta, "administrator").await;
    for uri in [
        format!("/api/v1/meters/{id}"),
        format!("/api/v1/meters/{id}/readings"),
        format!("/api/v1/meters/{id}/consumption"),
    ] {
        assert_eq!(
            stranger.get(&uri).await.status,
            StatusCode::NOT_FOUND,
            "{uri}"
        );
    }
    assert_eq!(
        stranger.send(Method::POST, &uri, body).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        stranger.get("/api/v1/meters").await.json()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn demo_meters_are_seeded_once_with_a_year_of_readings() {
    let world = World::with_tenant("demo").await;
    let services = world.services();
    let tenant = &world.tenant;
    let audit = Audit::system("seed");
    let cx = crm_app::catalog::services::Context {
        audit: &audit,
        ids: services.ids.as_ref(),
        now: services.clock.now(),
    };
    crm_app::catalog::demo::usual_services(&services.db.tenant(tenant), &cx)
        .await
        .unwrap();
    crm_app::subscribers::demo::seed_demo(services, tenant)
        .await
        .unwrap();
    assert_eq!(
        crm_app::meters::demo::seed_demo(services, tenant)
            .await
            .unwrap(),
        20
    );
    assert_eq!(
        crm_app::meters::demo::seed_demo(services, tenant)
            .await
            .unwrap(),
        0
    );
    let expired = world
        .admin
        .get("/api/v1/meters/verification-due?expired=true")
        .await
        .json();
    assert_eq!(expired["items"].as_array().unwrap().len(), 1);
    let active = world.admin.get("/api/v1/meters?limit=100").await.json();
    let rollover = active["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["serial"] == "ДЕМО-ХВ-0005")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let history = world
        .admin
        .get(&format!("/api/v1/meters/{rollover}/readings"))
        .await
        .json();
    let items = history["items"].as_array().unwrap();
    // Twelve months less the missing ones, all stored: the dial wrapped from 99,960.
    assert!(items.len() >= 9 && items.len() < 12, "{}", items.len());
    assert!(
        items
            .iter()
            .any(|r| r["values"][0].as_str().unwrap().len() < 4),
        "no rollover: {history}"
    );
}

/// Reads every page of `first_uri` (a meters listing of the API), following `next`; returns
/// the pages' serials.
async fn pages_of(m: &Meters, first_uri: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut uri = first_uri.to_owned();
    loop {
        let answer = m.admin().get(&uri).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
        let page = answer.json();
        pages.push(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|meter| meter["serial"].as_str().unwrap().to_owned())
                .collect(),
        );
        match page["next"].as_str() {
            Some(next) => uri = format!("{first_uri}&cursor={next}"),
            None => return pages,
        }
        assert!(pages.len() < 50, "the listing ends");
    }
}

/// Every page but the last holds `limit` meters, and the pages hold `expected`, each once.
fn full_pages(pages: &[Vec<String>], limit: usize, expected: &[String]) {
    let (last, before) = pages.split_last().unwrap();
    for page in before {
        assert_eq!(
            page.len(),
            limit,
            "a page before the last is full: {pages:?}"
        );
    }
    assert!(last.len() <= limit);
    let mut seen: Vec<String> = pages.concat();
    let count = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), count, "no meter twice: {pages:?}");
    let mut expected = expected.to_vec();
    expected.sort();
    assert_eq!(seen, expected, "every meter of the filter, no other");
}

#[tokio::test]
async fn a_list_filtered_by_kind_reads_full_pages() {
    let m = Meters::new().await;
    let today = chrono::Utc::now().date_naive();
    let kinds = ["cold_water", "hot_water", "electricity_two_zone"];
    let mut serials: Vec<(String, &str)> = Vec::new();
    for i in 0..30 {
        let kind = kinds[i % kinds.len()];
        // Serials interleave the kinds, so a page of every kind holds a third of each.
        let serial = format!("СЧ-{i:03}");
        let (service, initial) = if kind == "electricity_two_zone" {
            (&m.power, json!(["0", "0"]))
        } else {
            (&m.water, json!(["0"]))
        };
        let due = today + Duration::days(30 + i as i64);
        let answer = m
            .create(json!({
                "subscriber_id": m.subscriber, "service_id": service, "serial": serial,
                "kind": kind, "installed_on": "2026-01-10", "initial": initial,
                "digits": 5, "verification_due": due.to_string(),
            }))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        serials.push((serial, kind));
    }
    let of = |kind: &str| -> Vec<String> {
        serials
            .iter()
            .filter(|(_, k)| *k == kind)
            .map(|(s, _)| s.clone())
            .collect()
    };
    let all: Vec<String> = serials.iter().map(|(s, _)| s.clone()).collect();

    let hot = pages_of(&m, "/api/v1/meters?kind=hot_water&limit=4").await;
    assert_eq!(hot.len(), 3, "{hot:?}");
    full_pages(&hot, 4, &of("hot_water"));
    let two_zone = pages_of(&m, "/api/v1/meters?kind=electricity_two_zone&limit=3").await;
    full_pages(&two_zone, 3, &of("electricity_two_zone"));
    full_pages(&pages_of(&m, "/api/v1/meters?limit=7").await, 7, &all);
    assert_eq!(
        pages_of(&m, "/api/v1/meters?kind=gas&limit=4").await,
        vec![Vec::<String>::new()]
    );
    // The verification listing (by date) filtered by kind reads on to fill its pages too.
    let due = pages_of(
        &m,
        "/api/v1/meters/verification-due?days=365&kind=cold_water&limit=4",
    )
    .await;
    full_pages(&due, 4, &of("cold_water"));

    // A cursor of one listing does not go on in another.
    let first = m.admin().get("/api/v1/meters?limit=4").await.json();
    let cursor = first["next"].as_str().unwrap();
    let other = m
        .admin()
        .get(&format!(
            "/api/v1/meters?kind=hot_water&limit=4&cursor={cursor}"
        ))
        .await;
    assert_eq!(other.status, StatusCode::BAD_REQUEST, "{}", other.text);
    let unknown = m.admin().get("/api/v1/meters?kind=steam").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.text);

    // The page's filter is the same listing.
    let page = m.admin().get("/meters?kind=hot_water").await;
    assert_eq!(page.status, StatusCode::OK);
    for (serial, kind) in &serials {
        assert_eq!(
            page.text.contains(serial.as_str()),
            *kind == "hot_water",
            "{serial}"
        );
    }
}
