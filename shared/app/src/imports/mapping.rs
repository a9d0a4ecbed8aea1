//! Which column of the file feeds which field of the import.
//!
//! An import describes its fields once ([`Schema`]: key, labels, required, aliases in Russian
//! and English). Headers are matched trimmed, case-insensitively, with ё = е and `_`/`-` as
//! spaces. A mapping the user edited (or saved earlier for this tenant and import kind) comes
//! first; automatic matching fills the rest. Missing required fields and two columns for one
//! field stop the import; columns that match nothing are reported and ignored. Pure; no I/O.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::errors::RowError;
use super::read::{SourceRow, column_letters};

/// One field an import reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// Stable key (`account`), used by handlers and in saved mappings.
    pub key: &'static str,
    pub label_ru: &'static str,
    pub label_en: &'static str,
    pub required: bool,
    /// Other headers meaning this field (`ЛС`, `Лицевой счёт`, `account number`). The labels
    /// and the key match too.
    pub aliases: &'static [&'static str],
}

/// The fields of one kind of import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schema {
    /// The import kind (`subscribers`, `readings`): saved mappings are kept per kind.
    pub kind: &'static str,
    pub fields: &'static [FieldSpec],
}

impl Schema {
    pub fn field(&self, key: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.key == key)
    }

    /// The field a header names, by key, label or alias.
    pub fn match_header(&self, header: &str) -> Option<usize> {
        let wanted = normalise_header(header);
        if wanted.is_empty() {
            return None;
        }
        self.fields.iter().position(|field| {
            std::iter::once(field.key)
                .chain([field.label_ru, field.label_en])
                .chain(field.aliases.iter().copied())
                .any(|name| normalise_header(name) == wanted)
        })
    }
}

/// A header as compared: trimmed, lower case, ё as е, `_`, `-`, `.` and runs of spaces as one
/// space, a trailing `*` or `:` dropped (`Лицевой счёт*:` = `лицевой счет`).
pub fn normalise_header(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut space = false;
    for c in header.trim().trim_end_matches([':', '*']).chars() {
        let c = match c {
            'ё' | 'Ё' => 'е',
            '_' | '-' | '.' | '\u{a0}' => ' ',
            c => c,
        };
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// What the user chose for a column, by its normalised header: a field key, or "ignore".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedMapping {
    pub columns: BTreeMap<String, ColumnChoice>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnChoice {
    Field(String),
    Ignore,
}

impl SavedMapping {
    /// Remembers `choice` for the column headed `header`.
    pub fn set(&mut self, header: &str, choice: ColumnChoice) {
        self.columns.insert(normalise_header(header), choice);
    }

    fn get(&self, header: &str) -> Option<&ColumnChoice> {
        self.columns.get(&normalise_header(header))
    }

    /// The mapping as the user sees it now, to save for the next file of the same kind.
    pub fn from_resolved(resolved: &Mapping, schema: &Schema) -> SavedMapping {
        let mut saved = SavedMapping::default();
        for (column, header) in resolved.header.iter().enumerate() {
            if header.trim().is_empty() {
                continue;
            }
            let choice = match resolved.field_of_column(column) {
                Some(field) => ColumnChoice::Field(schema.fields[field].key.to_owned()),
                None => ColumnChoice::Ignore,
            };
            saved.set(header, choice);
        }
        saved
    }
}

/// A resolved mapping: for each field of the schema, the column feeding it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    pub schema: Schema,
    /// The header row's cells, as in the file.
    pub header: Vec<String>,
    /// The header's row number (data starts below it).
    pub header_row: u64,
    /// Indexed like `schema.fields`.
    pub columns: Vec<Option<usize>>,
    /// Columns feeding no field (reported, not fatal): index and header.
    pub unused: Vec<(usize, String)>,
}

impl Mapping {
    pub fn field_of_column(&self, column: usize) -> Option<usize> {
        self.columns.iter().position(|c| *c == Some(column))
    }

    /// The column's header, or its letter when the header cell is empty.
    pub fn column_name(&self, column: usize) -> String {
        self.header
            .get(column)
            .map(|h| h.trim())
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| column_letters(column))
    }

    /// The header of the column that feeds `key` (for row errors), or the field's label.
    pub fn column_for(&self, key: &str) -> String {
        match self.schema.field(key) {
            Some(field) => match self.columns[field] {
                Some(column) => self.column_name(column),
                None => self.schema.fields[field].label_ru.to_owned(),
            },
            None => key.to_owned(),
        }
    }

    /// A data row seen through the mapping.
    pub fn row<'a>(&'a self, row: &'a SourceRow) -> MappedRow<'a> {
        MappedRow { mapping: self, row }
    }
}

