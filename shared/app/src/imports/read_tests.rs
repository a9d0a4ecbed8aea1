//! Reading real-looking files: CSV dialects and encodings, limits, and XLSX workbooks made with
//! rust_xlsxwriter.

use super::*;

fn rows_of(bytes: impl Into<Vec<u8>>, options: &ReadOptions) -> (Detected, Vec<SourceRow>) {
    let mut reader = RowReader::open_bytes(bytes.into(), options).expect("opens");
    let mut rows = Vec::new();
    while let Some(row) = reader.next_row().expect("reads") {
        rows.push(row);
    }
    (reader.detected(), rows)
}

fn cells(rows: &[SourceRow]) -> Vec<Vec<&str>> {
    rows.iter()
        .map(|row| row.cells.iter().map(String::as_str).collect())
        .collect()
}

fn cp1251(text: &str) -> Vec<u8> {
    encoding_rs::WINDOWS_1251.encode(text).0.into_owned()
}

#[test]
fn quotes_hold_separators_line_breaks_and_quotes() {
    let csv = "ЛС;Адрес;Комментарий\r\n\
               001;\"ул. Ленина; д. 1\";\"первая строка\r\nвторая \"\"в кавычках\"\"\"\r\n\
               002;x\"y;\"\"\r\n\
               003;\"a\"b;last";
    let (detected, rows) = rows_of(csv, &ReadOptions::default());
    assert_eq!(detected.delimiter, Some(b';'));
    assert_eq!(detected.encoding, Some(TextEncoding::Utf8));
    assert_eq!(
        cells(&rows),
        vec![
            vec!["ЛС", "Адрес", "Комментарий"],
            vec![
                "001",
                "ул. Ленина; д. 1",
                "первая строка\r\nвторая \"в кавычках\""
            ],
            vec!["002", "x\"y", ""],
            vec!["003", "ab", "last"],
        ]
    );
    // The quoted line break does not start a new row.
    assert_eq!(
        rows.iter().map(|r| r.number).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
}

#[test]
fn line_endings_and_blank_rows_keep_row_numbers() {
    let (_, rows) = rows_of("a,b\n1,2\r\n\n,,\n,\r3,4", &ReadOptions::default());
    assert_eq!(
        cells(&rows),
        vec![vec!["a", "b"], vec!["1", "2"], vec!["3", "4"]]
    );
    assert_eq!(
        rows.iter().map(|r| r.number).collect::<Vec<_>>(),
        vec![1, 2, 6]
    );
}

#[test]
fn delimiters_are_detected_and_overridable() {
    let (d, rows) = rows_of("a\tb\n1\t2,5\n", &ReadOptions::default());
    assert_eq!(d.delimiter, Some(b'\t'));
    assert_eq!(cells(&rows)[1], vec!["1", "2,5"]);
    let (d, _) = rows_of("a,b\n1,2\n", &ReadOptions::default());
    assert_eq!(d.delimiter, Some(b','));
    let options = ReadOptions {
        delimiter: Some(b';'),
        ..ReadOptions::default()
    };
    let (_, rows) = rows_of("a,b\n1,2\n", &options);
    assert_eq!(cells(&rows)[0], vec!["a,b"]);
}

#[test]
fn encodings_bom_cp1251_mixed_and_override() {
    let text = "Лицевой счёт;Показание\n001;12,5\n";
    let (d, rows) = rows_of(text, &ReadOptions::default());
    assert_eq!(d.encoding, Some(TextEncoding::Utf8));
    assert_eq!(rows[0].cells[0], "Лицевой счёт");

    let with_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    let (_, rows) = rows_of(with_bom, &ReadOptions::default());
    assert_eq!(
        rows[0].cells[0], "Лицевой счёт",
        "the BOM is not part of the header"
    );

    let (d, rows) = rows_of(cp1251(text), &ReadOptions::default());
    assert_eq!(d.encoding, Some(TextEncoding::Windows1251));
    assert_eq!(rows[0].cells[0], "Лицевой счёт");

    // Mostly ASCII: 100 KB of ASCII rows, then Cyrillic in Windows-1251 past the sample.
    let mut mixed = b"account;name\n".to_vec();
    for i in 0..5000 {
        mixed.extend_from_slice(format!("{i:08};Ivanov Ivan\n").as_bytes());
    }
    mixed.extend_from_slice(&cp1251("99999999;Пётр Ёлкин\n"));
    let (d, rows) = rows_of(mixed, &ReadOptions::default());
    assert_eq!(d.encoding, Some(TextEncoding::Windows1251));
    let last = rows.last().unwrap();
    assert_eq!(last.cells, vec!["99999999", "Пётр Ёлкин"]);
    assert_eq!(last.problem, None);

    // UTF-8 already seen, then a stray Windows-1251 cell: that row alone is refused.
    let mut stray = "ЛС;ФИО\n001;Иванов\n".as_bytes().to_vec();
    stray.extend_from_slice(&cp1251("002;Петров\n"));
    stray.extend_from_slice("003;Сидоров\n".as_bytes());
    let (_, rows) = rows_of(stray, &ReadOptions::default());
    assert_eq!(rows[2].problem, Some(RowProblem::InvalidText { column: 1 }));
    assert_eq!(rows[3].cells[1], "Сидоров");
    let error = rows[2].problem.unwrap().to_error(3, Some(&rows[0].cells));
    assert_eq!(error.column.as_deref(), Some("ФИО"));
    assert_eq!(error.code, "invalid_text");

    // The user says Windows-1251 for a file that is valid UTF-8 (a rare but possible wish).
    let options = ReadOptions {
        encoding: Some(TextEncoding::Windows1251),
        ..ReadOptions::default()
    };
    let (d, rows) = rows_of("Я\n", &options);
    assert_eq!(d.encoding, Some(TextEncoding::Windows1251));
    assert_eq!(rows[0].cells[0], "РЇ");
}

#[test]
fn whole_file_errors() {
    let open = |bytes: &[u8]| RowReader::open_bytes(bytes.to_vec(), &ReadOptions::default());
    assert_eq!(open(b"").err(), Some(FileError::Empty));
    assert_eq!(open(b"\x00\x01\x02binary").err(), Some(FileError::NotText));
    assert_eq!(open(b"\xFF\xFEa\x00b\x00").err(), Some(FileError::Utf16));
    let small = ReadOptions {
        limits: Limits {
            max_file_bytes: 10,
            ..Limits::default()
        },
        ..ReadOptions::default()
    };
    assert_eq!(
        RowReader::open_bytes(b"0123456789ab".to_vec(), &small).err(),
        Some(FileError::TooLarge { limit_bytes: 10 })
    );
    assert!(matches!(
        open(b"PK\x03\x04not really a zip").err(),
        Some(FileError::BadWorkbook(_))
    ));
    // Only blank lines: opens, yields nothing.
    let (_, rows) = rows_of("\n\r\n;;\n", &ReadOptions::default());
    assert!(rows.is_empty());
}

#[test]
fn a_huge_cell_refuses_its_row_only() {
    let limits = Limits::default();
    let mut csv = b"a;b\n1;ok\n2;".to_vec();
    csv.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    csv.extend_from_slice(b"\n3;\"");
    csv.extend(std::iter::repeat_n(b'y', 10 * 1024 * 1024));
    csv.extend_from_slice(b"\";z\n4;ok\n");
    let (_, rows) = rows_of(csv, &ReadOptions::default());
    assert_eq!(rows.len(), 5);
    assert_eq!(
        rows[2].problem,
        Some(RowProblem::CellTooLarge {
            column: 1,
            limit_bytes: limits.max_cell_bytes
        })
    );
    assert!(rows[2].cells[1].len() <= limits.max_cell_bytes);
    assert!(rows[3].problem.is_some() && rows[3].cells[2] == "z");
    assert_eq!(rows[4].cells, vec!["4", "ok"]);
    let error = rows[2].problem.unwrap().to_error(3, Some(&rows[0].cells));
    assert_eq!(error.code, "cell_too_large");
    assert_eq!(error.column.as_deref(), Some("b"));
}

#[test]
fn too_many_columns_and_control_characters() {
    let options = ReadOptions {
        limits: Limits {
            max_columns: 3,
            ..Limits::default()
        },
        ..ReadOptions::default()
    };
    // Enough ordinary text around that the file as a whole still reads as text.
    let mut csv = String::from("a;b;c\n1;2;3;4;5\n1;2\u{1}x;3\n7;8;9\n");
    csv.push_str(&"4;5;6\n".repeat(100));
    let (_, rows) = rows_of(csv, &options);
    assert_eq!(
        rows[1].problem,
        Some(RowProblem::TooManyColumns { limit: 3 })
    );
    assert_eq!(rows[1].cells.len(), 3);
    assert_eq!(
        rows[2].problem,
        Some(RowProblem::ControlCharacters { column: 1 })
    );
    assert_eq!(rows[3].problem, None);
}

#[test]
fn unclosed_quote_is_reported() {
    let (_, rows) = rows_of("a;b\n1;\"never closed\n2;3\n", &ReadOptions::default());
    assert_eq!(rows[1].problem, Some(RowProblem::UnclosedQuote));
}

#[test]
fn formulas_are_plain_text_when_read() {
    let (_, rows) = rows_of("a;b\n=1+2;@SUM(A1)\n", &ReadOptions::default());
    assert_eq!(rows[1].cells, vec!["=1+2", "@SUM(A1)"]);
}

#[test]
fn batches_are_bounded() {
    let mut csv = String::from("n\n");
    for i in 0..2500 {
        csv.push_str(&format!("{i}\n"));
    }
    let mut reader = RowReader::open_bytes(csv.into_bytes(), &ReadOptions::default()).unwrap();
    let mut batch = Vec::new();
    let mut sizes = Vec::new();
    loop {
        batch.clear();
        let n = reader.next_batch(1000, &mut batch).unwrap();
        sizes.push(n);
        if n < 1000 {
            break;
        }
    }
    assert_eq!(sizes, vec![1000, 1000, 501]);
}

mod xlsx {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    use super::*;

    fn workbook() -> Vec<u8> {
        let mut book = Workbook::new();
        let date = Format::new().set_num_format("dd.mm.yyyy");
        let first = book.add_worksheet().set_name("Показания").unwrap();
        first.write_string(0, 0, "Лицевой счёт").unwrap();
        first.write_string(0, 1, "Дата").unwrap();
        first.write_string(0, 2, "Показание").unwrap();
        first.write_string(0, 3, "Комментарий").unwrap();
        first.write_string(1, 0, "001").unwrap();
        let when = ExcelDateTime::from_ymd(2026, 3, 31).unwrap();
        first
            .write_datetime_with_format(1, 1, &when, &date)
            .unwrap();
        first.write_number(1, 2, 45.3).unwrap();
        first.write_string(1, 3, "=HYPERLINK(\"x\")").unwrap();
        first.write_number(2, 0, 2.0).unwrap();
        first.write_string(2, 1, "31.03.2026").unwrap();
        first.write_string(2, 2, "12,75").unwrap();
        // Row 4 left empty; row 5 has a gap in column B.
        first.write_string(4, 0, "003").unwrap();
        first.write_number(4, 2, 1e-7).unwrap();
        first.write_number(5, 0, 46082.0).unwrap();
        let second = book.add_worksheet().set_name("Справочник").unwrap();
        second.write_string(0, 0, "second sheet").unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn first_sheet_with_dates_numbers_and_gaps() {
        let (detected, rows) = rows_of(workbook(), &ReadOptions::default());
        assert_eq!(detected.format, FileFormat::Xlsx);
        assert_eq!(detected.sheet.as_deref(), Some("Показания"));
        assert_eq!(detected.sheets, vec!["Показания", "Справочник"]);
        assert_eq!(
            cells(&rows),
            vec![
                vec!["Лицевой счёт", "Дата", "Показание", "Комментарий"],
                vec!["001", "2026-03-31", "45.3", "=HYPERLINK(\"x\")"],
                vec!["2", "31.03.2026", "12,75"],
                vec!["003", "", "0.0000001"],
                vec!["46082"],
            ]
        );
        assert_eq!(
            rows.iter().map(|r| r.number).collect::<Vec<_>>(),
            vec![1, 2, 3, 5, 6]
        );
    }

    #[test]
    fn named_sheet_and_missing_sheet() {
        let options = ReadOptions {
            sheet: SheetChoice::Named(" справочник ".into()),
            ..ReadOptions::default()
        };
        let (detected, rows) = rows_of(workbook(), &options);
        assert_eq!(detected.sheet.as_deref(), Some("Справочник"));
        assert_eq!(cells(&rows), vec![vec!["second sheet"]]);
        let options = ReadOptions {
            sheet: SheetChoice::Named("Май".into()),
            ..ReadOptions::default()
        };
        let error = RowReader::open_bytes(workbook(), &options).err().unwrap();
        assert_eq!(
            error,
            FileError::SheetNotFound {
                name: "Май".into(),
                available: "Показания, Справочник".into()
            }
        );
    }

    #[test]
    fn huge_and_crowded_cells_refuse_their_rows() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "a").unwrap();
        sheet.write_string(1, 0, "x".repeat(5_000)).unwrap();
        sheet.write_string(2, 0, "ok").unwrap();
        sheet.write_string(3, 300, "far").unwrap();
        let options = ReadOptions {
            limits: Limits {
                max_cell_bytes: 1_000,
                ..Limits::default()
            },
            ..ReadOptions::default()
        };
        let (_, rows) = rows_of(book.save_to_buffer().unwrap(), &options);
        assert!(matches!(
            rows[1].problem,
            Some(RowProblem::CellTooLarge { column: 0, .. })
        ));
        assert_eq!(rows[2].cells, vec!["ok"]);
        assert!(matches!(
            rows[3].problem,
            Some(RowProblem::TooManyColumns { .. })
        ));
    }
}
