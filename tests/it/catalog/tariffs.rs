//! Tariff histories through the JSON API: versions, automatic closing, overlaps refused with
//! nothing saved, gaps as warnings, future changes, edits and deletions of future versions,
//! rates per kind, bad input.

use chrono::{Datelike, NaiveDate};
use http::{Method, StatusCode};
use serde_json::json;

use super::World;

fn next_july() -> NaiveDate {
    let today = crm_app::catalog::today(chrono::Utc::now());
    NaiveDate::from_ymd_opt(today.year() + 1, 7, 1).unwrap()
}

#[tokio::test]
async fn a_july_change_closes_the_open_version_and_overlaps_are_refused() {
    let world = World::new().await;
    let water = world.service("ХВС", "metered").await;
    let first = world.flat_version(&water, "2026-01-01", "52.30").await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert!(first.json()["version"]["valid_until"].is_null());
    let july = world.flat_version(&water, "2026-07-01", "58.10").await;
    assert_eq!(july.status, StatusCode::CREATED, "{}", july.text);
    assert_eq!(july.json()["warnings"], json!([]));

    let tariff = world
        .admin
        .get(&format!("/api/v1/services/{water}/tariffs"))
        .await;
    assert_eq!(tariff.status, StatusCode::OK);
    let body = tariff.json();
    let versions = body["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        versions[0]["valid_until"], "2026-07-01",
        "closed by the July version"
    );
    assert_eq!(versions[0]["rate"], "52.3");
    assert_eq!(versions[1]["rate"], "58.1");
    assert_eq!(versions[1]["state"], "current");
    assert_eq!(body["current_version_id"], versions[1]["id"]);

    // An overlap names the clashing version and saves nothing, not even an audit record.
    let records_before = world.history("service", &water).await.len();
    let overlap = world
        .admin
        .send(
            Method::POST,
            &format!("/api/v1/services/{water}/tariffs"),
            json!({"valid_from": "2026-03-01", "valid_until": "2026-08-01", "rate": "55"}),
        )
        .await;
    assert_eq!(
        overlap.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        overlap.text
    );
    assert_eq!(
        overlap.field_message("valid_from").as_deref(),
        Some("Пересекается с версией тарифа, действующей с 01.01.2026")
    );
    let same_day = world.flat_version(&water, "2026-07-01", "60").await;
    assert_eq!(
        same_day.field_message("valid_from").as_deref(),
        Some("Пересекается с версией тарифа, действующей с 01.07.2026")
    );
    let after = world
        .admin
        .get(&format!("/api/v1/services/{water}/tariffs"))
        .await
        .json();
    assert_eq!(after["versions"], body["versions"], "nothing saved");
    assert_eq!(world.history("service", &water).await.len(), records_before);

    // The timeline records the change field by field.
    let records = world.history("service", &water).await;
    let add = records.iter().find(|r| r.action == "tariff.add").unwrap();
    let fields: Vec<&str> = add.changes.iter().map(|c| c.field.as_str()).collect();
    assert!(fields.contains(&"tariff.2026-07-01.rate"), "{fields:?}");
    assert!(fields.contains(&"tariff.2026-01-01.last_day"), "{fields:?}");
}

