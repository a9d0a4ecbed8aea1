//! The import flow every kind of import shares: upload a file, choose how it is read and which
//! column feeds which field, dry-run it, apply it as a background job, read the report.
//!
//! - [`kinds`]: the kinds there are (subscribers, service links; meter readings plug in the same
//!   way), each with its [`Schema`](super::Schema) and its [`RowHandler`](super::RowHandler);
//! - [`uploads`]: the upload record (file in the blob store, the user's choices) and receiving a
//!   file as a stream with a size limit;
//! - [`direct`]: large files put by the browser straight into the blob store through a
//!   presigned link, then recorded as uploads like the ones received by the API;
//! - [`jobs`]: starting a dry run or an apply (one progress record and one queued job per upload,
//!   choice revision and mode, so a second click or a replayed request starts nothing new) and
//!   running it in the `meter-import` worker, the platform's imports worker.

pub mod direct;
pub mod jobs;
pub mod kinds;
pub mod uploads;

pub use jobs::{
    ImportJob, ImportMode, ReportLine, ReportLines, StartError, report_lines, run, start,
};
pub use kinds::ImportKind;
pub use uploads::{Choices, MAX_UPLOAD_BYTES, PreviewError, Upload, UploadError, UploadSink};
