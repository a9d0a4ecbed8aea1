//! The meter-readings import through the whole flow: upload to the blob store, a dry run or an
//! apply started as a job, the job run by the imports worker's runner from the queue, the
//! readings read back from the meters, the report read back.

use std::time::Duration;

use crm_app::Services;
use crm_app::audit::Audit;
use crm_app::catalog::links::{self, LinkDraft};
use crm_app::catalog::services::{self as catalog_services, Context, ServiceDraft};
use crm_app::imports::flow::{self, ImportKind, ImportMode, Upload, UploadSink};
use crm_app::meters::input::MeterInput;
use crm_app::meters::registry;
use crm_app::progress::{self, JobState, JobStatus};
use crm_app::queue::QueueName;
use crm_domain::TenantId;
use http::StatusCode;
use rust_decimal::Decimal;

use crate::support::embedded::services;
use crate::support::tenants::create_tenant;

/// A tenant with a subscriber holding a cold-water meter `ХВ-1` and a two-zone electricity
/// meter `ЭЛ-1` (so its account number names two meters), and a second subscriber with one
/// water meter `ХВ-2` (readings by account number work for them).
struct World {
    services: Services,
    tenant: TenantId,
    /// The account with two meters.
    busy_account: String,
    /// The account with one meter.
    lonely_account: String,
    /// Meter serial -> (subscriber id, meter id).
    meters: Vec<(String, String, String)>,
    _dir: tempfile::TempDir,
}

async fn subscriber(services: &Services, tenant: &TenantId, surname: &str) -> (String, String) {
    let created = crm_app::subscribers::create(
        services,
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
                flat: surname.len().to_string(),
                ..Default::default()
            },
        },
    )
    .await
    .expect("subscriber");
    (created.id, created.account_number.to_string())
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let (services, _queue) = services(dir.path(), 3);
    let tenant = create_tenant(&services, "demo").await;
    let db = services.db.tenant(&tenant);
    let audit = Audit::system("test");
    let cx = Context {
        audit: &audit,
        ids: services.ids.as_ref(),
        now: services.clock.now(),
    };
    let service = |code: &str, kind: &str| ServiceDraft {
        name: Some(format!("Услуга {code}")),
        code: Some(code.into()),
        kind: Some(kind.into()),
        tax_category: Some("exempt".into()),
        ..ServiceDraft::default()
    };
    let water = catalog_services::create(&db, &cx, &service("ХВС", "metered"))
        .await
        .unwrap()
        .id;
    let power = catalog_services::create(&db, &cx, &service("ЭЛ2", "two_zone"))
        .await
        .unwrap()
        .id;
    let (busy, busy_account) = subscriber(&services, &tenant, "Счётчиков").await;
    let (lonely, lonely_account) = subscriber(&services, &tenant, "Одинцов").await;
    let draft = LinkDraft {
        valid_from: Some("2025-01-01".into()),
        ..LinkDraft::default()
    };
    for (sub, service) in [(&busy, &water), (&busy, &power), (&lonely, &water)] {
        links::attach(&db, &cx, sub, service, &draft).await.unwrap();
    }
    let mut meters = Vec::new();
    for (sub, service, serial, kind, initial) in [
        (&busy, &water, "ХВ-1", "cold_water", vec!["0"]),
        (
            &busy,
            &power,
            "ЭЛ-1",
            "electricity_two_zone",
            vec!["100", "50"],
        ),
        (&lonely, &water, "ХВ-2", "cold_water", vec!["0"]),
    ] {
        let input = MeterInput {
            subscriber_id: Some(sub.clone()),
            service_id: Some(service.clone()),
            serial: Some(serial.into()),
            kind: Some(kind.into()),
            installed_on: Some("2026-01-10".into()),
            initial: Some(initial.into_iter().map(str::to_owned).collect()),
            digits: Some("5".into()),
            multiplier: Some("1".into()),
            verification_due: Some("2031-01-10".into()),
            seal: None,
        };
        let meter = registry::create(&services, &tenant, &audit, &input)
            .await
            .unwrap();
        meters.push((serial.to_owned(), sub.clone(), meter.id));
    }
    World {
        services,
        tenant,
        busy_account,
        lonely_account,
        meters,
        _dir: dir,
    }
}

