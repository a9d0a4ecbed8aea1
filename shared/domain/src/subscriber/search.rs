//! How subscribers are found: text is case-folded with `ё` equal to `е`; each subscriber is
//! indexed under the words of its account number, name, address, phones and e-mails
//! ([`terms`]); a query's words ([`query_words`]) must each start one of those words. Pure
//! rules only: `crm_app::subscribers::search` stores and reads the index.

use serde::{Deserialize, Serialize};

use super::{AccountNumber, Address, Party};
use crate::contact::{Email, PhoneE164};

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
        .map(clip)
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

/// Longest word kept in the index and in queries, in characters; longer words are cut, the same
/// way on both sides, so a long prefix still finds its word.
pub const MAX_WORD_CHARS: usize = 48;
/// Most words a query may have; further words are ignored.
pub const MAX_QUERY_WORDS: usize = 8;
/// Most words indexed from a name, and from an address: a change must fit one transaction
/// with the rest of the subscriber's index entries.
pub const MAX_NAME_TERMS: usize = 12;
pub const MAX_ADDRESS_TERMS: usize = 12;

fn clip(word: &str) -> String {
    word.chars().take(MAX_WORD_CHARS).collect()
}

/// Where a word was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchField {
    Account,
    Name,
    Address,
    Phone,
    Email,
}

impl SearchField {
    pub const ALL: [SearchField; 5] = [
        SearchField::Account,
        SearchField::Name,
        SearchField::Address,
        SearchField::Phone,
        SearchField::Email,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SearchField::Account => "account",
            SearchField::Name => "name",
            SearchField::Address => "address",
            SearchField::Phone => "phone",
            SearchField::Email => "email",
        }
    }

    pub fn parse(raw: &str) -> Option<SearchField> {
        Self::ALL.into_iter().find(|f| f.as_str() == raw)
    }

    /// One letter, as it ends index keys.
    pub fn code(self) -> char {
        match self {
            SearchField::Account => 'a',
            SearchField::Name => 'n',
            SearchField::Address => 'd',
            SearchField::Phone => 'p',
            SearchField::Email => 'e',
        }
    }

    pub fn from_code(code: char) -> Option<SearchField> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// One word a subscriber can be found under.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Term {
    pub word: String,
    pub field: SearchField,
}

/// What a subscriber is searchable by.
#[derive(Clone, Copy, Debug)]
pub struct Searchable<'a> {
    pub account_number: &'a AccountNumber,
    pub party: &'a Party,
    pub address: &'a Address,
    pub phones: &'a [PhoneE164],
    pub emails: &'a [Email],
}

/// Abbreviations in addresses that would match nearly everyone: not indexed (a query may
/// still contain them; they then match nothing extra).
const ADDRESS_STOP_WORDS: &[&str] = &[
    "г",
    "гор",
    "ул",
    "д",
    "дом",
    "кв",
    "корп",
    "к",
    "стр",
    "пр",
    "пр-т",
    "просп",
    "пер",
    "ш",
    "наб",
    "б-р",
    "бул",
    "пл",
    "обл",
    "р-н",
    "пос",
    "п",
    "с",
    "мкр",
    "тер",
    "туп",
    "лит",
];

/// Words for the index: [`words`] plus the parts of hyphenated words, so "мария" finds
/// "Анна-Мария".
fn index_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in words(text) {
        if word.contains('-') {
            out.extend(
                word.split('-')
                    .filter(|part| !part.is_empty())
                    .map(str::to_owned),
            );
        }
        out.push(word);
    }
    out
}

