//! `crm`: the platform on one machine, and the tools around it. Wiring only; the work is in
//! the modules below and the workspace crates.

mod bootstrap;
mod dev;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "crm",
    version,
    about = "Multi-tenant CRM and billing for utility providers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole platform locally: every function's routes, every worker, the scheduler.
    Dev {
        /// Port on 127.0.0.1 to serve on.
        #[arg(long, env = "CRM_PORT", default_value_t = 3000)]
        port: u16,
        /// Folder for the embedded database, queue and files.
        #[arg(long, env = "CRM_DATA_DIR", default_value = ".data")]
        data_dir: PathBuf,
        /// `embedded` (default) or `aws` (DynamoDB/SQS/S3 at AWS_ENDPOINT_URL, e.g. the moto
        /// server, after `crm bootstrap`).
        #[arg(long, env = "CRM_BACKEND", default_value = "embedded")]
        backend: String,
    },
    /// Fill a tenant with made-up subscribers and buildings (for benchmarks and load tests).
    Generate {
        /// The tenant to fill; it must have no subscribers yet.
        #[arg(long)]
        tenant: String,
        /// How many subscribers.
        #[arg(long, default_value_t = 100_000)]
        subscribers: u64,
        /// Folder of the embedded database.
        #[arg(long, env = "CRM_DATA_DIR", default_value = ".data")]
        data_dir: PathBuf,
        /// The same seed makes the same people and addresses.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Create the table, queues and bucket on an AWS endpoint (for example a moto server) and
    /// print the environment that `crm dev --backend aws` needs.
    Bootstrap {
        /// Endpoint of the AWS emulator; omit to use the real AWS account of the environment.
        #[arg(long, env = "AWS_ENDPOINT_URL")]
        endpoint_url: Option<String>,
        /// Prefix of every resource name.
        #[arg(long, default_value = "crm-dev")]
        prefix: String,
        #[arg(long, env = "CRM_MAX_RECEIVES", default_value_t = 5)]
        max_receives: u32,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    crm_adapters::runtime::init_logging();
    let result = match Cli::parse().command {
        Command::Dev {
            port,
            data_dir,
            backend,
        } => {
            dev::run(dev::Options {
                port,
                data_dir,
                backend,
            })
            .await
        }
        Command::Generate {
            tenant,
            subscribers,
            data_dir,
            seed,
        } => crm::generate::run(&tenant, subscribers, &data_dir, seed).await,
        Command::Bootstrap {
            endpoint_url,
            prefix,
            max_receives,
        } => bootstrap::run(endpoint_url.as_deref(), &prefix, max_receives).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