impl World {
    /// The values of a meter's stored readings, oldest first.
    async fn readings(&self, serial: &str) -> Vec<Vec<Decimal>> {
        let (_, sub, meter) = self.meters.iter().find(|(s, _, _)| s == serial).unwrap();
        let db = self.services.db.tenant(&self.tenant);
        registry::readings_of(&db, sub, meter)
            .await
            .unwrap()
            .0
            .into_iter()
            .map(|r| r.values)
            .collect()
    }

    async fn stored(&self) -> usize {
        let mut n = 0;
        for serial in ["ХВ-1", "ЭЛ-1", "ХВ-2"] {
            n += self.readings(serial).await.len();
        }
        n
    }
}

async fn upload(world: &World, name: &str, bytes: &[u8]) -> Upload {
    let mut sink = UploadSink::new(flow::MAX_UPLOAD_BYTES).unwrap();
    for chunk in bytes.chunks(64 * 1024) {
        sink.write(chunk).unwrap();
    }
    flow::uploads::create(
        &world.services,
        &world.tenant,
        &Audit::system("test"),
        ImportKind::Readings,
        name,
        sink,
    )
    .await
    .unwrap()
}

/// Runs every import job waiting on the imports queue, as the worker does.
async fn work(services: &Services) {
    loop {
        let deliveries = services
            .queue
            .receive(QueueName::MeterImport, 10, Duration::from_secs(600))
            .await
            .unwrap();
        if deliveries.is_empty() {
            return;
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
        }
    }
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
    let db = world.services.db.tenant(&world.tenant);
    progress::get(&db, &started.id).await.unwrap().unwrap().0
}

async fn run(world: &World, name: &str, bytes: &[u8], mode: ImportMode) -> JobStatus {
    let upload = upload(world, name, bytes).await;
    start(world, &upload, mode).await
}

/// The report's rows: (row, column, code).
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

const HEADER: &str = "Заводской номер;Лицевой счёт;Дата;Показание;День;Ночь\n";

fn good(world: &World) -> String {
    format!(
        "{HEADER}\
         ХВ-1;;20.02.2026;10;;\n\
         ХВ-1;;2026-03-20;15,5;;\n\
         ЭЛ-1;;20.02.2026;;150;60\n\
         ;{};20.02.2026;4;;\n",
        world.lonely_account
    )
}

fn dec(values: &[&str]) -> Vec<Decimal> {
    values.iter().map(|v| v.parse().unwrap()).collect()
}

#[tokio::test]
async fn a_good_file_stores_readings_and_the_same_file_again_changes_nothing() {
    let world = world().await;
    let status = run(
        &world,
        "r.csv",
        good(&world).as_bytes(),
        ImportMode::AllOrNothing,
    )
    .await;
    assert_eq!(status.state, JobState::Done, "{:?}", status.message);
    assert_eq!(
        (status.count("created"), status.count("invalid")),
        (4, 0),
        "{:?}",
        errors(&world, &status).await
    );
    assert_eq!(
        world.readings("ХВ-1").await,
        vec![dec(&["10"]), dec(&["15.5"])]
    );
    assert_eq!(world.readings("ЭЛ-1").await, vec![dec(&["150", "60"])]);
    assert_eq!(
        world.readings("ХВ-2").await,
        vec![dec(&["4"])],
        "by account number"
    );

    let again = run(
        &world,
        "r.csv",
        good(&world).as_bytes(),
        ImportMode::ValidRows,
    )
    .await;
    assert_eq!(
        (
            again.count("unchanged"),
            again.count("created"),
            again.count("invalid")
        ),
        (4, 0, 0)
    );
    assert_eq!(world.stored().await, 4);
}

