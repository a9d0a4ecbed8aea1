//! Links of services to subscribers through the JSON API: attach, overlapping links refused,
//! change, detach (nothing deleted), "who has this service", bad input.

use http::{Method, StatusCode};
use serde_json::json;

use super::World;

#[tokio::test]
async fn attach_detach_and_overlaps() {
    let world = World::new().await;
    world.subscriber(&world.tenant, "sub1").await;
    let water = world.service("ХВС", "metered").await;
    let uri = "/api/v1/subscribers/sub1/services";

    let attached = world
        .admin
        .send(
            Method::POST,
            uri,
            json!({"service_id": water, "valid_from": "2026-01-01", "individual_rate": "41,50"}),
        )
        .await;
    assert_eq!(attached.status, StatusCode::CREATED, "{}", attached.text);
    let link = attached.json();
    assert_eq!(link["service_code"], "ХВС");
    assert_eq!(link["individual_rate"], "41.5");
    assert_eq!(link["state"], "active");
    let link_id = link["id"].as_str().unwrap().to_owned();

    // Any shared day is refused, and nothing is saved.
    let overlapping = world
        .admin
        .send(
            Method::POST,
            uri,
            json!({"service_id": water, "valid_from": "2025-12-01", "valid_until": "2026-01-02"}),
        )
        .await;
    assert_eq!(overlapping.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        overlapping.field_message("valid_from").as_deref(),
        Some("На эти дни услуга уже подключена (подключение с 01.01.2026)")
    );
    assert_eq!(
        world.admin.get(uri).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Detaching sets the end; the link stays.
    let detached = world
        .admin
        .delete(&format!("{uri}/{link_id}?valid_until=2026-07-01"))
        .await;
    assert_eq!(detached.status, StatusCode::OK, "{}", detached.text);
    assert_eq!(detached.json()["valid_until"], "2026-07-01");
    assert_eq!(detached.json()["state"], "ended");
    let again = world
        .admin
        .delete(&format!("{uri}/{link_id}?valid_until=2026-08-01"))
        .await;
    assert_eq!(
        again.json()["valid_until"],
        "2026-07-01",
        "already ended: unchanged"
    );

    // After the end, the service may be linked again; touching periods do not overlap.
    let relinked = world
        .admin
        .send(
            Method::POST,
            uri,
            json!({"service_id": water, "valid_from": "2026-07-01"}),
        )
        .await;
    assert_eq!(relinked.status, StatusCode::CREATED, "{}", relinked.text);
    let relinked_id = relinked.json()["id"].as_str().unwrap().to_owned();

    // Moving the old link's end into the new one is refused.
    let stretched = world
        .admin
        .send(
            Method::PATCH,
            &format!("{uri}/{link_id}"),
            json!({"valid_until": "2026-08-01"}),
        )
        .await;
    assert_eq!(stretched.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        stretched.field_message("valid_from").as_deref(),
        Some("На эти дни услуга уже подключена (подключение с 01.07.2026)")
    );
    let terms = world
        .admin
        .send(
            Method::PATCH,
            &format!("{uri}/{relinked_id}"),
            json!({"individual_quantity": "2.5", "individual_rate": null}),
        )
        .await;
    assert_eq!(terms.status, StatusCode::OK, "{}", terms.text);
    assert_eq!(terms.json()["individual_quantity"], "2.5");

    let list = world.admin.get(uri).await.json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "history kept");
    assert_eq!(items[0]["valid_from"], "2026-01-01");
    assert_eq!(items[1]["valid_from"], "2026-07-01");

    // Who has this service: one query on the index.
    let holders = world
        .admin
        .get(&format!("/api/v1/services/{water}/links"))
        .await
        .json();
    assert_eq!(holders["items"].as_array().unwrap().len(), 2);
    assert!(
        holders["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["subscriber_id"] == "sub1")
    );

    // The subscriber's timeline shows each step.
    let actions: Vec<String> = world
        .history("subscriber", "sub1")
        .await
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(
        actions,
        [
            "service_link.update",
            "service_link.attach",
            "service_link.detach",
            "service_link.attach"
        ]
    );
}

#[tokio::test]
async fn a_link_not_started_is_cancelled_by_detaching() {
    let world = World::new().await;
    world.subscriber(&world.tenant, "sub1").await;
    let waste = world.service("ТКО", "per_resident").await;
    let future = world
        .admin
        .send(
            Method::POST,
            "/api/v1/subscribers/sub1/services",
            json!({"service_id": waste, "valid_from": "2099-01-01"}),
        )
        .await;
    assert_eq!(future.json()["state"], "upcoming");
    let id = future.json()["id"].as_str().unwrap().to_owned();
    let cancelled = world
        .admin
        .delete(&format!("/api/v1/subscribers/sub1/services/{id}"))
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{}", cancelled.text);
    assert_eq!(cancelled.json()["state"], "cancelled");
    assert_eq!(cancelled.json()["valid_until"], "2099-01-01");
    // A cancelled link covers no day, so the same period can be linked again.
    let again = world
        .admin
        .send(
            Method::POST,
            "/api/v1/subscribers/sub1/services",
            json!({"service_id": waste, "valid_from": "2099-01-01"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
}

#[tokio::test]
async fn bad_link_input() {
    let world = World::new().await;
    world.subscriber(&world.tenant, "sub1").await;
    let water = world.service("ХВС", "metered").await;
    let zones = world.service("ЭЛ", "two_zone").await;
    let archived = world.service("СТАР", "fixed").await;
    world
        .admin
        .delete(&format!("/api/v1/services/{archived}"))
        .await;
    let uri = "/api/v1/subscribers/sub1/services";
    let cases = [
        (
            json!({"valid_from": "2026-01-01"}),
            "service_id",
            "Заполните это поле",
        ),
        (
            json!({"service_id": "nope", "valid_from": "2026-01-01"}),
            "service_id",
            "Такой записи нет",
        ),
        (
            json!({"service_id": archived, "valid_from": "2026-01-01"}),
            "service_id",
            "Услуга в архиве, подключать её нельзя",
        ),
        (
            json!({"service_id": water}),
            "valid_from",
            "Заполните это поле",
        ),
        (
            json!({"service_id": water, "valid_from": "01-01-2026"}),
            "valid_from",
            "Введите дату в формате ДД.ММ.ГГГГ",
        ),
        (
            json!({"service_id": water, "valid_from": "2026-02-01", "valid_until": "2026-01-01"}),
            "valid_until",
            "Дата окончания не может быть раньше даты начала",
        ),
        (
            json!({"service_id": water, "valid_from": "2026-01-01", "individual_rate": "-1"}),
            "individual_rate",
            "Значение не может быть отрицательным",
        ),
        (
            json!({"service_id": water, "valid_from": "2026-01-01", "individual_quantity": "x"}),
            "individual_quantity",
            "Введите число, например 58,10",
        ),
        (
            json!({"service_id": zones, "valid_from": "2026-01-01", "individual_rate": "5"}),
            "individual_rate",
            "У услуги по зонам суток индивидуальная ставка и количество не задаются",
        ),
    ];
    for (body, field, message) in cases {
        let answer = world.admin.send(Method::POST, uri, body.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            answer.text
        );
        assert_eq!(
            answer.field_message(field).as_deref(),
            Some(message),
            "{body}: {}",
            answer.text
        );
    }
    let wrong_type = world
        .admin
        .raw(
            Method::POST,
            uri,
            r#"{"service_id": 1, "valid_from": "2026-01-01"}"#,
        )
        .await;
    assert_eq!(wrong_type.json()["code"], "invalid_json");
    let no_subscriber = world
        .admin
        .send(
            Method::POST,
            "/api/v1/subscribers/ghost/services",
            json!({"service_id": water, "valid_from": "2026-01-01"}),
        )
        .await;
    assert_eq!(no_subscriber.status, StatusCode::NOT_FOUND);
    assert_eq!(
        world
            .admin
            .get("/api/v1/subscribers/ghost/services")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let bad_date = world
        .admin
        .delete("/api/v1/subscribers/sub1/services/x?valid_until=soon")
        .await;
    assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY);
    let no_link = world
        .admin
        .delete("/api/v1/subscribers/sub1/services/x")
        .await;
    assert_eq!(no_link.status, StatusCode::NOT_FOUND);
    assert!(
        world.admin.get(uri).await.json()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}
