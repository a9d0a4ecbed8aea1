//! The reasons of domain validators in Russian (and their own English text). One impl per
//! error type, matching every variant, so a new variant does not compile until it has words.

use crm_domain::hostname::HostnameError;
use crm_domain::invoice_number::InvoiceNumberingError;
use crm_domain::logo::LogoError;
use crm_domain::requisites::{
    AccountKeyError, BankAccountError, BikError, CorrespondentAccountError, InnError, KppError,
    OgrnError, OgrnipError, RegistrationNumberError, SettlementAccountError,
};
use crm_domain::tenant::TenantIdError;
use crm_domain::tenant_profile::{CurrencyCodeError, RequisitesMismatch, TimeZoneError};
use crm_domain::tenant_settings::{
    DisplayTextError, DueDayError, ReadingWindowError, SmsSenderError,
};
use crm_domain::{colour::HexColourError, contact::EmailError, contact::PhoneError};

use super::Reason;

/// A validator's error as a [`Reason`] with Russian words.
pub trait Explain {
    fn reason(&self) -> Reason;
}

fn reason(code: &'static str, ru: impl Into<String>, en: &impl ToString) -> Reason {
    Reason::new(code, ru, en.to_string())
}

impl Explain for Reason {
    fn reason(&self) -> Reason {
        self.clone()
    }
}

impl Explain for InnError {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::NotDigits => "ИНН состоит только из цифр".to_owned(),
            Self::WrongLength { len } => {
                format!("В ИНН 10 цифр (организация) или 12 (физическое лицо, ИП), а здесь {len}")
            }
            Self::AllZeros => "ИНН из одних нулей — заглушка, а не настоящий номер".to_owned(),
            Self::ChecksumMismatch => {
                "Контрольные цифры ИНН не сходятся: в номере опечатка".to_owned()
            }
        };
        reason(self.code(), ru, self)
    }
}

impl Explain for KppError {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::WrongLength { len } => format!("В КПП 9 знаков, а здесь {len}"),
            Self::BadTaxOfficeCode => {
                "Первые 4 знака КПП (код налогового органа) — цифры".to_owned()
            }
            Self::BadReasonCode => {
                "5-й и 6-й знаки КПП (причина постановки на учёт) — цифры или заглавные латинские буквы A–Z"
                    .to_owned()
            }
            Self::BadSerialNumber => "Последние 3 знака КПП (порядковый номер) — цифры".to_owned(),
            Self::AllZeros => "КПП из одних нулей — заглушка, а не настоящий код".to_owned(),
        };
        reason(self.code(), ru, self)
    }
}

impl Explain for OgrnError {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::NotDigits => "ОГРН состоит только из цифр".to_owned(),
            Self::WrongLength { len } => format!("В ОГРН 13 цифр, а здесь {len}"),
            Self::ChecksumMismatch => {
                "Контрольная цифра ОГРН не сходится: в номере опечатка".to_owned()
            }
            Self::NotPrimaryNumber { first_digit } => format!(
                "ОГРН начинается с 1 или 5, а не с {first_digit}: номера на 2 и 6–9 — это ГРН последующих записей"
            ),
        };
        reason(self.code(), ru, self)
    }
}

impl Explain for OgrnipError {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::NotDigits => "ОГРНИП состоит только из цифр".to_owned(),
            Self::WrongLength { len } => format!("В ОГРНИП 15 цифр, а здесь {len}"),
            Self::ChecksumMismatch => {
                "Контрольная цифра ОГРНИП не сходится: в номере опечатка".to_owned()
            }
            Self::NotPrimaryNumber { first_digit } => format!(
                "ОГРНИП начинается с 3, а не с {first_digit}: номера на 4 — это ГРНИП последующих записей"
            ),
        };
        reason(self.code(), ru, self)
    }
}

impl Explain for RegistrationNumberError {
    fn reason(&self) -> Reason {
        match self {
            Self::NotDigits => reason(self.code(), "ОГРН и ОГРНИП состоят только из цифр", self),
            Self::WrongLength { len } => reason(
                self.code(),
                format!("В ОГРН 13 цифр, в ОГРНИП 15, а здесь {len}"),
                self,
            ),
            Self::Ogrn(e) => e.reason(),
            Self::Ogrnip(e) => e.reason(),
        }
    }
}

impl Explain for BikError {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::NotDigits => "БИК состоит только из цифр".to_owned(),
            Self::WrongLength { len } => format!("В БИК 9 цифр, а здесь {len}"),
            Self::NotRussianBank => {
                "БИК российского банка начинается с 04; казначейские (ТОФК) и иностранные коды не принимаются"
                    .to_owned()
            }
        };
        reason(self.code(), ru, self)
    }
}

