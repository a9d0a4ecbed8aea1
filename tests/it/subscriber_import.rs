//! The subscriber and service-link imports through the whole flow: upload to the blob store,
//! choices, a dry run or an apply started as a job, the job run by the imports worker's runner
//! from the queue, the report read back.

use std::time::Duration;

use crm_app::Services;
use crm_app::audit::Audit;
use crm_app::imports::flow::{self, ImportKind, ImportMode, Upload, UploadSink};
use crm_app::jobs::{Envelope, MeterImportJob};
use crm_app::progress::{self, JobState, JobStatus};
use crm_app::queue::QueueName;
use crm_app::subscribers;
use crm_domain::TenantId;
use crm_domain::subscriber::AccountNumber;

use crate::support::embedded::services;
use crate::support::tenants::create_tenant;

struct World {
    services: Services,
    tenant: TenantId,
    _dir: tempfile::TempDir,
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let (services, _queue) = services(dir.path(), 3);
    let tenant = create_tenant(&services, "demo").await;
    World {
        services,
        tenant,
        _dir: dir,
    }
}

async fn upload(
    services: &Services,
    tenant: &TenantId,
    kind: ImportKind,
    name: &str,
    bytes: &[u8],
) -> Upload {
    let mut sink = UploadSink::new(flow::MAX_UPLOAD_BYTES).unwrap();
    for chunk in bytes.chunks(64 * 1024) {
        sink.write(chunk).unwrap();
    }
    flow::uploads::create(services, tenant, &Audit::system("test"), kind, name, sink)
        .await
        .unwrap()
}

/// Runs every import job waiting on the imports queue; returns their messages.
async fn work(services: &Services) -> Vec<Envelope<MeterImportJob>> {
    let mut handled = Vec::new();
    loop {
        let deliveries = services
            .queue
            .receive(QueueName::MeterImport, 10, Duration::from_secs(600))
            .await
            .unwrap();
        if deliveries.is_empty() {
            return handled;
        }
        let runner = meter_import::runner(services.clone());
        for delivery in deliveries {
            let outcome = runner.process(&delivery).await;
            assert_eq!(outcome, crm_app::jobs::Outcome::Done, "{}", delivery.body);
            services
                .queue
                .ack(QueueName::MeterImport, &delivery.receipt)
                .await
                .unwrap();
            handled.push(serde_json::from_str(&delivery.body).unwrap());
        }
    }
}

async fn run(
    world: &World,
    kind: ImportKind,
    bytes: &[u8],
    mode: ImportMode,
) -> (Upload, JobStatus) {
    let upload = upload(&world.services, &world.tenant, kind, "file.csv", bytes).await;
    let status = start(world, &upload, mode).await;
    (upload, status)
}

async fn start(world: &World, upload: &Upload, mode: ImportMode) -> JobStatus {
    let started = flow::start(
        &world.services,
        &world.tenant,
        &Audit::system("test"),
        &upload.id,
        mode,
    )
    .await
    .unwrap();
    work(&world.services).await;
    job(world, &started.id).await
}

async fn job(world: &World, id: &str) -> JobStatus {
    let db = world.services.db.tenant(&world.tenant);
    progress::get(&db, id).await.unwrap().unwrap().0
}

async fn errors(world: &World, status: &JobStatus) -> Vec<(String, String, String)> {
    let Some(key) = status.report_key.as_deref() else {
        return Vec::new();
    };
    flow::report_lines(&world.services, key, 100)
        .await
        .unwrap()
        .errors
        .into_iter()
        .map(|line| (line.row, line.column, line.code))
        .collect()
}

async fn subscriber(world: &World, account: &str) -> Option<subscribers::Subscriber> {
    let db = world.services.db.tenant(&world.tenant);
    subscribers::find_by_account_number(&db, &AccountNumber::parse(account).unwrap())
        .await
        .unwrap()
        .map(|(s, _)| s)
}

const HEADER: &str =
    "Лицевой счёт;Фамилия;Имя;Город;Улица;Дом;Квартира;Телефон;Площадь;Проживающих\n";

fn good() -> String {
    format!(
        "{HEADER}\
         100-1;Алёшина;Мария;Тверь;Мира;1;1;+7 900 111-22-33;54,3;2\n\
         100-2;Петров;Иван;Тверь;Мира;1;2;;40;1\n"
    )
}

fn with_bad_rows() -> String {
    format!(
        "{HEADER}\
         100-1;Алёшина;Мария;Тверь;Мира;1;1;+7 900 111-22-33;54,3;2\n\
         100-2;Петров;Иван;Тверь;Мира;1;2;телефон;40;1\n\
         100-3;Сидоров;Пётр;Тверь;Мира;1;3;;-5;много\n\
         100-1;Двойник;Иван;Тверь;Мира;1;4;;;\n"
    )
}