#[tokio::test]
async fn a_dry_run_reports_what_would_happen_and_writes_nothing() {
    let world = world().await;
    let bad = format!("{}ХВ-1;;20.04.2026;9;;\n", good(&world));
    let status = run(&world, "r.csv", bad.as_bytes(), ImportMode::DryRun).await;
    assert_eq!(status.state, JobState::Done, "{:?}", status.message);
    // The dry run validates against the history too: 9 after 15,5 is refused.
    assert_eq!((status.count("valid"), status.count("invalid")), (4, 1));
    assert_eq!(
        errors(&world, &status).await,
        vec![("6".into(), "Показание".into(), "reading_decreasing".into())]
    );
    assert_eq!(world.stored().await, 0);
}

fn with_bad_rows(world: &World) -> String {
    format!(
        "{HEADER}\
         ХВ-1;;20.02.2026;10;;\n\
         НЕТ-ТАКОГО;;20.02.2026;1;;\n\
         ХВ-1;;20.03.2026;много;;\n\
         ХВ-1;;31.02.2026;12;;\n\
         ЭЛ-1;;20.03.2026;150;;\n\
         ХВ-1;;20.04.2026;9;;\n\
         ЭЛ-1;;20.02.2026;;150;60\n\
         ;{};20.02.2026;4;;\n",
        world.busy_account
    )
}

#[tokio::test]
async fn bad_rows_name_row_column_and_reason_and_do_not_block_the_good_ones() {
    let world = world().await;
    let status = run(
        &world,
        "r.csv",
        with_bad_rows(&world).as_bytes(),
        ImportMode::ValidRows,
    )
    .await;
    assert_eq!(status.state, JobState::Done, "{:?}", status.message);
    assert_eq!((status.count("created"), status.count("invalid")), (2, 6));
    let mut report = errors(&world, &status).await;
    report.sort();
    let expected: Vec<(String, String, String)> = [
        ("3", "Заводской номер", "reading_unknown_serial"),
        ("4", "Показание", "reading_not_a_number"),
        ("5", "Дата", "invalid_date"),
        ("6", "Показание", "reading_wrong_zone_count"),
        ("7", "Показание", "reading_decreasing"),
        ("9", "Лицевой счёт", "reading_ambiguous_account"),
    ]
    .into_iter()
    .map(|(r, c, code)| (r.into(), c.into(), code.into()))
    .collect();
    assert_eq!(report, expected);
    assert_eq!(world.readings("ХВ-1").await, vec![dec(&["10"])]);
    assert_eq!(world.readings("ЭЛ-1").await, vec![dec(&["150", "60"])]);

    // The reasons are the readings' own, in Russian.
    let lines = flow::report_lines(&world.services, status.report_key.as_deref().unwrap(), 100)
        .await
        .unwrap()
        .errors;
    let message = |row: &str| {
        lines
            .iter()
            .find(|l| l.row == row)
            .map(|l| l.message.clone())
            .unwrap()
    };
    assert_eq!(message("3"), "Счётчика с таким заводским номером нет");
    assert!(message("7").contains("меньше предыдущего показания 10"));
    assert!(message("9").contains("укажите заводской номер"));
}

/// The report's warnings: (row, column, code, message).
async fn warnings(world: &World, status: &JobStatus) -> Vec<(String, String, String, String)> {
    let Some(key) = status.report_key.as_deref() else {
        return Vec::new();
    };
    flow::report_lines(&world.services, key, 100)
        .await
        .unwrap()
        .warnings
        .into_iter()
        .map(|line| (line.row, line.column, line.code, line.message))
        .collect()
}

/// Row 3 is far above the plausibility cap of cold water (40 m³ a month): stored and flagged.
/// Rows 4 and 5 are refused.
const WITH_A_FLAGGED_ROW: &str = "Заводской номер;Дата;Показание\n\
                                  ХВ-1;20.02.2026;10\n\
                                  ХВ-2;20.02.2026;900\n\
                                  НЕТ-ТАКОГО;20.02.2026;1\n\
                                  ХВ-1;20.03.2026;много\n";

