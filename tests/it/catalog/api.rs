//! Services through the JSON API: create, read, change, archive, list, history, bad input.

use http::{Method, StatusCode};
use serde_json::json;

use super::World;

#[tokio::test]
async fn services_are_created_read_changed_archived_and_restored() {
    let world = World::new().await;
    let api = &world.admin;
    let created = api
        .send(
            Method::POST,
            "/api/v1/services",
            json!({
                "name": "Холодное водоснабжение",
                "code": "ХВС",
                "kind": "metered",
                "tax_category": "exempt",
                "supplier": {"name": "АО «Мосводоканал»", "inn": "7701984274"},
                "description": "По счётчику"
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let body = created.json();
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(created.location(), format!("/api/v1/services/{id}"));
    assert_eq!(body["unit"], "cubic_metre", "the kind's usual unit");
    assert_eq!(body["unit_symbol"], "м³");
    assert_eq!(body["rounding"], 3);
    assert_eq!(body["on_bill"], true);
    assert_eq!(body["supplier"]["inn"], "7701984274");

    let read = api.get(&format!("/api/v1/services/{id}")).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json()["name"], "Холодное водоснабжение");

    let changed = api
        .send(
            Method::PATCH,
            &format!("/api/v1/services/{id}"),
            json!({"name": "Холодная вода", "rounding": 2, "supplier": null, "on_bill": false}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let changed = changed.json();
    assert_eq!(changed["name"], "Холодная вода");
    assert_eq!(changed["code"], "ХВС", "untouched fields stay");
    assert!(changed["supplier"].is_null());
    assert_eq!(changed["on_bill"], false);

    let archived = api.delete(&format!("/api/v1/services/{id}")).await;
    assert_eq!(archived.status, StatusCode::OK);
    assert_eq!(archived.json()["archived"], true);
    let active = api.get("/api/v1/services").await.json();
    assert_eq!(active["items"].as_array().unwrap().len(), 0);
    let in_archive = api.get("/api/v1/services?archived=true").await.json();
    assert_eq!(in_archive["items"][0]["id"], id.as_str());
    let restored = api
        .send(
            Method::POST,
            &format!("/api/v1/services/{id}/restore"),
            json!({}),
        )
        .await;
    assert_eq!(restored.json()["archived"], false);

    // Every change is on the service's timeline, newest first.
    let history = api.get(&format!("/api/v1/services/{id}/history")).await;
    assert_eq!(history.status, StatusCode::OK);
    let actions: Vec<String> = history.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        [
            "service.restore",
            "service.archive",
            "service.update",
            "service.create"
        ]
    );
    let update = &history.json()["items"][2];
    let name_change = update["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "name")
        .cloned()
        .unwrap();
    assert_eq!(name_change["old"], "Холодное водоснабжение");
    assert_eq!(name_change["new"], "Холодная вода");
    assert_eq!(update["actor"], "Test administrator");
}

#[tokio::test]
async fn codes_are_unique_per_tenant_whatever_the_case() {
    let world = World::new().await;
    let first = world.service("хвс", "metered").await;
    let again = world
        .admin
        .send(
            Method::POST,
            "/api/v1/services",
            json!({"name": "Дубль", "code": "ХВС", "kind": "metered", "tax_category": "exempt"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.json()["code"], "validation_failed");
    assert_eq!(
        again.field_message("code").as_deref(),
        Some("Этот код уже занят другой услугой")
    );
    // A code set free by a change can be taken; the old holder keeps the new one.
    let second = world.service("ГВС", "metered").await;
    let taken = world
        .admin
        .send(
            Method::PATCH,
            &format!("/api/v1/services/{second}"),
            json!({"code": "Хвс"}),
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    let moved = world
        .admin
        .send(
            Method::PATCH,
            &format!("/api/v1/services/{first}"),
            json!({"code": "ХВС-1"}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let now_free = world
        .admin
        .send(
            Method::PATCH,
            &format!("/api/v1/services/{second}"),
            json!({"code": "ХВС"}),
        )
        .await;
    assert_eq!(now_free.status, StatusCode::OK, "{}", now_free.text);
    // Another tenant has its own codes.
    let other = crate::support::tenants::create_tenant(world.services(), "globex").await;
    let theirs = world.user(&other, "administrator").await;
    let created = theirs
        .send(
            Method::POST,
            "/api/v1/services",
            json!({"name": "Вода", "code": "ХВС", "kind": "metered", "tax_category": "exempt"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
}

#[tokio::test]
async fn every_bad_field_has_its_message() {
    let world = World::new().await;
    let bad = world
        .admin
        .send(
            Method::POST,
            "/api/v1/services",
            json!({
                "name": "  ",
                "code": "х в с",
                "kind": "gas",
                "unit": "litre",
                "rounding": 9,
                "supplier": {"name": "", "inn": "7701984275"},
                "description": "д".repeat(2001)
            }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert_eq!(bad.headers["content-type"], "application/problem+json");
    let expected = [
        ("name", "Заполните это поле"),
        (
            "code",
            "Код может содержать только буквы, цифры, «-», «_» и «.»",
        ),
        (
            "kind",
            "Выберите одно из значений: fixed, per_area, per_resident, metered, norm_per_resident, norm_per_area, tiered, two_zone, three_zone",
        ),
        (
            "unit",
            "Выберите одно из значений: cubic_metre, kilowatt_hour, gigacalorie, square_metre, person, month, piece",
        ),
        ("tax_category", "Заполните это поле"),
        ("rounding", "От 0 до 6 знаков после запятой"),
        ("supplier.name", "Заполните это поле"),
        (
            "supplier.inn",
            "Контрольные цифры ИНН не сходятся — проверьте номер",
        ),
        ("description", "Не длиннее 2000 символов"),
    ];
    for (field, message) in expected {
        assert_eq!(
            bad.field_message(field).as_deref(),
            Some(message),
            "{field}: {}",
            bad.text
        );
    }
    assert_eq!(
        bad.json()["errors"].as_array().unwrap().len(),
        expected.len()
    );

    // The same in English when asked.
    let english = world
        .admin
        .english()
        .send(
            Method::POST,
            "/api/v1/services",
            json!({"name": "Площадь", "code": "S", "kind": "per_area", "unit": "cubic_metre", "tax_category": "exempt"}),
        )
        .await;
    assert_eq!(english.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        english.field_message("unit").as_deref(),
        Some("The unit does not fit how the service is charged")
    );
}

#[tokio::test]
async fn json_type_errors_and_unknown_fields_are_problems() {
    let world = World::new().await;
    for (body, code) in [
        (
            r#"{"name": 5, "code": "A", "kind": "fixed", "tax_category": "exempt"}"#,
            "invalid_json",
        ),
        (
            r#"{"name": "A", "code": "A", "kind": "fixed", "tax_category": "exempt", "colour": "red"}"#,
            "invalid_json",
        ),
        (r#"{"name": "A", "rounding": -1}"#, "invalid_json"),
        (r#"{"name": "A""#, "invalid_json"),
    ] {
        let answer = world
            .admin
            .raw(Method::POST, "/api/v1/services", body)
            .await;
        assert!(
            answer.status == StatusCode::UNPROCESSABLE_ENTITY
                || answer.status == StatusCode::BAD_REQUEST,
            "{body}: {}",
            answer.status
        );
        assert_eq!(answer.json()["code"], code, "{body}");
        assert_eq!(answer.headers["content-type"], "application/problem+json");
    }
    let not_json = world
        .admin
        .request(
            Method::POST,
            "/api/v1/services",
            Some("text/plain"),
            axum::body::Body::from("name=A"),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let bad_query = world.admin.get("/api/v1/services?limit=lots").await;
    assert_eq!(bad_query.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_query.json()["code"], "invalid_query");
    let bad_kind = world.admin.get("/api/v1/services?kind=gas").await;
    assert_eq!(bad_kind.status, StatusCode::BAD_REQUEST);
    let bad_cursor = world.admin.get("/api/v1/services?cursor=forged").await;
    assert_eq!(bad_cursor.json()["code"], "invalid_cursor");
    let unknown = world.admin.get("/api/v1/services/nope").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let weird = world.admin.get("/api/v1/services/a%23SERVICE").await;
    assert_eq!(weird.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn lists_filter_search_sort_and_page() {
    let world = World::new().await;
    for (name, code, kind) in [
        ("Холодная вода", "B1", "metered"),
        ("Горячая вода", "A2", "metered"),
        ("Ёмкостный сбор", "C3", "fixed"),
        ("Электроэнергия", "D4", "two_zone"),
        ("Содержание", "E5", "per_area"),
    ] {
        let answer = world
            .admin
            .send(
                Method::POST,
                "/api/v1/services",
                json!({"name": name, "code": code, "kind": kind, "tax_category": "exempt"}),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    }
    let names = |answer: &super::Answer| -> Vec<String> {
        answer.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = world.admin.get("/api/v1/services").await;
    assert_eq!(
        names(&all),
        [
            "Горячая вода",
            "Ёмкостный сбор",
            "Содержание",
            "Холодная вода",
            "Электроэнергия"
        ]
    );
    let by_code = world.admin.get("/api/v1/services?sort=code&dir=desc").await;
    assert_eq!(names(&by_code)[0], "Содержание");
    assert_eq!(names(&by_code)[4], "Горячая вода");
    // Prefix search: any case, ё = е.
    let found = world.admin.get("/api/v1/services?q=%D0%B5%D0%BC").await; // "ем"
    assert_eq!(names(&found), ["Ёмкостный сбор"]);
    let metered = world
        .admin
        .get("/api/v1/services?kind=metered&dir=desc")
        .await;
    assert_eq!(names(&metered), ["Холодная вода", "Горячая вода"]);
    // Pages of two, following the cursor.
    let mut seen = Vec::new();
    let mut uri = "/api/v1/services?limit=2".to_owned();
    loop {
        let page = world.admin.get(&uri).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        seen.extend(names(&page));
        match page.json()["next_cursor"].as_str() {
            Some(cursor) => uri = format!("/api/v1/services?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, names(&all));
}