impl Explain for SettlementAccountError {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::NotDigits => "Расчётный счёт состоит только из цифр".to_owned(),
            Self::WrongLength { len } => format!("В расчётном счёте 20 цифр, а здесь {len}"),
            Self::IsCorrespondentAccount => {
                "Счёт на 30101 — корреспондентский счёт банка, а не расчётный счёт клиента"
                    .to_owned()
            }
        };
        reason(self.code(), ru, self)
    }
}

impl Explain for CorrespondentAccountError {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::NotDigits => "Корреспондентский счёт состоит только из цифр".to_owned(),
            Self::WrongLength { len } => {
                format!("В корреспондентском счёте 20 цифр, а здесь {len}")
            }
            Self::NotCorrespondentAccount => "Корреспондентский счёт начинается с 30101".to_owned(),
        };
        reason(self.code(), ru, self)
    }
}

impl Explain for AccountKeyError {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::KeyMismatch => {
                "Счёт не сходится с БИК по контрольному ключу: в номере опечатка, или счёт открыт в другом банке"
                    .to_owned()
            }
            Self::BankCodeMismatch { expected } => format!(
                "Корреспондентский счёт банка оканчивается на последние 3 цифры его БИК ({expected})"
            ),
        };
        reason(self.code(), ru, self)
    }
}

impl Explain for BankAccountError {
    fn reason(&self) -> Reason {
        let (Self::CorrespondentAccount(inner) | Self::SettlementAccount(inner)) = self;
        Reason {
            code: self.code(),
            ..inner.reason()
        }
    }
}

impl Explain for EmailError {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::Empty => "Укажите адрес электронной почты".to_owned(),
            Self::ContainsWhitespace => "В адресе электронной почты не бывает пробелов".to_owned(),
            Self::MissingAt => {
                "В адресе нужен знак @ между именем и доменом, например info@vodokanal.ru"
                    .to_owned()
            }
            Self::MultipleAt => "В адресе электронной почты ровно один знак @".to_owned(),
            Self::TooLong { len, max } => {
                format!("Адрес электронной почты длиннее {max} символов ({len})")
            }
            Self::EmptyLocalPart => "Перед @ ничего нет".to_owned(),
            Self::LocalPartTooLong => "Часть адреса до @ длиннее 64 символов".to_owned(),
            Self::BadLocalPart => {
                "До @ допустимы латинские буквы, цифры и знаки !#$%&'*+-/=?^_`{|}~, точки — только между ними"
                    .to_owned()
            }
            Self::DomainWithoutDot => "В домене после @ нужна точка, например mail.ru".to_owned(),
            Self::InvalidDomain(e) => format!("Домен после @ неверен: {}", e.reason().ru),
        };
        reason(self.code(), ru, self)
    }
}

impl Explain for PhoneError {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::Empty => "Укажите номер телефона".to_owned(),
            Self::Letters => "В номере телефона не бывает букв; добавочный укажите отдельно".to_owned(),
            Self::BadCharacter { ch } => format!(
                "В номере допустимы цифры, пробелы, «-», «.», скобки и «+» в начале, а не «{ch}»"
            ),
            Self::MisplacedPlus => "«+» ставится только в начале номера".to_owned(),
            Self::MissingCountryCode => {
                "Международный номер начинается с + и кода страны".to_owned()
            }
            Self::CountryCodeZero => "Код страны не начинается с 0".to_owned(),
            Self::TooShort { digits, min } => {
                format!("В номере с кодом страны не меньше {min} цифр, а здесь {digits}")
            }
            Self::TooLong { digits, max } => {
                format!("В номере с кодом страны не больше {max} цифр, а здесь {digits}")
            }
            Self::WrongLengthForRussia { digits } => {
                format!("После +7 идут 10 цифр, а здесь {digits}")
            }
            Self::PlusEight => "+8 — не код страны: напишите 8 без плюса или +7".to_owned(),
            Self::NotRussianFormat => {
                "Номер без + должен быть российским: 10 цифр или 11, начиная с 8 или 7; иностранный номер начните с + и кода страны"
                    .to_owned()
            }
        };
        reason(self.code(), ru, self)
    }
}

impl Explain for HexColourError {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::MissingHash => {
                "Цвет записывается как # и 6 шестнадцатеричных цифр, например #1a73e8".to_owned()
            }
            Self::WrongLength { len } => {
                format!("После # нужно 6 шестнадцатеричных цифр, а здесь {len}")
            }
            Self::NotHex => "После # допустимы только цифры 0–9 и буквы a–f".to_owned(),
        };
        reason(self.code(), ru, self)
    }
}

