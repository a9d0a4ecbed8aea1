//! The import framework end to end on the embedded store and blobs, with a small generic
//! import ("contacts": account, name, balance, date) standing in for the subscriber and
//! readings imports; and job progress records (claims, throttled progress, cancel, replay).

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use crm_app::Services;
use crm_app::clock::FixedClock;
use crm_app::imports::mapping::ColumnChoice;
use crm_app::imports::stream::CHANNEL_BATCHES;
use crm_app::imports::values::{parse_date, parse_decimal};
use crm_app::imports::*;
use crm_app::progress::{self, Claim, Control, JobState, NewJob, Outcome, RunError, Throttle};
use crm_app::store::{Body, Condition, Item, Key, Put, TenantDb, Write};
use crm_domain::TenantId;
use serde_json::{Value, json};

use crate::support::embedded::services;

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "account",
        label_ru: "Лицевой счёт",
        label_en: "Account",
        required: true,
        aliases: &["ЛС", "л/с", "account number"],
    },
    FieldSpec {
        key: "name",
        label_ru: "ФИО",
        label_en: "Name",
        required: true,
        aliases: &["абонент"],
    },
    FieldSpec {
        key: "balance",
        label_ru: "Сальдо",
        label_en: "Balance",
        required: false,
        aliases: &["долг"],
    },
    FieldSpec {
        key: "since",
        label_ru: "Дата",
        label_en: "Date",
        required: false,
        aliases: &["с даты"],
    },
];
const CONTACTS: Schema = Schema {
    kind: "contacts",
    fields: FIELDS,
};

struct Contact {
    account: String,
    body: Body,
}

/// The demonstration import: contacts keyed by account number, created or updated
/// idempotently, an account blocked in the store refused at check time.
struct Contacts {
    db: TenantDb,
    seen: HashSet<String>,
}

impl Contacts {
    fn new(db: &TenantDb) -> Self {
        Self {
            db: db.clone(),
            seen: HashSet::new(),
        }
    }
}

fn contact_key(db: &TenantDb, account: &str) -> Key {
    db.namespace().key(&["DEMO_CONTACT", account], "CONTACT")
}

fn blocked_key(db: &TenantDb, account: &str) -> Key {
    db.namespace().key(&["DEMO_BLOCKED", account], "BLOCKED")
}

#[async_trait]
impl RowHandler for Contacts {
    type Record = Contact;

    fn start_pass(&mut self) {
        self.seen.clear();
    }

    fn parse(&mut self, row: &MappedRow<'_>) -> Result<Contact, Vec<RowError>> {
        let mut errors = Vec::new();
        let account = row.required("account").map_err(|e| errors.push(e)).ok();
        let name = row.required("name").map_err(|e| errors.push(e)).ok();
        let balance = match row.get("balance") {
            None => None,
            Some(text) => match parse_decimal(text) {
                Some(value) => Some(value.to_string()),
                None => {
                    errors.push(row.error("balance", "invalid_number", "Не число", "Not a number"));
                    None
                }
            },
        };
        let since = match row.get("since") {
            None => None,
            Some(text) => match parse_date(text) {
                Some(date) => Some(date.to_string()),
                None => {
                    errors.push(row.error("since", "invalid_date", "Не дата", "Not a date"));
                    None
                }
            },
        };
        if let Some(account) = account
            && !self.seen.insert(account.to_owned())
        {
            errors.push(row.error(
                "account",
                "duplicate_in_file",
                "Лицевой счёт повторяется в файле",
                "The account appears twice in the file",
            ));
        }
        match (account, name) {
            (Some(account), Some(name)) if errors.is_empty() => {
                let body = json!({ "name": name, "balance": balance, "since": since });
                Ok(Contact {
                    account: account.to_owned(),
                    body: body.as_object().cloned().unwrap_or_default(),
                })
            }
            _ => Err(errors),
        }
    }

    async fn check(&mut self, batch: &mut [Entry<Contact>]) -> Result<(), HandlerError> {
        for chunk in batch.chunks_mut(100) {
            let keys: Vec<Key> = chunk
                .iter()
                .map(|e| blocked_key(&self.db, &e.record.account))
                .collect();
            let blocked: HashSet<Key> = self
                .db
                .batch_get(&keys)
                .await?
                .into_iter()
                .map(|item| item.key)
                .collect();
            for entry in chunk {
                if blocked.contains(&blocked_key(&self.db, &entry.record.account)) {
                    let error = RowError::new(
                        entry.row,
                        "account_blocked",
                        "Лицевой счёт заблокирован",
                        "The account is blocked",
                    )
                    .in_column("ЛС")
                    .with_value(&entry.record.account);
                    entry.reject(error);
                }
            }
        }
        Ok(())
    }

