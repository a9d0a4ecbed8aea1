//! How to read a file: what to detect, what the user chose instead, and the limits.

use serde::{Deserialize, Serialize};

/// The kinds of file an import accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    Csv,
    Xlsx,
}

/// The text encoding of a CSV file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    Utf8,
    /// Windows-1251, what Russian Excel writes for "CSV (разделители — точки с запятой)".
    Windows1251,
}

impl TextEncoding {
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Windows1251 => "Windows-1251",
        }
    }
}

/// Which worksheet of a workbook holds the rows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetChoice {
    /// The first sheet in the workbook's order.
    #[default]
    First,
    /// The sheet with this name (compared trimmed and case-insensitively).
    Named(String),
}

/// Bounds that keep memory and time flat whatever the upload holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub max_file_bytes: u64,
    /// A longer cell refuses its row; the reader skips the rest of the cell without keeping it.
    pub max_cell_bytes: usize,
    /// A row with more cells refuses that row; cells past the limit are not kept.
    pub max_columns: usize,
    pub max_rows: u64,
    /// Text of an XLSX shared-strings table, which has to be held in memory.
    pub max_shared_strings_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 200 * 1024 * 1024,
            max_cell_bytes: 32 * 1024,
            max_columns: 256,
            max_rows: 2_000_000,
            max_shared_strings_bytes: 64 * 1024 * 1024,
        }
    }
}

/// What the user said about the file; `None` means "detect".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadOptions {
    pub format: Option<FileFormat>,
    pub encoding: Option<TextEncoding>,
    /// `b';'`, `b','`, `b'\t'`, or any other single byte.
    pub delimiter: Option<u8>,
    #[serde(default)]
    pub sheet: SheetChoice,
    #[serde(default)]
    pub limits: Limits,
}

/// What was found out about the file, shown to the user next to the preview so a wrong guess
/// can be overridden.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detected {
    pub format: FileFormat,
    /// CSV only. `Utf8` on a pure-ASCII start may still turn into `Windows1251` later in the
    /// file, the first time a cell is not valid UTF-8.
    pub encoding: Option<TextEncoding>,
    pub delimiter: Option<u8>,
    /// XLSX only: the sheet read, and every sheet of the workbook.
    pub sheet: Option<String>,
    pub sheets: Vec<String>,
}
