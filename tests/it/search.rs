//! Finding subscribers: word-start prefixes on every field, case and ё/е, phones typed any way,
//! filters alone and combined, pages that cover every match once in order (both ways), forged
//! cursors, and bounded work on sparse filters.

use std::collections::BTreeSet;

use crm_app::subscribers::fake::Faker;
use crm_app::subscribers::{Subscriber, bulk};
use crm_domain::subscriber::StatusState;
use crm_domain::subscriber::search::{matches, normalise, query_words, reported_term, terms};
use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::subscribers_support::{Env, person, q};

fn names(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|s| s["display_name"].as_str().unwrap().to_owned())
        .collect()
}

async fn found(env: &Env, query: &str) -> BTreeSet<String> {
    let items = env
        .all_pages(&format!("/api/v1/subscribers?limit=50&{query}"))
        .await;
    let set = names(&items);
    assert_eq!(set.len(), items.len(), "each match once: {query}");
    set
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

#[tokio::test]
async fn every_field_is_found_by_word_starts_in_any_case_with_yo() {
    let env = Env::new("acme").await;
    let mut a = person("Фёдоров", "Пётр");
    a["patronymic"] = json!("Ильич");
    a["phones"] = json!(["8 912 345-67-89"]);
    a["emails"] = json!(["petr.fedorov@mail.ru"]);
    a["address"] = json!({"city": "Тверь", "street": "ул. Ёлочная", "house": "5", "flat": "12"});
    env.create(a).await;
    let mut b = person("Федотова", "Анна");
    b["patronymic"] = json!("Семёновна");
    b["phones"] = json!(["+7 915 000-11-22"]);
    b["address"] = json!({"city": "Тверь", "street": "ул. Советская", "house": "7", "flat": "3"});
    env.create(b).await;
    env.create(json!({
        "kind": "organisation", "organisation_name": "ООО «Ромашка»", "inn": "7707083893", "kpp": "773601001",
        "address": {"city": "Москва", "street": "ул. Ленина", "house": "1"},
    }))
    .await;
    let mut d = person("Семенов", "Иван");
    d["address"] = json!({"city": "Ржев", "street": "ул. Фёдорова", "house": "3"});
    env.create(d).await;
    let mut e = person("Иванов", "Олег");
    e["address"] = json!({"city": "Тверь", "street": "ул. Ивановская", "house": "9"});
    env.create(e).await;

    let (a, b, c, d, e) = (
        "Фёдоров Пётр Ильич",
        "Федотова Анна Семёновна",
        "ООО «Ромашка»",
        "Семенов Иван",
        "Иванов Олег",
    );
    let cases: &[(&str, &[&str])] = &[
        ("q=федор", &[a, d]),
        ("q=Фёдор", &[a, d]),
        ("q=ФЕДОТ", &[b]),
        ("q=семён", &[b, d]),
        ("q=семен", &[b, d]),
        ("q=ёлочн", &[a]),
        ("q=елочная 5", &[a]),
        ("q=ул. Ленина, д. 1", &[c]),
        ("q=пётр ильич", &[a]),
        ("q=федоров анна", &[]),
        ("q=ЛС-00000", &[a, b, c, d, e]),
        ("q=лс-000002", &[b]),
        ("q=000003", &[c]),
        ("q=8 912 345", &[a]),
        ("q=+7 912 345", &[a]),
        ("q=912-345-67-89", &[a]),
        ("q=89123456789", &[a]),
        ("q=(915)", &[b]),
        ("q=petr.fed", &[a]),
        ("q=PETR.FEDOROV@MAIL.RU", &[a]),
        ("q=7707083", &[c]),
        ("q=ромаш", &[c]),
        ("q=иван", &[d, e]),
        ("q=федор&field=name", &[a]),
        ("q=федор&field=address", &[d]),
        ("q=912&field=account", &[]),
        ("q=912&field=phone", &[a]),
        ("q=ржев", &[d]),
        ("q=щ", &[]),
    ];
    for (query, expected) in cases {
        let query = query.replacen("q=", "", 1);
        let (text, rest) = query.split_once('&').unwrap_or((&query, ""));
        let uri = format!("q={}&{rest}", q(text));
        assert_eq!(found(&env, &uri).await, set(expected), "{query}");
    }
}

#[tokio::test]
async fn filters_work_alone_and_together() {
    let env = Env::new("acme").await;
    let building = env
        .send(
            Some(env.admin()),
            Method::POST,
            "/api/v1/buildings",
            Some(json!({"address": {"city": "Тверь", "street": "ул. Мира", "house": "10"}})),
        )
        .await
        .json();
    let building = building["id"].as_str().unwrap().to_owned();
    let in_building = |surname: &str, flat: &str, extra: Value| {
        let mut body = json!({"surname": surname, "name": "Иван", "building_id": building, "address": {"flat": flat}});
        if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
            body.extend(extra);
        }
        body
    };
    let closed = env.create(in_building("Закрытов", "1", json!({}))).await;
    env.send(
        Some(env.admin()),
        Method::POST,
        &format!(
            "/api/v1/subscribers/{}/close",
            closed["id"].as_str().unwrap()
        ),
        Some(json!({})),
    )
    .await;
    env.create(in_building(
        "Предоплатов",
        "2",
        json!({"billing_mode": "prepaid"}),
    ))
    .await;
    env.create(in_building("Льготов", "3", json!({"tags": ["Льготник"]})))
        .await;
    let mut outside = person("Льготников", "Пётр");
    outside["tags"] = json!(["льготник", "VIP"]);
    outside["billing_mode"] = json!("prepaid");
    env.create(outside).await;
    env.create(person("Простов", "Иван")).await;

    let b = format!("building_id={building}");
    let cases: Vec<(String, Vec<&str>)> = vec![
        ("status=closed".into(), vec!["Закрытов Иван"]),
        (
            "status=active&building_id=".into(),
            vec![
                "Предоплатов Иван",
                "Льготов Иван",
                "Льготников Пётр",
                "Простов Иван",
            ],
        ),
        (
            "billing_mode=prepaid".into(),
            vec!["Предоплатов Иван", "Льготников Пётр"],
        ),
        (
            format!("tag={}", q("ЛЬГОТНИК")),
            vec!["Льготов Иван", "Льготников Пётр"],
        ),
        ("tag=vip".into(), vec!["Льготников Пётр"]),
        (
            b.clone(),
            vec!["Закрытов Иван", "Предоплатов Иван", "Льготов Иван"],
        ),
        (
            format!("{b}&status=active"),
            vec!["Предоплатов Иван", "Льготов Иван"],
        ),
        (
            format!("{b}&billing_mode=prepaid"),
            vec!["Предоплатов Иван"],
        ),
        (format!("{b}&tag={}", q("льготник")), vec!["Льготов Иван"]),
        (
            format!("q={}&tag={}", q("льгот"), q("льготник")),
            vec!["Льготов Иван", "Льготников Пётр"],
        ),
        (
            format!("q={}&billing_mode=prepaid&status=active", q("льг")),
            vec!["Льготников Пётр"],
        ),
        (
            format!("q={}&billing_mode=prepaid", q("л")),
            vec!["Предоплатов Иван", "Льготников Пётр"],
        ),
        (
            format!("q={}&{b}&status=closed", q("мира 10")),
            vec!["Закрытов Иван"],
        ),
        ("service_id=svc-1".into(), vec![]),
    ];
    for (query, expected) in cases {
        assert_eq!(found(&env, &query).await, set(&expected), "{query}");
    }
    for bad in [
        "status=lost",
        "billing_mode=weekly",
        "sort=city",
        "dir=up",
        "field=inn",
    ] {
        let answer = env
            .send(
                Some(env.admin()),
                Method::GET,
                &format!("/api/v1/subscribers?{bad}"),
                None,
            )
            .await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(answer.json()["code"], "invalid_filter");
    }
    let page = env
        .page(env.admin(), &format!("/subscribers?{b}&status=active"))
        .await
        .text();
    assert!(page.contains("Льготов Иван") && !page.contains("Закрытов"));
    assert!(page.contains(&format!("value=\"{building}\" selected")));
}