    async fn apply(&mut self, batch: &mut [Entry<Contact>]) -> Result<(), HandlerError> {
        for chunk in batch.chunks_mut(100) {
            let keys: Vec<Key> = chunk
                .iter()
                .map(|e| contact_key(&self.db, &e.record.account))
                .collect();
            let existing: std::collections::HashMap<Key, Item> = self
                .db
                .batch_get(&keys)
                .await?
                .into_iter()
                .map(|item| (item.key.clone(), item))
                .collect();
            let mut writes = Vec::new();
            for entry in chunk.iter_mut() {
                let key = contact_key(&self.db, &entry.record.account);
                let (condition, applied) = match existing.get(&key) {
                    None => (Condition::MustNotExist, Applied::Created),
                    Some(item) if item.body == entry.record.body => {
                        entry.applied = Some(Applied::Unchanged);
                        continue;
                    }
                    Some(item) => (Condition::VersionEquals(item.version), Applied::Updated),
                };
                entry.applied = Some(applied);
                writes.push(Write::Put(Put {
                    item: Item::new(key, entry.record.body.clone()),
                    condition,
                }));
            }
            if !writes.is_empty() {
                self.db.transact(writes).await?;
            }
        }
        Ok(())
    }
}

fn tenant() -> TenantId {
    TenantId::parse("demo").unwrap()
}

struct World {
    services: Services,
    db: TenantDb,
    _dir: tempfile::TempDir,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let (services, _queue) = services(dir.path(), 3);
    let db = services.db.tenant(&tenant());
    World {
        services,
        db,
        _dir: dir,
    }
}

async fn import(
    world: &World,
    bytes: &[u8],
    mode: Mode,
) -> (Result<Summary, ImportError>, Vec<String>) {
    let file = Spooled::from_bytes(bytes, ReadOptions::default()).unwrap();
    let mut report = ErrorReport::new(ReportLang::En).unwrap();
    let mut handler = Contacts::new(&world.db);
    let tracker = Tracker {
        run: None,
        clock: world.services.clock.as_ref(),
    };
    let result = run_import(
        ImportInput::new(&file, CONTACTS, mode),
        &mut handler,
        &mut report,
        tracker,
    )
    .await;
    (result, report_lines(report))
}

fn report_lines(report: ErrorReport) -> Vec<String> {
    let Some(file) = report.finish().unwrap() else {
        return Vec::new();
    };
    let text = std::fs::read_to_string(file.path()).unwrap();
    text.trim_start_matches('\u{feff}')
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect()
}

async fn stored(world: &World, account: &str) -> Option<Body> {
    world
        .db
        .get(&contact_key(&world.db, account))
        .await
        .unwrap()
        .map(|item| item.body)
}

const GOOD: &str = "ЛС;ФИО;Сальдо;Дата\n\
                    001;Иванов Иван;1 234,50;31.03.2026\n\
                    002;Петрова Анна;-10;2026-03-01\n\
                    003;Сидоров Пётр;;\n";
const WITH_BAD_ROW: &str = "ЛС;ФИО;Сальдо;Дата\n\
                            001;Иванов Иван;1 234,50;31.03.2026\n\
                            002;Петрова Анна;двадцать;2026-03-01\n\
                            003;Сидоров Пётр;;\n";

#[tokio::test]
async fn dry_run_reports_and_writes_nothing() {
    let world = world();
    let (result, report) = import(&world, WITH_BAD_ROW.as_bytes(), Mode::DryRun).await;
    let summary = result.unwrap();
    assert_eq!(summary.verdict, Verdict::Checked);
    assert_eq!(
        (
            summary.counts.read,
            summary.counts.valid,
            summary.counts.invalid
        ),
        (3, 2, 1)
    );
    assert_eq!(summary.counts.created, 0);
    assert_eq!(
        report,
        vec!["3;Сальдо;двадцать;invalid_number;Not a number;Error"]
    );
    for account in ["001", "002", "003"] {
        assert_eq!(stored(&world, account).await, None);
    }
}

