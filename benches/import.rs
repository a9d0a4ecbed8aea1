//! Import benchmark: parse throughput and peak memory of the import framework on a readings
//! file (account, meter serial, date, value, zone): 1,000,000 rows of CSV in UTF-8 and in
//! Windows-1251, and 200,000 rows of XLSX.
//!
//! Each case runs in a child process of this binary, so its peak RSS (`VmHWM`) is its own and
//! not the generator's. Two levels are measured per file:
//! - `reader`: the synchronous row reader alone (`RowReader::next_batch`);
//! - `driver`: the whole framework as a worker uses it — spooled file, parser on a blocking
//!   thread, bounded batches over a channel, header search and mapping, and a handler that
//!   parses every field (`parse_date`, `parse_decimal`) — as a dry run (no store writes).
//!
//! Run: `cargo bench --bench import` (`-- --quick` for 100,000 / 20,000 rows). Prints a
//! Markdown table; docs/benchmarks.md keeps the figures. Files are made in a temporary folder
//! and deleted at the end.

#![expect(clippy::float_arithmetic, reason = "rates of measured times")]
#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use async_trait::async_trait;
use crm_app::clock::SystemClock;
use crm_app::imports::values::{parse_date, parse_decimal};
use crm_app::imports::*;

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "account",
        label_ru: "Лицевой счёт",
        label_en: "Account",
        required: false,
        aliases: &["ЛС"],
    },
    FieldSpec {
        key: "serial",
        label_ru: "Заводской номер",
        label_en: "Serial",
        required: true,
        aliases: &["номер счетчика"],
    },
    FieldSpec {
        key: "date",
        label_ru: "Дата",
        label_en: "Date",
        required: true,
        aliases: &[],
    },
    FieldSpec {
        key: "value",
        label_ru: "Показание",
        label_en: "Value",
        required: true,
        aliases: &[],
    },
    FieldSpec {
        key: "zone",
        label_ru: "Зона",
        label_en: "Zone",
        required: false,
        aliases: &[],
    },
];
const READINGS: Schema = Schema {
    kind: "readings",
    fields: FIELDS,
};
const HEADER: [&str; 5] = [
    "Лицевой счёт",
    "Заводской номер",
    "Дата",
    "Показание",
    "Зона",
];

fn row(i: usize) -> [String; 5] {
    let zone = match i % 3 {
        0 => "день",
        1 => "ночь",
        _ => "",
    };
    [
        format!("{:08}", i / 2),
        format!("СВ-{:09}", i),
        format!("{:02}.03.2026", 1 + i % 28),
        format!("{},{}", 1000 + i % 90_000, i % 100),
        zone.to_owned(),
    ]
}

fn write_csv(path: &Path, rows: usize, cp1251: bool) {
    let mut out = BufWriter::new(std::fs::File::create(path).expect("create csv"));
    let mut line = String::new();
    for i in 0..=rows {
        line.clear();
        if i == 0 {
            line.push_str(&HEADER.join(";"));
        } else {
            line.push_str(&row(i).join(";"));
        }
        line.push_str("\r\n");
        if cp1251 {
            out.write_all(&encoding_rs::WINDOWS_1251.encode(&line).0)
                .expect("write");
        } else {
            out.write_all(line.as_bytes()).expect("write");
        }
    }
    out.flush().expect("flush");
}

fn write_xlsx(path: &Path, rows: usize) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("dd.mm.yyyy");
    let sheet = book.add_worksheet();
    for (column, header) in HEADER.iter().enumerate() {
        sheet
            .write_string(0, column as u16, *header)
            .expect("header");
    }
    for i in 1..=rows {
        let r = i as u32;
        let cells = row(i);
        sheet.write_string(r, 0, &cells[0]).expect("cell");
        sheet.write_string(r, 1, &cells[1]).expect("cell");
        let day = ExcelDateTime::from_ymd(2026, 3, 1 + (i % 28) as u8).expect("date");
        sheet
            .write_datetime_with_format(r, 2, &day, &date)
            .expect("cell");
        sheet
            .write_number(r, 3, (1000 + i % 90_000) as f64 + (i % 100) as f64 / 100.0)
            .expect("cell");
        if !cells[4].is_empty() {
            sheet.write_string(r, 4, &cells[4]).expect("cell");
        }
    }
    book.save(path).expect("save xlsx");
}

/// Counts what a readings handler would look at.
struct Trivial {
    checksum: u64,
}

#[async_trait]
impl RowHandler for Trivial {
    type Record = ();

