//! What can be wrong with one row, and with a whole file.
//!
//! A [`RowError`] refuses one row and names its column and value; the rest of the file goes on.
//! The same shape with [`Severity::Warning`] is a remark on a row that was accepted all the same
//! (a meter reading far above the usual, stored and flagged for review): reported beside the
//! errors, never counted as one.
//! A [`FileError`] stops the import before any row is read (empty, too large, not a table).
//! Both carry a stable `code` and messages in Russian and English.

use serde::{Deserialize, Serialize};

/// Characters of the offending value kept in a [`RowError`] (the report is for people, and a
/// 10 MB cell must not travel into it).
pub const VALUE_EXCERPT_CHARS: usize = 60;

/// Whether a report line refuses its row or only remarks on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The row was refused.
    #[default]
    Error,
    /// The row was accepted (or would be, in a dry run) and wants a look.
    Warning,
}

impl Severity {
    /// The word a report shows for it.
    pub fn label(self, russian: bool) -> &'static str {
        match (self, russian) {
            (Severity::Error, true) => "Ошибка",
            (Severity::Error, false) => "Error",
            (Severity::Warning, true) => "Предупреждение",
            (Severity::Warning, false) => "Warning",
        }
    }
}

/// One reason a row was refused, or with [`Severity::Warning`], a remark on an accepted row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    #[serde(default)]
    pub severity: Severity,
    /// 1-based row of the source file, as a spreadsheet numbers it (the header is usually 1).
    pub row: u64,
    /// The column's header as it appears in the file, when the reason is about one cell.
    pub column: Option<String>,
    /// Stable snake_case reason (`required`, `invalid_date`, `cell_too_large`).
    pub code: String,
    pub message_ru: String,
    pub message_en: String,
    /// The start of the offending value, control characters replaced.
    pub value_excerpt: Option<String>,
}

impl RowError {
    pub fn new(
        row: u64,
        code: impl Into<String>,
        message_ru: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Error,
            row,
            column: None,
            code: code.into(),
            message_ru: message_ru.into(),
            message_en: message_en.into(),
            value_excerpt: None,
        }
    }

    /// The same line as a remark on an accepted row.
    pub fn as_warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    pub fn in_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    pub fn with_value(mut self, value: &str) -> Self {
        self.value_excerpt = Some(excerpt(value));
        self
    }

    /// A required field is empty or its column is absent.
    pub fn required(row: u64, column: &str) -> Self {
        RowError::new(
            row,
            codes::REQUIRED,
            "Обязательное поле не заполнено",
            "A required field is empty",
        )
        .in_column(column)
    }
}