#[tokio::test]
async fn valid_rows_only_applies_the_rest_and_reruns_change_nothing() {
    let world = world();
    let mode = Mode::Apply(ApplyPolicy::ValidRowsOnly);
    let (result, report) = import(&world, WITH_BAD_ROW.as_bytes(), mode).await;
    let summary = result.unwrap();
    assert_eq!(summary.verdict, Verdict::Applied);
    assert_eq!((summary.counts.created, summary.counts.invalid), (2, 1));
    assert_eq!(report.len(), 1);
    let first = stored(&world, "001").await.unwrap();
    assert_eq!(first["balance"], "1234.50");
    assert_eq!(first["since"], "2026-03-31");
    assert_eq!(stored(&world, "002").await, None);

    // The same file again: nothing changes. The fixed file: one created, one updated.
    let (again, _) = import(&world, WITH_BAD_ROW.as_bytes(), mode).await;
    assert_eq!(again.unwrap().counts.unchanged, 2);
    let fixed = GOOD.replace("Сидоров Пётр", "Сидоров Пётр Ильич");
    let (fixed, report) = import(&world, fixed.as_bytes(), mode).await;
    let counts = fixed.unwrap().counts;
    assert_eq!(
        (counts.created, counts.updated, counts.unchanged),
        (1, 1, 1)
    );
    assert!(report.is_empty());
}

#[tokio::test]
async fn all_or_nothing_writes_nothing_when_any_row_is_invalid() {
    let world = world();
    let mode = Mode::Apply(ApplyPolicy::AllOrNothing);
    let (result, report) = import(&world, WITH_BAD_ROW.as_bytes(), mode).await;
    let summary = result.unwrap();
    assert_eq!(summary.verdict, Verdict::Rejected);
    assert_eq!(summary.counts.invalid, 1);
    assert_eq!(report.len(), 1);
    assert_eq!(stored(&world, "001").await, None);

    let (result, report) = import(&world, GOOD.as_bytes(), mode).await;
    let summary = result.unwrap();
    assert_eq!(summary.verdict, Verdict::Applied);
    assert_eq!(summary.counts.created, 3);
    assert!(report.is_empty());
    assert!(stored(&world, "003").await.is_some());
}

#[tokio::test]
async fn store_checks_refuse_rows_and_duplicates_in_the_file_are_caught() {
    let world = world();
    world
        .db
        .put(Put {
            item: Item::new(blocked_key(&world.db, "002"), Body::new()),
            condition: Condition::None,
        })
        .await
        .unwrap();
    let file = format!("{GOOD}001;Двойник;;\n");
    let (result, report) = import(&world, file.as_bytes(), Mode::DryRun).await;
    let summary = result.unwrap();
    assert_eq!((summary.counts.valid, summary.counts.invalid), (2, 2));
    assert_eq!(
        report,
        vec![
            "5;ЛС;001;duplicate_in_file;The account appears twice in the file;Error",
            "3;ЛС;002;account_blocked;The account is blocked;Error",
        ]
    );
}

#[tokio::test]
async fn mapping_problems_and_empty_files_stop_the_import() {
    let world = world();
    let (result, _) = import(&world, b"", Mode::DryRun).await;
    assert!(matches!(result, Err(ImportError::File(FileError::Empty))));
    let (result, _) = import(&world, "\n;;\n".as_bytes(), Mode::DryRun).await;
    assert!(matches!(result, Err(ImportError::File(FileError::Empty))));
    let (result, _) = import(&world, "ЛС;Телефон\n001;+7\n".as_bytes(), Mode::DryRun).await;
    let Err(ImportError::Mapping(problems)) = result else {
        panic!("expected a mapping error, got {result:?}");
    };
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message_ru().contains("ФИО"));
    let (result, _) = import(&world, "Телефон;Email\n+7;a@b\n".as_bytes(), Mode::DryRun).await;
    assert!(matches!(
        result,
        Err(ImportError::File(FileError::NoHeader { .. }))
    ));
    let (result, _) = import(&world, "ЛС;ЛИЦЕВОЙ СЧЕТ;ФИО\n".as_bytes(), Mode::DryRun).await;
    assert!(matches!(result, Err(ImportError::Mapping(_))));
}

