//! Direct uploads: the upload page's script asks for a link, PUTs the file to it (the local
//! route standing in for S3), and posts the key; the API does the same with JSON. The file
//! must come out as the same upload a multipart post makes, once, and only for its tenant.

use axum::http::{Method, StatusCode};
use crm_app::audit::Audit;
use crm_app::imports::flow::direct;
use crm_app::imports::flow::{self, ImportKind, UploadError, UploadSink};

use crm_domain::TenantId;

use crate::support::embedded::Platform;
use crate::support::http::Client;
use crate::support::identity::{browser, platform, tenant_with};

/// The platform with tenant `acme` and its administrator's browser (client, CSRF token).
async fn signed_in() -> (Platform, TenantId, Client, String) {
    let platform = platform().await;
    let (tenant, admin) = tenant_with(&platform.services, "acme", "administrator").await;
    let (client, csrf) = browser(&platform, &tenant, admin).await;
    (platform, tenant, client, csrf)
}

const FILE: &[u8] = "Заводской номер;Дата;Показание\nSN-1;20.06.2026;125,5\n".as_bytes();

#[tokio::test]
async fn the_page_puts_the_file_through_its_link_and_opens_the_upload() {
    let (platform, tenant, mut client, csrf) = signed_in().await;

    let link = client
        .json(
            Method::POST,
            "/imports/readings/upload-link",
            &serde_json::json!({"file_name": "июнь.csv", "size": FILE.len()}),
            Some(&csrf),
        )
        .await;
    assert_eq!(link.status, StatusCode::OK, "{}", link.body);
    let link = link.json();
    let (url, key) = (link["url"].as_str().unwrap(), link["key"].as_str().unwrap());
    assert_eq!(link["method"], "PUT");
    assert!(
        key.starts_with("incoming/acme/") && key.ends_with(".csv"),
        "{key}"
    );
    assert!(url.starts_with("/_blobs/incoming/acme/"), "{url}");

    // The link is the only credential the PUT needs (S3 presigned URLs need no session).
    let mut anonymous = Client::new(platform.router(), &client.host);
    let put = anonymous
        .send(Method::PUT, url, Some("text/csv"), FILE.to_vec(), &[])
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);

    let done = client
        .post_form(
            "/imports/readings/uploaded",
            &[("_csrf", &csrf), ("key", key), ("file_name", "июнь.csv")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let card = done.location().to_owned();
    assert!(card.starts_with("/imports/uploads/"), "{card}");
    let page = client.get(&card).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("июнь.csv"), "the card names the file");
    assert!(
        page.body.contains("Заводской номер"),
        "the card shows the file's columns"
    );

    // Posting the key again (a second click, a reload) gives the same upload.
    let again = client
        .post_form(
            "/imports/readings/uploaded",
            &[("_csrf", &csrf), ("key", key), ("file_name", "июнь.csv")],
        )
        .await;
    assert_eq!(again.location(), card);

    // The recorded file is a copy under the upload's own key, which no link writes to: the
    // staged file is gone, and the link used again changes nothing the import reads.
    let blobs = &platform.services.blobs;
    assert!(
        blobs.get(key).await.unwrap().is_none(),
        "the staged file is deleted"
    );
    let reput = anonymous
        .send(
            Method::PUT,
            url,
            Some("text/csv"),
            b"other;bytes\n".to_vec(),
            &[],
        )
        .await;
    assert_eq!(reput.status, StatusCode::OK);

    // The same bytes through the multipart path: the same size and hash.
    let mut sink = UploadSink::new(flow::MAX_UPLOAD_BYTES).unwrap();
    sink.write(FILE).unwrap();
    let posted = flow::uploads::create(
        &platform.services,
        &tenant,
        &Audit::system("test"),
        ImportKind::Readings,
        "июнь.csv",
        sink,
    )
    .await
    .unwrap();
    let id = card.trim_start_matches("/imports/uploads/");
    let db = platform.services.db.tenant(&tenant);
    let (direct, _) = flow::uploads::get(&db, id).await.unwrap().unwrap();
    assert_eq!((direct.size, &direct.sha256), (posted.size, &posted.sha256));
    assert_eq!(direct.format, posted.format);
    assert!(
        direct.blob_key.starts_with("imports/acme/uploads/"),
        "{}",
        direct.blob_key
    );
    assert_eq!(blobs.get(&direct.blob_key).await.unwrap().unwrap(), FILE);
}

