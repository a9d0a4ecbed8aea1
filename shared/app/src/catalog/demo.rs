//! The usual utility services of a Moscow-region management company, with 2026 tariffs that
//! change on 1 July, for demo tenants (`crm dev`). Metered water and electricity carry a norm
//! per resident: the estimate once averages may no longer be used (Decree 354 p. 59-60). The figures are plausible for 2026, not
//! official: real tariffs come from the regional tariff committee's orders.
//!
//! Idempotent: a service whose code exists is left as it is; tariffs are added only to a
//! service that has none.

use serde_json::Value;

use super::CatalogError;
use super::services::{self, Context, Service, ServiceDraft};
use super::tariffs::{self, TariffDraft};
use crate::keys;
use crate::store::ScopedDb;

struct Usual {
    code: &'static str,
    name: &'static str,
    kind: &'static str,
    unit: &'static str,
    rounding: u32,
    /// Versions: (from, rate text or zone rates "day/night", norm).
    versions: &'static [(&'static str, &'static str, Option<&'static str>)],
    description: &'static str,
}

const JANUARY: &str = "2026-01-01";
const JULY: &str = "2026-07-01";

const USUAL: &[Usual] = &[
    Usual {
        code: "ХВС",
        name: "Холодное водоснабжение",
        kind: "metered",
        unit: "cubic_metre",
        rounding: 3,
        versions: &[
            (JANUARY, "52.30", Some("6.935")),
            (JULY, "58.10", Some("6.935")),
        ],
        description: "По показаниям счётчика холодной воды.",
    },
    Usual {
        code: "ГВС",
        name: "Горячее водоснабжение",
        kind: "metered",
        unit: "cubic_metre",
        rounding: 3,
        versions: &[
            (JANUARY, "265.40", Some("4.745")),
            (JULY, "295.60", Some("4.745")),
        ],
        description: "По показаниям счётчика горячей воды.",
    },
    Usual {
        code: "ВО",
        name: "Водоотведение",
        kind: "metered",
        unit: "cubic_metre",
        rounding: 3,
        versions: &[(JANUARY, "44.90", None), (JULY, "49.80", None)],
        description: "Сумма объёмов холодной и горячей воды.",
    },
    Usual {
        code: "ОТП",
        name: "Отопление",
        kind: "norm_per_area",
        unit: "gigacalorie",
        rounding: 4,
        versions: &[
            (JANUARY, "2950.00", Some("0.016")),
            (JULY, "3245.00", Some("0.016")),
        ],
        description: "По нормативу 0,016 Гкал на м² в месяц.",
    },
    Usual {
        code: "ЭЛ",
        name: "Электроэнергия (день/ночь)",
        kind: "two_zone",
        unit: "kilowatt_hour",
        rounding: 2,
        versions: &[
            (JANUARY, "9.42/3.75", Some("77")),
            (JULY, "10.09/4.02", Some("77")),
        ],
        description: "Двухтарифный счётчик: день (T1) и ночь (T2).",
    },
    Usual {
        code: "СОД",
        name: "Содержание жилого помещения",
        kind: "per_area",
        unit: "square_metre",
        rounding: 2,
        versions: &[(JANUARY, "38.50", None)],
        description: "Плата за содержание и текущий ремонт общего имущества.",
    },
    Usual {
        code: "КАП",
        name: "Взнос на капитальный ремонт",
        kind: "per_area",
        unit: "square_metre",
        rounding: 2,
        versions: &[(JANUARY, "14.58", None)],
        description: "Минимальный взнос на капитальный ремонт, ₽ за м².",
    },
    Usual {
        code: "ТКО",
        name: "Обращение с ТКО",
        kind: "per_resident",
        unit: "person",
        rounding: 0,
        versions: &[(JANUARY, "163.60", None), (JULY, "180.20", None)],
        description: "Вывоз твёрдых коммунальных отходов, на зарегистрированного жителя.",
    },
];

/// Creates what is missing of the usual services and their tariffs; returns all of them.
pub async fn usual_services(db: &ScopedDb, cx: &Context<'_>) -> Result<Vec<Service>, CatalogError> {
    let mut made = Vec::with_capacity(USUAL.len());
    for usual in USUAL {
        let service = match existing(db, usual.code).await? {
            Some(service) => service,
            None => {
                let draft = ServiceDraft {
                    name: Some(usual.name.into()),
                    code: Some(usual.code.into()),
                    kind: Some(usual.kind.into()),
                    unit: Some(usual.unit.into()),
                    // Utilities resold by a УК are VAT-exempt (DOMAIN.md, Taxes).
                    tax_category: Some("exempt".into()),
                    rounding: Some(usual.rounding.to_string()),
                    on_bill: Some(true),
                    supplier: None,
                    description: Some(usual.description.into()),
                };
                services::create(db, cx, &draft).await?
            }
        };
        if tariffs::history(db, &service.id).await?.versions.is_empty() {
            for (from, rate, norm) in usual.versions {
                tariffs::add(db, cx, &service.id, &draft(from, rate, *norm)).await?;
            }
        }
        made.push(service);
    }
    Ok(made)
}

fn draft(from: &str, rate: &str, norm: Option<&str>) -> TariffDraft {
    let mut draft = TariffDraft {
        valid_from: Some(from.into()),
        norm: norm.map(str::to_owned),
        ..TariffDraft::default()
    };
    match rate.split_once('/') {
        Some((day, night)) => {
            draft.zone_rates = vec![("day".into(), day.into()), ("night".into(), night.into())];
        }
        None => draft.rate = Some(rate.into()),
    }
    draft
}

/// The service with this code, if the tenant has one.
pub async fn existing(db: &ScopedDb, code: &str) -> Result<Option<Service>, CatalogError> {
    let normalised = crm_domain::billing::catalog::ServiceCode::parse(code)
        .map(|c| c.normalised())
        .unwrap_or_default();
    let Some(sentinel) = db
        .get(&keys::service_code(db.namespace(), &normalised))
        .await?
    else {
        return Ok(None);
    };
    let Some(id) = sentinel.body.get("service_id").and_then(Value::as_str) else {
        return Ok(None);
    };
    Ok(services::get(db, id).await?.map(|(service, _)| service))
}