#[tokio::test]
async fn title_rows_extra_columns_and_saved_mappings() {
    let world = world();
    let text = "Абоненты на 01.04.2026\n\
                \n\
                Код;Абонент;Телефон;Примечание\n\
                001;Иванов;+7 999;=cmd|' /C calc'!A0\n";
    // Unknown "Код" at first: no required "account" column.
    let (result, _) = import(&world, text.as_bytes(), Mode::DryRun).await;
    assert!(matches!(result, Err(ImportError::Mapping(_))));

    let mut saved = SavedMapping::default();
    saved.set("код", ColumnChoice::Field("account".into()));
    save_mapping(&world.db, CONTACTS.kind, &saved, Utc::now())
        .await
        .unwrap();
    let loaded = load_mapping(&world.db, CONTACTS.kind).await.unwrap();
    assert_eq!(loaded.as_ref(), Some(&saved));
    assert_eq!(load_mapping(&world.db, "other").await.unwrap(), None);

    let file = Spooled::from_bytes(text.as_bytes(), ReadOptions::default()).unwrap();
    let mut input = ImportInput::new(&file, CONTACTS, Mode::Apply(ApplyPolicy::ValidRowsOnly));
    input.mapping = loaded.as_ref();
    let mut report = ErrorReport::new(ReportLang::Ru).unwrap();
    let summary = run_import(
        input,
        &mut Contacts::new(&world.db),
        &mut report,
        Tracker {
            run: None,
            clock: world.services.clock.as_ref(),
        },
    )
    .await
    .unwrap();
    assert_eq!(summary.header_row, 3);
    assert_eq!(summary.unused_columns, vec!["Телефон", "Примечание"]);
    assert_eq!(summary.counts.created, 1);
    assert_eq!(stored(&world, "001").await.unwrap()["name"], "Иванов");
}

