//! Bulk linking: the job is queued with a status, the documents worker's handler works it
//! through, failed rows carry reasons, and a re-delivered message creates nothing twice.

use std::time::Duration;

use crm_app::jobs::{DocumentsJob, Envelope, JobHandler};
use crm_app::queue::{Delivery, QueueName};
use http::{Method, StatusCode};
use serde_json::{Value, json};

use super::World;

/// The one bulk job message waiting on the documents queue.
async fn take_message(world: &World) -> (Delivery, Envelope<DocumentsJob>) {
    let deliveries = world
        .services()
        .queue
        .receive(QueueName::Documents, 10, Duration::from_secs(60))
        .await
        .expect("receive");
    assert_eq!(deliveries.len(), 1, "one job message");
    let delivery = deliveries.into_iter().next().unwrap();
    let envelope = serde_json::from_str(&delivery.body).expect("a documents job");
    (delivery, envelope)
}

fn handler(world: &World) -> documents::Handler {
    documents::Handler::new(world.services().clone())
}

async fn link_count(world: &World, service: &str) -> u64 {
    crm_app::catalog::tariffs::history(&world.services().db.tenant(&world.tenant), service)
        .await
        .expect("history")
        .link_count
}

async fn holders(world: &World, service: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut uri = format!("/api/v1/services/{service}/links?limit=500");
    loop {
        let page = world.admin.get(&uri).await.json();
        all.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                uri = format!("/api/v1/services/{service}/links?limit=500&cursor={cursor}")
            }
            None => return all,
        }
    }
}

#[tokio::test]
async fn a_bulk_job_reports_progress_and_reasons_and_replays_create_nothing() {
    let world = World::new().await;
    let water = world.service("ХВС", "metered").await;
    for id in ["s1", "s2", "s4"] {
        world.subscriber(&world.tenant, id).await;
    }
    let existing = world
        .admin
        .send(
            Method::POST,
            "/api/v1/subscribers/s4/services",
            json!({"service_id": water, "valid_from": "2025-01-01"}),
        )
        .await;
    assert_eq!(existing.status, StatusCode::CREATED);

    let started = world
        .admin
        .send(
            Method::POST,
            "/api/v1/service-links/bulk",
            json!({
                "service_id": water,
                "subscriber_ids": ["s1", "s2", "s3", "s4", "s1"],
                "valid_from": "2026-01-01"
            }),
        )
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text);
    let job = started.json();
    assert_eq!(job["state"], "queued");
    assert_eq!(job["total"], 4, "repeats count once");
    assert_eq!(job["processed"], 0);
    let job_id = job["id"].as_str().unwrap().to_owned();
    let polled = world.admin.get(&format!("/api/v1/jobs/{job_id}")).await;
    assert_eq!(polled.status, StatusCode::OK);
    assert_eq!(polled.json()["state"], "queued");

    let (_, envelope) = take_message(&world).await;
    assert_eq!(envelope.idempotency_key, format!("bulk_link:{job_id}"));
    handler(&world)
        .handle(envelope.clone())
        .await
        .expect("first delivery");
    let done = world
        .admin
        .get(&format!("/api/v1/jobs/{job_id}"))
        .await
        .json();
    assert_eq!(done["state"], "done");
    assert_eq!(done["processed"], 4);
    assert_eq!(done["percent"], 100);
    assert_eq!(done["succeeded"], 2);
    assert_eq!(done["failed"], 2);
    assert_eq!(
        done["failures"],
        json!([
            {"row": "s3", "code": "subscriber_not_found", "detail": null},
            {"row": "s4", "code": "link_overlap", "detail": "2025-01-01"}
        ])
    );
    assert_eq!(holders(&world, &water).await.len(), 3);
    assert_eq!(link_count(&world, &water).await, 3);

    // The same message again: nothing new.
    handler(&world)
        .handle(envelope)
        .await
        .expect("second delivery");
    assert_eq!(holders(&world, &water).await.len(), 3);
    assert_eq!(link_count(&world, &water).await, 3);
    let again = world
        .admin
        .get(&format!("/api/v1/jobs/{job_id}"))
        .await
        .json();
    assert_eq!(again, done);

    // Each link is audited on its subscriber's timeline under the person who started the job.
    let records = world.history("subscriber", "s1").await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].action, "service_link.attach");
    assert_eq!(records[0].actor.label(), "Test administrator");
    let service_records = world.history("service", &water).await;
    assert_eq!(service_records[0].action, "service.bulk_link");
}

