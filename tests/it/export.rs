//! Exports of filtered subscriber lists: CSV (BOM, `;`, Cyrillic intact, formulas neutralised),
//! XLSX (strings, never formulas), filters applied, audited, long lists written by a job.

use std::io::Read;
use std::time::Duration;

use crm_app::jobs::Outcome;
use crm_app::keys::{self, Namespace};
use crm_app::queue::QueueName;
use crm_app::store::{Index, Query};
use crm_app::subscribers::fake::Faker;
use crm_app::subscribers::{Subscriber, bulk, export::SYNC_LIMIT};
use crm_domain::subscriber::{AccountNumber, StatusState};
use http::{Method, StatusCode};
use serde_json::json;

use crate::subscribers_support::{Env, person};

/// Fields of a `;`-separated CSV text (quotes honoured), record by record.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ';') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    records
}

async fn dangerous(env: &Env) {
    let mut a = person("Фёдоров", "Пётр");
    a["phones"] = json!(["8 912 345-67-89"]);
    a["area"] = json!("54,3");
    a["notes"] = json!("=HYPERLINK(\"http://evil.example\";\"клик\")");
    env.create(a).await;
    let mut b = person("Ёлкина", "Анна");
    b["notes"] = json!("@SUM(1;2)");
    let b = env.create(b).await;
    env.send(
        Some(env.admin()),
        Method::POST,
        &format!("/api/v1/subscribers/{}/close", b["id"].as_str().unwrap()),
        Some(json!({"reason": "-2+3"})),
    )
    .await;
    env.create(json!({
        "kind": "organisation", "organisation_name": "ООО «Рога; Копыта»", "inn": "7707083893",
        "kpp": "773601001", "notes": "+проверка", "address": {"city": "Тверь", "street": "Мира", "house": "1"},
    }))
    .await;
}

#[tokio::test]
async fn csv_is_utf8_with_bom_semicolons_and_no_live_formulas() {
    let env = Env::new("acme").await;
    dangerous(&env).await;
    let answer = env
        .send(
            Some(env.user("accountant")),
            Method::GET,
            "/api/v1/subscribers/export?format=csv",
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.headers["content-type"], "text/csv; charset=utf-8");
    let disposition = answer.headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"subscribers-")
            && disposition.ends_with(".csv\"")
    );
    assert!(
        answer.body.starts_with(&[0xEF, 0xBB, 0xBF]),
        "a UTF-8 byte-order mark"
    );
    let text = std::str::from_utf8(&answer.body[3..]).unwrap();
    assert!(text.starts_with("Лицевой счёт;Абонент;Тип;ИНН;КПП;Телефоны;"));
    assert!(text.ends_with("\r\n"));
    let records = parse_csv(text);
    assert_eq!(records.len(), 4, "a heading and three subscribers");
    assert!(records.iter().all(|r| r.len() == records[0].len()));
    for record in &records {
        for cell in record {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a live formula: {cell:?}"
            );
        }
    }
    let column = |name: &str| records[0].iter().position(|c| c == name).unwrap();
    let fedorov = records.iter().find(|r| r[1] == "Фёдоров Пётр").unwrap();
    assert_eq!(fedorov[column("Телефоны")], "'+79123456789");
    assert_eq!(
        fedorov[column("Примечание")],
        "'=HYPERLINK(\"http://evil.example\";\"клик\")"
    );
    assert_eq!(fedorov[column("Площадь, м²")], "54,3");
    let yolkina = records.iter().find(|r| r[1] == "Ёлкина Анна").unwrap();
    assert_eq!(yolkina[column("Примечание")], "'@SUM(1;2)");
    assert_eq!(yolkina[column("Причина")], "'-2+3");
    assert_eq!(yolkina[column("Статус")], "Закрыт");
    let org = records.iter().find(|r| r[2] == "Организация").unwrap();
    assert_eq!(
        org[1], "ООО «Рога; Копыта»",
        "the separator inside a quoted field"
    );
    assert_eq!(org[column("Примечание")], "'+проверка");

    let closed = env
        .send(
            Some(env.admin()),
            Method::GET,
            "/api/v1/subscribers/export?format=csv&status=closed",
            None,
        )
        .await;
    let records = parse_csv(std::str::from_utf8(&closed.body[3..]).unwrap());
    assert_eq!(records.len(), 2, "the filter applies");
    assert_eq!(records[1][1], "Ёлкина Анна");

    // Audited, under the person who exported.
    let accountant = &env.user("accountant").account;
    let namespace = Namespace::tenant(&env.tenant);
    let pk = keys::audit_by_actor(&namespace, &format!("user:{}", accountant.id), "").pk;
    let records = env
        .platform
        .services
        .db
        .tenant(&env.tenant)
        .query(Query::new(Index::Gsi2, pk), None)
        .await
        .unwrap();
    let exports: Vec<_> = records
        .items
        .iter()
        .filter(|i| i.body["action"] == "subscribers.export")
        .collect();
    assert_eq!(exports.len(), 1);
    let after = exports[0].body["changes"].to_string();
    assert!(
        after.contains("\"rows\"") && after.contains("csv"),
        "{after}"
    );

    let bad = env
        .send(
            Some(env.admin()),
            Method::GET,
            "/api/v1/subscribers/export?format=pdf",
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn xlsx_holds_strings_and_numbers_never_formulas() {
    let env = Env::new("acme").await;
    dangerous(&env).await;
    let answer = env
        .page(
            env.admin(),
            "/subscribers/export?format=xlsx&q=%D1%91%D0%BB%D0%BA",
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(answer.body.to_vec())).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let sheet = read("xl/worksheets/sheet1.xml");
    let strings = read("xl/sharedStrings.xml");
    assert!(
        !sheet.contains("<f>") && !sheet.contains("<f "),
        "no formula cells"
    );
    assert!(
        strings.contains("Ёлкина Анна"),
        "Cyrillic intact, the search applied"
    );
    assert!(!strings.contains("Фёдоров"), "only the match");
    assert!(strings.contains("@SUM(1;2)"), "kept as text");
    assert!(strings.contains("Лицевой счёт"));

    let all = env
        .send(
            Some(env.admin()),
            Method::GET,
            "/api/v1/subscribers/export?format=xlsx",
            None,
        )
        .await;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(all.body.to_vec())).unwrap();
    let mut sheet = String::new();
    archive
        .by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut sheet)
        .unwrap();
    assert!(!sheet.contains("<f>"));
    assert!(sheet.contains("<v>54.3</v>"), "areas are numbers");
}

