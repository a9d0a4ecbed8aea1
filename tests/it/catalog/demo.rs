//! The demo catalogue: the usual services with a 1 July change, made once however often asked.

use crm_app::audit::Audit;
use crm_app::catalog::demo::usual_services;
use crm_app::catalog::services::Context;
use crm_app::catalog::tariffs;
use http::StatusCode;

use super::World;

#[tokio::test]
async fn usual_services_are_made_once_with_a_july_change() {
    let world = World::new().await;
    let db = world.services().db.tenant(&world.tenant);
    let audit = Audit::system("demo");
    let cx = Context {
        audit: &audit,
        ids: world.services().ids.as_ref(),
        now: world.services().clock.now(),
    };
    let first = usual_services(&db, &cx).await.expect("demo services");
    let again = usual_services(&db, &cx).await.expect("again");
    assert_eq!(first.len(), 8);
    assert_eq!(
        first.iter().map(|s| &s.id).collect::<Vec<_>>(),
        again.iter().map(|s| &s.id).collect::<Vec<_>>(),
        "the same services"
    );
    let list = world.admin.get("/api/v1/services?limit=50").await;
    assert_eq!(list.json()["items"].as_array().unwrap().len(), 8);

    let water = first.iter().find(|s| s.code.as_str() == "ХВС").unwrap();
    let history = tariffs::history(&db, &water.id).await.unwrap();
    assert_eq!(history.versions.len(), 2, "tariffs added once");
    assert_eq!(
        history.versions[1].version.valid_from.to_string(),
        "2026-07-01"
    );
    assert!(history.warnings().is_empty());
    let power = first.iter().find(|s| s.code.as_str() == "ЭЛ").unwrap();
    let tariff = world
        .admin
        .get(&format!("/api/v1/services/{}/tariffs", power.id))
        .await;
    assert_eq!(tariff.status, StatusCode::OK);
    assert_eq!(tariff.json()["versions"][1]["zone_rates"]["night"], "4.02");
    let heating = first.iter().find(|s| s.code.as_str() == "ОТП").unwrap();
    let heating = tariffs::history(&db, &heating.id).await.unwrap();
    assert_eq!(
        heating.versions[0]
            .version
            .norm
            .map(|n| n.to_string())
            .as_deref(),
        Some("0.016")
    );
}

#[tokio::test]
async fn the_api_document_describes_the_catalogue() {
    let world = World::new().await;
    let doc = world.admin.get("/api/v1/openapi.json").await.json();
    for path in [
        "/api/v1/services",
        "/api/v1/services/{id}",
        "/api/v1/services/{id}/tariffs",
        "/api/v1/services/{id}/tariffs/{version}",
        "/api/v1/subscribers/{id}/services",
        "/api/v1/subscribers/{id}/services/{link}",
        "/api/v1/service-links/bulk",
        "/api/v1/jobs/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    let create = &doc["paths"]["/api/v1/services"]["post"];
    assert!(create["responses"]["422"].is_object());
    assert!(
        doc["paths"]["/api/v1/services"]["get"].is_object(),
        "both methods documented"
    );
    assert!(doc["components"]["schemas"]["VersionInput"].is_object());
}