/// Why a header cannot be mapped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum MappingProblem {
    /// A required field has no column.
    MissingRequired {
        field: String,
        label_ru: String,
        label_en: String,
    },
    /// Two columns claim one field; the user must choose.
    DuplicateField { field: String, columns: Vec<String> },
    /// A saved choice names a field the import no longer has; the column is ignored.
    UnknownSavedField { column: String, field: String },
}

impl MappingProblem {
    pub fn is_fatal(&self) -> bool {
        !matches!(self, MappingProblem::UnknownSavedField { .. })
    }

    pub fn message_ru(&self) -> String {
        match self {
            MappingProblem::MissingRequired { label_ru, .. } => {
                format!("Нет обязательного столбца «{label_ru}»")
            }
            MappingProblem::DuplicateField { columns, .. } => format!(
                "Столбцы {} указывают на одно и то же поле; выберите один",
                quoted(columns)
            ),
            MappingProblem::UnknownSavedField { column, .. } => {
                format!("Столбец «{column}» пропущен: сохранённое поле больше не существует")
            }
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            MappingProblem::MissingRequired { label_en, .. } => {
                format!("The required column \"{label_en}\" is missing")
            }
            MappingProblem::DuplicateField { columns, .. } => format!(
                "Columns {} map to the same field; choose one",
                quoted(columns)
            ),
            MappingProblem::UnknownSavedField { column, .. } => {
                format!("Column \"{column}\" skipped: its saved field no longer exists")
            }
        }
    }
}

fn quoted(columns: &[String]) -> String {
    columns
        .iter()
        .map(|c| format!("«{c}»"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The mapping for `header`, or what stops it. Saved choices win over automatic matches.
pub fn resolve(
    schema: Schema,
    header: &SourceRow,
    saved: Option<&SavedMapping>,
) -> Result<(Mapping, Vec<MappingProblem>), Vec<MappingProblem>> {
    let mut problems = Vec::new();
    let mut claims: Vec<Vec<usize>> = vec![Vec::new(); schema.fields.len()];
    let mut unused = Vec::new();
    for (column, text) in header.cells.iter().enumerate() {
        let choice = saved.and_then(|saved| saved.get(text));
        let field = match choice {
            Some(ColumnChoice::Ignore) => None,
            Some(ColumnChoice::Field(key)) => match schema.field(key) {
                Some(field) => Some(field),
                None => {
                    problems.push(MappingProblem::UnknownSavedField {
                        column: text.clone(),
                        field: key.clone(),
                    });
                    None
                }
            },
            None => schema.match_header(text),
        };
        match field {
            Some(field) => claims[field].push(column),
            None if !text.trim().is_empty() => unused.push((column, text.clone())),
            None => {}
        }
    }
    let mut columns = Vec::with_capacity(schema.fields.len());
    for (field, claimed) in claims.iter().enumerate() {
        let spec = &schema.fields[field];
        match claimed.as_slice() {
            [] => {
                if spec.required {
                    problems.push(MappingProblem::MissingRequired {
                        field: spec.key.to_owned(),
                        label_ru: spec.label_ru.to_owned(),
                        label_en: spec.label_en.to_owned(),
                    });
                }
                columns.push(None);
            }
            [one] => columns.push(Some(*one)),
            many => {
                problems.push(MappingProblem::DuplicateField {
                    field: spec.key.to_owned(),
                    columns: many.iter().map(|&c| header.cells[c].clone()).collect(),
                });
                columns.push(None);
            }
        }
    }
    if problems.iter().any(MappingProblem::is_fatal) {
        return Err(problems);
    }
    Ok((
        Mapping {
            schema,
            header: header.cells.clone(),
            header_row: header.number,
            columns,
            unused,
        },
        problems,
    ))
}

/// Rows looked at to find the header (a title or a blank line may come first).
pub const HEADER_SEARCH_ROWS: usize = 10;

/// Of the first rows, the one that names the most fields (the first on a tie), as long as it
/// names at least one required field or, for schemas without required fields, any field.
pub fn find_header(
    schema: &Schema,
    rows: &[SourceRow],
    saved: Option<&SavedMapping>,
) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        let mut named = vec![false; schema.fields.len()];
        for cell in &row.cells {
            let field = match saved.and_then(|s| s.get(cell)) {
                Some(ColumnChoice::Field(key)) => schema.field(key),
                Some(ColumnChoice::Ignore) => None,
                None => schema.match_header(cell),
            };
            if let Some(field) = field {
                named[field] = true;
            }
        }
        let count = named.iter().filter(|&&n| n).count();
        let names_required = schema
            .fields
            .iter()
            .zip(&named)
            .any(|(spec, &n)| n && spec.required);
        let no_required = schema.fields.iter().all(|f| !f.required);
        if count > 0 && (names_required || no_required) && best.is_none_or(|(_, c)| count > c) {
            best = Some((i, count));
        }
    }
    best.map(|(i, _)| i)
}

/// A data row seen through a mapping: cells by field key.
#[derive(Clone, Copy, Debug)]
pub struct MappedRow<'a> {
    mapping: &'a Mapping,
    row: &'a SourceRow,
}