#[tokio::test]
async fn a_reading_above_the_cap_is_stored_and_reported_as_a_warning() {
    let world = world().await;
    let status = run(
        &world,
        "r.csv",
        WITH_A_FLAGGED_ROW.as_bytes(),
        ImportMode::ValidRows,
    )
    .await;
    assert_eq!(status.state, JobState::Done, "{:?}", status.message);
    assert_eq!(
        (
            status.count("created"),
            status.count("flagged"),
            status.count("invalid")
        ),
        (2, 1, 2)
    );
    assert_eq!(world.readings("ХВ-2").await, vec![dec(&["900"])], "stored");
    let found = warnings(&world, &status).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let (row, column, code, message) = &found[0];
    assert_eq!(
        (row.as_str(), column.as_str(), code.as_str()),
        ("3", "Показание", "reading_above_cap")
    );
    assert!(
        message.contains("выше предела 40 для такого счётчика"),
        "{message}"
    );
    // The refused rows are still errors, and only they.
    let mut refused = errors(&world, &status).await;
    refused.sort();
    assert_eq!(
        refused,
        vec![
            (
                "4".into(),
                "Заводской номер".into(),
                "reading_unknown_serial".into()
            ),
            (
                "5".into(),
                "Показание".into(),
                "reading_not_a_number".into()
            ),
        ]
    );
    let summary = status.message.unwrap();
    assert!(
        summary.ru.contains("Принято с отметками для проверки: 1"),
        "{}",
        summary.ru
    );
}

#[tokio::test]
async fn a_dry_run_shows_the_flags_and_all_or_nothing_lists_them_once() {
    let world = world().await;
    let checked = run(
        &world,
        "r.csv",
        WITH_A_FLAGGED_ROW.as_bytes(),
        ImportMode::DryRun,
    )
    .await;
    assert_eq!(
        (
            checked.count("valid"),
            checked.count("flagged"),
            checked.count("invalid")
        ),
        (2, 1, 2)
    );
    let found = warnings(&world, &checked).await;
    assert_eq!(
        found
            .iter()
            .map(|w| (w.0.as_str(), w.2.as_str()))
            .collect::<Vec<_>>(),
        vec![("3", "reading_above_cap")]
    );
    assert_eq!(world.stored().await, 0, "a dry run writes nothing");

    // Without the refused rows, all-or-nothing validates, then applies: the flag is listed
    // by the applying pass only.
    let good_only: String = WITH_A_FLAGGED_ROW
        .lines()
        .take(3)
        .map(|l| format!("{l}\n"))
        .collect();
    let applied = run(
        &world,
        "r.csv",
        good_only.as_bytes(),
        ImportMode::AllOrNothing,
    )
    .await;
    assert_eq!(
        (applied.count("created"), applied.count("flagged")),
        (2, 1),
        "{:?}",
        applied.message
    );
    assert_eq!(warnings(&world, &applied).await.len(), 1);
    assert!(errors(&world, &applied).await.is_empty());

    // The same file again: nothing new is stored, so nothing is flagged again.
    let again = run(&world, "r.csv", good_only.as_bytes(), ImportMode::ValidRows).await;
    assert_eq!((again.count("unchanged"), again.count("flagged")), (2, 0));
    assert!(again.report_key.is_none());
}

#[tokio::test]
async fn all_or_nothing_writes_nothing_when_a_row_is_bad() {
    let world = world().await;
    let status = run(
        &world,
        "r.csv",
        with_bad_rows(&world).as_bytes(),
        ImportMode::AllOrNothing,
    )
    .await;
    assert_eq!(status.state, JobState::Done, "{:?}", status.message);
    assert_eq!((status.count("created"), status.count("invalid")), (0, 6));
    assert_eq!(world.stored().await, 0, "nothing written");
}

