//! The progress of a long job (import, bulk change, export, billing run): a bar, the counts, a
//! message, and the error report's link once there is one.
//!
//! While the job runs, the card asks for itself again every 2 seconds (`hx-get` on
//! `refresh_url`, swapping its outer HTML); the route answers with a fresh card, and once the
//! job has finished that card carries no `hx-trigger`, so polling stops by itself. Without
//! JavaScript the card is a still picture; reloading the page refreshes it.
//!
//! The route is the job owner's: it reads the record (`crm_app::progress::get`), checks the
//! permission, presigns the report link, and answers either [`JobView`] as JSON or this card.

use askama::Template;
use crm_app::progress::{JobState, JobView};
use rust_decimal::Decimal;

use crate::format;
use crate::i18n::Lang;

#[derive(Debug)]
pub struct ProgressTexts {
    pub progress: &'static str,
    pub processed: &'static str,
    pub of: &'static str,
    pub download_report: &'static str,
    pub queued: &'static str,
    pub running: &'static str,
    pub done: &'static str,
    pub failed: &'static str,
    pub cancelled: &'static str,
    pub validating: &'static str,
    pub applying: &'static str,
    /// Labels of the usual counts, by count name.
    pub counts: &'static [(&'static str, &'static str)],
}

pub static PROGRESS_RU: ProgressTexts = ProgressTexts {
    progress: "Ход выполнения",
    processed: "Обработано",
    of: "из",
    download_report: "Скачать отчёт по строкам",
    queued: "В очереди",
    running: "Выполняется",
    done: "Готово",
    failed: "Ошибка",
    cancelled: "Отменено",
    validating: "проверка",
    applying: "загрузка",
    counts: &[
        ("read", "Прочитано строк"),
        ("valid", "Без ошибок"),
        ("invalid", "С ошибками"),
        ("created", "Создано"),
        ("updated", "Обновлено"),
        ("unchanged", "Без изменений"),
        ("flagged", "Принято с отметками"),
    ],
};

pub static PROGRESS_EN: ProgressTexts = ProgressTexts {
    progress: "Progress",
    processed: "Processed",
    of: "of",
    download_report: "Download the row report",
    queued: "Queued",
    running: "Running",
    done: "Done",
    failed: "Failed",
    cancelled: "Cancelled",
    validating: "validating",
    applying: "applying",
    counts: &[
        ("read", "Rows read"),
        ("valid", "Valid"),
        ("invalid", "With errors"),
        ("created", "Created"),
        ("updated", "Updated"),
        ("unchanged", "Unchanged"),
        ("flagged", "Stored with flags for review"),
    ],
};

#[derive(Template, Clone, Debug)]
#[template(path = "components/progress.html")]
pub struct JobProgress {
    pub t: &'static ProgressTexts,
    pub id: String,
    pub title: String,
    pub state: &'static str,
    pub state_label: &'static str,
    pub badge_class: &'static str,
    pub bar_class: &'static str,
    pub phase: Option<&'static str>,
    pub running: bool,
    /// Set while the job has not finished: where the card fetches its next self.
    pub refresh_url: Option<String>,
    pub percent: Option<u8>,
    pub processed: String,
    pub total: Option<String>,
    /// Label and formatted value, the usual counts first in a fixed order.
    pub counts: Vec<(String, String)>,
    pub message: Option<String>,
    pub report_url: Option<String>,
}

