//! The small parts of a workbook read before its rows: the sheet list, where each sheet's XML
//! lives, which cell styles are dates, and the shared strings.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::values::is_date_format;
use crate::imports::errors::FileError;

pub fn bad(what: impl std::fmt::Display) -> FileError {
    FileError::BadWorkbook(what.to_string())
}

/// An attribute's unescaped value, by local name (`r:id` is found as `id`).
pub fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element.attributes().flatten().find_map(|attribute| {
        (attribute.key.local_name().as_ref() == name).then(|| {
            attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|value| value.into_owned())
                .unwrap_or_else(|_| attribute.value.into_owned())
        })
    })
}

pub struct SheetEntry {
    pub name: String,
    pub relationship: String,
}

pub struct WorkbookInfo {
    pub sheets: Vec<SheetEntry>,
    pub date1904: bool,
}

pub fn read_workbook(input: impl BufRead) -> Result<WorkbookInfo, FileError> {
    let mut reader = Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut info = WorkbookInfo {
        sheets: Vec::new(),
        date1904: false,
    };
    loop {
        match reader.read_event_into(&mut buf).map_err(bad)? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "sheet" => {
                    if let (Some(name), Some(relationship)) =
                        (attribute(&e, "name"), attribute(&e, "id"))
                    {
                        info.sheets.push(SheetEntry { name, relationship });
                    }
                }
                "workbookPr" => {
                    info.date1904 =
                        matches!(attribute(&e, "date1904").as_deref(), Some("1" | "true"));
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(info)
}

/// Relationship id -> part path inside the archive (`xl/worksheets/sheet1.xml`).
pub fn read_relationships(input: impl BufRead) -> Result<Vec<(String, String)>, FileError> {
    let mut reader = Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).map_err(bad)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                if let (Some(id), Some(target)) = (attribute(&e, "Id"), attribute(&e, "Target")) {
                    out.push((id, part_path(&target)));
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

/// Targets are relative to `xl/` unless absolute.
fn part_path(target: &str) -> String {
    match target.strip_prefix('/') {
        Some(absolute) => absolute.to_owned(),
        None => format!("xl/{}", target.trim_start_matches("./")),
    }
}

/// For each cell style (`s` attribute), whether it formats numbers as dates.
pub fn read_date_styles(input: impl BufRead) -> Result<Vec<bool>, FileError> {
    let mut reader = Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut custom: Vec<(u32, String)> = Vec::new();
    let mut style_formats: Vec<u32> = Vec::new();
    let mut in_cell_xfs = false;
    loop {
        match reader.read_event_into(&mut buf).map_err(bad)? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "numFmt" => {
                    if let (Some(id), Some(code)) =
                        (attribute(&e, "numFmtId"), attribute(&e, "formatCode"))
                        && let Ok(id) = id.parse()
                    {
                        custom.push((id, code));
                    }
                }
                "cellXfs" => in_cell_xfs = true,
                "xf" if in_cell_xfs => {
                    let id = attribute(&e, "numFmtId")
                        .and_then(|id| id.parse().ok())
                        .unwrap_or(0);
                    style_formats.push(id);
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "cellXfs" => in_cell_xfs = false,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(style_formats
        .into_iter()
        .map(|id| {
            let code = custom
                .iter()
                .find(|(custom_id, _)| *custom_id == id)
                .map(|(_, code)| code.as_str());
            is_date_format(id, code)
        })
        .collect())
}

/// The shared strings table, in order. Rich text runs are joined; phonetic hints are skipped.
pub fn read_shared_strings(input: impl BufRead, max_bytes: u64) -> Result<Vec<String>, FileError> {
    let mut reader = Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut strings = Vec::new();
    let mut current = String::new();
    let mut in_text = false;
    let mut in_phonetic = false;
    let mut total: u64 = 0;
    loop {
        match reader.read_event_into(&mut buf).map_err(bad)? {
            Event::Start(e) => match e.local_name().as_ref() {
                "si" => current.clear(),
                "t" if !in_phonetic => in_text = true,
                "rPh" => in_phonetic = true,
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == "si" => strings.push(String::new()),
            Event::End(e) => match e.local_name().as_ref() {
                "si" => {
                    total += current.len() as u64;
                    if total > max_bytes {
                        return Err(bad(format!("shared strings exceed {max_bytes} bytes")));
                    }
                    strings.push(std::mem::take(&mut current));
                }
                "t" => in_text = false,
                "rPh" => in_phonetic = false,
                _ => {}
            },
            Event::Text(text) if in_text => current.push_str(&text.xml10_content()),
            Event::CData(text) if in_text => current.push_str(&text.into_inner()),
            Event::GeneralRef(reference) if in_text => push_reference(&mut current, &reference),
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(strings)
}

/// Appends the character an entity or character reference stands for.
pub fn push_reference(out: &mut String, reference: &quick_xml::events::BytesRef<'_>) {
    if let Ok(Some(c)) = reference.resolve_char_ref() {
        out.push(c);
        return;
    }
    match reference.xml10_content().as_ref() {
        "amp" => out.push('&'),
        "lt" => out.push('<'),
        "gt" => out.push('>'),
        "quot" => out.push('"'),
        "apos" => out.push('\''),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workbook_and_relationships() {
        let workbook = r#"<workbook xmlns:r="x"><workbookPr date1904="1"/><sheets>
            <sheet name="Показания &amp; итоги" sheetId="1" r:id="rId2"/>
            <sheet name="Лист2" sheetId="2" r:id="rId1"/></sheets></workbook>"#;
        let info = read_workbook(workbook.as_bytes()).unwrap();
        assert!(info.date1904);
        assert_eq!(info.sheets[0].name, "Показания & итоги");
        assert_eq!(info.sheets[0].relationship, "rId2");
        let rels = br#"<Relationships><Relationship Id="rId1" Target="worksheets/sheet2.xml"/>
            <Relationship Id="rId2" Target="/xl/worksheets/sheet1.xml"/></Relationships>"#;
        let rels = read_relationships(&rels[..]).unwrap();
        assert_eq!(rels[0], ("rId1".into(), "xl/worksheets/sheet2.xml".into()));
        assert_eq!(rels[1], ("rId2".into(), "xl/worksheets/sheet1.xml".into()));
    }

    #[test]
    fn styles_and_strings() {
        let styles = br#"<styleSheet><numFmts><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>
            </numFmts><cellStyleXfs><xf numFmtId="14"/></cellStyleXfs>
            <cellXfs><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/><xf numFmtId="2"/></cellXfs></styleSheet>"#;
        assert_eq!(
            read_date_styles(&styles[..]).unwrap(),
            vec![false, true, true, false]
        );
        let sst =
            br#"<sst><si><t>plain &amp; &#1071;</t></si><si><r><t>rich </t></r><r><t>text</t></r>
            <rPh><t>hint</t></rPh></si><si/></sst>"#;
        assert_eq!(
            read_shared_strings(&sst[..], 1000).unwrap(),
            vec![
                "plain & Я".to_owned(),
                "rich text".to_owned(),
                String::new()
            ]
        );
        assert!(read_shared_strings(&sst[..], 5).is_err());
    }
}