impl Explain for HostnameError {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::Empty => "Укажите доменное имя".to_owned(),
            Self::TooLong { len, max } => {
                format!("Доменное имя не длиннее {max} символов, а здесь {len}")
            }
            Self::EmptyLabel => {
                "В доменном имени нет пустых частей: точки не стоят в начале и подряд".to_owned()
            }
            Self::LabelTooLong => "Каждая часть доменного имени между точками — не длиннее 63 символов".to_owned(),
            Self::NotAscii => {
                "Кириллический домен введите в форме xn-- (punycode), например xn--80ak6aa92e.xn--p1ai"
                    .to_owned()
            }
            Self::BadCharacter { ch } => format!(
                "В доменном имени допустимы латинские буквы, цифры, дефисы и точки, а не «{ch}»"
            ),
            Self::HyphenAtEdge => "Часть доменного имени не начинается и не кончается дефисом".to_owned(),
            Self::NumericTopLevel => "Последняя часть доменного имени не может состоять из одних цифр".to_owned(),
        };
        reason(self.code(), ru, self)
    }
}

impl Explain for TenantIdError {
    fn reason(&self) -> Reason {
        let (code, ru) = match self {
            Self::Empty => ("tenant_id_empty", "Укажите идентификатор".to_owned()),
            Self::TooLong { max } => (
                "tenant_id_too_long",
                format!("Идентификатор не длиннее {max} символов"),
            ),
            Self::BadCharacter => (
                "tenant_id_bad_character",
                "Идентификатор — строчные латинские буквы, цифры и дефис, не в начале".to_owned(),
            ),
        };
        reason(code, ru, self)
    }
}

impl Explain for CurrencyCodeError {
    fn reason(&self) -> Reason {
        reason(
            self.code(),
            "Код валюты — три латинские буквы по ISO 4217, например RUB",
            self,
        )
    }
}

impl Explain for TimeZoneError {
    fn reason(&self) -> Reason {
        reason(
            self.code(),
            "Неизвестный часовой пояс; укажите название IANA, например Europe/Moscow или Asia/Yekaterinburg",
            self,
        )
    }
}

impl Explain for RequisitesMismatch {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::KppRequired => "Организация (ИНН из 10 цифр) указывает КПП",
            Self::KppNotForIndividual => {
                "У индивидуального предпринимателя (ИНН из 12 цифр) нет КПП"
            }
            Self::OgrnExpected => "У организации (ИНН из 10 цифр) ОГРН из 13 цифр, а не ОГРНИП",
            Self::OgrnipExpected => {
                "У индивидуального предпринимателя (ИНН из 12 цифр) ОГРНИП из 15 цифр, а не ОГРН"
            }
        };
        reason(self.code(), ru, self)
    }
}

impl Explain for InvoiceNumberingError {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::PrefixTooLong { max } => format!("Префикс не длиннее {max} символов"),
            Self::PrefixBadCharacter => "В префиксе допустимы буквы, цифры, «-» и «/»".to_owned(),
            Self::WidthOutOfRange { min, max } => {
                format!("В счётчике от {min} до {max} цифр")
            }
            Self::StartBelowOne => "Нумерация начинается с 1 или больше".to_owned(),
        };
        reason(self.code(), ru, self)
    }
}

impl Explain for DueDayError {
    fn reason(&self) -> Reason {
        reason(
            self.code(),
            "Срок оплаты — число месяца от 1 до 28 (есть в каждом месяце)",
            self,
        )
    }
}

impl Explain for ReadingWindowError {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::FromOutOfRange => "Первый день — число месяца от 1 до 31",
            Self::ToOutOfRange => "Последний день — число месяца от 1 до 31",
            Self::Reversed => "Последний день приёма не может быть раньше первого",
        };
        reason(self.code(), ru, self)
    }
}

impl Explain for DisplayTextError {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::Empty => "Заполните это поле".to_owned(),
            Self::TooLong { max } => format!("Не длиннее {max} символов"),
            Self::BadCharacter => {
                "Без переносов строк, управляющих символов и знаков < > \"".to_owned()
            }
        };
        reason(self.code(), ru, self)
    }
}

impl Explain for SmsSenderError {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::Empty => "Укажите имя отправителя SMS",
            Self::TooLong => "Имя отправителя SMS — не больше 11 символов",
            Self::BadCharacter => {
                "В имени отправителя SMS допустимы только латинские буквы и цифры"
            }
        };
        reason(self.code(), ru, self)
    }
}

impl Explain for LogoError {
    fn reason(&self) -> Reason {
        let ru = match self {
            Self::Empty => "Файл пуст".to_owned(),
            Self::TooLarge { max_kib } => format!("Логотип больше {max_kib} КБ"),
            Self::UnsupportedType => "Логотип должен быть картинкой PNG, JPEG или SVG".to_owned(),
            Self::UnsafeSvg => {
                "В SVG есть скрипты, обработчики событий или внешние ссылки — такие файлы не принимаются"
                    .to_owned()
            }
        };
        reason(self.code(), ru, self)
    }
}
