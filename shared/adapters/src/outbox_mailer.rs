//! The embedded `Mailer`: every email becomes a JSON file in an outbox folder (newest names
//! last), which the outbox page lists. Nothing leaves the machine.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use crm_app::clock::{Clock, Ids};
use crm_app::mail::{Email, MailError, Mailer, OutboxScope, SentEmail, check_address};

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
        check_address(&email.to)?;
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
        self.outbox_in(&OutboxScope::All, limit).await
    }

    async fn outbox_in(
        &self,
        scope: &OutboxScope,
        limit: usize,
    ) -> Result<Option<Vec<SentEmail>>, MailError> {
        let mut sent = Vec::new();
        for name in self.names_newest_first().await? {
            if sent.len() >= limit {
                break;
            }
            if let Some(email) = self.read(&name).await?
                && scope.includes(&email.email)
            {
                sent.push(email);
            }
        }
        Ok(Some(sent))
    }

    async fn outbox_message(
        &self,
        scope: &OutboxScope,
        id: &str,
    ) -> Result<Option<SentEmail>, MailError> {
        // Matched against the folder's own names, so the id never becomes part of a path.
        let suffix = format!("-{id}.json");
        for name in self.names_newest_first().await? {
            if name.ends_with(&suffix)
                && let Some(email) = self.read(&name).await?
                && email.id == id
            {
                return Ok(scope.includes(&email.email).then_some(email));
            }
        }
        Ok(None)
    }
}

impl OutboxMailer {
    /// The outbox's mail files, newest first (names start with the time sent).
    async fn names_newest_first(&self) -> Result<Vec<String>, MailError> {
        let mut names = Vec::new();
        let mut entries = match tokio::fs::read_dir(&self.folder).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(names),
            Err(e) => return Err(io_error(e)),
        };
        while let Some(entry) = entries.next_entry().await.map_err(io_error)? {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") && !name.starts_with('.') {
                names.push(name);
            }
        }
        names.sort_unstable_by(|a, b| b.cmp(a));
        Ok(names)
    }

    /// One mail file; `None` if it is gone or unreadable (never half-written: see `send`).
    async fn read(&self, name: &str) -> Result<Option<SentEmail>, MailError> {
        match tokio::fs::read(self.folder.join(name)).await {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(e)),
        }
    }
}