#[tokio::test]
async fn a_clean_file_creates_subscribers_with_their_building_and_again_changes_nothing() {
    let world = world().await;
    let (_, status) = run(
        &world,
        ImportKind::Subscribers,
        good().as_bytes(),
        ImportMode::AllOrNothing,
    )
    .await;
    assert_eq!(status.state, JobState::Done, "{:?}", status.message);
    assert_eq!((status.count("created"), status.count("invalid")), (2, 0));
    let first = subscriber(&world, "100-1").await.unwrap();
    assert_eq!(first.display_name(), "Алёшина Мария");
    assert_eq!(first.facts.phones[0].as_str(), "+79001112233");
    let second = subscriber(&world, "100-2").await.unwrap();
    assert!(first.facts.building_id.is_some());
    assert_eq!(
        first.facts.building_id, second.facts.building_id,
        "one house, one building"
    );

    // The same file uploaded again: every row unchanged.
    let (_, again) = run(
        &world,
        ImportKind::Subscribers,
        good().as_bytes(),
        ImportMode::AllOrNothing,
    )
    .await;
    assert_eq!((again.count("unchanged"), again.count("created")), (2, 0));
    // A change: updated, and it is on the subscriber's timeline.
    let changed = good().replace("Петров;Иван", "Петров;Илья");
    let (_, third) = run(
        &world,
        ImportKind::Subscribers,
        changed.as_bytes(),
        ImportMode::ValidRows,
    )
    .await;
    assert_eq!((third.count("updated"), third.count("unchanged")), (1, 1));
    let (history, _) =
        subscribers::history::history(&world.services, &world.tenant, &second.id, None, 10)
            .await
            .unwrap();
    assert_eq!(history.len(), 2, "created, then updated");
}

#[tokio::test]
async fn bad_rows_name_their_row_and_column_and_all_or_nothing_writes_nothing() {
    let world = world().await;
    let (upload, status) = run(
        &world,
        ImportKind::Subscribers,
        with_bad_rows().as_bytes(),
        ImportMode::AllOrNothing,
    )
    .await;
    assert_eq!(status.state, JobState::Done);
    assert_eq!((status.count("invalid"), status.count("created")), (3, 0));
    assert!(
        subscriber(&world, "100-1").await.is_none(),
        "nothing applied"
    );
    let errors = errors(&world, &status).await;
    assert!(
        errors.contains(&("3".into(), "Телефон".into(), "phone_letters".into())),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|(row, column, _)| row == "4" && column == "Площадь"),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|(row, column, _)| row == "4" && column == "Проживающих"),
        "{errors:?}"
    );
    assert!(
        errors.contains(&(
            "5".into(),
            "Лицевой счёт".into(),
            "duplicate_in_file".into()
        )),
        "{errors:?}"
    );

    // The dry run says the same and writes nothing; "the valid rows" applies row 2 only.
    let dry = start(&world, &upload, ImportMode::DryRun).await;
    assert_eq!((dry.count("valid"), dry.count("invalid")), (1, 3));
    assert!(subscriber(&world, "100-1").await.is_none());
    let valid = start(&world, &upload, ImportMode::ValidRows).await;
    assert_eq!((valid.count("created"), valid.count("invalid")), (1, 3));
    assert!(subscriber(&world, "100-1").await.is_some());
    assert!(subscriber(&world, "100-2").await.is_none());
}

#[tokio::test]
async fn replaying_a_job_or_starting_it_again_changes_nothing() {
    let world = world().await;
    let upload = upload(
        &world.services,
        &world.tenant,
        ImportKind::Subscribers,
        "a.csv",
        good().as_bytes(),
    )
    .await;
    let audit = Audit::system("test");
    let first = flow::start(
        &world.services,
        &world.tenant,
        &audit,
        &upload.id,
        ImportMode::AllOrNothing,
    )
    .await
    .unwrap();
    let jobs = work(&world.services).await;
    assert_eq!(jobs.len(), 1);
    // The same start again: the same job, nothing sent.
    let again = flow::start(
        &world.services,
        &world.tenant,
        &audit,
        &upload.id,
        ImportMode::AllOrNothing,
    )
    .await
    .unwrap();
    assert_eq!(again.id, first.id);
    assert!(work(&world.services).await.is_empty());
    // A redelivered message of the finished job: nothing changes.
    let MeterImportJob::Import(job) = &jobs[0].job else {
        panic!("an import job")
    };
    let before = subscriber(&world, "100-1").await.unwrap();
    flow::run(&world.services, &world.tenant, job)
        .await
        .unwrap();
    let status = self::job(&world, &first.id).await;
    assert_eq!(status.count("created"), 2);
    assert_eq!(subscriber(&world, "100-1").await.unwrap(), before);
}

