//! The embedded `Mailer`: every email becomes a JSON file in an outbox folder (newest names
//! last), which the outbox page lists. Nothing leaves the machine.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use crm_app::clock::{Clock, Ids};
use crm_app::mail::{Email, MailError, Mailer, SentEmail};

pub struct OutboxMailer {
    folder: PathBuf,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn Ids>,
}

impl OutboxMailer {
    pub fn new(folder: PathBuf, clock: Arc<dyn Clock>, ids: Arc<dyn Ids>) -> Self {
        Self { folder, clock, ids }
    }
}

fn io_error(e: std::io::Error) -> MailError {
    MailError::Unavailable(format!("outbox: {e}"))
}

#[async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, email: &Email) -> Result<String, MailError> {
        if !email.to.contains('@') || email.to.chars().any(char::is_whitespace) {
            return Err(MailError::BadAddress(email.to.clone()));
        }
        let sent = SentEmail {
            id: self.ids.new_id(),
            sent_at: self.clock.now(),
            email: email.clone(),
        };
        tokio::fs::create_dir_all(&self.folder)
            .await
            .map_err(io_error)?;
        let name = format!(
            "{}-{}.json",
            sent.sent_at.format("%Y%m%dT%H%M%S%6f"),
            sent.id
        );
        let json =
            serde_json::to_vec_pretty(&sent).map_err(|e| MailError::Unavailable(e.to_string()))?;
        // Write then rename, so the outbox page never reads half a file.
        let partial = self.folder.join(format!(".{name}.partial"));
        tokio::fs::write(&partial, json).await.map_err(io_error)?;
        tokio::fs::rename(&partial, self.folder.join(&name))
            .await
            .map_err(io_error)?;
        tracing::info!(category = %email.category, message_id = %sent.id, "email written to the outbox");
        Ok(sent.id)
    }

    async fn outbox(&self, limit: usize) -> Result<Option<Vec<SentEmail>>, MailError> {
        let mut names = Vec::new();
        let mut entries = match tokio::fs::read_dir(&self.folder).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Some(Vec::new())),
            Err(e) => return Err(io_error(e)),
        };
        while let Some(entry) = entries.next_entry().await.map_err(io_error)? {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") && !name.starts_with('.') {
                names.push(name);
            }
        }
        names.sort_unstable_by(|a, b| b.cmp(a));
        let mut sent = Vec::new();
        for name in names.into_iter().take(limit) {
            let bytes = tokio::fs::read(self.folder.join(&name))
                .await
                .map_err(io_error)?;
            if let Ok(email) = serde_json::from_slice::<SentEmail>(&bytes) {
                sent.push(email);
            }
        }
        Ok(Some(sent))
    }
}