#[tokio::test]
async fn the_api_gives_a_link_and_records_the_file() {
    let (platform, _, mut client, csrf) = signed_in().await;
    let link = client
        .json(
            Method::POST,
            "/api/v1/imports/subscribers/upload-links",
            &serde_json::json!({"file_name": "base.csv"}),
            Some(&csrf),
        )
        .await;
    assert_eq!(link.status, StatusCode::CREATED, "{}", link.body);
    let key = link.json()["key"].as_str().unwrap().to_owned();
    platform
        .services
        .blobs
        .put(&key, bytes::Bytes::from_static(b"a;b\n1;2\n"), "text/csv")
        .await
        .unwrap();
    let recorded = client
        .json(
            Method::POST,
            "/api/v1/imports/subscribers/uploads/direct",
            &serde_json::json!({"key": key, "file_name": "base.csv"}),
            Some(&csrf),
        )
        .await;
    assert_eq!(recorded.status, StatusCode::CREATED, "{}", recorded.body);
    assert_eq!(recorded.json()["size"], 8);
    assert_eq!(recorded.json()["kind"], "subscribers");

    let too_large = client
        .json(
            Method::POST,
            "/api/v1/imports/subscribers/upload-links",
            &serde_json::json!({"file_name": "big.csv", "size": flow::MAX_UPLOAD_BYTES + 1}),
            Some(&csrf),
        )
        .await;
    assert_eq!(too_large.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(too_large.json()["code"], "file_too_large");
    assert_eq!(
        too_large.json()["errors"][0]["field"],
        "file",
        "{}",
        too_large.body
    );
}

#[tokio::test]
async fn keys_that_are_not_this_tenants_uploads_record_nothing() {
    let platform = platform().await;
    let services = &platform.services;
    let (acme, _) = tenant_with(services, "acme", "administrator").await;
    let (other, _) = tenant_with(services, "other", "administrator").await;
    let audit = Audit::system("test");
    let slot = direct::reserve(services, &acme, "june.csv", Some(10))
        .await
        .unwrap();
    services
        .blobs
        .put(
            &slot.key,
            bytes::Bytes::from_static(b"a;b\n1;2\n"),
            "text/csv",
        )
        .await
        .unwrap();

    // Another tenant cannot claim acme's file, nor a key outside the uploads folder.
    let kind = ImportKind::Readings;
    for (tenant, key) in [
        (&other, slot.key.as_str()),
        (&acme, "imports/acme/reports/x.csv"),
        (&acme, "imports/acme/uploads/x.csv"),
        (&acme, "incoming/acme/../other/x.csv"),
        (&acme, "incoming/acme/x.exe"),
        (&acme, "incoming/other/x.csv"),
    ] {
        let refused = direct::complete(services, tenant, &audit, kind, key, "a.csv").await;
        assert!(
            matches!(refused, Err(UploadError::NotFound)),
            "{key}: {refused:?}"
        );
    }
    let other_db = services.db.tenant(&other);
    let id = slot
        .key
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".csv");
    assert!(flow::uploads::get(&other_db, id).await.unwrap().is_none());

    // A link handed out but never used: nothing arrived.
    let unused = direct::reserve(services, &acme, "july.csv", None)
        .await
        .unwrap();
    let missing = direct::complete(services, &acme, &audit, kind, &unused.key, "july.csv").await;
    assert!(
        matches!(missing, Err(UploadError::NotReceived)),
        "{missing:?}"
    );

    // An empty file, and an empty one announced in advance.
    let empty = direct::reserve(services, &acme, "e.csv", None)
        .await
        .unwrap();
    services
        .blobs
        .put(&empty.key, bytes::Bytes::new(), "text/csv")
        .await
        .unwrap();
    let refused = direct::complete(services, &acme, &audit, kind, &empty.key, "e.csv").await;
    assert!(matches!(refused, Err(UploadError::NoFile)), "{refused:?}");
    let refused = direct::reserve(services, &acme, "e.csv", Some(0)).await;
    assert!(matches!(refused, Err(UploadError::NoFile)), "{refused:?}");

    // The right tenant gets it, once; as another kind it is not found.
    let first = direct::complete(services, &acme, &audit, kind, &slot.key, "june.csv")
        .await
        .unwrap();
    let second = direct::complete(services, &acme, &audit, kind, &slot.key, "june.csv")
        .await
        .unwrap();
    assert_eq!(first, second);
    let as_other_kind = direct::complete(
        services,
        &acme,
        &audit,
        ImportKind::Subscribers,
        &slot.key,
        "june.csv",
    )
    .await;
    assert!(matches!(as_other_kind, Err(UploadError::NotFound)));
}
