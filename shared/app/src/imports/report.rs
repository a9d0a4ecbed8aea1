//! The row report: one CSV line per row error or warning, written to a temporary file as rows are
//! processed (flat memory), then uploaded to the blob store.
//!
//! The file opens in Excel as is: UTF-8 with a BOM, `;` between cells, CRLF line ends. Cells
//! that a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab, CR at the start) get a
//! leading `'`, so a hostile value from the upload cannot run when the report is opened.
//!
//! Columns: row, column, value, code, message, severity («Ошибка» or «Предупреждение»). The
//! severity comes last so a report written before it existed reads the same (every line an
//! error).

use std::borrow::Cow;
use std::io::{BufWriter, Seek, Write};

use crm_domain::TenantId;
use tempfile::NamedTempFile;

use super::errors::{RowError, Severity};
use crate::blobs::{BlobCategory, BlobError, Blobs, blob_key};

pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";
/// Lines written at most; the counts go on past it, and a last line says how many more.
pub const MAX_REPORT_LINES: u64 = 100_000;

/// The language of the report's header and messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportLang {
    #[default]
    Ru,
    En,
}

/// `text` with a leading `'` when a spreadsheet could take it for a formula.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// One CSV cell: neutralised, and quoted when it holds `;`, a quote or a line break.
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    let text = neutralise(text);
    if text.contains([';', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        text
    }
}

/// Writes one CSV line (cells, `;`, CRLF).
pub fn write_csv_line<W: Write, S: AsRef<str>>(out: &mut W, cells: &[S]) -> std::io::Result<()> {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.write_all(b";")?;
        }
        out.write_all(csv_cell(cell.as_ref()).as_bytes())?;
    }
    out.write_all(b"\r\n")
}

pub struct ErrorReport {
    lang: ReportLang,
    file: BufWriter<NamedTempFile>,
    written: u64,
    total: u64,
}

impl ErrorReport {
    pub fn new(lang: ReportLang) -> std::io::Result<Self> {
        let mut file = BufWriter::new(NamedTempFile::new()?);
        file.write_all(b"\xEF\xBB\xBF")?;
        let header: [&str; 6] = match lang {
            ReportLang::Ru => ["Строка", "Столбец", "Значение", "Код", "Сообщение", "Вид"],
            ReportLang::En => ["Row", "Column", "Value", "Code", "Message", "Severity"],
        };
        write_csv_line(&mut file, &header)?;
        Ok(Self {
            lang,
            file,
            written: 0,
            total: 0,
        })
    }

    pub fn add(&mut self, error: &RowError) -> std::io::Result<()> {
        self.total += 1;
        if self.written >= MAX_REPORT_LINES {
            return Ok(());
        }
        self.written += 1;
        let message = match self.lang {
            ReportLang::Ru => &error.message_ru,
            ReportLang::En => &error.message_en,
        };
        let row = error.row.to_string();
        write_csv_line(
            &mut self.file,
            &[
                row.as_str(),
                error.column.as_deref().unwrap_or(""),
                error.value_excerpt.as_deref().unwrap_or(""),
                error.code.as_str(),
                message.as_str(),
                error.severity.label(self.lang == ReportLang::Ru),
            ],
        )
    }

