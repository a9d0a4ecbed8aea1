//! How text is made searchable: case-folded, `ё` equal to `е`, spaces collapsed, so that a
//! prefix typed any way finds what was stored any way.

/// The form stored in search keys and compared against queries.
pub fn normalise(text: &str) -> String {
    text.split_whitespace()
        .map(|word| word.to_lowercase().replace('ё', "е"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The words of `text`, normalised, each at least one character, without duplicates: the
/// prefixes a search matches at word starts ("анна" finds "Иванова Анна").
pub fn words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = normalise(text)
        .split(|c: char| {
            c.is_whitespace() || matches!(c, ',' | '.' | '/' | '(' | ')' | '"' | '«' | '»')
        })
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// Phone digits as stored (E.164 without `+`), from what a person typed: `8 912 345` and
/// `+7 912 345` both search as `7912345`.
pub fn phone_digits(typed: &str) -> String {
    let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix('8') {
        Some(rest) if typed.trim_start().starts_with('8') => format!("7{rest}"),
        _ => digits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yo_equals_ye_and_case_is_folded() {
        assert_eq!(normalise("  Фёдоров   ПЁТР "), "федоров петр");
        assert_eq!(
            words("Фёдоров Пётр, ул. Ёлочная"),
            ["елочная", "петр", "ул", "федоров"]
        );
        assert_eq!(phone_digits("8 (912) 345"), "7912345");
        assert_eq!(phone_digits("+7 912"), "7912");
    }
}
