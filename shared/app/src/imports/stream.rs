//! Rows for async code: the upload is spooled from the blob store to a temporary file once,
//! then parsed on a blocking thread that hands batches over a bounded channel. The parser
//! waits while the consumer (validating, writing) is behind, so at most
//! `(CHANNEL_BATCHES + 2) * batch_size` rows exist at any time, whatever the file's length.

use std::io::{Seek, SeekFrom, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tempfile::NamedTempFile;
use tokio::io::AsyncReadExt;
use tokio::sync::{mpsc, oneshot};

use super::errors::FileError;
use super::options::{Detected, ReadOptions};
use super::read::{RowReader, SourceRow};
use crate::blobs::Blobs;

/// Batches waiting in the channel.
pub const CHANNEL_BATCHES: usize = 2;
pub const DEFAULT_BATCH_ROWS: usize = 500;

/// An upload copied to a local temporary file (deleted on drop), ready to be read any number of
/// times: an all-or-nothing import reads it twice.
#[derive(Debug)]
pub struct Spooled {
    file: NamedTempFile,
    options: ReadOptions,
    size: u64,
}

impl Spooled {
    /// Copies blob `key` to a temporary file, refusing it past `options.limits.max_file_bytes`.
    pub async fn from_blob(
        blobs: &dyn Blobs,
        key: &str,
        options: ReadOptions,
    ) -> Result<Self, SpoolError> {
        let mut reader = blobs
            .open(key)
            .await
            .map_err(|e| SpoolError::Blob(e.to_string()))?
            .ok_or_else(|| SpoolError::Missing(key.to_owned()))?;
        let limit = options.limits.max_file_bytes;
        // The disk writes run on a blocking thread; the channel keeps at most 4 chunks (1 MiB)
        // between the download and the disk.
        let (tx, mut rx) = mpsc::channel::<Vec<u8>>(4);
        let writer = tokio::task::spawn_blocking(move || -> std::io::Result<NamedTempFile> {
            let mut file = NamedTempFile::new()?;
            while let Some(chunk) = rx.blocking_recv() {
                file.write_all(&chunk)?;
            }
            file.flush()?;
            Ok(file)
        });
        let mut size: u64 = 0;
        let mut failure = None;
        loop {
            let mut chunk = vec![0u8; 256 * 1024];
            let n = match reader.read(&mut chunk).await {
                Ok(n) => n,
                Err(e) => {
                    failure = Some(SpoolError::Blob(e.to_string()));
                    break;
                }
            };
            if n == 0 {
                break;
            }
            size += n as u64;
            if size > limit {
                failure = Some(SpoolError::File(FileError::TooLarge { limit_bytes: limit }));
                break;
            }
            chunk.truncate(n);
            if tx.send(chunk).await.is_err() {
                break;
            }
        }
        drop(tx);
        let file = writer
            .await
            .map_err(|e| SpoolError::Local(e.to_string()))?
            .map_err(|e| SpoolError::Local(e.to_string()))?;
        if let Some(failure) = failure {
            return Err(failure);
        }
        Ok(Self {
            file,
            options,
            size,
        })
    }

    /// Copies `input` to a temporary file as it reads (an upload being received).
    pub fn from_reader(
        mut input: impl std::io::Read,
        options: ReadOptions,
    ) -> std::io::Result<Self> {
        let mut file = NamedTempFile::new()?;
        let size = std::io::copy(&mut input, &mut file)?;
        file.flush()?;
        Ok(Self {
            file,
            options,
            size,
        })
    }

    /// Bytes in a temporary file (tests, uploads already in memory).
    pub fn from_bytes(bytes: &[u8], options: ReadOptions) -> std::io::Result<Self> {
        let mut file = NamedTempFile::new()?;
        file.write_all(bytes)?;
        file.flush()?;
        Ok(Self {
            file,
            options,
            size: bytes.len() as u64,
        })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn options(&self) -> &ReadOptions {
        &self.options
    }

    /// Starts reading the rows from the beginning.
    pub async fn open(&self, batch_rows: usize) -> Result<RowStream, FileError> {
        let mut file = self.file.reopen()?;
        file.seek(SeekFrom::Start(0))?;
        RowStream::start(file, self.options.clone(), batch_rows).await
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("upload `{0}` not found")]
    Missing(String),
    /// The blob store failed; retrying may help.
    #[error("blob store: {0}")]
    Blob(String),
    /// The local disk failed.
    #[error("temporary file: {0}")]
    Local(String),
    #[error(transparent)]
    File(#[from] FileError),
}

/// Batches of rows from a parser on a blocking thread.
pub struct RowStream {
    batches: mpsc::Receiver<Result<Vec<SourceRow>, FileError>>,
    /// Updated by the parser after each batch: a tentative UTF-8 may turn into Windows-1251.
    detected: Arc<std::sync::Mutex<Option<Detected>>>,
    in_flight: Arc<InFlight>,
}

impl std::fmt::Debug for RowStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowStream")
            .field("detected", &self.detected)
            .finish()
    }
}

#[derive(Debug, Default)]
struct InFlight {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl InFlight {
    fn add(&self, rows: usize) {
        let now = self.now.fetch_add(rows, Ordering::SeqCst) + rows;
        self.peak.fetch_max(now, Ordering::SeqCst);
    }

    fn remove(&self, rows: usize) {
        self.now.fetch_sub(rows, Ordering::SeqCst);
    }
}

impl RowStream {
    async fn start(
        file: std::fs::File,
        options: ReadOptions,
        batch_rows: usize,
    ) -> Result<Self, FileError> {
        let batch_rows = batch_rows.max(1);
        let (tx, rx) = mpsc::channel(CHANNEL_BATCHES);
        let (opened_tx, opened_rx) = oneshot::channel();
        let in_flight = Arc::new(InFlight::default());
        let counter = in_flight.clone();
        let detected = Arc::new(std::sync::Mutex::new(None));
        let shared = detected.clone();
        tokio::task::spawn_blocking(move || {
            let mut reader = match RowReader::open_file(file, &options) {
                Ok(reader) => {
                    set(&shared, reader.detected());
                    let _ = opened_tx.send(Ok(()));
                    reader
                }
                Err(e) => {
                    let _ = opened_tx.send(Err(e));
                    return;
                }
            };
            loop {
                let mut batch = Vec::with_capacity(batch_rows);
                let result = reader.next_batch(batch_rows, &mut batch);
                set(&shared, reader.detected());
                let last = !matches!(result, Ok(n) if n == batch_rows);
                let message = match result {
                    Ok(0) => break,
                    Ok(n) => {
                        counter.add(n);
                        Ok(batch)
                    }
                    Err(e) => Err(e),
                };
                // The consumer went away (it stopped early): nothing more to do.
                if tx.blocking_send(message).is_err() || last {
                    break;
                }
            }
        });
        opened_rx
            .await
            .map_err(|_| FileError::Io("the reader stopped".into()))??;
        Ok(Self {
            batches: rx,
            detected,
            in_flight,
        })
    }

    /// What was detected about the file, as of the last batch handed over.
    pub fn detected(&self) -> Detected {
        self.detected
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
            .unwrap_or_else(|| Detected {
                format: super::options::FileFormat::Csv,
                encoding: None,
                delimiter: None,
                sheet: None,
                sheets: Vec::new(),
            })
    }

    /// The next batch, `None` at the end of the file.
    pub async fn next_batch(&mut self) -> Result<Option<Vec<SourceRow>>, FileError> {
        match self.batches.recv().await {
            Some(Ok(batch)) => {
                self.in_flight.remove(batch.len());
                Ok(Some(batch))
            }
            Some(Err(e)) => Err(e),
            None => Ok(None),
        }
    }

    /// The most rows parsed but not yet taken by the consumer at any one time: at most
    /// `(CHANNEL_BATCHES + 2) * batch_rows` (the channel, the batch blocked on sending, and one
    /// being handed over), whatever the file's length.
    pub fn peak_rows_waiting(&self) -> usize {
        self.in_flight.peak.load(Ordering::SeqCst)
    }
}

fn set(shared: &std::sync::Mutex<Option<Detected>>, detected: Detected) {
    *shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(detected);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imports::options::TextEncoding;

    #[tokio::test]
    async fn the_encoding_reported_follows_a_late_switch() {
        let mut bytes = b"account;name\n".to_vec();
        for i in 0..6000 {
            bytes.extend_from_slice(format!("{i:08};Ivanov\n").as_bytes());
        }
        bytes.extend_from_slice(&encoding_rs::WINDOWS_1251.encode("1;Пётр\n").0);
        let file = Spooled::from_bytes(&bytes, ReadOptions::default()).unwrap();
        let mut stream = file.open(1000).await.unwrap();
        assert_eq!(stream.detected().encoding, Some(TextEncoding::Utf8));
        let mut last = None;
        while let Some(batch) = stream.next_batch().await.unwrap() {
            last = batch.last().cloned();
        }
        assert_eq!(last.unwrap().cells[1], "Пётр");
        assert_eq!(stream.detected().encoding, Some(TextEncoding::Windows1251));
    }

    #[tokio::test]
    async fn a_file_that_cannot_be_opened_says_why() {
        let file = Spooled::from_bytes(b"\x00\x01binary", ReadOptions::default()).unwrap();
        assert_eq!(file.open(10).await.err(), Some(FileError::NotText));
    }
}