#[tokio::test]
async fn long_lists_are_written_by_a_job_and_offered_for_download() {
    let env = Env::new("acme").await;
    let services = env.platform.services.clone();
    let faker = Faker::new(5);
    let building = faker.building(2);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let now = chrono::Utc::now();
    let count = SYNC_LIMIT as u64 + 1;
    let subscribers: Vec<Subscriber> = (0..count)
        .map(|n| {
            let mut input = faker.subscriber(n, "", &building, n + 1).input;
            input.building_id.clear();
            input.notes = "=1+1".into();
            let facts = input.validate(today).unwrap();
            Subscriber {
                id: format!("x{n:06}"),
                account_number: AccountNumber::parse(&format!("ЛС-{:06}", n + 1)).unwrap(),
                status: StatusState::active_since(facts.opened_on),
                facts,
                services: Vec::new(),
                created_at: now,
                updated_at: now,
            }
        })
        .collect();
    bulk::insert_subscribers(&services.db.tenant(&env.tenant), &subscribers)
        .await
        .unwrap();

    let queued = env
        .send(
            Some(env.admin()),
            Method::GET,
            "/api/v1/subscribers/export?format=csv",
            None,
        )
        .await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.text());
    let status_url = queued.json()["status_url"].as_str().unwrap().to_owned();
    let export_id = queued.json()["export_id"].as_str().unwrap().to_owned();
    let status = env
        .send(Some(env.admin()), Method::GET, &status_url, None)
        .await
        .json();
    assert_eq!(status["state"], "queued");
    let page = env
        .page(env.admin(), &format!("/subscribers/exports/{export_id}"))
        .await
        .text();
    assert!(page.contains("http-equiv=\"refresh\""));

    // The documents worker takes the job from its queue.
    let runner = documents::runner(services.clone());
    let deliveries = services
        .queue
        .receive(QueueName::Documents, 10, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(runner.process(&deliveries[0]).await, Outcome::Done);
    services
        .queue
        .ack(QueueName::Documents, &deliveries[0].receipt)
        .await
        .unwrap();
    // A second run of the same job changes nothing.
    crm_app::subscribers::export::run_job(&services, &env.tenant, &export_id)
        .await
        .unwrap();

    let status = env
        .send(Some(env.admin()), Method::GET, &status_url, None)
        .await
        .json();
    assert_eq!(status["state"], "done", "{status}");
    assert_eq!(status["rows"], count);
    let link = status["download_url"].as_str().unwrap();
    let path = &link[link.find("/_blobs/").unwrap()..];
    let file = env.send(None, Method::GET, path, None).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.body.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = std::str::from_utf8(&file.body[3..]).unwrap();
    assert_eq!(text.matches("\r\n").count() as u64, count + 1);
    assert!(!text.contains(";=1+1"), "neutralised in the job's file too");
    assert!(text.contains(";'=1+1"));

    let page = env
        .page(env.admin(), &format!("/subscribers/exports/{export_id}"))
        .await
        .text();
    assert!(page.contains("data-download") && !page.contains("http-equiv"));
    let others = env.other_tenant("beta").await;
    let foreign = env
        .send_on(
            &others.host,
            Some(&others.admin),
            Method::GET,
            &status_url,
            None,
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
}