#[tokio::test]
async fn gaps_are_accepted_with_a_warning() {
    let world = World::new().await;
    let heat = world.service("ОТП", "per_area").await;
    let answer = world
        .admin
        .send(
            Method::POST,
            &format!("/api/v1/services/{heat}/tariffs"),
            json!({"valid_from": "2026-01-01", "valid_until": "2026-05-01", "rate": "38.5"}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    let later = world.flat_version(&heat, "2026-06-01", "40").await;
    assert_eq!(later.status, StatusCode::CREATED, "{}", later.text);
    assert_eq!(
        later.json()["warnings"],
        json!([{"code": "gap", "from": "2026-05-01", "until": "2026-06-01"}])
    );
    let tariff = world
        .admin
        .get(&format!("/api/v1/services/{heat}/tariffs"))
        .await
        .json();
    assert_eq!(tariff["warnings"][0]["code"], "gap");
}

#[tokio::test]
async fn future_versions_change_and_go_while_started_ones_stay() {
    let world = World::new().await;
    let water = world.service("ХВС", "metered").await;
    world.flat_version(&water, "2026-01-01", "52.30").await;
    let july = next_july();
    let future = world.flat_version(&water, &july.to_string(), "58.10").await;
    assert_eq!(future.status, StatusCode::CREATED);
    let future = future.json()["version"].clone();
    assert_eq!(future["state"], "future");
    let id = future["id"].as_str().unwrap();

    let moved = july + chrono::Duration::days(31);
    let changed = world
        .admin
        .send(
            Method::PATCH,
            &format!("/api/v1/services/{water}/tariffs/{id}"),
            json!({"valid_from": moved.to_string(), "rate": "59.00"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.json()["version"]["rate"], "59");
    let tariff = world
        .admin
        .get(&format!("/api/v1/services/{water}/tariffs"))
        .await
        .json();
    assert_eq!(
        tariff["versions"][0]["valid_until"],
        moved.to_string(),
        "the version before follows"
    );

    let started = tariff["versions"][0]["id"].as_str().unwrap();
    let refused = world
        .admin
        .send(
            Method::PATCH,
            &format!("/api/v1/services/{water}/tariffs/{started}"),
            json!({"rate": "1"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.field_message("valid_from").as_deref(),
        Some(
            "Версия с 01.01.2026 уже действует: менять можно только будущие версии — добавьте новую"
        )
    );
    let not_deleted = world
        .admin
        .delete(&format!("/api/v1/services/{water}/tariffs/{started}"))
        .await;
    assert_eq!(not_deleted.status, StatusCode::UNPROCESSABLE_ENTITY);

    let deleted = world
        .admin
        .delete(&format!("/api/v1/services/{water}/tariffs/{id}"))
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    let tariff = world
        .admin
        .get(&format!("/api/v1/services/{water}/tariffs"))
        .await
        .json();
    assert_eq!(tariff["versions"].as_array().unwrap().len(), 1);
    assert!(tariff["versions"][0]["valid_until"].is_null(), "open again");
    let unknown = world
        .admin
        .delete(&format!("/api/v1/services/{water}/tariffs/{id}"))
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let actions: Vec<String> = world
        .history("service", &water)
        .await
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(
        actions,
        [
            "tariff.delete",
            "tariff.update",
            "tariff.add",
            "tariff.add",
            "service.create"
        ]
    );
}

#[tokio::test]
async fn rates_per_kind() {
    let world = World::new().await;
    let power = world.service("ЭЛ", "tiered").await;
    let blocks = world
        .admin
        .send(
            Method::POST,
            &format!("/api/v1/services/{power}/tariffs"),
            json!({"valid_from": "2026-01-01", "blocks": [
                {"up_to": "150", "rate": "5.00"}, {"up_to": null, "rate": "7.00"}
            ]}),
        )
        .await;
    assert_eq!(blocks.status, StatusCode::CREATED, "{}", blocks.text);
    assert_eq!(blocks.json()["version"]["blocks"][1]["up_to"], json!(null));
    let decreasing = world
        .admin
        .send(
            Method::POST,
            &format!("/api/v1/services/{power}/tariffs"),
            json!({"valid_from": "2026-07-01", "blocks": [
                {"up_to": "150", "rate": "5"}, {"up_to": "100", "rate": "6"}, {"rate": "7"}
            ]}),
        )
        .await;
    assert_eq!(
        decreasing.field_message("blocks").as_deref(),
        Some("Границы диапазонов должны возрастать; без границы может быть только последний")
    );
    let flat_for_blocks = world.flat_version(&power, "2026-07-01", "5").await;
    assert_eq!(
        flat_for_blocks.field_message("rate").as_deref(),
        Some("Для этой услуги нужен тариф по диапазонам потребления (blocks)")
    );

    let zones = world.service("ЭЛ2", "two_zone").await;
    let zoned = world
        .admin
        .send(
            Method::POST,
            &format!("/api/v1/services/{zones}/tariffs"),
            json!({"valid_from": "2026-01-01", "zone_rates": {"day": "9.42", "night": "3.75"}}),
        )
        .await;
    assert_eq!(zoned.status, StatusCode::CREATED, "{}", zoned.text);
    assert_eq!(zoned.json()["version"]["zone_rates"]["night"], "3.75");
    let missing_zone = world
        .admin
        .send(
            Method::POST,
            &format!("/api/v1/services/{zones}/tariffs"),
            json!({"valid_from": "2026-07-01", "zone_rates": {"day": "10", "peak": "12"}}),
        )
        .await;
    assert_eq!(
        missing_zone.field_message("zone_rates.night").as_deref(),
        Some("Заполните это поле")
    );
    assert_eq!(
        missing_zone.field_message("zone_rates.peak").as_deref(),
        Some("Укажите ставки ровно для зон: day, night")
    );

    let heating = world.service("ОТП", "norm_per_area").await;
    let no_norm = world.flat_version(&heating, "2026-01-01", "2950").await;
    assert_eq!(
        no_norm.field_message("norm").as_deref(),
        Some("Для услуги по нормативу укажите норматив больше нуля")
    );
    let with_norm = world
        .admin
        .send(
            Method::POST,
            &format!("/api/v1/services/{heating}/tariffs"),
            json!({"valid_from": "2026-01-01", "rate": "2950", "norm": "0,016"}),
        )
        .await;
    assert_eq!(with_norm.status, StatusCode::CREATED, "{}", with_norm.text);
    assert_eq!(with_norm.json()["version"]["norm"], "0.016");

    // A kind its versions do not fit is refused.
    let locked = world
        .admin
        .send(
            Method::PATCH,
            &format!("/api/v1/services/{zones}"),
            json!({"kind": "metered"}),
        )
        .await;
    assert_eq!(
        locked.field_message("kind").as_deref(),
        Some("Версии тарифа этой услуги не подходят к новому способу расчёта")
    );
}

#[tokio::test]
async fn bad_tariff_input() {
    let world = World::new().await;
    let water = world.service("ХВС", "metered").await;
    let uri = format!("/api/v1/services/{water}/tariffs");
    let cases = [
        (
            json!({"valid_from": "2026-01-01", "rate": "-5"}),
            "rate",
            "Значение не может быть отрицательным",
        ),
        (
            json!({"valid_from": "2026-01-01", "rate": "пять"}),
            "rate",
            "Введите число, например 58,10",
        ),
        (
            json!({"valid_from": "2026-01-01", "rate": "1.1234567"}),
            "rate",
            "Не больше 6 знаков после запятой",
        ),
        (
            json!({"valid_from": "2026-01-01"}),
            "rate",
            "Заполните это поле",
        ),
        (
            json!({"valid_from": "31/12/2026", "rate": "1"}),
            "valid_from",
            "Введите дату в формате ДД.ММ.ГГГГ",
        ),
        (
            json!({"valid_from": "2026-02-30", "rate": "1"}),
            "valid_from",
            "Введите дату в формате ДД.ММ.ГГГГ",
        ),
        (json!({"rate": "1"}), "valid_from", "Заполните это поле"),
        (
            json!({"valid_from": "2026-07-01", "valid_until": "2026-07-01", "rate": "1"}),
            "valid_until",
            "Версия должна заканчиваться позже, чем начинается",
        ),
        (
            json!({"valid_from": "2026-01-01", "rate": "1", "norm": "-1"}),
            "norm",
            "Значение не может быть отрицательным",
        ),
    ];
    for (body, field, message) in cases {
        let answer = world.admin.send(Method::POST, &uri, body.clone()).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(answer.json()["code"], "validation_failed", "{body}");
        assert_eq!(
            answer.field_message(field).as_deref(),
            Some(message),
            "{body}: {}",
            answer.text
        );
    }
    for body in [
        r#"{"valid_from": "2026-01-01", "rate": 58.1}"#,
        r#"{"valid_from": "2026-01-01", "rate": "1", "currency": "EUR"}"#,
        r#"{"valid_from": "2026-01-01", "blocks": {"up_to": 1}}"#,
    ] {
        let answer = world.admin.raw(Method::POST, &uri, body).await;
        assert_eq!(answer.json()["code"], "invalid_json", "{body}");
    }
    let unknown = world.flat_version("missing", "2026-01-01", "1").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        world.admin.get(&uri).await.json()["versions"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