#[tokio::test]
async fn cp1251_files_are_detected_and_choices_override() {
    let world = world().await;
    let bytes = encoding_rs::WINDOWS_1251.encode(&good()).0.into_owned();
    let (upload, status) = run(
        &world,
        ImportKind::Subscribers,
        &bytes,
        ImportMode::AllOrNothing,
    )
    .await;
    assert_eq!(status.count("created"), 2, "{:?}", status.message);
    assert_eq!(
        subscriber(&world, "100-1").await.unwrap().display_name(),
        "Алёшина Мария"
    );
    let preview = flow::uploads::preview(&world.services, &upload, 2)
        .await
        .unwrap();
    assert_eq!(
        preview.detected.encoding,
        Some(crm_app::imports::TextEncoding::Windows1251)
    );
    assert_eq!(preview.detected.delimiter, Some(b';'));

    // Read as UTF-8 on purpose, it is mojibake: the header no longer maps.
    let choices = flow::Choices {
        encoding: Some(crm_app::imports::TextEncoding::Utf8),
        ..upload.choices.clone()
    };
    let chosen = flow::uploads::choose(
        &world.services,
        &world.tenant,
        &Audit::system("test"),
        &upload.id,
        choices,
    )
    .await
    .unwrap();
    assert_eq!(chosen.revision, upload.revision + 1);
    let status = start(&world, &chosen, ImportMode::DryRun).await;
    assert_eq!(status.state, JobState::Failed);
}

#[tokio::test]
async fn missing_extra_columns_and_empty_files_say_why() {
    let world = world().await;
    let (_, missing) = run(
        &world,
        ImportKind::Subscribers,
        "Фамилия;Имя\nИванов;Иван\n".as_bytes(),
        ImportMode::DryRun,
    )
    .await;
    assert_eq!(missing.state, JobState::Failed);
    let (_, no_account) = run(
        &world,
        ImportKind::Subscribers,
        "Фамилия;Лицевой счёт_\nИванов;1\n".as_bytes(),
        ImportMode::DryRun,
    )
    .await;
    assert_eq!(
        no_account.state,
        JobState::Done,
        "`Лицевой счёт_` still names the account"
    );
    let extra = good().replace("Проживающих\n", "Проживающих;Любимый цвет\n");
    let (_, extra) = run(
        &world,
        ImportKind::Subscribers,
        extra.as_bytes(),
        ImportMode::AllOrNothing,
    )
    .await;
    assert_eq!(extra.count("created"), 2, "an extra column is ignored");
    let mut sink = UploadSink::new(flow::MAX_UPLOAD_BYTES).unwrap();
    sink.write(b"").unwrap();
    let empty = flow::uploads::create(
        &world.services,
        &world.tenant,
        &Audit::system("t"),
        ImportKind::Subscribers,
        "e.csv",
        sink,
    )
    .await;
    assert!(matches!(empty, Err(flow::UploadError::NoFile)));
    let (_, blank) = run(
        &world,
        ImportKind::Subscribers,
        b"\n;;\n",
        ImportMode::DryRun,
    )
    .await;
    assert_eq!(blank.state, JobState::Failed);
    assert!(blank.message.unwrap().ru.contains("пустой"));
    let mut small = UploadSink::new(10).unwrap();
    assert!(matches!(
        small.write(&[b'x'; 11]),
        Err(flow::UploadError::TooLarge { limit_bytes: 10 })
    ));
}

#[tokio::test]
async fn a_ten_megabyte_cell_is_refused_and_formulas_stay_text() {
    let world = world().await;
    let mut file = good().into_bytes();
    file.extend_from_slice("100-3;".as_bytes());
    file.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    file.extend_from_slice(";Иван;Тверь;Мира;1;3;;;\n".as_bytes());
    let (_, status) = run(
        &world,
        ImportKind::Subscribers,
        &file,
        ImportMode::AllOrNothing,
    )
    .await;
    assert_eq!((status.count("invalid"), status.count("created")), (1, 0));
    assert!(
        subscriber(&world, "100-1").await.is_none(),
        "nothing applied"
    );
    let errors = errors(&world, &status).await;
    assert_eq!(
        errors,
        vec![("4".into(), "Фамилия".into(), "cell_too_large".into())]
    );

    let formula = "Лицевой счёт;Фамилия;Имя;Город;Улица;Дом;Примечание\n\
                   100-9;Иванов;Иван;Тверь;Мира;1;=HYPERLINK(\"http://x\")\n";
    let (_, status) = run(
        &world,
        ImportKind::Subscribers,
        formula.as_bytes(),
        ImportMode::AllOrNothing,
    )
    .await;
    assert_eq!(status.count("created"), 1, "{:?}", status.message);
    let stored = subscriber(&world, "100-9").await.unwrap();
    assert_eq!(
        stored.facts.notes.as_deref(),
        Some("=HYPERLINK(\"http://x\")"),
        "stored as the text it is"
    );
    let bad = format!("{HEADER}100-8;=1+1;Иван;Тверь;Мира;1;8;@x;;\n");
    let (_, status) = run(
        &world,
        ImportKind::Subscribers,
        bad.as_bytes(),
        ImportMode::DryRun,
    )
    .await;
    let key = status.report_key.unwrap();
    let report = world.services.blobs.get(&key).await.unwrap().unwrap();
    let text = String::from_utf8(report.to_vec()).unwrap();
    assert!(
        text.contains(";'@x;"),
        "the report neutralises formulas: {text}"
    );
}