impl<'a> MappedRow<'a> {
    pub fn number(&self) -> u64 {
        self.row.number
    }

    /// The trimmed cell feeding `key`; `None` when the column is absent or the cell is empty.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        let field = self.mapping.schema.field(key);
        debug_assert!(field.is_some(), "`{key}` is not a field of this import");
        let column = self.mapping.columns.get(field?).copied().flatten()?;
        let cell = self.row.cells.get(column)?.trim();
        (!cell.is_empty()).then_some(cell)
    }

    /// Like [`Self::get`], but an empty cell is a [`RowError`] naming the column.
    #[expect(
        clippy::result_large_err,
        reason = "a row error is the rare path, and handlers collect it as a value"
    )]
    pub fn required(&self, key: &str) -> Result<&'a str, RowError> {
        self.get(key)
            .ok_or_else(|| RowError::required(self.number(), &self.mapping.column_for(key)))
    }

    /// The header of the column feeding `key` as the file spells it (the field's label when
    /// the file has no such column): for errors found after parsing, in a batch check.
    pub fn column(&self, key: &str) -> String {
        self.mapping.column_for(key)
    }

    /// A row error about the cell feeding `key`, with its column and value filled in.
    pub fn error(&self, key: &str, code: &str, message_ru: &str, message_en: &str) -> RowError {
        let error = RowError::new(self.number(), code, message_ru, message_en)
            .in_column(self.mapping.column_for(key));
        match self.get(key) {
            Some(value) => error.with_value(value),
            None => error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[FieldSpec] = &[
        FieldSpec {
            key: "account",
            label_ru: "Лицевой счёт",
            label_en: "Account",
            required: true,
            aliases: &["ЛС", "л/с", "номер лицевого счета", "account number"],
        },
        FieldSpec {
            key: "value",
            label_ru: "Показание",
            label_en: "Reading",
            required: true,
            aliases: &["value"],
        },
        FieldSpec {
            key: "note",
            label_ru: "Примечание",
            label_en: "Note",
            required: false,
            aliases: &["комментарий"],
        },
    ];
    const SCHEMA: Schema = Schema {
        kind: "test",
        fields: FIELDS,
    };

    fn row(number: u64, cells: &[&str]) -> SourceRow {
        SourceRow {
            number,
            cells: cells.iter().map(|c| (*c).to_owned()).collect(),
            problem: None,
        }
    }

    #[test]
    fn headers_normalise() {
        assert_eq!(normalise_header("  Лицевой  СЧЁТ*: "), "лицевой счет");
        assert_eq!(normalise_header("account_number"), "account number");
        assert_eq!(normalise_header("Л.С."), "л с");
        assert_eq!(SCHEMA.match_header("ЛИЦЕВОЙ СЧЕТ"), Some(0));
        assert_eq!(SCHEMA.match_header(" лс "), Some(0));
        assert_eq!(SCHEMA.match_header("Account_Number"), Some(0));
        assert_eq!(SCHEMA.match_header("reading"), Some(1));
        assert_eq!(SCHEMA.match_header("Комментарий"), Some(2));
        assert_eq!(SCHEMA.match_header("Телефон"), None);
        assert_eq!(SCHEMA.match_header(""), None);
    }

    #[test]
    fn resolves_with_extra_columns_reported() {
        let header = row(1, &["ЛС", "Телефон", "Показание", ""]);
        let (mapping, problems) = resolve(SCHEMA, &header, None).unwrap();
        assert!(problems.is_empty());
        assert_eq!(mapping.columns, vec![Some(0), Some(2), None]);
        assert_eq!(mapping.unused, vec![(1, "Телефон".to_owned())]);
        let data = row(2, &[" 001 ", "x", "", ""]);
        let mapped = mapping.row(&data);
        assert_eq!(mapped.get("account"), Some("001"));
        assert_eq!(mapped.get("note"), None);
        let error = mapped.required("value").unwrap_err();
        assert_eq!(error.column.as_deref(), Some("Показание"));
        assert_eq!(error.row, 2);
    }

    #[test]
    fn missing_and_duplicate_columns_stop_the_import() {
        let problems = resolve(SCHEMA, &row(1, &["ЛС", "Примечание"]), None).unwrap_err();
        assert_eq!(
            problems,
            vec![MappingProblem::MissingRequired {
                field: "value".into(),
                label_ru: "Показание".into(),
                label_en: "Reading".into()
            }]
        );
        assert!(problems[0].message_ru().contains("«Показание»"));
        let problems =
            resolve(SCHEMA, &row(1, &["ЛС", "Лицевой счёт", "value"]), None).unwrap_err();
        assert_eq!(
            problems,
            vec![MappingProblem::DuplicateField {
                field: "account".into(),
                columns: vec!["ЛС".into(), "Лицевой счёт".into()]
            }]
        );
    }

    #[test]
    fn saved_choices_win_and_round_trip() {
        let header = row(1, &["Код абонента", "Расход", "ЛС"]);
        let mut saved = SavedMapping::default();
        saved.set("код абонента", ColumnChoice::Field("account".into()));
        saved.set("Расход", ColumnChoice::Field("value".into()));
        saved.set("лс", ColumnChoice::Ignore);
        let (mapping, _) = resolve(SCHEMA, &header, Some(&saved)).unwrap();
        assert_eq!(mapping.columns, vec![Some(0), Some(1), None]);
        assert_eq!(mapping.unused, vec![(2, "ЛС".to_owned())]);
        assert_eq!(SavedMapping::from_resolved(&mapping, &SCHEMA), saved);

        saved.set("Расход", ColumnChoice::Field("gone".into()));
        let problems = resolve(SCHEMA, &header, Some(&saved)).unwrap_err();
        assert!(problems.contains(&MappingProblem::UnknownSavedField {
            column: "Расход".into(),
            field: "gone".into()
        }));
    }

    #[test]
    fn header_found_below_a_title() {
        let rows = vec![
            row(1, &["Показания за март 2026"]),
            row(2, &["", "Примечание"]),
            row(3, &["ЛС", "Показание", "Примечание"]),
            row(4, &["001", "5"]),
        ];
        assert_eq!(find_header(&SCHEMA, &rows, None), Some(2));
        assert_eq!(find_header(&SCHEMA, &rows[..2], None), None);
    }
}