/// The first [`VALUE_EXCERPT_CHARS`] characters of `value`, with `…` when cut and control
/// characters shown as spaces, so an excerpt never breaks a report line.
pub fn excerpt(value: &str) -> String {
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if i == VALUE_EXCERPT_CHARS {
            out.push('…');
            break;
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

/// Codes the framework itself produces; row handlers add their own.
pub mod codes {
    pub const REQUIRED: &str = "required";
    pub const CELL_TOO_LARGE: &str = "cell_too_large";
    pub const TOO_MANY_COLUMNS: &str = "too_many_columns";
    pub const INVALID_TEXT: &str = "invalid_text";
    pub const CONTROL_CHARACTERS: &str = "control_characters";
    pub const INVALID_NUMBER: &str = "invalid_number";
    pub const INVALID_DATE: &str = "invalid_date";
    pub const DUPLICATE_IN_FILE: &str = "duplicate_in_file";
}

/// Why a whole file cannot be imported.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {limit_bytes} bytes")]
    TooLarge { limit_bytes: u64 },
    #[error("the file has more than {limit} rows")]
    TooManyRows { limit: u64 },
    #[error("the file is not a text table (binary content)")]
    NotText,
    #[error("UTF-16 text is not supported")]
    Utf16,
    #[error("old Excel format (.xls) is not supported")]
    LegacyExcel,
    #[error("the workbook cannot be read: {0}")]
    BadWorkbook(String),
    #[error("the workbook has no sheet named `{name}` (sheets: {available})")]
    SheetNotFound { name: String, available: String },
    #[error("no header row with the expected columns among the first {searched} rows")]
    NoHeader { searched: usize },
    #[error("reading the file failed: {0}")]
    Io(String),
}

impl FileError {
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Empty => "file_empty",
            FileError::TooLarge { .. } => "file_too_large",
            FileError::TooManyRows { .. } => "too_many_rows",
            FileError::NotText => "file_not_text",
            FileError::Utf16 => "utf16_not_supported",
            FileError::LegacyExcel => "xls_not_supported",
            FileError::BadWorkbook(_) => "bad_workbook",
            FileError::SheetNotFound { .. } => "sheet_not_found",
            FileError::NoHeader { .. } => "no_header",
            FileError::Io(_) => "file_unreadable",
        }
    }

    pub fn message_ru(&self) -> String {
        match self {
            FileError::Empty => "Файл пустой: в нём нет ни одной строки.".into(),
            FileError::TooLarge { limit_bytes } => format!(
                "Файл больше допустимого размера ({} МБ). Разделите его на части.",
                limit_bytes / (1024 * 1024)
            ),
            FileError::TooManyRows { limit } => {
                format!("В файле больше {limit} строк. Разделите его на части.")
            }
            FileError::NotText => {
                "Это не таблица: файл содержит двоичные данные. Загрузите CSV или XLSX.".into()
            }
            FileError::Utf16 => {
                "Файл в кодировке UTF-16 не поддерживается. Сохраните его как «CSV UTF-8» или XLSX."
                    .into()
            }
            FileError::LegacyExcel => {
                "Старый формат Excel (.xls) не поддерживается. Сохраните файл как XLSX или CSV."
                    .into()
            }
            FileError::BadWorkbook(_) => {
                "Книгу Excel не удалось прочитать: файл повреждён или это не XLSX.".into()
            }
            FileError::SheetNotFound { name, available } => {
                format!("В книге нет листа «{name}». Листы: {available}.")
            }
            FileError::NoHeader { searched } => format!(
                "Не найдена строка заголовков с нужными столбцами среди первых {searched} строк."
            ),
            FileError::Io(_) => "Файл не удалось прочитать. Попробуйте загрузить его снова.".into(),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            FileError::Empty => "The file is empty: it has no rows.".into(),
            FileError::TooLarge { limit_bytes } => format!(
                "The file is larger than the limit ({} MB). Split it into parts.",
                limit_bytes / (1024 * 1024)
            ),
            FileError::TooManyRows { limit } => {
                format!("The file has more than {limit} rows. Split it into parts.")
            }
            FileError::NotText => {
                "This is not a table: the file holds binary data. Upload CSV or XLSX.".into()
            }
            FileError::Utf16 => {
                "UTF-16 text is not supported. Save the file as \"CSV UTF-8\" or XLSX.".into()
            }
            FileError::LegacyExcel => {
                "The old Excel format (.xls) is not supported. Save the file as XLSX or CSV.".into()
            }
            FileError::BadWorkbook(_) => {
                "The Excel workbook cannot be read: the file is damaged or not XLSX.".into()
            }
            FileError::SheetNotFound { name, available } => {
                format!("The workbook has no sheet \"{name}\". Sheets: {available}.")
            }
            FileError::NoHeader { searched } => {
                format!("No header row with the expected columns among the first {searched} rows.")
            }
            FileError::Io(_) => "The file could not be read. Try uploading it again.".into(),
        }
    }
}

impl From<std::io::Error> for FileError {
    fn from(error: std::io::Error) -> Self {
        FileError::Io(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_and_single_line() {
        assert_eq!(excerpt("a\nb\tc"), "a b c");
        let long = "я".repeat(1000);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), VALUE_EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
        let error = RowError::required(7, "ЛС").with_value(&long);
        assert_eq!(error.column.as_deref(), Some("ЛС"));
        assert_eq!(error.code, "required");
    }

    #[test]
    fn file_errors_speak_both_languages() {
        let errors = [
            FileError::Empty,
            FileError::TooLarge {
                limit_bytes: 100 << 20,
            },
            FileError::NotText,
            FileError::SheetNotFound {
                name: "Май".into(),
                available: "Лист1".into(),
            },
        ];
        for error in errors {
            assert!(!error.message_ru().is_empty() && !error.message_en().is_empty());
            assert!(!error.code().is_empty());
        }
        assert!(FileError::Empty.message_ru().contains("пустой"));
    }
}
