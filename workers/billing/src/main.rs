//! The billing worker binary: wiring only. The job handler lives in `lib.rs`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    crm_adapters::runtime::worker_main(billing::runner).await
}