/// Ids of every page from the first, forward, then the same pages walked back with `prev`.
async fn walk(env: &Env, query: &str) -> (Vec<String>, Vec<String>) {
    let ids = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let get = |uri: String| async move {
        let answer = env.send(Some(env.admin()), Method::GET, &uri, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.text());
        answer.json()
    };
    let base = format!("/api/v1/subscribers?{query}");
    let mut page = get(base.clone()).await;
    assert!(page["prev"].is_null(), "the first page has no previous one");
    let mut pages = vec![ids(&page)];
    while let Some(next) = page["next"].as_str() {
        page = get(format!("{base}&cursor={next}")).await;
        pages.push(ids(&page));
    }
    let forward: Vec<String> = pages.concat();
    let mut backward_pages = vec![ids(&page)];
    while let Some(prev) = page["prev"].as_str() {
        page = get(format!("{base}&cursor={prev}")).await;
        backward_pages.push(ids(&page));
    }
    backward_pages.reverse();
    (forward, backward_pages.concat())
}

#[tokio::test]
async fn pages_cover_every_match_once_in_order_both_ways() {
    let env = Env::new("acme").await;
    let faker = Faker::new(7);
    let building = faker.building(0);
    let mut made = Vec::new();
    for n in 0..45 {
        let fake = faker.subscriber(n, "", &building, n + 1);
        let mut input = fake.input;
        input.building_id.clear();
        let created = crm_app::subscribers::create(
            &env.platform.services,
            &env.tenant,
            &crm_app::audit::Audit::system("test"),
            &crm_app::subscribers::NewSubscriber {
                account_number: None,
                input,
            },
        )
        .await
        .unwrap();
        made.push(created);
    }
    let by = |key: fn(&Subscriber) -> String, descending: bool| -> Vec<String> {
        let mut sorted: Vec<&Subscriber> = made.iter().collect();
        sorted.sort_by_key(|s| (key(s), s.id.clone()));
        if descending {
            sorted.reverse();
        }
        sorted.iter().map(|s| s.id.clone()).collect()
    };
    for (query, key, descending) in [
        (
            "limit=7",
            Subscriber::account_key as fn(&Subscriber) -> String,
            false,
        ),
        ("limit=7&dir=desc", Subscriber::account_key, true),
        ("limit=6&sort=name", Subscriber::name_key, false),
        ("limit=8&sort=name&dir=desc", Subscriber::name_key, true),
        ("limit=5&status=active", Subscriber::account_key, false),
    ] {
        let (forward, backward) = walk(&env, query).await;
        let mut expected = by(key, descending);
        if query.contains("status=active") {
            expected.retain(|id| {
                made.iter().any(|s| {
                    s.id == *id
                        && s.status.status == crm_domain::subscriber::SubscriberStatus::Active
                })
            });
        }
        assert_eq!(forward, expected, "{query}");
        assert_eq!(backward, expected, "{query}: walking back");
    }

    // Text search: ordered by the word found, then account number; each subscriber once.
    for text in ["а", "ма", "+7 9", "москва", "лс-00001"] {
        let words = query_words(text);
        let leading = words
            .iter()
            .max_by_key(|w| w.chars().count())
            .unwrap()
            .clone();
        let mut expected: Vec<(String, String, String)> = made
            .iter()
            .filter_map(|s| {
                let terms = terms(&s.searchable());
                if !matches(&terms, &words, None) {
                    return None;
                }
                let term = reported_term(&terms, &leading, None)?;
                Some((term.word.clone(), s.account_key(), s.id.clone()))
            })
            .collect();
        expected.sort();
        let expected: Vec<String> = expected.into_iter().map(|(_, _, id)| id).collect();
        assert!(!expected.is_empty(), "{text}");
        for (query, reversed) in [
            (format!("limit=4&q={}", q(text)), false),
            (format!("limit=9&dir=desc&q={}", q(text)), true),
        ] {
            let (forward, backward) = walk(&env, &query).await;
            let mut want = expected.clone();
            if reversed {
                want.reverse();
            }
            assert_eq!(forward, want, "{text}");
            assert_eq!(backward, want, "{text}: walking back");
        }
    }
}

