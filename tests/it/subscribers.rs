//! Subscribers over HTTP: create, read, change, status, numbering, duplicates, validation,
//! history, the forms, upserts and the demo seed.

use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::subscribers_support::{Env, person, q};

#[tokio::test]
async fn create_read_change_and_see_the_change_in_history() {
    let env = Env::new("acme").await;
    let mut body = person("Фёдорова", "Анна");
    body["account_number"] = json!("лс-77");
    body["patronymic"] = json!("Ивановна");
    body["phones"] = json!(["8 (912) 345-67-89", "+7 912 345 67 89", "+44 20 7946 0958"]);
    body["emails"] = json!(["Anna.F@Mail.RU"]);
    body["area"] = json!(54.3);
    body["residents"] = json!("3");
    body["tags"] = json!(["Льготник", "льготник"]);
    body["billing_mode"] = json!("prepaid");
    body["notes"] = json!("Звонить после 18:00");
    let created = env.create(body).await;
    assert_eq!(created["account_number"], "ЛС-77");
    assert_eq!(created["display_name"], "Фёдорова Анна Ивановна");
    assert_eq!(created["phones"], json!(["+79123456789", "+442079460958"]));
    assert_eq!(created["emails"], json!(["Anna.F@mail.ru"]));
    assert_eq!(created["area"], "54.3");
    assert_eq!(created["residents"], 3);
    assert_eq!(created["tags"], json!(["Льготник"]));
    assert_eq!(created["status"], "active");
    assert_eq!(created["version"], 1);
    let id = created["id"].as_str().unwrap().to_owned();

    let got = env
        .send(
            Some(env.user("viewer")),
            Method::GET,
            &format!("/api/v1/subscribers/{id}"),
            None,
        )
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(
        got.json()["address_line"],
        "Тверь, ул. Советская, д. 1, кв. 1"
    );

    let patched = env
        .send(
            Some(env.user("operator")),
            Method::PATCH,
            &format!("/api/v1/subscribers/{id}"),
            Some(json!({"version": 1, "address": {"city": "Ржев"}, "emails": []})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text());
    assert_eq!(patched.json()["address"]["city"], "Ржев");
    assert_eq!(patched.json()["emails"], json!([]));
    assert_eq!(
        patched.json()["surname"],
        "Фёдорова",
        "untouched fields stay"
    );
    assert_eq!(patched.json()["version"], 2);

    let stale = env
        .send(
            Some(env.admin()),
            Method::PATCH,
            &format!("/api/v1/subscribers/{id}"),
            Some(json!({"version": 1, "notes": "x"})),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.json()["code"], "version_mismatch");

    let renumber = env
        .send(
            Some(env.admin()),
            Method::PATCH,
            &format!("/api/v1/subscribers/{id}"),
            Some(json!({"account_number": "ЛС-78"})),
        )
        .await;
    assert_eq!(renumber.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(renumber.json()["errors"][0]["field"], "account_number");

    let history = env
        .send(
            Some(env.user("viewer")),
            Method::GET,
            &format!("/api/v1/subscribers/{id}/history"),
            None,
        )
        .await
        .json();
    let entries = history["items"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["action"], "subscriber.update");
    assert_eq!(entries[0]["actor"], "Test operator");
    let changes = &entries[0]["changes"];
    assert!(
        changes
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "address.city" && c["old"] == "Тверь" && c["new"] == "Ржев"),
        "{changes}"
    );
    assert_eq!(entries[1]["action"], "subscriber.create");

    let card = env
        .page(env.user("viewer"), &format!("/subscribers/{id}"))
        .await;
    assert_eq!(card.status, StatusCode::OK);
    let html = card.text();
    assert!(html.contains("Фёдорова Анна Ивановна"));
    assert!(
        html.contains("<code>Город</code>"),
        "the timeline names the field"
    );
    assert!(html.contains("Изменён абонент"));
    assert!(html.contains("<del>Тверь</del>") && html.contains("<ins>Ржев</ins>"));
    for empty in [
        "data-services",
        "data-balance",
        "data-meters",
        "data-invoices",
        "data-payments",
    ] {
        assert!(html.contains(empty), "{empty}");
    }
    assert!(html.contains("Здесь появятся подключённые услуги"));
    assert!(!html.contains("data-edit"), "a viewer gets no edit button");
}

#[tokio::test]
async fn every_wrong_field_is_named_with_its_message() {
    let env = Env::new("acme").await;
    let answer = env
        .send(
            Some(env.admin()),
            Method::POST,
            "/api/v1/subscribers",
            Some(json!({
                "account_number": "=1+1",
                "surname": "",
                "name": "Анна2",
                "phones": ["12345"],
                "emails": ["anna@"],
                "address": {"city": "", "street": "Ленина", "house": "", "postcode": "12"},
                "area": "много",
                "residents": 120,
                "billing_mode": "monthly",
                "tags": ["ok", "=bad"],
                "opened_on": "31.02.2026",
                "building_id": "nope",
            })),
        )
        .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.text()
    );
    let problem = answer.json();
    assert_eq!(problem["code"], "validation_failed");
    let errors: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect = [
        ("account_number", "Номер лицевого счёта: только цифры"),
        ("building_id", "Такого дома нет"),
        ("surname", "Укажите фамилию"),
        ("name", "Только буквы"),
        ("phones[0]", "Российский номер"),
        ("emails[0]", "После @ нужен домен"),
        ("address.postcode", "Индекс — 6 цифр"),
        ("address.city", "Заполните это поле адреса"),
        ("address.house", "Заполните это поле адреса"),
        ("area", "Площадь — число"),
        ("residents", "Не больше 99 человек"),
        ("billing_mode", "Выберите постоплату или предоплату"),
        ("tags[1]", "Метка: буквы"),
        ("opened_on", "Дата — в виде ДД.ММ.ГГГГ"),
    ];
    for (field, start) in expect {
        let found = errors.iter().find(|(f, _)| f == field);
        assert!(
            found.is_some_and(|(_, m)| m.starts_with(start)),
            "{field}: {found:?} in {errors:?}"
        );
    }
    assert_eq!(errors.len(), expect.len(), "{errors:?}");

    let organisation = env
        .send_on(
            &env.host,
            Some(env.admin()),
            Method::POST,
            "/api/v1/subscribers",
            Some(json!({"kind": "organisation", "organisation_name": "ООО «Ромашка»", "inn": "7707083890",
                "address": {"city": "Тверь", "street": "Мира", "house": "2"}})),
        )
        .await;
    assert_eq!(organisation.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(organisation.json()["errors"][0]["field"], "inn");
    assert!(
        organisation.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Контрольные цифры ИНН")
    );

    let search = env
        .send(Some(env.admin()), Method::GET, "/api/v1/subscribers", None)
        .await;
    assert_eq!(search.json()["items"], json!([]), "nothing was saved");
}

#[tokio::test]
async fn generated_numbers_have_no_gaps_even_when_created_at_once() {
    let env = Env::new("acme").await;
    let manual = {
        let mut body = person("Ручной", "Номер");
        body["account_number"] = json!("ЛС-000003");
        env.create(body).await
    };
    assert_eq!(manual["account_number"], "ЛС-000003");
    for round in 0..5 {
        let (a, b) = tokio::join!(
            env.send(
                Some(env.admin()),
                Method::POST,
                "/api/v1/subscribers",
                Some(person("Первый", &format!("Раунд{}", "а".repeat(round + 1)))),
            ),
            env.send(
                Some(env.user("operator")),
                Method::POST,
                "/api/v1/subscribers",
                Some(person("Второй", &format!("Раунд{}", "б".repeat(round + 1)))),
            ),
        );
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        assert_eq!(b.status, StatusCode::CREATED, "{}", b.text());
    }
    let services = env.platform.services.clone();
    let tenant = env.tenant.clone();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let services = services.clone();
            let tenant = tenant.clone();
            tokio::spawn(async move {
                let new = crm_app::subscribers::NewSubscriber {
                    account_number: None,
                    input: crm_domain::subscriber::SubscriberInput {
                        surname: "Параллельный".into(),
                        name: format!("Номер{}", "я".repeat(i + 1)),
                        city: "Тверь".into(),
                        street: "Мира".into(),
                        house: "1".into(),
                        ..Default::default()
                    },
                };
                crm_app::subscribers::create(
                    &services,
                    &tenant,
                    &crm_app::audit::Audit::system("test"),
                    &new,
                )
                .await
                .map(|s| s.account_number.to_string())
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let all = env.all_pages("/api/v1/subscribers?limit=50").await;
    let numbers: Vec<&str> = all
        .iter()
        .map(|s| s["account_number"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (1..=19).map(|n| format!("ЛС-{n:06}")).collect();
    assert_eq!(
        numbers, expected,
        "one typed in, 18 generated around it, no gaps"
    );
}

#[tokio::test]
async fn a_taken_account_number_is_refused_and_nothing_is_saved() {
    let env = Env::new("acme").await;
    let mut first = person("Иванов", "Иван");
    first["account_number"] = json!("12-345");
    env.create(first).await;
    let mut second = person("Петров", "Пётр");
    second["account_number"] = json!("12-345");
    let answer = env
        .send(
            Some(env.admin()),
            Method::POST,
            "/api/v1/subscribers",
            Some(second),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    assert_eq!(answer.json()["code"], "account_number_taken");
    assert_eq!(answer.json()["errors"][0]["field"], "account_number");
    let all = env.all_pages("/api/v1/subscribers").await;
    assert_eq!(all.len(), 1);
    let petrov = env
        .send(
            Some(env.admin()),
            Method::GET,
            &format!("/api/v1/subscribers?q={}", q("Петров")),
            None,
        )
        .await;
    assert_eq!(
        petrov.json()["items"],
        json!([]),
        "no index entries were left behind"
    );

    // The same in the form: an inline error on the number.
    let form = env
        .post_form(
            env.admin(),
            "/subscribers",
            &[
                ("account_number", "12-345"),
                ("kind", "person"),
                ("surname", "Петров"),
                ("name", "Пётр"),
                ("city", "Тверь"),
                ("street", "Мира"),
                ("house", "1"),
            ],
        )
        .await;
    assert_eq!(form.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        form.text()
            .contains("Лицевой счёт с таким номером уже есть")
    );
}

#[tokio::test]
async fn close_suspend_and_reopen_with_dates() {
    let env = Env::new("acme").await;
    let mut body = person("Соколова", "Мария");
    body["opened_on"] = json!("2025-01-10");
    let id = env.create(body).await["id"].as_str().unwrap().to_owned();
    let env_ref = &env;
    let post = |path: &str, body: Value| {
        let uri = format!("/api/v1/subscribers/{id}/{path}");
        async move {
            env_ref
                .send(
                    Some(env_ref.user("operator")),
                    Method::POST,
                    &uri,
                    Some(body),
                )
                .await
        }
    };
    let suspended = post("suspend", json!({"date": "01.03.2025", "reason": "Долг"})).await;
    assert_eq!(suspended.status, StatusCode::OK, "{}", suspended.text());
    assert_eq!(suspended.json()["status"], "suspended");
    assert_eq!(suspended.json()["status_since"], "2025-03-01");
    assert_eq!(suspended.json()["status_reason"], "Долг");

    let again = post("suspend", json!({})).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.json()["errors"][0]["field"], "status");
    let early = post("close", json!({"date": "2025-02-01"})).await;
    assert_eq!(early.json()["errors"][0]["field"], "date");
    assert!(
        early.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Дата раньше")
    );
    let future = post("close", json!({"date": "2999-01-01"})).await;
    assert_eq!(future.status, StatusCode::UNPROCESSABLE_ENTITY);
    let stale = post("close", json!({"version": 1})).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);

    let closed = post("close", json!({"date": "2025-04-01", "reason": "Переезд"})).await;
    assert_eq!(closed.json()["status"], "closed");
    let reopened = post("reopen", json!({"date": "2025-05-01"})).await;
    assert_eq!(reopened.json()["status"], "active");
    assert_eq!(reopened.json()["status_reason"], Value::Null);

    let history = env
        .send(
            Some(env.admin()),
            Method::GET,
            &format!("/api/v1/subscribers/{id}/history"),
            None,
        )
        .await
        .json();
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "subscriber.reopen",
            "subscriber.close",
            "subscriber.suspend",
            "subscriber.create"
        ]
    );

    let closed_list = env.all_pages("/api/v1/subscribers?status=closed").await;
    assert!(
        closed_list.is_empty(),
        "reopened: no longer listed as closed"
    );

    // The card's forms do the same.
    let form = env
        .post_form(
            env.admin(),
            &format!("/subscribers/{id}/status"),
            &[
                ("action", "close"),
                ("date", "02.05.2025"),
                ("reason", "Снос дома"),
            ],
        )
        .await;
    assert_eq!(form.status, StatusCode::SEE_OTHER);
    let card = env
        .page(env.admin(), &format!("/subscribers/{id}"))
        .await
        .text();
    assert!(card.contains("Закрыт с 02.05.2025"), "{card}");
    assert!(card.contains("Снос дома"));
}

#[tokio::test]
async fn the_forms_show_errors_inline_and_save() {
    let env = Env::new("acme").await;
    let page = env.page(env.user("operator"), "/subscribers/new").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    for name in [
        "account_number",
        "surname",
        "organisation_name",
        "phones[2]",
        "emails[1]",
        "city",
        "billing_mode",
    ] {
        assert!(html.contains(&format!("name=\"{name}\"")), "{name}");
    }

    let bad = env
        .post_form(
            env.user("operator"),
            "/subscribers",
            &[
                ("kind", "person"),
                ("surname", ""),
                ("name", "Ольга"),
                ("phones[0]", "abc"),
                ("city", "Тверь"),
                ("street", "Мира"),
                ("house", "3"),
                ("tags", "ok, =x"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text();
    assert!(html.contains("data-error-summary"));
    assert!(html.contains("f-surname-error"));
    assert!(html.contains("Укажите фамилию"));
    assert!(html.contains("f-phones[0]-error"));
    assert!(html.contains("f-tags-error"));
    assert!(html.contains("value=\"Ольга\""), "typed values are kept");

    let good = env
        .post_form(
            env.user("operator"),
            "/subscribers",
            &[
                ("kind", "organisation"),
                ("organisation_name", "ООО «Ромашка»"),
                ("inn", "7707083893"),
                ("kpp", "773601001"),
                ("phones[0]", "8 4822 32-10-10"),
                ("phones[1]", ""),
                ("city", "Тверь"),
                ("street", "Мира"),
                ("house", "3"),
                ("area", "120,5"),
                ("tags", "юрлицо, VIP"),
                ("billing_mode", "postpaid"),
            ],
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.text());
    let card_path = good.headers["location"].to_str().unwrap().to_owned();
    let cookie = good.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("flash="));
    let card = env.page(env.user("operator"), &card_path).await.text();
    assert!(card.contains("ООО «Ромашка»"));
    assert!(card.contains("+7 482 232-10-10"));

    let id = card_path.rsplit('/').next().unwrap();
    let edit = env
        .page(env.user("operator"), &format!("{card_path}/edit"))
        .await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.text().contains("name=\"version\" value=\"1\""));
    let saved = env
        .post_form(
            env.user("operator"),
            &card_path,
            &[
                ("version", "1"),
                ("kind", "organisation"),
                ("organisation_name", "ООО «Ромашка»"),
                ("inn", "7707083893"),
                ("kpp", "773601001"),
                ("phones[0]", "8 4822 32-10-10"),
                ("city", "Тверь"),
                ("street", "Мира"),
                ("house", "5"),
                ("area", "120,5"),
                ("tags", "юрлицо, VIP"),
                ("billing_mode", "postpaid"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let got = env
        .send(
            Some(env.admin()),
            Method::GET,
            &format!("/api/v1/subscribers/{id}"),
            None,
        )
        .await
        .json();
    assert_eq!(got["address"]["house"], "5");
    assert_eq!(got["version"], 2);

    let stale = env
        .post_form(
            env.user("operator"),
            &card_path,
            &[
                ("version", "1"),
                ("kind", "organisation"),
                ("organisation_name", "ООО «Ландыш»"),
                ("inn", "7707083893"),
                ("kpp", "773601001"),
                ("city", "Тверь"),
                ("street", "Мира"),
                ("house", "5"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stale.text().contains("изменил кто-то другой"));
    assert!(stale.text().contains("name=\"version\" value=\"2\""));
}

#[tokio::test]
async fn buildings_group_subscribers_and_count_them() {
    let env = Env::new("acme").await;
    let created = env
        .send(
            Some(env.admin()),
            Method::POST,
            "/api/v1/buildings",
            Some(json!({"name": "ЖК «Северный»", "address": {"city": "Тверь", "street": "ул. Мира", "house": "10"}})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let building = created.json();
    let building_id = building["id"].as_str().unwrap().to_owned();
    let duplicate = env
        .send(
            Some(env.admin()),
            Method::POST,
            "/api/v1/buildings",
            Some(json!({"address": {"city": "тверь", "street": "УЛ.  МИРА", "house": "10"}})),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(duplicate.json()["code"], "building_exists");

    let resident = env
        .create(json!({"surname": "Жильцов", "name": "Иван", "building_id": building_id, "address": {"flat": "12"}}))
        .await;
    assert_eq!(resident["address_line"], "Тверь, ул. Мира, д. 10, кв. 12");
    let elsewhere = env
        .send(
            Some(env.admin()),
            Method::POST,
            "/api/v1/subscribers",
            Some(
                json!({"surname": "Чужой", "name": "Пётр", "building_id": building_id,
                "address": {"city": "Тверь", "street": "Ленина", "house": "1"}}),
            ),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(elsewhere.json()["errors"][0]["field"], "building_id");

    let second = env
        .create(json!({"surname": "Соседова", "name": "Анна", "building_id": building_id, "address": {"flat": "13"}}))
        .await;
    env.send(
        Some(env.admin()),
        Method::POST,
        &format!(
            "/api/v1/subscribers/{}/close",
            second["id"].as_str().unwrap()
        ),
        Some(json!({})),
    )
    .await;
    let counts = env
        .send(
            Some(env.user("viewer")),
            Method::GET,
            &format!("/api/v1/buildings/{building_id}"),
            None,
        )
        .await
        .json()["counts"]
        .clone();
    assert_eq!(counts, json!({"active": 1, "suspended": 0, "closed": 1}));

    let moved = env
        .send(
            Some(env.admin()),
            Method::PATCH,
            &format!("/api/v1/buildings/{building_id}"),
            Some(json!({"address": {"house": "12"}})),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CONFLICT);
    assert_eq!(moved.json()["code"], "building_has_subscribers");
    let renamed = env
        .send(
            Some(env.admin()),
            Method::PATCH,
            &format!("/api/v1/buildings/{building_id}"),
            Some(json!({"name": "ЖК «Северный-2»", "version": 1})),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text());

    // Moving a subscriber out of the building moves its count.
    env.send(
        Some(env.admin()),
        Method::PATCH,
        &format!("/api/v1/subscribers/{}", resident["id"].as_str().unwrap()),
        Some(json!({"building_id": "", "address": {"street": "Ленина"}})),
    )
    .await;
    let list = env
        .send(
            Some(env.user("viewer")),
            Method::GET,
            "/api/v1/buildings",
            None,
        )
        .await
        .json();
    assert_eq!(
        list["items"][0]["counts"],
        json!({"active": 0, "suspended": 0, "closed": 1})
    );

    let card = env
        .page(env.user("viewer"), &format!("/buildings/{building_id}"))
        .await;
    assert_eq!(card.status, StatusCode::OK);
    let html = card.text();
    assert!(html.contains("ЖК «Северный-2»") && html.contains("Соседова Анна"));
    assert!(!html.contains("Жильцов"));
    let page = env.page(env.user("viewer"), "/buildings").await.text();
    assert!(page.contains("ЖК «Северный-2»"));
}

#[tokio::test]
async fn upsert_by_account_number_creates_updates_or_leaves_alone() {
    use crm_app::subscribers::{UpsertOutcome, upsert_by_account_number};
    let env = Env::new("acme").await;
    let services = &env.platform.services;
    let audit = crm_app::audit::Audit::system("import");
    let mut input = crm_domain::subscriber::SubscriberInput {
        surname: "Импортов".into(),
        name: "Иван".into(),
        city: "Тверь".into(),
        street: "Мира".into(),
        house: "1".into(),
        ..Default::default()
    };
    let (created, outcome) = upsert_by_account_number(services, &env.tenant, &audit, "И-1", &input)
        .await
        .unwrap();
    assert_eq!(outcome, UpsertOutcome::Created);
    let (_, outcome) = upsert_by_account_number(services, &env.tenant, &audit, "и-1", &input)
        .await
        .unwrap();
    assert_eq!(outcome, UpsertOutcome::Unchanged);
    input.house = "2".into();
    let (updated, outcome) = upsert_by_account_number(services, &env.tenant, &audit, "И-1", &input)
        .await
        .unwrap();
    assert_eq!(outcome, UpsertOutcome::Updated);
    assert_eq!(updated.id, created.id);
    assert_eq!(
        updated.facts.opened_on, created.facts.opened_on,
        "kept when not given"
    );
    let bad = upsert_by_account_number(services, &env.tenant, &audit, "#1", &input).await;
    assert!(matches!(
        bad,
        Err(crm_app::subscribers::SubscriberError::Invalid(_))
    ));
}

#[tokio::test]
async fn the_demo_seed_is_realistic_and_idempotent() {
    use crm_app::subscribers::demo::{DEMO_BUILDINGS, DEMO_SUBSCRIBERS, seed_demo};
    let env = Env::new("demo").await;
    let services = &env.platform.services;
    let first = seed_demo(services, &env.tenant).await.unwrap();
    assert_eq!(first.buildings_created, DEMO_BUILDINGS);
    assert_eq!(first.subscribers_created, DEMO_SUBSCRIBERS);
    let second = seed_demo(services, &env.tenant).await.unwrap();
    assert_eq!(second.buildings_created, 0);
    assert_eq!(second.subscribers_created, 0);
    let all = env.all_pages("/api/v1/subscribers?limit=200").await;
    assert_eq!(all.len() as u64, DEMO_SUBSCRIBERS);
    assert!(all.iter().any(|s| s["status"] == "closed"));
    let next = env.create(person("Новый", "Абонент")).await;
    assert_eq!(
        next["account_number"],
        format!("ЛС-{:06}", DEMO_SUBSCRIBERS + 1),
        "numbering continues after the demo"
    );
}

#[tokio::test]
async fn generated_numbers_follow_the_tenants_numbering_setting() {
    let env = Env::new("acme").await;
    let first = env.create(person("Первый", "Абонент")).await;
    assert_eq!(first["account_number"], "ЛС-000001", "the default pattern");

    let put = |body: serde_json::Value| {
        env.send(
            Some(env.admin()),
            Method::PUT,
            "/api/v1/settings/account_numbering",
            Some(body),
        )
    };
    let bad = put(json!({"account_prefix": "=HYPERLINK(", "account_width": 4})).await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    assert!(bad.text().contains("account_prefix"), "{}", bad.text());
    let too_wide = put(json!({"account_prefix": "Л", "account_width": 13})).await;
    assert_eq!(too_wide.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        too_wide.text().contains("account_width"),
        "{}",
        too_wide.text()
    );

    let saved = put(json!({"account_prefix": "ВК/", "account_width": 4})).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    // The counter goes on; only the look of new numbers changes.
    let second = env.create(person("Второй", "Абонент")).await;
    assert_eq!(second["account_number"], "ВК/0002");
    let again = env
        .send(
            Some(env.admin()),
            Method::GET,
            &format!("/api/v1/subscribers/{}", first["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(
        again.json()["account_number"],
        "ЛС-000001",
        "numbers given stay"
    );
}