impl JobProgress {
    /// The card for `view`; `refresh_url` is the route answering this card for the job.
    pub fn new(view: &JobView, lang: Lang, title: impl Into<String>, refresh_url: &str) -> Self {
        let t = lang.pick(&PROGRESS_RU, &PROGRESS_EN);
        let (state_label, badge_class, bar_class) = match view.state {
            JobState::Queued => (t.queued, "bg-secondary-lt", ""),
            JobState::Running => (t.running, "bg-blue-lt", "progress-bar-animated"),
            JobState::Done => (t.done, "bg-green-lt", "bg-green"),
            JobState::Failed => (t.failed, "bg-red-lt", "bg-red"),
            JobState::Cancelled => (t.cancelled, "bg-secondary-lt", "bg-secondary"),
        };
        let phase = match view.phase.as_deref() {
            Some("validating") => Some(t.validating),
            Some("applying") => Some(t.applying),
            _ => None,
        };
        let known = t.counts.iter().filter_map(|(name, label)| {
            view.counts
                .get(*name)
                .map(|value| ((*label).to_owned(), count(*value, lang)))
        });
        let others = view
            .counts
            .iter()
            .filter(|(name, _)| !t.counts.iter().any(|(known, _)| known == name))
            .map(|(name, value)| (name.clone(), count(*value, lang)));
        let message = view.message.as_ref().map(|m| match lang {
            Lang::Ru => m.ru.clone(),
            Lang::En => m.en.clone(),
        });
        Self {
            t,
            id: view.id.clone(),
            title: title.into(),
            state: view.state.as_str(),
            state_label,
            badge_class,
            bar_class,
            phase: phase.filter(|_| !view.finished),
            running: !view.finished,
            refresh_url: (!view.finished).then(|| refresh_url.to_owned()),
            percent: view.percent,
            processed: count(view.processed, lang),
            total: view.total.map(|total| count(total, lang)),
            counts: known.chain(others).collect(),
            message,
            report_url: view.report_url.clone(),
        }
    }
}

fn count(value: u64, lang: Lang) -> String {
    format::number(Decimal::from(value), 0, lang)
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use crm_app::progress::Message;

    use super::*;

    fn view(state: JobState) -> JobView {
        let at = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        JobView {
            id: "j1".into(),
            kind: "readings_import".into(),
            label: None,
            state,
            phase: Some("applying".into()),
            finished: state.is_finished(),
            total: Some(200_000),
            processed: 50_000,
            percent: Some(25),
            counts: [
                ("created".to_owned(), 49_000),
                ("invalid".to_owned(), 1000),
                ("flagged".to_owned(), 3),
                ("superseded".to_owned(), 2),
            ]
            .into(),
            message: None,
            report_url: None,
            created_at: at,
            started_at: Some(at),
            finished_at: None,
        }
    }

    #[test]
    fn a_running_job_polls_itself() {
        let html = JobProgress::new(&view(JobState::Running), Lang::Ru, "Показания", "/jobs/j1")
            .render()
            .unwrap();
        assert!(html.contains(r#"hx-get="/jobs/j1" hx-trigger="every 2s" hx-swap="outerHTML""#));
        assert!(html.contains(r#"aria-valuenow="25""#));
        assert!(html.contains("Выполняется"));
        assert!(html.contains("загрузка"));
        assert!(
            html.contains("Обработано: 50\u{a0}000 из 200\u{a0}000")
                || html.contains("Обработано: 50 000 из 200 000"),
            "{html}"
        );
        // The usual counts come first, in their fixed order, then the job's own.
        let invalid = html.find("С ошибками").unwrap();
        let created = html.find("Создано").unwrap();
        let flagged = html.find("Принято с отметками").unwrap();
        let own = html.find("superseded").unwrap();
        assert!(invalid < created && created < flagged && flagged < own);
        assert!(!html.contains("download"));
    }

    #[test]
    fn a_finished_job_stops_polling_and_links_its_report() {
        let mut done = view(JobState::Done);
        done.percent = Some(100);
        done.report_url = Some("https://files/report.csv?sig=1&x=2".into());
        done.message = Some(Message::new("Загружено", "Loaded"));
        let html = JobProgress::new(&done, Lang::En, "Readings", "/jobs/j1")
            .render()
            .unwrap();
        assert!(!html.contains("hx-trigger"));
        assert!(html.contains("Done"));
        assert!(html.contains("Loaded"));
        assert!(
            html.contains(r#"href="https://files/report.csv?sig=1&#38;x=2""#)
                || html.contains("sig=1&amp;x=2"),
            "{html}"
        );
        assert!(html.contains("Download the row report"));
    }

    #[test]
    fn unknown_totals_show_an_indeterminate_bar_while_running() {
        let mut running = view(JobState::Running);
        running.total = None;
        running.percent = None;
        let html = JobProgress::new(&running, Lang::Ru, "x", "/jobs/j1")
            .render()
            .unwrap();
        assert!(html.contains("progress-bar-indeterminate"));
        let mut failed = view(JobState::Failed);
        failed.percent = None;
        failed.total = None;
        let html = JobProgress::new(&failed, Lang::Ru, "x", "/jobs/j1")
            .render()
            .unwrap();
        assert!(!html.contains("progress-bar-indeterminate"));
        assert!(html.contains("Ошибка"));
    }
}