#[tokio::test]
async fn forged_or_foreign_cursors_are_refused() {
    let env = Env::new("acme").await;
    for i in 0..4 {
        env.create(person("Курсоров", &format!("Иван{}", "а".repeat(i + 1))))
            .await;
    }
    let page = env
        .send(
            Some(env.admin()),
            Method::GET,
            "/api/v1/subscribers?limit=2",
            None,
        )
        .await
        .json();
    let cursor = page["next"].as_str().unwrap().to_owned();
    let mut tampered = cursor.clone().into_bytes();
    tampered[3] = if tampered[3] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for uri in [
        format!("/api/v1/subscribers?limit=2&cursor={tampered}"),
        "/api/v1/subscribers?limit=2&cursor=garbage".to_owned(),
        format!("/api/v1/subscribers?limit=3&cursor={cursor}"),
        format!("/api/v1/subscribers?limit=2&sort=name&cursor={cursor}"),
        format!(
            "/api/v1/subscribers?limit=2&q={}&cursor={cursor}",
            q("курс")
        ),
    ] {
        let answer = env.send(Some(env.admin()), Method::GET, &uri, None).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(answer.json()["code"], "invalid_cursor", "{uri}");
    }
    let ok = env
        .send(
            Some(env.admin()),
            Method::GET,
            &format!("/api/v1/subscribers?limit=2&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    let html = env
        .page(env.admin(), &format!("/subscribers?cursor={tampered}"))
        .await;
    assert_eq!(html.status, StatusCode::BAD_REQUEST);
    assert!(html.text().contains("<html"));
}

#[tokio::test]
async fn a_sparse_filter_stops_early_and_carries_on_from_where_it_stopped() {
    let env = Env::new("acme").await;
    let faker = Faker::new(11);
    let building = faker.building(3);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let count = 2_600u64;
    let now = chrono::Utc::now();
    let subscribers: Vec<Subscriber> = (0..count)
        .map(|n| {
            let mut input = faker.subscriber(n, "", &building, n + 1).input;
            input.building_id.clear();
            let facts = input.validate(today).unwrap();
            Subscriber {
                id: format!("s{n:06}"),
                account_number: crm_domain::subscriber::AccountNumber::parse(&format!(
                    "ЛС-{:06}",
                    n + 1
                ))
                .unwrap(),
                status: StatusState::active_since(facts.opened_on),
                facts,
                services: if n == count - 1 {
                    vec!["svc-1".into()]
                } else {
                    Vec::new()
                },
                created_at: now,
                updated_at: now,
            }
        })
        .collect();
    let db = env.platform.services.db.tenant(&env.tenant);
    bulk::insert_subscribers(&db, &subscribers).await.unwrap();

    let first = env
        .send(
            Some(env.admin()),
            Method::GET,
            "/api/v1/subscribers?service_id=svc-1",
            None,
        )
        .await
        .json();
    assert_eq!(first["partial"], true, "{first}");
    assert_eq!(first["items"], json!([]));
    assert!(first["next"].is_string());
    let all = env.all_pages("/api/v1/subscribers?service_id=svc-1").await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["account_number"], format!("ЛС-{count:06}"));
    let page = env
        .page(env.admin(), "/subscribers?service_id=svc-1")
        .await
        .text();
    assert!(page.contains("data-partial"));

    // Dense text search over the same base still fills its first page.
    let answer = env
        .send(
            Some(env.admin()),
            Method::GET,
            &format!("/api/v1/subscribers?q={}", q("а")),
            None,
        )
        .await
        .json();
    assert_eq!(answer["items"].as_array().unwrap().len(), 25);
    assert_eq!(answer["partial"], false);
    let name = normalise(answer["items"][0]["display_name"].as_str().unwrap());
    assert!(name.split(' ').any(|w| w.starts_with('а')), "{name}");
}