    /// Lines added so far (including those past [`MAX_REPORT_LINES`]).
    pub fn len(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Closes the file; `None` when there was nothing to report.
    pub fn finish(mut self) -> std::io::Result<Option<NamedTempFile>> {
        if self.total == 0 {
            return Ok(None);
        }
        if self.total > self.written {
            let more = self.total - self.written;
            let line = match self.lang {
                ReportLang::Ru => format!("… и ещё {more} строк отчёта не показано"),
                ReportLang::En => format!("… and {more} more lines not listed"),
            };
            write_csv_line(&mut self.file, &["", "", "", "", line.as_str(), ""])?;
        }
        let mut file = self.file.into_inner().map_err(|e| e.into_error())?;
        file.flush()?;
        file.rewind()?;
        Ok(Some(file))
    }

    /// Finishes and uploads the report as `imports/<tenant>/reports/<job_id>.csv`; returns its
    /// blob key, or `None` when there were no errors.
    pub async fn upload(
        self,
        blobs: &dyn Blobs,
        tenant: &TenantId,
        job_id: &str,
    ) -> Result<Option<String>, BlobError> {
        let Some(file) = self.finish()? else {
            return Ok(None);
        };
        let key = report_key(tenant, job_id)?;
        blobs.put_file(&key, file.path(), CSV_CONTENT_TYPE).await?;
        Ok(Some(key))
    }
}

/// The severity a report line's last cell names (either language); a line without one is an
/// error, as every line of a report written before warnings was.
pub fn severity_of_cell(cell: &str) -> Severity {
    [Severity::Warning, Severity::Error]
        .into_iter()
        .find(|s| cell == s.label(true) || cell == s.label(false))
        .unwrap_or(Severity::Error)
}

/// Where the row report of a job lives.
pub fn report_key(tenant: &TenantId, job_id: &str) -> Result<String, BlobError> {
    blob_key(
        BlobCategory::Imports,
        tenant,
        &format!("reports/{job_id}.csv"),
    )
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn formulas_are_neutralised_and_cells_quoted() {
        for (raw, safe) in [
            ("=1+2", "'=1+2"),
            ("+7 999", "'+7 999"),
            ("-5", "'-5"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "\"'\rx\""),
            ("a;b", "\"a;b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("plain", "plain"),
        ] {
            assert_eq!(csv_cell(raw), safe, "{raw:?}");
        }
    }

    #[test]
    fn report_is_excel_ready_and_bounded() {
        let mut report = ErrorReport::new(ReportLang::Ru).unwrap();
        report
            .add(
                &RowError::new(3, "invalid_number", "Не число", "Not a number")
                    .in_column("Показание")
                    .with_value("=HYPERLINK(\"evil\")"),
            )
            .unwrap();
        let mut file = report.finish().unwrap().unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert_eq!(
            text.trim_start_matches('\u{feff}'),
            "Строка;Столбец;Значение;Код;Сообщение;Вид\r\n\
             3;Показание;\"'=HYPERLINK(\"\"evil\"\")\";invalid_number;Не число;Ошибка\r\n"
        );
        assert!(
            ErrorReport::new(ReportLang::En)
                .unwrap()
                .finish()
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn warnings_are_lines_of_their_own_severity() {
        let mut report = ErrorReport::new(ReportLang::Ru).unwrap();
        report
            .add(
                &RowError::new(
                    2,
                    "reading_above_cap",
                    "Расход выше предела",
                    "Above the cap",
                )
                .as_warning(),
            )
            .unwrap();
        report
            .add(&RowError::new(
                3,
                "reading_decreasing",
                "Меньше предыдущего",
                "Decreasing",
            ))
            .unwrap();
        let mut text = String::new();
        report
            .finish()
            .unwrap()
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(
            lines,
            [
                "2;;;reading_above_cap;Расход выше предела;Предупреждение",
                "3;;;reading_decreasing;Меньше предыдущего;Ошибка",
            ]
        );
        assert_eq!(severity_of_cell("Предупреждение"), Severity::Warning);
        assert_eq!(severity_of_cell("Warning"), Severity::Warning);
        assert_eq!(severity_of_cell("Ошибка"), Severity::Error);
        assert_eq!(severity_of_cell(""), Severity::Error, "an older report");
    }

    #[test]
    fn lines_stop_at_the_cap_but_counts_go_on() {
        let mut report = ErrorReport::new(ReportLang::En).unwrap();
        for row in 0..MAX_REPORT_LINES + 5 {
            report.add(&RowError::new(row, "x", "x", "x")).unwrap();
        }
        assert_eq!(report.len(), MAX_REPORT_LINES + 5);
        let mut text = String::new();
        report
            .finish()
            .unwrap()
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert!(text.ends_with("… and 5 more lines not listed;\r\n"));
        assert_eq!(text.lines().count() as u64, MAX_REPORT_LINES + 2);
    }
}
