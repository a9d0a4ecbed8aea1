//! What the codes of refused subscriber and building input mean, in Russian and English: one
//! table for the forms, the API and imports' per-row reasons.

use crate::validation::Reason;

/// (code, Russian, English).
pub const MESSAGES: &[(&str, &str, &str)] = &[
    (
        "account_number_empty",
        "Укажите номер лицевого счёта",
        "Enter the account number",
    ),
    (
        "account_number_too_long",
        "Номер лицевого счёта — не длиннее 20 знаков",
        "The account number has at most 20 characters",
    ),
    (
        "account_number_bad_character",
        "Номер лицевого счёта: только цифры, буквы, «-» и «/», начинается с буквы или цифры",
        "Account numbers hold only digits, letters, '-' and '/', starting with a letter or digit",
    ),
    (
        "account_number_taken",
        "Лицевой счёт с таким номером уже есть",
        "An account with this number exists",
    ),
    (
        "account_number_immutable",
        "Номер лицевого счёта не меняется: на него ссылаются счета и платежи",
        "Account numbers never change: invoices and payments quote them",
    ),
    ("surname_missing", "Укажите фамилию", "Enter the surname"),
    ("name_missing", "Укажите имя", "Enter the first name"),
    (
        "name_too_long",
        "Не длиннее 100 знаков",
        "At most 100 characters",
    ),
    (
        "name_bad_character",
        "Только буквы, пробел, дефис, апостроф и точка",
        "Only letters, spaces, hyphens, apostrophes and dots",
    ),
    (
        "organisation_name_missing",
        "Укажите наименование организации",
        "Enter the organisation's name",
    ),
    (
        "kpp_missing",
        "Для организации с 10-значным ИНН нужен КПП",
        "An organisation with a 10-digit INN needs a KPP",
    ),
    (
        "kpp_not_applicable",
        "У ИП (12-значный ИНН) КПП нет — оставьте поле пустым",
        "An individual entrepreneur (12-digit INN) has no KPP",
    ),
    (
        "inn_not_digits",
        "ИНН состоит только из цифр",
        "An INN holds only digits",
    ),
    (
        "inn_length",
        "ИНН — 10 цифр у организации или 12 у физлица и ИП",
        "An INN has 10 digits (organisation) or 12 (individual)",
    ),
    (
        "inn_all_zeros",
        "ИНН из одних нулей не бывает",
        "An INN of all zeros is not real",
    ),
    (
        "inn_checksum",
        "Контрольные цифры ИНН не сходятся — проверьте опечатки",
        "The INN check digits do not match: check for typos",
    ),
    (
        "kpp_length",
        "КПП состоит из 9 знаков",
        "A KPP has 9 characters",
    ),
    (
        "kpp_tax_office",
        "КПП: первые 4 знака — цифры кода налоговой",
        "KPP: the first 4 characters are the tax office's digits",
    ),
    (
        "kpp_reason",
        "КПП: 5–6-й знаки — цифры или заглавные латинские буквы",
        "KPP characters 5-6 are digits or capital Latin letters",
    ),
    (
        "kpp_serial",
        "КПП: последние 3 знака — цифры",
        "KPP: the last 3 characters are digits",
    ),
    (
        "kpp_all_zeros",
        "КПП из одних нулей не бывает",
        "A KPP of all zeros is not real",
    ),
    (
        "phone_empty",
        "Укажите номер телефона",
        "Enter the phone number",
    ),
    (
        "phone_letters",
        "В номере телефона не должно быть букв; добавочный укажите в примечании",
        "A phone number has no letters; put an extension in the notes",
    ),
    (
        "phone_bad_character",
        "Номер телефона: цифры, пробелы, скобки, дефисы и «+» в начале",
        "Phone numbers hold digits, spaces, brackets, hyphens and a leading '+'",
    ),
    (
        "phone_misplaced_plus",
        "«+» может стоять только в начале номера",
        "'+' may only start the number",
    ),
    (
        "phone_missing_country_code",
        "Иностранный номер начинается с «+» и кода страны",
        "A foreign number starts with '+' and the country code",
    ),
    (
        "phone_country_code_zero",
        "Код страны не начинается с 0",
        "Country codes never start with 0",
    ),
    (
        "phone_too_short",
        "В номере слишком мало цифр",
        "The number has too few digits",
    ),
    (
        "phone_too_long",
        "В номере слишком много цифр",
        "The number has too many digits",
    ),
    (
        "phone_ru_length",
        "После +7 должно быть 10 цифр",
        "After +7 come 10 digits",
    ),
    (
        "phone_plus_eight",
        "Пишите 8 без «+» или +7",
        "Write 8 without '+', or +7",
    ),
    (
        "phone_not_russian_format",
        "Российский номер: 10 цифр или 11, начиная с 8 или 7; иностранный — с «+» и кодом страны",
        "A Russian number has 10 digits, or 11 starting with 8 or 7; a foreign one starts with '+'",
    ),
    (
        "phones_too_many",
        "Не больше 5 телефонов",
        "At most 5 phones",
    ),
    (
        "email_empty",
        "Укажите адрес электронной почты",
        "Enter the e-mail address",
    ),
    (
        "email_whitespace",
        "В адресе почты не должно быть пробелов",
        "An e-mail address has no spaces",
    ),
    (
        "email_missing_at",
        "Адрес почты должен быть вида name@example.ru",
        "An e-mail address looks like name@example.com",
    ),
    (
        "email_multiple_at",
        "В адресе почты один знак @",
        "An e-mail address has one @",
    ),
    (
        "email_too_long",
        "Адрес почты слишком длинный",
        "The e-mail address is too long",
    ),
    (
        "email_local_empty",
        "Перед @ нужно имя ящика",
        "A mailbox name comes before the @",
    ),
    (
        "email_local_too_long",
        "Имя ящика — не длиннее 64 знаков",
        "The mailbox name has at most 64 characters",
    ),
    (
        "email_local_invalid",
        "Имя ящика: латинские буквы, цифры и . _ - + без точек подряд",
        "The mailbox name holds Latin letters, digits and . _ - +",
    ),
    (
        "email_domain_without_dot",
        "После @ нужен домен с точкой, например mail.ru",
        "The domain after the @ needs a dot, e.g. mail.ru",
    ),
    (
        "email_domain_invalid",
        "Домен после @ указан неверно",
        "The domain after the @ is invalid",
    ),
    (
        "emails_too_many",
        "Не больше 5 адресов почты",
        "At most 5 e-mail addresses",
    ),
    (
        "address_part_missing",
        "Заполните это поле адреса",
        "Fill in this part of the address",
    ),
    ("address_part_too_long", "Слишком длинно", "Too long"),
    (
        "postcode_invalid",
        "Индекс — 6 цифр",
        "A postcode has 6 digits",
    ),
    (
        "area_not_a_number",
        "Площадь — число, например 54,3",
        "The area is a number, such as 54.3",
    ),
    (
        "area_not_positive",
        "Площадь должна быть больше нуля",
        "The area must be above zero",
    ),
    (
        "area_too_large",
        "Площадь — не больше 100 000 м²",
        "The area is at most 100,000 m²",
    ),
    (
        "area_too_precise",
        "Площадь — не больше двух знаков после запятой",
        "The area has at most two decimal places",
    ),
    (
        "residents_not_a_number",
        "Укажите целое число",
        "Enter a whole number",
    ),
    (
        "residents_too_many",
        "Не больше 99 человек",
        "At most 99 people",
    ),
    (
        "billing_mode_invalid",
        "Выберите постоплату или предоплату",
        "Choose postpaid or prepaid",
    ),
    (
        "kind_invalid",
        "Выберите физическое лицо или организацию",
        "Choose person or organisation",
    ),
    ("tag_empty", "Пустая метка", "An empty tag"),
    (
        "tag_too_long",
        "Метка — не длиннее 32 знаков",
        "A tag has at most 32 characters",
    ),
    (
        "tag_bad_character",
        "Метка: буквы, цифры, пробел, «-» и «_»",
        "Tags hold letters, digits, spaces, '-' and '_'",
    ),
    ("tags_too_many", "Не больше 10 меток", "At most 10 tags"),
    (
        "notes_too_long",
        "Не длиннее 2000 знаков",
        "At most 2000 characters",
    ),
    (
        "date_invalid",
        "Дата — в виде ДД.ММ.ГГГГ",
        "Write the date as DD.MM.YYYY",
    ),
    (
        "date_in_future",
        "Дата не может быть в будущем",
        "The date cannot be in the future",
    ),
    (
        "opened_after_status",
        "Счёт не может открыться позже, чем сменился его статус",
        "The account cannot open after its status changed",
    ),
    ("building_not_found", "Такого дома нет", "No such building"),
    (
        "address_not_in_building",
        "Адрес помещения не совпадает с адресом выбранного дома",
        "The premises address is not the chosen building's",
    ),
    (
        "status_change_not_allowed",
        "Из текущего статуса так перейти нельзя",
        "This change is not allowed from the current status",
    ),
    (
        "status_date_before_current",
        "Дата раньше, чем начался текущий статус",
        "The date is before the current status began",
    ),
    (
        "status_date_before_opening",
        "Дата раньше открытия счёта",
        "The date is before the account opened",
    ),
    (
        "status_date_in_future",
        "Дата не может быть в будущем",
        "The date cannot be in the future",
    ),
    (
        "status_reason_too_long",
        "Не длиннее 500 знаков",
        "At most 500 characters",
    ),
    (
        "building_name_too_long",
        "Не длиннее 200 знаков",
        "At most 200 characters",
    ),
    (
        "building_exists",
        "Дом с таким адресом уже есть",
        "A building with this address exists",
    ),
    (
        "building_has_subscribers",
        "У дома есть абоненты — адрес изменить нельзя",
        "The building has subscribers: its address cannot change",
    ),
];

const FALLBACK: (&str, &str) = ("Проверьте это значение", "Check this value");

/// The Russian and English message of `code`.
pub fn message(code: &str) -> (&'static str, &'static str) {
    MESSAGES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or(FALLBACK, |(_, ru, en)| (*ru, *en))
}

/// A code as the platform's validation reason.
pub fn reason(code: &'static str) -> Reason {
    let (ru, en) = message(code);
    Reason::new(code, ru, en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_explained_once() {
        let mut codes: Vec<&str> = MESSAGES.iter().map(|(c, _, _)| *c).collect();
        codes.sort_unstable();
        let count = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), count, "a code explained twice");
        assert_eq!(
            reason("inn_checksum").ru,
            "Контрольные цифры ИНН не сходятся — проверьте опечатки"
        );
        assert_eq!(message("no_such_code"), FALLBACK);
    }
}