/// Every term of a subscriber, sorted and without duplicates. The index holds exactly these;
/// a change to this function needs the index rebuilt.
pub fn terms(subscriber: &Searchable<'_>) -> Vec<Term> {
    let mut terms = Vec::new();
    let mut add = |word: String, field: SearchField| {
        if !word.is_empty() {
            terms.push(Term {
                word: clip(&word),
                field,
            });
        }
    };

    let account = normalise(subscriber.account_number.as_str());
    if let Some(tail) = account.rsplit(['-', '/']).next().filter(|t| *t != account) {
        add(tail.to_owned(), SearchField::Account);
        let significant = tail.trim_start_matches('0');
        if significant != tail {
            add(significant.to_owned(), SearchField::Account);
        }
    }
    add(account, SearchField::Account);

    for word in index_words(&subscriber.party.display_name())
        .into_iter()
        .take(MAX_NAME_TERMS)
    {
        add(word, SearchField::Name);
    }
    if let Party::Organisation { inn, .. } = subscriber.party {
        add(inn.as_str().to_owned(), SearchField::Name);
    }

    let address = subscriber.address;
    let parts = [
        Some(&address.city),
        Some(&address.street),
        Some(&address.house),
        address.building.as_ref(),
        address.flat.as_ref(),
    ];
    let address_words = parts
        .into_iter()
        .flatten()
        .flat_map(|part| index_words(part))
        .filter(|word| !ADDRESS_STOP_WORDS.contains(&word.as_str()))
        .take(MAX_ADDRESS_TERMS);
    for word in address_words {
        add(word, SearchField::Address);
    }

    for phone in subscriber.phones {
        let digits = phone.digits();
        // Russians type their numbers with 8, with 7, or without the country code.
        if let Some(national) = digits.strip_prefix('7').filter(|n| n.len() == 10) {
            add(format!("8{national}"), SearchField::Phone);
            add(national.to_owned(), SearchField::Phone);
        }
        add(digits.to_owned(), SearchField::Phone);
    }
    for email in subscriber.emails {
        add(email.as_str().to_lowercase(), SearchField::Email);
    }

    terms.sort();
    terms.dedup();
    terms
}

fn is_phone_like(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    (digits >= 5 || (text.starts_with('+') && digits > 0))
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.'))
}

/// The words of what someone typed into a search box: an e-mail (or the start of one, like
/// `petr.fed`) stays whole, a phone number
/// typed with spaces, brackets or dashes becomes its digits, anything else splits into words
/// (address abbreviations such as "ул." and "д." dropped).
pub fn query_words(typed: &str) -> Vec<String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Vec::new();
    }
    let whole = typed.contains('@')
        || (!typed.contains(char::is_whitespace)
            && typed.contains('.')
            && typed.chars().any(|c| c.is_ascii_alphabetic()));
    let mut words = if whole {
        vec![clip(&normalise(typed).replace(' ', ""))]
    } else if is_phone_like(typed) {
        vec![typed.chars().filter(char::is_ascii_digit).collect()]
    } else {
        let all = words(typed);
        let meaningful: Vec<String> = all
            .iter()
            .filter(|w| !ADDRESS_STOP_WORDS.contains(&w.as_str()))
            .cloned()
            .collect();
        // "ул. Ленина, д. 5": the abbreviations are noise, unless they are all there is.
        if meaningful.is_empty() {
            all
        } else {
            meaningful
        }
    };
    words.truncate(MAX_QUERY_WORDS);
    words
}

/// The query word the index is read by: the longest (the most selective), the first of equals.
pub fn leading_word(words: &[String]) -> Option<usize> {
    (0..words.len())
        .rev()
        .max_by_key(|i| words[*i].chars().count())
}

/// Whether a subscriber with `terms` matches every query word (in `field` only, when given).
pub fn matches(terms: &[Term], words: &[String], field: Option<SearchField>) -> bool {
    words.iter().all(|word| {
        terms
            .iter()
            .any(|t| field.is_none_or(|f| f == t.field) && t.word.starts_with(word.as_str()))
    })
}

/// The one term at which a subscriber is reported when the index is read by `leading`: a
/// subscriber with several matching terms ("Иванов" living on "Ивановская") appears once, in
/// either direction of reading.
pub fn reported_term<'t>(
    terms: &'t [Term],
    leading: &str,
    field: Option<SearchField>,
) -> Option<&'t Term> {
    terms
        .iter()
        .filter(|t| field.is_none_or(|f| f == t.field))
        .find(|t| t.word.starts_with(leading))
}