#[tokio::test]
async fn a_ten_megabyte_cell_refuses_its_row_and_the_report_neutralises_formulas() {
    let world = world();
    let mut file = GOOD.as_bytes().to_vec();
    file.extend_from_slice("004;".as_bytes());
    file.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    file.extend_from_slice(";;\n005;=HYPERLINK(\"http://evil\");=1+1;\n".as_bytes());
    let spooled = Spooled::from_bytes(&file, ReadOptions::default()).unwrap();
    let mut report = ErrorReport::new(ReportLang::Ru).unwrap();
    let summary = run_import(
        ImportInput::new(&spooled, CONTACTS, Mode::Apply(ApplyPolicy::ValidRowsOnly)),
        &mut Contacts::new(&world.db),
        &mut report,
        Tracker {
            run: None,
            clock: world.services.clock.as_ref(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (
            summary.counts.read,
            summary.counts.created,
            summary.counts.invalid
        ),
        (5, 3, 2)
    );
    // A formula typed into a name is stored as the text it is.
    assert_eq!(stored(&world, "005").await, None, "row 6 has a bad balance");
    let key = report
        .upload(world.services.blobs.as_ref(), &tenant(), "job-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(key, "imports/demo/reports/job-1.csv");
    let bytes = world.services.blobs.get(&key).await.unwrap().unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(text.starts_with('\u{feff}'));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "\u{feff}Строка;Столбец;Значение;Код;Сообщение;Вид"
    );
    assert!(
        lines[1].starts_with("5;ФИО;;cell_too_large;"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "6;Сальдо;'=1+1;invalid_number;Не число;Ошибка");
}

#[tokio::test]
async fn formula_text_in_a_valid_row_is_kept_as_text() {
    let world = world();
    let text = "ЛС;ФИО\n001;=1+2\n";
    let (result, _) = import(
        &world,
        text.as_bytes(),
        Mode::Apply(ApplyPolicy::ValidRowsOnly),
    )
    .await;
    assert_eq!(result.unwrap().counts.created, 1);
    assert_eq!(stored(&world, "001").await.unwrap()["name"], "=1+2");
}

#[tokio::test]
async fn xlsx_with_a_title_dates_and_decimal_commas() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let world = world();
    let mut book = Workbook::new();
    let notes = book.add_worksheet().set_name("Пояснения").unwrap();
    notes.write_string(0, 0, "Не этот лист").unwrap();
    let sheet = book.add_worksheet().set_name("Абоненты").unwrap();
    let date = Format::new().set_num_format("dd.mm.yyyy");
    sheet.write_string(0, 0, "Выгрузка абонентов").unwrap();
    for (column, header) in ["Лицевой счёт", "ФИО", "Сальдо", "Дата"].iter().enumerate()
    {
        sheet.write_string(1, column as u16, *header).unwrap();
    }
    sheet.write_number(2, 0, 1001.0).unwrap();
    sheet.write_string(2, 1, "Иванов").unwrap();
    sheet.write_number(2, 2, 1234.5).unwrap();
    let when = ExcelDateTime::from_ymd(2026, 3, 31).unwrap();
    sheet
        .write_datetime_with_format(2, 3, &when, &date)
        .unwrap();
    sheet.write_string(3, 0, "1002").unwrap();
    sheet.write_string(3, 1, "Петрова").unwrap();
    sheet.write_string(3, 2, "12,75").unwrap();
    sheet.write_string(3, 3, "01.04.2026").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let options = ReadOptions {
        sheet: SheetChoice::Named("Абоненты".into()),
        ..ReadOptions::default()
    };
    let file = Spooled::from_bytes(&bytes, options).unwrap();
    let mut report = ErrorReport::new(ReportLang::Ru).unwrap();
    let summary = run_import(
        ImportInput::new(&file, CONTACTS, Mode::Apply(ApplyPolicy::AllOrNothing)),
        &mut Contacts::new(&world.db),
        &mut report,
        Tracker {
            run: None,
            clock: world.services.clock.as_ref(),
        },
    )
    .await
    .unwrap();
    assert_eq!(summary.verdict, Verdict::Applied);
    assert_eq!(summary.header_row, 2);
    assert_eq!(summary.detected.sheet.as_deref(), Some("Абоненты"));
    let first = stored(&world, "1001").await.unwrap();
    assert_eq!(first["balance"], "1234.5");
    assert_eq!(first["since"], "2026-03-31");
    let second = stored(&world, "1002").await.unwrap();
    assert_eq!(second["balance"], "12.75");
    assert_eq!(second["since"], "2026-04-01");
}

#[tokio::test]
async fn a_large_file_streams_in_bounded_batches() {
    let mut text = String::from("ЛС;ФИО;Сальдо\n");
    for i in 0..100_000 {
        text.push_str(&format!("{i:08};Абонент {i};{i},50\n"));
    }
    let batch = 500;
    let file = Spooled::from_bytes(text.as_bytes(), ReadOptions::default()).unwrap();
    let mut stream = file.open(batch).await.unwrap();
    let mut rows = 0;
    while let Some(rows_batch) = stream.next_batch().await.unwrap() {
        assert!(rows_batch.len() <= batch);
        rows += rows_batch.len();
        // A slow consumer: the parser must wait, not run ahead.
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_micros(50)).await;
    }
    assert_eq!(rows, 100_001);
    let peak = stream.peak_rows_waiting();
    assert!(
        peak <= (CHANNEL_BATCHES + 2) * batch,
        "{peak} rows were waiting at once"
    );

    // And through the driver, a dry run of the same file counts every row.
    let world = world();
    let (result, report) = import(&world, text.as_bytes(), Mode::DryRun).await;
    let counts = result.unwrap().counts;
    assert_eq!((counts.read, counts.valid), (100_000, 100_000));
    assert!(report.is_empty());
}

#[tokio::test]
async fn uploads_are_spooled_with_a_size_limit() {
    let world = world();
    let blobs = world.services.blobs.as_ref();
    let key = "imports/demo/uploads/a.csv";
    blobs
        .put(
            key,
            bytes::Bytes::from(GOOD.as_bytes().to_vec()),
            "text/csv",
        )
        .await
        .unwrap();
    let spooled = Spooled::from_blob(blobs, key, ReadOptions::default())
        .await
        .unwrap();
    assert_eq!(spooled.size(), GOOD.len() as u64);
    let small = ReadOptions {
        limits: Limits {
            max_file_bytes: 20,
            ..Limits::default()
        },
        ..ReadOptions::default()
    };
    assert!(matches!(
        Spooled::from_blob(blobs, key, small).await,
        Err(SpoolError::File(FileError::TooLarge { limit_bytes: 20 }))
    ));
    assert!(matches!(
        Spooled::from_blob(blobs, "imports/demo/none.csv", ReadOptions::default()).await,
        Err(SpoolError::Missing(_))
    ));
}

// Job progress records.

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000 + seconds, 0).unwrap()
}

async fn queued(db: &TenantDb, id: &str, kind: &str, now: DateTime<Utc>) {
    let (status, created) = progress::create(db, NewJob::new(id, kind), now)
        .await
        .unwrap();
    assert!(created);
    assert_eq!(status.state, JobState::Queued);
}