    fn parse(&mut self, row: &MappedRow<'_>) -> Result<(), Vec<RowError>> {
        let serial = row.required("serial").map_err(|e| vec![e])?;
        let date = parse_date(row.required("date").map_err(|e| vec![e])?);
        let value = parse_decimal(row.required("value").map_err(|e| vec![e])?);
        match (date, value) {
            (Some(_), Some(_)) => {
                self.checksum += serial.len() as u64 + row.get("zone").map_or(0, str::len) as u64;
                Ok(())
            }
            _ => Err(vec![RowError::new(row.number(), "bad", "плохо", "bad")]),
        }
    }

    async fn apply(&mut self, _batch: &mut [Entry<()>]) -> Result<(), HandlerError> {
        Ok(())
    }
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs one case in this process and prints `rows seconds peak_kib`.
fn child(level: &str, path: &Path) {
    let (rows, seconds) = match level {
        "reader" => {
            let started = Instant::now();
            let file = std::fs::File::open(path).expect("open");
            let mut reader = RowReader::open_file(file, &ReadOptions::default()).expect("reader");
            let mut batch = Vec::with_capacity(1000);
            let mut rows = 0u64;
            loop {
                batch.clear();
                let n = reader.next_batch(1000, &mut batch).expect("rows");
                rows += n as u64;
                if n < 1000 {
                    break;
                }
            }
            // The header is a row to the reader.
            (rows - 1, started.elapsed().as_secs_f64())
        }
        _ => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let input = std::fs::File::open(path).expect("open");
                let file = Spooled::from_reader(input, ReadOptions::default()).expect("spool");
                let started = Instant::now();
                let mut report = ErrorReport::new(ReportLang::Ru).expect("report");
                let mut handler = Trivial { checksum: 0 };
                let summary = run_import(
                    ImportInput::new(&file, READINGS, Mode::DryRun),
                    &mut handler,
                    &mut report,
                    Tracker {
                        run: None,
                        clock: &SystemClock,
                    },
                )
                .await
                .expect("import");
                assert_eq!(summary.counts.invalid, 0, "every row parses");
                assert!(handler.checksum > 0);
                (summary.counts.read, started.elapsed().as_secs_f64())
            })
        }
    };
    println!("{rows} {seconds} {}", peak_rss_kib());
}

struct Measured {
    case: String,
    rows: u64,
    seconds: f64,
    peak_mib: f64,
    file_mib: f64,
}

fn measure(case: &str, level: &str, path: &Path) -> Measured {
    let exe = std::env::current_exe().expect("current exe");
    let output = Command::new(exe)
        .args(["--child", level])
        .arg(path)
        .output()
        .expect("run child");
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().last().unwrap_or_default();
    let parts: Vec<&str> = line.split_whitespace().collect();
    assert!(
        output.status.success() && parts.len() == 3,
        "{case}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Measured {
        case: format!("{case}, {level}"),
        rows: parts[0].parse().expect("rows"),
        seconds: parts[1].parse().expect("seconds"),
        peak_mib: parts[2].parse::<f64>().expect("kib") / 1024.0,
        file_mib: std::fs::metadata(path).map_or(0.0, |m| m.len() as f64 / 1048576.0),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--child") {
        child(&args[at + 1], Path::new(&args[at + 2]));
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let (csv_rows, xlsx_rows) = if quick {
        (100_000, 20_000)
    } else {
        (1_000_000, 200_000)
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let utf8 = dir.path().join("readings-utf8.csv");
    let cp1251 = dir.path().join("readings-cp1251.csv");
    let xlsx = dir.path().join("readings.xlsx");
    let started = Instant::now();
    write_csv(&utf8, csv_rows, false);
    write_csv(&cp1251, csv_rows, true);
    write_xlsx(&xlsx, xlsx_rows);
    println!(
        "files generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut results = Vec::new();
    for (case, path) in [
        ("CSV UTF-8", &utf8),
        ("CSV Windows-1251", &cp1251),
        ("XLSX", &xlsx),
    ] {
        for level in ["reader", "driver"] {
            results.push(measure(case, level, path));
        }
    }
    println!();
    println!("| file, level | rows | file MiB | seconds | rows/s | peak RSS MiB |");
    println!("|---|---:|---:|---:|---:|---:|");
    for m in &results {
        println!(
            "| {} | {} | {:.1} | {:.2} | {:.0} | {:.1} |",
            m.case,
            m.rows,
            m.file_mib,
            m.seconds,
            m.rows as f64 / m.seconds,
            m.peak_mib
        );
    }
}
