//! `crm bootstrap`: creates what the aws backend needs (the table from `TABLE`, a queue and a
//! dead-letter queue per worker, the files bucket, the mail sender's SES identity) on an AWS endpoint, typically the moto
//! server, and prints the environment for `crm dev --backend aws`. Safe to run again.
//! Real deployments create these resources with `infra/template.yaml` instead.

use anyhow::Context;
use crm_adapters::{aws, dynamo_store, s3_blobs, ses_mailer, sqs_queue};
use crm_app::queue::QueueName;

pub async fn run(
    endpoint_url: Option<&str>,
    prefix: &str,
    max_receives: u32,
) -> anyhow::Result<()> {
    let sdk = match endpoint_url {
        Some(url) => aws::sdk_config_for_emulator(url).await,
        None => aws::sdk_config_from_env().await,
    };
    let table = format!("{prefix}-table");
    let bucket = format!("{prefix}-files").to_ascii_lowercase();
    dynamo_store::create_table(&sdk, &table)
        .await
        .with_context(|| format!("creating table {table}"))?;
    let queues = sqs_queue::create_queues(&sdk, prefix, max_receives)
        .await
        .context("creating queues")?;
    s3_blobs::create_bucket(&sdk, &bucket)
        .await
        .with_context(|| format!("creating bucket {bucket}"))?;
    // SES sends only from a verified identity (the emulator verifies it at once).
    let mail_from = std::env::var("CRM_MAIL_FROM").unwrap_or_else(|_| {
        let domain = std::env::var("CRM_PLATFORM_DOMAIN").unwrap_or_else(|_| "localhost".into());
        format!("no-reply@{domain}")
    });
    ses_mailer::create_sender_identity(&sdk, &mail_from)
        .await
        .with_context(|| format!("creating the mail sender identity {mail_from}"))?;

    let mut exports = vec![
        ("CRM_BACKEND".to_owned(), "aws".to_owned()),
        ("CRM_TABLE".to_owned(), table),
        ("CRM_BUCKET".to_owned(), bucket),
        ("CRM_MAX_RECEIVES".to_owned(), max_receives.to_string()),
    ];
    for queue in QueueName::ALL {
        let urls = queues
            .get(queue.as_str())
            .with_context(|| format!("queue {queue} was not created"))?;
        let suffix = queue.env_suffix();
        exports.push((format!("CRM_QUEUE_URL_{suffix}"), urls.url.clone()));
        exports.push((
            format!("CRM_DLQ_URL_{suffix}"),
            urls.dead_letter_url.clone(),
        ));
    }
    if std::env::var("CRM_SIGNING_KEY").is_err() {
        let key = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        exports.push(("CRM_SIGNING_KEY".to_owned(), key));
    }
    if let Some(url) = endpoint_url {
        exports.push(("AWS_ENDPOINT_URL".to_owned(), url.to_owned()));
        exports.push(("AWS_REGION".to_owned(), "us-east-1".to_owned()));
        exports.push(("AWS_ACCESS_KEY_ID".to_owned(), "test".to_owned()));
        exports.push(("AWS_SECRET_ACCESS_KEY".to_owned(), "test".to_owned()));
    }
    print_exports(&exports);
    Ok(())
}

#[expect(
    clippy::print_stdout,
    reason = "the exports are the command's output, for `eval`"
)]
fn print_exports(exports: &[(String, String)]) {
    for (name, value) in exports {
        println!("export {name}='{value}'");
    }
}