#[tokio::test]
async fn two_deliveries_racing_for_one_job_run_it_once() {
    let world = world();
    let clock = FixedClock::new(at(0));
    queued(&world.db, "job-1", "contacts_import", at(0)).await;
    let lease = progress::run::DEFAULT_LEASE;
    let (a, b) = tokio::join!(
        progress::claim(&world.db, &clock, "run-a", "job-1", lease),
        progress::claim(&world.db, &clock, "run-b", "job-1", lease),
    );
    let claims = [a.unwrap(), b.unwrap()];
    let runs = claims.iter().filter(|c| matches!(c, Claim::Run(_))).count();
    let busy = claims
        .iter()
        .filter(|c| matches!(c, Claim::Busy(_)))
        .count();
    assert_eq!((runs, busy), (1, 1));
    let [a, b] = claims;
    let mut run = match (a, b) {
        (Claim::Run(run), _) | (_, Claim::Run(run)) => run,
        _ => unreachable!(),
    };
    assert_eq!(run.status().lease.as_ref().unwrap().attempt, 1);
    let counts = [("created".to_owned(), 7)].into();
    run.progress(&clock, 7, &counts, None).await.unwrap();
    let done = run
        .finish(
            &clock,
            Outcome::Done { message: None },
            Some("r.csv".into()),
        )
        .await
        .unwrap();
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.count("created"), 7);

    // A replayed delivery of the finished job does nothing.
    let replay = progress::claim(&world.db, &clock, "run-c", "job-1", lease)
        .await
        .unwrap();
    assert!(
        matches!(replay, Claim::Finished(status) if status.report_key.as_deref() == Some("r.csv"))
    );
    let missing = progress::claim(&world.db, &clock, "run-c", "nope", lease)
        .await
        .unwrap();
    assert!(matches!(missing, Claim::Missing));
}

#[tokio::test]
async fn progress_is_throttled_and_a_stalled_run_loses_its_lease() {
    let world = world();
    let clock = FixedClock::new(at(0));
    queued(&world.db, "job-2", "contacts_import", at(0)).await;
    let lease = Duration::seconds(60);
    let Claim::Run(run) = progress::claim(&world.db, &clock, "run-a", "job-2", lease)
        .await
        .unwrap()
    else {
        panic!("first claim runs");
    };
    let mut run = run.with_throttle(Throttle::new(100, Duration::seconds(2)));
    let counts = Default::default();
    let stored = |world: &World| {
        let db = world.db.clone();
        async move { progress::get(&db, "job-2").await.unwrap().unwrap().0 }
    };
    run.progress(&clock, 1, &counts, None).await.unwrap();
    assert_eq!(stored(&world).await.processed, 1);
    run.progress(&clock, 50, &counts, None).await.unwrap();
    assert_eq!(stored(&world).await.processed, 1, "throttled");
    run.progress(&clock, 101, &counts, None).await.unwrap();
    assert_eq!(stored(&world).await.processed, 101, "every 100 rows");
    clock.advance(Duration::seconds(3));
    run.progress(&clock, 102, &counts, None).await.unwrap();
    assert_eq!(stored(&world).await.processed, 102, "or every 2 seconds");

    // A live lease keeps other deliveries out; an expired one lets them take over, and the
    // stalled run finds out at its next write.
    let busy = progress::claim(&world.db, &clock, "run-b", "job-2", lease)
        .await
        .unwrap();
    assert!(matches!(busy, Claim::Busy(_)));
    clock.advance(Duration::seconds(61));
    let Claim::Run(mut taken) = progress::claim(&world.db, &clock, "run-b", "job-2", lease)
        .await
        .unwrap()
    else {
        panic!("an expired lease is taken over");
    };
    assert_eq!(taken.status().lease.as_ref().unwrap().attempt, 2);
    assert_eq!(taken.status().processed, 102, "resumes from the record");
    assert!(matches!(run.flush(&clock).await, Err(RunError::Lost)));
    taken.flush(&clock).await.unwrap();
}

