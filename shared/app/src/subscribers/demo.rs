//! The demo tenant's subscribers for `crm dev`: a few buildings in Тверь and about 200
//! subscribers in them, some suspended or closed. Safe to run on every start: buildings are
//! found by address and subscribers by account number, so a second run changes nothing.

use crm_domain::TenantId;
use crm_domain::subscriber::{StatusChange, building_address_key};

use super::fake::{FakeStatus, Faker};
use super::numbering::{advance_counter_to, pattern};
use super::{SubscriberError, UpsertOutcome, change_status, upsert_by_account_number};
use crate::Services;
use crate::audit::Audit;
use crate::buildings::{self, BuildingError};

pub const DEMO_BUILDINGS: u64 = 4;
pub const DEMO_SUBSCRIBERS: u64 = 200;
const SEED: u64 = 2026;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DemoReport {
    pub buildings_created: u64,
    pub subscribers_created: u64,
    pub subscribers_unchanged: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo building: {0}")]
    Building(#[from] BuildingError),
    #[error("demo subscriber: {0}")]
    Subscriber(#[from] SubscriberError),
}

pub async fn seed_demo(services: &Services, tenant: &TenantId) -> Result<DemoReport, DemoError> {
    let audit = Audit::system("demo");
    let db = services.db.tenant(tenant);
    let faker = Faker::new(SEED);
    let mut report = DemoReport::default();
    let mut houses = Vec::new();
    for i in 0..DEMO_BUILDINGS {
        // Every demo building is in Тверь (the faker's third city).
        let mut input = faker.building(i * 18 + 2);
        input.name = if i == 0 {
            "ЖК «Северный»".into()
        } else {
            String::new()
        };
        let facts = input.validate().map_err(BuildingError::Invalid)?;
        let existing = buildings::find_by_address(&db, &building_address_key(&facts.address))
            .await
            .map_err(BuildingError::Store)?;
        let building = match existing {
            Some((building, _)) => building,
            None => {
                report.buildings_created += 1;
                buildings::create(services, tenant, &audit, &input).await?
            }
        };
        houses.push((building.id, input));
    }
    let numbering = pattern(&db).await.map_err(SubscriberError::Store)?;
    let per_house = DEMO_SUBSCRIBERS / DEMO_BUILDINGS;
    for n in 0..DEMO_SUBSCRIBERS {
        let (building_id, house) = &houses[(n / per_house) as usize % houses.len()];
        let fake = faker.subscriber(n, building_id, house, n % per_house + 1);
        let Some(number) = numbering.format(n + 1) else {
            break;
        };
        let (subscriber, outcome) =
            upsert_by_account_number(services, tenant, &audit, number.as_str(), &fake.input)
                .await?;
        match outcome {
            UpsertOutcome::Created => {
                report.subscribers_created += 1;
                let change = match fake.status {
                    FakeStatus::Active => None,
                    FakeStatus::Suspended => Some(StatusChange::Suspend),
                    FakeStatus::Closed => Some(StatusChange::Close),
                };
                if let Some(change) = change {
                    let reason = match change {
                        StatusChange::Suspend => Some("Задолженность более трёх месяцев"),
                        _ => Some("Договор расторгнут"),
                    };
                    change_status(
                        services,
                        tenant,
                        &audit,
                        &subscriber.id,
                        None,
                        change,
                        None,
                        reason,
                    )
                    .await?;
                }
            }
            UpsertOutcome::Updated | UpsertOutcome::Unchanged => {
                report.subscribers_unchanged += 1;
            }
        }
    }
    advance_counter_to(&db, DEMO_SUBSCRIBERS)
        .await
        .map_err(SubscriberError::Store)?;
    Ok(report)
}