#[tokio::test]
async fn service_links_import_by_account_and_code() {
    let world = world().await;
    run(
        &world,
        ImportKind::Subscribers,
        good().as_bytes(),
        ImportMode::AllOrNothing,
    )
    .await;
    let db = world.services.db.tenant(&world.tenant);
    let audit = Audit::system("test");
    let cx = crm_app::catalog::services::Context {
        audit: &audit,
        ids: world.services.ids.as_ref(),
        now: world.services.clock.now(),
    };
    crm_app::catalog::demo::usual_services(&db, &cx)
        .await
        .unwrap();
    let file = "ЛС;Код услуги;С даты;По дату;Индивидуальное количество\n\
                100-1;ХВС;01.01.2026;;\n\
                100-2;ХВС;2026-01-01;31.12.2026;3,5\n\
                100-404;ХВС;01.01.2026;;\n\
                100-1;NOPE;01.01.2026;;\n\
                100-2;ХВС;вчера;;\n";
    let services_list =
        crm_app::catalog::links::of_subscriber(&db, &subscriber(&world, "100-1").await.unwrap().id)
            .await
            .unwrap();
    assert!(services_list.is_empty());
    let (upload, status) = run(
        &world,
        ImportKind::ServiceLinks,
        file.as_bytes(),
        ImportMode::ValidRows,
    )
    .await;
    assert_eq!(
        (status.count("created"), status.count("invalid")),
        (2, 3),
        "{:?}",
        status.message
    );
    let errors = errors(&world, &status).await;
    let codes: Vec<&str> = errors.iter().map(|(_, _, code)| code.as_str()).collect();
    assert!(
        codes.contains(&"subscriber_not_found")
            && codes.contains(&"service_not_found")
            && codes.contains(&"bad_date"),
        "{errors:?}"
    );
    let links =
        crm_app::catalog::links::of_subscriber(&db, &subscriber(&world, "100-2").await.unwrap().id)
            .await
            .unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        links[0].period.valid_until,
        chrono::NaiveDate::from_ymd_opt(2027, 1, 1)
    );
    // Applying the same rows again changes nothing.
    let again = start(&world, &upload, ImportMode::AllOrNothing).await;
    assert_eq!(
        again.count("created"),
        0,
        "all-or-nothing refuses: the file has bad rows"
    );
    let valid_again = flow::uploads::choose(
        &world.services,
        &world.tenant,
        &audit,
        &upload.id,
        flow::Choices {
            header_row: Some(1),
            ..upload.choices.clone()
        },
    )
    .await
    .unwrap();
    let status = start(&world, &valid_again, ImportMode::ValidRows).await;
    assert_eq!((status.count("created"), status.count("unchanged")), (0, 2));
}

#[tokio::test]
async fn a_hundred_thousand_rows_through_the_job() {
    let world = world().await;
    let mut text = String::from("Лицевой счёт;Фамилия;Имя;Город;Улица;Дом;Квартира\n");
    for i in 0..100_000 {
        text.push_str(&format!(
            "{i:06};Абонентов;Иван;Тверь;Мира;{};{i}\n",
            i / 500
        ));
    }
    // One invalid row at the end: the valid-rows apply skips it and counts it.
    text.push_str("x;;;;;;\n");
    let (_, status) = run(
        &world,
        ImportKind::Subscribers,
        text.as_bytes(),
        ImportMode::ValidRows,
    )
    .await;
    assert_eq!(status.state, JobState::Done, "{:?}", status.message);
    assert_eq!(status.count("read"), 100_001);
    assert_eq!(
        (status.count("created"), status.count("invalid")),
        (100_000, 1)
    );
    assert!(subscriber(&world, "099999").await.is_some());
}

/// An upload and a finished dry run in `tenant`, for the cross-tenant checks.
pub async fn victim_import(services: &Services, tenant: &TenantId) -> (String, String) {
    let upload = upload(
        services,
        tenant,
        ImportKind::Subscribers,
        "b.csv",
        good().as_bytes(),
    )
    .await;
    let status = flow::start(
        services,
        tenant,
        &Audit::system("test"),
        &upload.id,
        ImportMode::DryRun,
    )
    .await
    .unwrap();
    (upload.id, status.id)
}