/// A key that sorts text the way people expect: normalised, with runs of digits zero-padded
/// so that "2" sorts before "10".
pub fn natural_key(text: &str) -> String {
    const WIDTH: usize = 12;
    let text = normalise(text);
    let mut out = String::with_capacity(text.len() + 8);
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if !digits.is_empty() {
            for _ in digits.len()..WIDTH {
                out.push('0');
            }
            out.push_str(digits);
            digits.clear();
        }
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requisites::{Inn, Kpp};
    use crate::subscriber::PersonName;

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

    fn sample() -> (AccountNumber, Party, Address, Vec<PhoneE164>, Vec<Email>) {
        (
            AccountNumber::parse("ЛС-000123").unwrap(),
            Party::Person(PersonName::parse("Фёдорова", "Анна-Мария", Some("Ивановна")).unwrap()),
            Address {
                postcode: None,
                region: None,
                city: "г. Москва".into(),
                street: "ул. Ивановская".into(),
                house: "12".into(),
                building: None,
                flat: Some("45".into()),
            },
            vec![PhoneE164::parse_ru("8 912 345-67-89").unwrap()],
            vec![Email::parse("Anna.F@Mail.ru").unwrap()],
        )
    }

    fn sample_terms() -> Vec<Term> {
        let (account, party, address, phones, emails) = sample();
        terms(&Searchable {
            account_number: &account,
            party: &party,
            address: &address,
            phones: &phones,
            emails: &emails,
        })
    }

    #[test]
    fn every_field_is_indexed_once() {
        let terms = sample_terms();
        let of = |field| -> Vec<&str> {
            terms
                .iter()
                .filter(|t| t.field == field)
                .map(|t| t.word.as_str())
                .collect()
        };
        assert_eq!(of(SearchField::Account), ["000123", "123", "лс-000123"]);
        assert_eq!(
            of(SearchField::Name),
            ["анна", "анна-мария", "ивановна", "мария", "федорова"]
        );
        assert_eq!(
            of(SearchField::Address),
            ["12", "45", "ивановская", "москва"]
        );
        assert_eq!(
            of(SearchField::Phone),
            ["79123456789", "89123456789", "9123456789"]
        );
        assert_eq!(of(SearchField::Email), ["anna.f@mail.ru"]);
        let mut sorted = terms.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, terms);
    }

    #[test]
    fn organisations_are_found_by_name_and_inn() {
        let party = Party::organisation(
            "ООО «Ромашка»",
            Inn::parse("7707083893").unwrap(),
            Some(Kpp::parse("773601001").unwrap()),
        )
        .unwrap();
        let (account, _, address, _, _) = sample();
        let terms = terms(&Searchable {
            account_number: &account,
            party: &party,
            address: &address,
            phones: &[],
            emails: &[],
        });
        assert!(matches(
            &terms,
            &query_words("ромаш"),
            Some(SearchField::Name)
        ));
        assert!(matches(&terms, &query_words("77070"), None));
    }

    #[test]
    fn queries_match_word_starts_in_any_case() {
        let terms = sample_terms();
        let found = |q: &str| matches(&terms, &query_words(q), None);
        for q in [
            "федор",
            "ФЁДОР",
            "Федорова Анна",
            "мария",
            "ивановская 12",
            "ул. Ивановская, д. 12",
            "8 (912) 345-67",
            "+7 912 345",
            "912-345",
            "лс-0001",
            "000123",
            "anna.f@",
            "МОСКВА",
        ] {
            assert!(found(q), "{q}");
        }
        for q in ["федоров анна петровна", "912 999", "лс-0002", "ов"] {
            assert!(!found(q), "{q}");
        }
        assert!(!matches(
            &terms,
            &query_words("ивановск"),
            Some(SearchField::Name)
        ));
    }

    #[test]
    fn query_words_and_the_leading_word() {
        assert_eq!(query_words("  "), Vec::<String>::new());
        assert_eq!(query_words("+7 (912) 345-67-89"), ["79123456789"]);
        assert_eq!(query_words("Ivan.P@Mail.RU"), ["ivan.p@mail.ru"]);
        assert_eq!(query_words("ivan.p"), ["ivan.p"]);
        assert_eq!(query_words("ул.Ленина"), ["ленина"]);
        assert_eq!(query_words("+7 9"), ["79"]);
        assert_eq!(query_words("Ленина 5"), ["5", "ленина"]);
        let words = query_words("ул Ленина 5");
        assert_eq!(words[leading_word(&words).unwrap()], "ленина");
        let ties = vec!["ab".to_owned(), "cd".to_owned()];
        assert_eq!(leading_word(&ties), Some(0));
        assert_eq!(leading_word(&[]), None);
    }

    #[test]
    fn one_reported_term_per_subscriber() {
        let terms = sample_terms();
        let term = reported_term(&terms, "иван", None).unwrap();
        assert_eq!(
            (term.word.as_str(), term.field),
            ("ивановна", SearchField::Name)
        );
        let term = reported_term(&terms, "иван", Some(SearchField::Address)).unwrap();
        assert_eq!(term.word, "ивановская");
        assert!(reported_term(&terms, "петр", None).is_none());
    }

    #[test]
    fn natural_keys_sort_numbers_by_value() {
        assert!(natural_key("д. 2") < natural_key("д. 10"));
        assert!(natural_key("ЛС-9") < natural_key("лс-10"));
        assert_eq!(natural_key("Кв 7"), "кв 000000000007");
    }
}