#[tokio::test]
async fn cancelling_queued_and_running_jobs() {
    let world = world();
    let clock = FixedClock::new(at(0));
    queued(&world.db, "q", "export", at(0)).await;
    let cancelled = progress::request_cancel(&world.db, "q", at(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cancelled.state, JobState::Cancelled);
    let claim = progress::claim(&world.db, &clock, "r", "q", Duration::seconds(60))
        .await
        .unwrap();
    assert!(matches!(claim, Claim::Finished(_)));

    queued(&world.db, "r", "export", at(0)).await;
    let Claim::Run(mut run) = progress::claim(&world.db, &clock, "r1", "r", Duration::seconds(60))
        .await
        .unwrap()
    else {
        panic!("runs");
    };
    progress::request_cancel(&world.db, "r", at(1))
        .await
        .unwrap();
    assert_eq!(run.flush(&clock).await.unwrap(), Control::Cancel);
    let status = run.finish(&clock, Outcome::Cancelled, None).await.unwrap();
    assert_eq!(status.state, JobState::Cancelled);
    assert!(
        progress::request_cancel(&world.db, "none", at(1))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn jobs_are_listed_newest_first_per_tenant_and_kind() {
    let world = world();
    queued(&world.db, "a", "contacts_import", at(0)).await;
    queued(&world.db, "b", "export", at(1)).await;
    queued(&world.db, "c", "contacts_import", at(2)).await;
    let (again, created) = progress::create(&world.db, NewJob::new("a", "contacts_import"), at(9))
        .await
        .unwrap();
    assert!(!created, "the same job sent twice has one record");
    assert_eq!(again.created_at, at(0));

    let (all, _) = progress::list_recent(&world.db, 10, None).await.unwrap();
    let ids: Vec<&str> = all.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(ids, vec!["c", "b", "a"]);
    let (imports, _) = progress::list_recent_of_kind(&world.db, "contacts_import", 10, None)
        .await
        .unwrap();
    let ids: Vec<&str> = imports.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(ids, vec!["c", "a"]);
    let (first, next) = progress::list_recent(&world.db, 2, None).await.unwrap();
    assert_eq!(first.len(), 2);
    let (rest, _) = progress::list_recent(&world.db, 2, next.as_ref())
        .await
        .unwrap();
    assert_eq!(rest[0].id, "a");

    // Another tenant sees none of them.
    let other = world.services.db.tenant(&TenantId::parse("other").unwrap());
    assert!(
        progress::list_recent(&other, 10, None)
            .await
            .unwrap()
            .0
            .is_empty()
    );
    assert!(progress::get(&other, "a").await.unwrap().is_none());
}

#[tokio::test]
async fn an_all_or_nothing_import_resumes_its_apply_after_a_crash() {
    let world = world();
    let clock = Arc::new(FixedClock::new(at(0)));
    queued(&world.db, "imp", "contacts_import", at(0)).await;
    let lease = Duration::seconds(60);
    let file = Spooled::from_bytes(GOOD.as_bytes(), ReadOptions::default()).unwrap();

    // First delivery: validates, enters the apply phase, writes one row, and dies.
    let Claim::Run(mut first) = progress::claim(&world.db, clock.as_ref(), "d1", "imp", lease)
        .await
        .unwrap()
    else {
        panic!("runs");
    };
    first
        .start_phase(clock.as_ref(), "applying", Some(3))
        .await
        .unwrap();
    let mut handler = Contacts::new(&world.db);
    let header = SourceRow {
        number: 1,
        cells: vec!["ЛС".into(), "ФИО".into(), "Сальдо".into(), "Дата".into()],
        problem: None,
    };
    let (mapping, _) = mapping::resolve(CONTACTS, &header, None).unwrap();
    let row = SourceRow {
        number: 2,
        cells: vec![
            "001".into(),
            "Иванов Иван".into(),
            "1 234,50".into(),
            "31.03.2026".into(),
        ],
        problem: None,
    };
    let record = handler.parse(&mapping.row(&row)).unwrap();
    let mut partial = vec![Entry {
        row: 2,
        record,
        errors: Vec::new(),
        warnings: Vec::new(),
        applied: None,
    }];
    handler.apply(&mut partial).await.unwrap();
    drop(first);

    // The redelivery after the lease ran out finishes the apply; nothing is duplicated.
    clock.advance(Duration::seconds(120));
    let Claim::Run(mut second) = progress::claim(&world.db, clock.as_ref(), "d2", "imp", lease)
        .await
        .unwrap()
    else {
        panic!("takes over");
    };
    let mut report = ErrorReport::new(ReportLang::Ru).unwrap();
    let summary = run_import(
        ImportInput::new(&file, CONTACTS, Mode::Apply(ApplyPolicy::AllOrNothing)),
        &mut Contacts::new(&world.db),
        &mut report,
        Tracker {
            run: Some(&mut second),
            clock: clock.as_ref(),
        },
    )
    .await
    .unwrap();
    assert_eq!(summary.verdict, Verdict::Applied);
    assert_eq!((summary.counts.created, summary.counts.unchanged), (2, 1));
    let status = second
        .finish(clock.as_ref(), Outcome::Done { message: None }, None)
        .await
        .unwrap();
    assert_eq!(status.count("created"), 2);
    assert_eq!(status.phase.as_deref(), Some("applying"));
}

#[tokio::test]
async fn an_import_run_reports_phases_and_counts_to_its_record() {
    let world = world();
    let clock = FixedClock::new(at(0));
    queued(&world.db, "imp", "contacts_import", at(0)).await;
    let Claim::Run(mut run) =
        progress::claim(&world.db, &clock, "d1", "imp", Duration::seconds(60))
            .await
            .unwrap()
    else {
        panic!("runs");
    };
    let file = Spooled::from_bytes(WITH_BAD_ROW.as_bytes(), ReadOptions::default()).unwrap();
    let mut report = ErrorReport::new(ReportLang::Ru).unwrap();
    let summary = run_import(
        ImportInput::new(&file, CONTACTS, Mode::Apply(ApplyPolicy::AllOrNothing)),
        &mut Contacts::new(&world.db),
        &mut report,
        Tracker {
            run: Some(&mut run),
            clock: &clock,
        },
    )
    .await
    .unwrap();
    assert_eq!(summary.verdict, Verdict::Rejected);
    let key = report
        .upload(world.services.blobs.as_ref(), &tenant(), "imp")
        .await
        .unwrap();
    let status = run
        .finish(&clock, Outcome::Done { message: None }, key)
        .await
        .unwrap();
    assert_eq!(status.phase.as_deref(), Some("validating"));
    assert_eq!((status.count("read"), status.count("invalid")), (3, 1));
    assert_eq!(status.count("created"), 0);
    assert_eq!(
        status.report_key.as_deref(),
        Some("imports/demo/reports/imp.csv")
    );
    let view = progress::JobView::new(&status, None);
    assert!(view.finished);
    assert_eq!(
        serde_json::to_value(&view).unwrap()["state"],
        Value::from("done")
    );
}

#[tokio::test]
async fn the_mapping_step_previews_the_file_and_the_header_row_can_be_given() {
    let text = "ФИО;ЛС\n\
                Сводка;\n\
                ФИО;ЛС;Долг\n\
                Иванов;001;5\n\
                Петров;002;7\n";
    let file = Spooled::from_bytes(text.as_bytes(), ReadOptions::default()).unwrap();
    // Found: row 3 names three fields, row 1 only two.
    let shown = preview(&file, CONTACTS, None, None, 5).await.unwrap();
    assert_eq!(shown.header.number, 3);
    assert_eq!(shown.detected.delimiter, Some(b';'));
    let (mapping, notes) = shown.mapping.unwrap();
    assert!(notes.is_empty());
    assert_eq!(mapping.columns, vec![Some(1), Some(0), Some(2), None]);
    assert_eq!(
        shown.sample.iter().map(|r| r.number).collect::<Vec<_>>(),
        vec![4, 5]
    );
    // Given: the user says the header is row 1.
    let shown = preview(&file, CONTACTS, None, Some(1), 1).await.unwrap();
    assert_eq!(shown.header.number, 1);
    assert_eq!(shown.sample[0].number, 2);
    assert!(matches!(
        preview(&file, CONTACTS, None, Some(40), 5).await,
        Err(FileError::NoHeader { .. })
    ));

    let world = world();
    let mut input = ImportInput::new(&file, CONTACTS, Mode::Apply(ApplyPolicy::ValidRowsOnly));
    input.header_row = Some(3);
    input.batch_rows = 2;
    let mut report = ErrorReport::new(ReportLang::Ru).unwrap();
    let summary = run_import(
        input,
        &mut Contacts::new(&world.db),
        &mut report,
        Tracker {
            run: None,
            clock: world.services.clock.as_ref(),
        },
    )
    .await
    .unwrap();
    assert_eq!(summary.counts.created, 2);
    assert_eq!(stored(&world, "002").await.unwrap()["balance"], "7");
}
