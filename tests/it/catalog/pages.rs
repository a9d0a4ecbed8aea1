//! The catalogue's pages as a browser uses them: forms with inline errors, POST-redirect-GET
//! with flashes, the card's tariff history with current and future versions and warnings, the
//! list's filters, a subscriber's services, and a bulk job's progress.

use chrono::{Datelike, NaiveDate};
use crm_app::jobs::{DocumentsJob, Envelope, JobHandler};
use crm_app::queue::QueueName;
use http::StatusCode;

use super::{Client, World};

const NBSP: char = '\u{a0}';

/// Follows a 303 with the flash cookie it set, as a browser does.
async fn follow(client: &Client, answer: &super::Answer) -> super::Answer {
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text);
    let flash = answer
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    let mut browser = client.clone();
    if let Some(flash) = flash {
        browser = browser.with_cookie(&flash);
    }
    browser.get(&answer.location()).await
}

fn next_july() -> NaiveDate {
    let today = crm_app::catalog::today(chrono::Utc::now());
    NaiveDate::from_ymd_opt(today.year() + 1, 7, 1).unwrap()
}

#[tokio::test]
async fn a_service_is_made_through_forms_and_its_card_shows_the_tariff() {
    let world = World::new().await;
    let ui = &world.admin;

    let empty = ui.get("/services").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(
        empty.text.contains("Пока нет ни одной услуги"),
        "{}",
        empty.text
    );
    assert!(empty.text.contains(r#"href="/services/new""#));

    let form = ui.get("/services/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains(r#"name="_csrf""#));
    assert!(form.text.contains(r#"<option value="metered""#));

    let bad = ui
        .form(
            "/services/new",
            &[
                ("name", "Вода <b>"),
                ("code", "В О Д А"),
                ("kind", "per_area"),
                ("unit", "cubic_metre"),
                ("tax_category", ""),
                ("rounding", "12"),
                ("supplier.name", "Водоканал"),
                ("supplier.inn", "12345"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Код может содержать только буквы, цифры, «-», «_» и «.»",
        "Единица измерения не подходит к способу расчёта",
        "Заполните это поле",
        "От 0 до 6 знаков после запятой",
        "ИНН — 10 цифр у организации или 12 у ИП и физического лица",
    ] {
        assert!(bad.text.contains(message), "{message}");
    }
    assert!(bad.text.contains("data-error-summary"));
    assert!(
        bad.text.contains(r#"value="Вода &#60;b&#62;""#),
        "kept and escaped"
    );
    assert!(
        bad.text
            .contains(r#"id="f-code" name="code" value="В О Д А""#)
    );
    assert!(bad.text.contains(r#"aria-invalid="true""#));

    let created = ui
        .form(
            "/services/new",
            &[
                ("name", "Холодная вода"),
                ("code", "ХВС"),
                ("kind", "metered"),
                ("unit", ""),
                ("tax_category", "exempt"),
                ("rounding", "3"),
                ("on_bill", "1"),
            ],
        )
        .await;
    let card = follow(ui, &created).await;
    assert_eq!(card.status, StatusCode::OK);
    assert!(
        card.text.contains("Услуга «Холодная вода» создана"),
        "flash"
    );
    assert!(card.text.contains("Тарифа пока нет"));
    assert!(card.text.contains("по счётчику") && card.text.contains("м³"));
    let service = created.location().rsplit('/').next().unwrap().to_owned();

    // Tariff versions through the form: "through" dates are inclusive there.
    let new_version = format!("/services/{service}/tariffs/new");
    let form = ui.get(&new_version).await;
    assert!(form.text.contains(r#"name="rate""#) && !form.text.contains("blocks[0]"));
    let first = ui
        .form(
            &new_version,
            &[
                ("valid_from", "01.01.2026"),
                ("valid_until", ""),
                ("rate", "52,30"),
            ],
        )
        .await;
    follow(ui, &first).await;
    let july = ui
        .form(
            &new_version,
            &[("valid_from", "2026-07-01"), ("rate", "58,10")],
        )
        .await;
    let card = follow(ui, &july).await;
    assert!(card.text.contains("Версия тарифа добавлена"));
    assert!(
        card.text.contains(&format!("58,10{NBSP}₽/м³")),
        "{}",
        card.text
    );
    assert!(
        card.text.contains("30.06.2026"),
        "the first version ends the day before"
    );
    assert!(card.text.contains(r#"data-version="current""#));
    assert!(card.text.contains(r#"data-version="past""#));

    // A future change is visible on the card.
    let future = next_july();
    let later = ui
        .form(
            &new_version,
            &[("valid_from", &future.to_string()), ("rate", "60")],
        )
        .await;
    let card = follow(ui, &later).await;
    let notice = format!("с {}: 60,00{NBSP}₽/м³", future.format("%d.%m.%Y"));
    assert!(card.text.contains(&notice), "{notice}");
    assert!(card.text.contains(r#"data-version="future""#));

    // An overlap is refused inline, naming the version.
    let overlap = ui
        .form(
            &new_version,
            &[
                ("valid_from", "2026-03-01"),
                ("valid_until", "2026-03-31"),
                ("rate", "1"),
            ],
        )
        .await;
    assert_eq!(overlap.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        overlap
            .text
            .contains("Пересекается с версией тарифа, действующей с 01.01.2026")
    );
    assert!(
        overlap.text.contains(r#"value="2026-03-31""#),
        "inclusive date kept as typed"
    );

    // The future version is edited and deleted from the card.
    let card = ui.get(&format!("/services/{service}")).await;
    let edit_href = card
        .text
        .split(r#"href="/services/"#)
        .find(|part| part.contains("/edit\"") && part.contains("/tariffs/"))
        .map(|part| format!("/services/{}", part.split('"').next().unwrap()))
        .expect("an edit link for the future version");
    let edit = ui.get(&edit_href).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.text.contains(r#"value="60""#));
    let saved = ui
        .form(
            &edit_href,
            &[("valid_from", &future.to_string()), ("rate", "61,5")],
        )
        .await;
    let card = follow(ui, &saved).await;
    assert!(card.text.contains(&format!("61,50{NBSP}₽/м³")));
    let delete = edit_href.replace("/edit", "/delete");
    let deleted = ui.form(&delete, &[]).await;
    let card = follow(ui, &deleted).await;
    assert!(card.text.contains("Версия тарифа удалена"));
    assert!(!card.text.contains(r#"data-version="future""#));

    // The change history lists who changed what.
    assert!(card.text.contains("data-history"));
    assert!(card.text.contains("Удаление версии тарифа"));
    assert!(card.text.contains("Новая версия тарифа"));
    assert!(card.text.contains("Test administrator"));
    assert!(card.text.contains("Тариф с 01.07.2026: Ставки"));
}

#[tokio::test]
async fn gaps_warn_and_forms_follow_the_kind() {
    let world = World::new().await;
    let ui = &world.admin;
    let blocks = world.service("ЭЛ", "tiered").await;
    let form = ui.get(&format!("/services/{blocks}/tariffs/new")).await;
    assert!(
        form.text.contains(r#"name="blocks[0].up_to""#)
            && form.text.contains(r#"name="blocks[2].rate""#)
    );
    let added = ui
        .form(
            &format!("/services/{blocks}/tariffs/new"),
            &[
                ("valid_from", "2026-01-01"),
                ("valid_until", "2026-04-30"),
                ("blocks[0].up_to", "150"),
                ("blocks[0].rate", "5"),
                ("blocks[1].up_to", ""),
                ("blocks[1].rate", "7"),
                ("blocks[2].up_to", ""),
                ("blocks[2].rate", ""),
            ],
        )
        .await;
    follow(ui, &added).await;
    let gap = ui
        .form(
            &format!("/services/{blocks}/tariffs/new"),
            &[
                ("valid_from", "2026-06-01"),
                ("blocks[0].up_to", ""),
                ("blocks[0].rate", "8"),
            ],
        )
        .await;
    let card = follow(ui, &gap).await;
    assert!(card.text.contains("в тарифе есть разрывы"), "flash");
    assert!(
        card.text
            .contains("Разрыв в тарифе: с 01.05.2026 по 31.05.2026 не действует ни одна версия.")
    );
    assert!(
        card.text
            .contains(&format!("до 150 кВт·ч — 5,00{NBSP}₽; свыше — 7,00{NBSP}₽"))
            || card.text.contains("до 150 м³")
    );

    let zones = world.service("ЭЛ2", "two_zone").await;
    let form = ui.get(&format!("/services/{zones}/tariffs/new")).await;
    assert!(
        form.text.contains(r#"name="zone_rates.day""#)
            && form.text.contains(r#"name="zone_rates.night""#)
    );
    let missing = ui
        .form(
            &format!("/services/{zones}/tariffs/new"),
            &[
                ("valid_from", "2026-01-01"),
                ("zone_rates.day", "9,42"),
                ("zone_rates.night", ""),
            ],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.text.contains(r#"id="f-zone_rates.night""#));
    let norm = world.service("ОТП", "norm_per_area").await;
    let form = ui.get(&format!("/services/{norm}/tariffs/new")).await;
    assert!(form.text.contains(r#"name="norm""#));
}

#[tokio::test]
async fn the_list_filters_searches_sorts_pages_and_archives() {
    let world = World::new().await;
    let ui = &world.admin;
    for i in 0..27 {
        world
            .service(
                &format!("S{i:02}"),
                if i % 2 == 0 { "metered" } else { "fixed" },
            )
            .await;
    }
    let page = ui.get("/services").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text.matches("<tr>").count() - 1, 25, "a page of 25");
    let next = page
        .text
        .split(r#"rel="next""#)
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .map(|href| href.split('"').next().unwrap().replace("&#38;", "&"))
        .expect("a next link");
    let second = ui.get(&next).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(second.text.matches("<tr>").count() - 1, 2);

    let fixed = ui.get("/services?kind=fixed").await;
    assert_eq!(fixed.text.matches("<tr>").count() - 1, 13);
    assert!(fixed.text.contains(r#"<option value="fixed" selected>"#));
    let searched = ui
        .get("/services?q=%D1%83%D1%81%D0%BB%D1%83%D0%B3%D0%B0+s2")
        .await; // "услуга s2"
    assert_eq!(
        searched.text.matches("<tr>").count() - 1,
        7,
        "S02, S20..S26"
    );
    let by_code = ui.get("/services?sort=code&dir=desc").await;
    let first_row = by_code.text.split("<tbody>").nth(1).unwrap();
    assert!(first_row.contains("Услуга S26"));
    assert!(by_code.text.contains(r#"aria-sort="descending""#));
    let none = ui.get("/services?q=zzz").await;
    assert!(none.text.contains("Ничего не нашлось"));
    let forged = ui.get("/services?cursor=forged").await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);

    // Archiving moves a service to the archive view.
    let id = world.service("OLD", "fixed").await;
    let archived = ui.form(&format!("/services/{id}/archive"), &[]).await;
    let card = follow(ui, &archived).await;
    assert!(card.text.contains("data-archived"));
    assert!(card.text.contains("Услуга перенесена в архив"));
    let archive = ui.get("/services?archived=true").await;
    assert!(archive.text.contains("Услуга OLD"));
    assert!(
        !ui.get("/services?q=%D1%83%D1%81%D0%BB%D1%83%D0%B3%D0%B0+old")
            .await
            .text
            .contains("Услуга OLD")
    );

    // Editing through the form shows on the timeline.
    let edited = ui
        .form(
            &format!("/services/{id}/edit"),
            &[
                ("name", "Старая услуга"),
                ("code", "OLD"),
                ("kind", "fixed"),
                ("unit", "month"),
                ("tax_category", "vat_general"),
                ("rounding", "0"),
            ],
        )
        .await;
    let card = follow(ui, &edited).await;
    assert!(card.text.contains("Изменения сохранены"));
    assert!(
        card.text
            .contains("Название:</span> Услуга OLD → Старая услуга"),
        "{}",
        card.text
    );

    // English on request.
    let english = ui.english().get("/services").await;
    assert!(english.text.contains("Services and tariffs"));
}

#[tokio::test]
async fn a_subscriber_gets_services_through_the_page() {
    let world = World::new().await;
    let ui = &world.admin;
    world.subscriber(&world.tenant, "sub1").await;
    let water = world.service("ХВС", "metered").await;
    world.flat_version(&water, "2026-01-01", "52.30").await;

    let page = ui.get("/subscribers/sub1/services").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Услуги не подключены"));
    assert!(page.text.contains(&format!(r#"<option value="{water}">"#)));

    let attached = ui
        .form(
            "/subscribers/sub1/services",
            &[
                ("service_id", &water),
                ("valid_from", "2026-01-01"),
                ("valid_until", ""),
                ("individual_rate", ""),
                ("individual_quantity", ""),
            ],
        )
        .await;
    let page = follow(ui, &attached).await;
    assert!(page.text.contains("Услуга подключена"));
    assert!(page.text.contains("Холодная вода") || page.text.contains("Услуга ХВС"));
    assert!(page.text.contains(&format!("52,30{NBSP}₽/м³")));
    assert!(
        page.text.contains("Подключение услуги"),
        "on the subscriber's timeline"
    );

    let overlap = ui
        .form(
            "/subscribers/sub1/services",
            &[("service_id", &water), ("valid_from", "2026-02-01")],
        )
        .await;
    assert_eq!(overlap.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        overlap
            .text
            .contains("На эти дни услуга уже подключена (подключение с 01.01.2026)")
    );

    let link = page
        .text
        .split("data-link=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let detached = ui
        .form(
            &format!("/subscribers/sub1/services/{link}/detach"),
            &[("last_day", "2026-06-30")],
        )
        .await;
    let page = follow(ui, &detached).await;
    assert!(page.text.contains("Услуга отключена"));
    assert!(page.text.contains("01.01.2026 – 30.06.2026"));
    assert!(page.text.contains("отключена"));
    let missing = ui.get("/subscribers/ghost/services").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bulk_linking_from_the_card_shows_progress() {
    let world = World::new().await;
    let ui = &world.admin;
    let waste = world.service("ТКО", "per_resident").await;
    for id in ["a1", "a2"] {
        world.subscriber(&world.tenant, id).await;
    }
    let card = ui.get(&format!("/services/{waste}")).await;
    assert!(
        card.text
            .contains(&format!(r#"href="/services/{waste}/bulk-link""#))
    );
    let form = ui.get(&format!("/services/{waste}/bulk-link")).await;
    assert_eq!(form.status, StatusCode::OK);
    let bad = ui
        .form(
            &format!("/services/{waste}/bulk-link"),
            &[
                ("subscriber_ids", "a1, bad#id"),
                ("valid_from", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("Некорректный идентификатор"));

    let started = ui
        .form(
            &format!("/services/{waste}/bulk-link"),
            &[
                ("subscriber_ids", "a1\na2\nghost"),
                ("valid_from", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let job_page = started.location();
    let queued = ui.get(&job_page).await;
    assert_eq!(queued.status, StatusCode::OK);
    assert!(queued.text.contains(r#"hx-trigger="every 2s""#));
    assert!(queued.text.contains("В очереди"));
    assert!(queued.text.contains("Обработано 0 из 3"));

    let deliveries = world
        .services()
        .queue
        .receive(QueueName::Documents, 10, std::time::Duration::from_secs(60))
        .await
        .unwrap();
    let envelope: Envelope<DocumentsJob> = serde_json::from_str(&deliveries[0].body).unwrap();
    documents::Handler::new(world.services().clone())
        .handle(envelope)
        .await
        .unwrap();

    let progress = ui.get(&format!("{job_page}/progress")).await;
    assert_eq!(progress.status, StatusCode::OK);
    assert!(
        !progress.text.contains("hx-trigger"),
        "polling stops when done"
    );
    assert!(progress.text.contains("Готово"));
    assert!(progress.text.contains("Обработано 3 из 3"));
    assert!(
        progress
            .text
            .contains("подключено: 2, уже было: 0, с ошибками: 1")
    );
    assert!(
        progress
            .text
            .contains("<td>ghost</td><td>абонент не найден</td>")
    );
    assert!(!progress.text.contains("<html"), "a fragment");
    let card = ui.get(&format!("/services/{waste}")).await;
    assert!(card.text.contains("Подключений всего: 2"));
    assert!(card.text.contains(r#"href="/subscribers/a1/services""#));
}
