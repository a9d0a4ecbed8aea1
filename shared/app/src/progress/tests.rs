use chrono::DateTime;
use crm_domain::TenantId;

use super::*;

fn status() -> JobStatus {
    let now = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
    JobStatus {
        id: "j1".into(),
        kind: "readings_import".into(),
        label: Some("март.csv".into()),
        state: JobState::Running,
        phase: Some("applying".into()),
        total: Some(200),
        processed: 50,
        counts: [("created".to_owned(), 40), ("invalid".to_owned(), 10)].into(),
        checkpoint: Some(51),
        report_key: None,
        message: None,
        cancel_requested: false,
        lease: None,
        created_by: Some("a1".into()),
        created_at: now,
        started_at: Some(now),
        finished_at: None,
        updated_at: now,
        expires_at: Some(1_800_000_000),
    }
}

#[test]
fn percent_needs_a_total() {
    let mut s = status();
    assert_eq!(s.percent(), Some(25));
    s.total = None;
    assert_eq!(s.percent(), None);
    s.state = JobState::Done;
    assert_eq!(s.percent(), Some(100));
    s.state = JobState::Running;
    s.total = Some(10);
    s.processed = 15;
    assert_eq!(s.percent(), Some(100));
}

#[test]
fn item_round_trip_with_listing_keys() {
    let ns = Namespace::tenant(&TenantId::parse("demo").unwrap());
    let s = status();
    let item = s.to_item(&ns);
    assert_eq!(item.key.pk, "T#demo#JOB#j1");
    assert_eq!(item.key_in(Index::Gsi1).unwrap().pk, "T#demo#JOBS");
    assert_eq!(
        item.key_in(Index::Gsi2).unwrap().pk,
        "T#demo#JOBS#readings_import"
    );
    assert_eq!(item.expires_at, Some(1_800_000_000));
    assert_eq!(JobStatus::from_item(&item).unwrap(), s);
    assert_eq!(s.count("created"), 40);
    assert_eq!(s.count("updated"), 0);
}

#[test]
fn view_json_shape() {
    let view = JobView::new(&status(), Some("https://x/report.csv".into()));
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(json["state"], "running");
    assert_eq!(json["finished"], false);
    assert_eq!(json["percent"], 25);
    assert_eq!(json["counts"]["created"], 40);
    assert_eq!(json["report_url"], "https://x/report.csv");
}