#[tokio::test]
async fn two_deliveries_at_once_link_everyone_exactly_once() {
    let world = World::new().await;
    let waste = world.service("ТКО", "per_resident").await;
    let ids: Vec<String> = (0..65).map(|i| format!("sub{i:03}")).collect();
    for id in &ids {
        world.subscriber(&world.tenant, id).await;
    }
    let started = world
        .admin
        .send(
            Method::POST,
            "/api/v1/service-links/bulk",
            json!({"service_id": waste, "subscriber_ids": ids, "valid_from": "2026-03-01"}),
        )
        .await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text);
    let job_id = started.json()["id"].as_str().unwrap().to_owned();
    let (_, envelope) = take_message(&world).await;
    let (one, two) = (handler(&world), handler(&world));
    let (first, second) = tokio::join!(one.handle(envelope.clone()), two.handle(envelope.clone()));
    first.expect("first");
    second.expect("second");
    let status = world
        .admin
        .get(&format!("/api/v1/jobs/{job_id}"))
        .await
        .json();
    assert_eq!(status["state"], "done");
    assert_eq!(status["processed"], 65);
    assert_eq!(status["succeeded"], 65);
    assert_eq!(status["failed"], 0);
    let linked = holders(&world, &waste).await;
    assert_eq!(linked.len(), 65);
    assert_eq!(link_count(&world, &waste).await, 65);
    for id in ["sub000", "sub064"] {
        assert_eq!(world.history("subscriber", id).await.len(), 1, "{id}");
    }
}

#[tokio::test]
async fn bulk_requests_are_checked_before_anything_is_queued() {
    let world = World::new().await;
    let water = world.service("ХВС", "metered").await;
    let many: Vec<String> = (0..5001).map(|i| format!("s{i}")).collect();
    let cases = [
        (
            json!({"service_id": water, "subscriber_ids": [], "valid_from": "2026-01-01"}),
            "subscriber_ids",
            "Заполните это поле",
        ),
        (
            json!({"service_id": water, "subscriber_ids": many, "valid_from": "2026-01-01"}),
            "subscriber_ids",
            "Не больше 5000 за раз",
        ),
        (
            json!({"service_id": water, "subscriber_ids": ["ok", "bad id"], "valid_from": "2026-01-01"}),
            "subscriber_ids[1]",
            "Некорректный идентификатор",
        ),
        (
            json!({"service_id": "missing", "subscriber_ids": ["a"], "valid_from": "2026-01-01"}),
            "service_id",
            "Такой записи нет",
        ),
        (
            json!({"service_id": water, "subscriber_ids": ["a"], "valid_from": "скоро"}),
            "valid_from",
            "Введите дату в формате ДД.ММ.ГГГГ",
        ),
    ];
    for (body, field, message) in cases {
        let answer = world
            .admin
            .send(Method::POST, "/api/v1/service-links/bulk", body)
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            answer.text
        );
        assert_eq!(
            answer.field_message(field).as_deref(),
            Some(message),
            "{field}"
        );
    }
    let waiting = world
        .services()
        .queue
        .receive(QueueName::Documents, 10, Duration::from_secs(1))
        .await
        .expect("receive");
    assert!(waiting.is_empty(), "nothing queued");
    assert_eq!(
        world.admin.get("/api/v1/jobs/unknown").await.status,
        StatusCode::NOT_FOUND
    );
}