#[tokio::test]
async fn a_cp1251_csv_and_an_xlsx_file() {
    let world = world().await;
    let bytes = encoding_rs::WINDOWS_1251
        .encode(&good(&world))
        .0
        .into_owned();
    let status = run(&world, "r.csv", &bytes, ImportMode::AllOrNothing).await;
    assert_eq!(status.count("created"), 4, "{:?}", status.message);

    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("dd.mm.yyyy");
    for (column, header) in ["Счётчик", "Дата", "Т1", "Т2"].iter().enumerate() {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    sheet.write_string(1, 0, "ЭЛ-1").unwrap();
    let when = ExcelDateTime::from_ymd(2026, 3, 20).unwrap();
    sheet
        .write_datetime_with_format(1, 1, &when, &date)
        .unwrap();
    sheet.write_number(1, 2, 210.5).unwrap();
    sheet.write_string(1, 3, "80").unwrap();
    sheet.write_string(2, 0, "ХВ-1").unwrap();
    sheet.write_string(2, 1, "20.04.2026").unwrap();
    sheet.write_number(2, 2, 20.0).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let status = run(&world, "r.xlsx", &bytes, ImportMode::ValidRows).await;
    assert_eq!(status.state, JobState::Done, "{:?}", status.message);
    // A water meter has one value: given as Т1 it is read as the only zone.
    assert_eq!(
        (status.count("created"), status.count("invalid")),
        (2, 0),
        "{:?}",
        errors(&world, &status).await
    );
    assert_eq!(
        world.readings("ЭЛ-1").await,
        vec![dec(&["150", "60"]), dec(&["210.5", "80"])]
    );
    assert_eq!(world.readings("ХВ-1").await.last(), Some(&dec(&["20"])));
}

#[tokio::test]
async fn an_upload_whose_file_is_gone_fails_with_its_reason() {
    let world = world().await;
    let upload = upload(&world, "r.csv", good(&world).as_bytes()).await;
    world.services.blobs.delete(&upload.blob_key).await.unwrap();
    let status = start(&world, &upload, ImportMode::ValidRows).await;
    assert_eq!(status.state, JobState::Failed);
    assert_eq!(
        status.message.unwrap().ru,
        "Файл загрузки не найден",
        "the job ends with its reason instead of retrying forever"
    );
    assert_eq!(world.stored().await, 0);
}

#[tokio::test]
async fn the_meters_page_links_to_the_readings_import_page() {
    let world = crate::catalog::World::new().await;
    let meters = world.admin.get("/meters").await;
    assert_eq!(meters.status, StatusCode::OK);
    assert!(meters.text.contains("Загрузить показания из файла"));
    assert!(meters.text.contains("href=\"/imports/readings\""));
    let page = world.admin.get("/imports/readings").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Загрузка показаний счётчиков"));
    assert!(page.text.contains("Заводской номер"));
    // A viewer sees no link.
    let reader = world.user(&world.tenant, "viewer").await;
    let meters = reader.get("/meters").await;
    assert!(!meters.text.contains("/imports/readings"));
}

#[tokio::test]
async fn the_readings_kind_also_needs_readings_create() {
    use crm_domain::access::{Action, Permission, PermissionSet, Resource};
    let world = crate::catalog::World::new().await;
    let subscribers_only = world
        .api_key(
            &world.tenant,
            PermissionSet::new([Permission::new(Resource::Subscribers, Action::Create)]),
        )
        .await;
    // Not a multipart body: the subscriber kind lets the key in and refuses the body.
    let other = subscribers_only
        .raw(
            http::Method::POST,
            "/api/v1/imports/subscribers/uploads",
            "",
        )
        .await;
    assert_eq!(other.status, StatusCode::BAD_REQUEST, "{}", other.text);
    let readings = subscribers_only
        .raw(http::Method::POST, "/api/v1/imports/readings/uploads", "")
        .await;
    assert_eq!(readings.status, StatusCode::FORBIDDEN, "{}", readings.text);
    let both = world
        .api_key(
            &world.tenant,
            PermissionSet::new([
                Permission::new(Resource::Subscribers, Action::Create),
                Permission::new(Resource::Readings, Action::Create),
            ]),
        )
        .await;
    let readings = both
        .raw(http::Method::POST, "/api/v1/imports/readings/uploads", "")
        .await;
    assert_eq!(
        readings.status,
        StatusCode::BAD_REQUEST,
        "{}",
        readings.text
    );
}
