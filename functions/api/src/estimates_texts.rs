//! Texts of the estimates page and API, Russian first.

use crm_web::i18n::Lang;

#[derive(Debug)]
pub struct EstimateTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub month: &'static str,
    pub show: &'static str,
    pub run: &'static str,
    pub run_hint: &'static str,
    pub job_title: &'static str,
    pub caption: &'static str,
    pub col_account: &'static str,
    pub col_subscriber: &'static str,
    pub col_meter: &'static str,
    pub col_method: &'static str,
    pub col_consumption: &'static str,
    pub col_state: &'static str,
    pub average: &'static str,
    pub norm: &'static str,
    pub current: &'static str,
    pub superseded: fn(&str, &str) -> String,
    pub none_title: &'static str,
    pub none_text: &'static str,
    pub bad_month: &'static str,
    pub counts: &'static [(&'static str, &'static str)],
}

pub static RU: EstimateTexts = EstimateTexts {
    title: "Начисления без показаний",
    intro: "Если за месяц нет показаний счётчика, объём начисляется по среднемесячному потреблению за последние месяцы, а после нескольких месяцев подряд — по нормативу (ПП РФ № 354, п. 59–60). Счётчик с истёкшей поверкой считается отсутствующим. Когда показания поступят, разница учитывается при перерасчёте (п. 61).",
    month: "Месяц",
    show: "Показать",
    run: "Рассчитать за месяц",
    run_hint: "Повторный расчёт не меняет уже рассчитанные объёмы.",
    job_title: "Расчёт объёмов без показаний",
    caption: "Рассчитанные объёмы за месяц",
    col_account: "Лицевой счёт",
    col_subscriber: "Абонент",
    col_meter: "Счётчик",
    col_method: "Способ",
    col_consumption: "Объём",
    col_state: "Состояние",
    average: "По среднему",
    norm: "По нормативу",
    current: "Действует",
    superseded: |date, difference| format!("Заменён показаниями от {date}, разница {difference}"),
    none_title: "За этот месяц нет рассчитанных объёмов",
    none_text: "Запустите расчёт: он найдёт счётчики без показаний за месяц.",
    bad_month: "Укажите месяц в виде ГГГГ-ММ",
    counts: &[
        ("links", "Подключений услуг"),
        ("covered", "Есть показания"),
        ("average", "По среднему"),
        ("norm", "По нормативу"),
        ("unchanged", "Уже рассчитано"),
        ("unavailable", "Нельзя рассчитать"),
        ("no_meter", "Без счётчика"),
        ("not_in_place", "Счётчик не установлен"),
    ],
};

pub static EN: EstimateTexts = EstimateTexts {
    title: "Consumption without readings",
    intro: "When a meter has no reading for a month, consumption is taken as the average monthly consumption of recent months, and after a few months in a row by the norm (Government Decree 354, p. 59-60). A meter past its verification counts as absent. When the reading arrives, the difference is recalculated (p. 61).",
    month: "Month",
    show: "Show",
    run: "Estimate the month",
    run_hint: "Running again keeps the estimates already made.",
    job_title: "Estimating missing readings",
    caption: "Estimates of the month",
    col_account: "Account",
    col_subscriber: "Subscriber",
    col_meter: "Meter",
    col_method: "Method",
    col_consumption: "Consumption",
    col_state: "State",
    average: "By the average",
    norm: "By the norm",
    current: "Standing",
    superseded: |date, difference| {
        format!("Superseded by the reading of {date}, difference {difference}")
    },
    none_title: "No estimates for this month",
    none_text: "Run the estimation: it finds the meters without a reading in the month.",
    bad_month: "Give the month as YYYY-MM",
    counts: &[
        ("links", "Service links"),
        ("covered", "With readings"),
        ("average", "By the average"),
        ("norm", "By the norm"),
        ("unchanged", "Estimated already"),
        ("unavailable", "Cannot be estimated"),
        ("no_meter", "Without a meter"),
        ("not_in_place", "Meter not in place"),
    ],
};

pub fn texts(lang: Lang) -> &'static EstimateTexts {
    lang.pick(&RU, &EN)
}
