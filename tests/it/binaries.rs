//! Every binary starts outside Lambda and does its job: the function binaries serve health over
//! HTTP, the worker binaries consume their local queue, and `crm dev` serves every route and
//! stops cleanly on Ctrl-C. The binaries must be built (`scripts/test` builds them first).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crm_adapters::embedded_queue::EmbeddedQueue;
use crm_app::jobs::{BillingJob, DocumentsJob, Envelope, MeterImportJob, NotifyJob, PenaltiesJob};
use crm_app::queue::{OutgoingMessage, Queue, QueueName};

fn binary(name: &str) -> PathBuf {
    let crm = PathBuf::from(env!("CARGO_BIN_EXE_crm"));
    let path = crm.with_file_name(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo build --workspace --bins` first (scripts/test does)",
        path.display()
    );
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A started binary whose output lines arrive on a channel; killed if the test fails.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Running {
    fn start(mut command: Command) -> Self {
        let mut child = command
            .env("RUST_LOG", "info")
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("binary starts");
        let (sender, lines) = mpsc::channel();
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let _ = sender.send(line);
                }
            });
        }
        Self { child, lines }
    }

    /// Waits for an output line containing `text`, returning everything seen on failure.
    fn wait_for_line(&self, text: &str, within: Duration) {
        let deadline = Instant::now() + within;
        let mut seen = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(text) => return,
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        panic!(
            "no line containing {text:?} within {within:?}; output:\n{}",
            seen.join("\n")
        );
    }

    /// Sends `signal` (INT or TERM) and expects a clean exit.
    fn stop(mut self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.success(), "exited with {status} after SIG{signal}");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "did not stop within 20 s of SIG{signal}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_healthy(url: &str) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(response) = client.get(url).send().await
            && response.status() == 200
        {
            let body: serde_json::Value = response.json().await.expect("json");
            assert_eq!(body["status"], "ok", "{url}: {body}");
            return;
        }
        assert!(Instant::now() < deadline, "{url} not healthy within 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn function_binaries_serve_health_and_stop_on_sigterm() {
    for (name, health) in [
        ("api", "/api/v1/health"),
        ("central", "/central/api/v1/health"),
        ("webhooks", "/webhooks/health"),
    ] {
        let data = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let mut command = Command::new(binary(name));
        command
            .env("CRM_DATA_DIR", data.path())
            .env("CRM_LISTEN", format!("127.0.0.1:{port}"));
        let running = Running::start(command);
        wait_healthy(&format!("http://127.0.0.1:{port}{health}")).await;
        running.stop("TERM");
    }
}

#[tokio::test]
async fn function_binaries_refuse_malformed_config_naming_the_variable() {
    let output = Command::new(binary("api"))
        .env("CRM_BACKEND", "aws")
        .env("CRM_MAX_RECEIVES", "many")
        .env_remove("CRM_TABLE")
        .output()
        .expect("api runs");
    assert!(!output.status.success());
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    for variable in ["CRM_TABLE", "CRM_MAX_RECEIVES", "CRM_SIGNING_KEY"] {
        assert!(text.contains(variable), "{variable} not named in: {text}");
    }
    assert!(!text.contains("panicked"), "{text}");
}

#[tokio::test]
async fn worker_binaries_consume_their_local_queue() {
    let noop = |queue: QueueName| -> String {
        match queue {
            QueueName::MeterImport => {
                Envelope::new(None, "smoke", MeterImportJob::Noop {}).to_json()
            }
            QueueName::Billing => Envelope::new(None, "smoke", BillingJob::Noop {}).to_json(),
            QueueName::Penalties => Envelope::new(None, "smoke", PenaltiesJob::Noop {}).to_json(),
            QueueName::Documents => Envelope::new(None, "smoke", DocumentsJob::Noop {}).to_json(),
            QueueName::Notify => Envelope::new(None, "smoke", NotifyJob::Noop {}).to_json(),
        }
    };
    for queue_name in QueueName::ALL {
        let data = tempfile::tempdir().expect("temp dir");
        let queue = EmbeddedQueue::open(&data.path().join(crm_adapters::wiring::QUEUE_FILE), 5)
            .expect("queue");
        queue
            .send(queue_name, OutgoingMessage::now(noop(queue_name)))
            .await
            .expect("send");
        let mut command = Command::new(binary(queue_name.as_str()));
        command.env("CRM_DATA_DIR", data.path());
        let running = Running::start(command);
        running.wait_for_line("job done", Duration::from_secs(30));
        running.stop("INT");
    }
}

#[tokio::test]
async fn crm_dev_serves_every_function_and_stops_cleanly_on_ctrl_c() {
    let data = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let mut command = Command::new(binary("crm"));
    command
        .args(["dev", "--port", &port.to_string(), "--data-dir"])
        .arg(data.path());
    let running = Running::start(command);
    running.wait_for_line(
        &format!("CRM is running at http://127.0.0.1:{port}"),
        Duration::from_secs(30),
    );
    for health in [
        "/api/v1/health",
        "/central/api/v1/health",
        "/webhooks/health",
    ] {
        wait_healthy(&format!("http://127.0.0.1:{port}{health}")).await;
    }
    running.stop("INT");
    assert!(data.path().join(crm_adapters::wiring::STORE_FILE).exists());
}

/// `crm bootstrap` prints `export NAME='value'` lines; these are the pairs.
fn parse_exports(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("export "))
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.trim_matches('\'').to_owned()))
        .collect()
}

#[tokio::test]
async fn crm_dev_runs_on_the_aws_adapters_after_bootstrap() {
    let endpoint = crate::support::moto::endpoint();
    let prefix = crate::support::moto::unique_name("dev");
    let output = Command::new(binary("crm"))
        .args(["bootstrap", "--endpoint-url", endpoint, "--prefix", &prefix])
        .output()
        .expect("bootstrap runs");
    assert!(
        output.status.success(),
        "bootstrap failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let exports = parse_exports(&String::from_utf8_lossy(&output.stdout));
    let value = |name: &str| {
        exports
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("bootstrap did not print {name}"))
    };

    // Running it again changes nothing and succeeds.
    let again = Command::new(binary("crm"))
        .args(["bootstrap", "--endpoint-url", endpoint, "--prefix", &prefix])
        .output()
        .expect("bootstrap runs");
    assert!(
        again.status.success(),
        "second bootstrap failed: {}",
        String::from_utf8_lossy(&again.stderr)
    );

    let data = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let mut command = Command::new(binary("crm"));
    command
        .args([
            "dev",
            "--port",
            &port.to_string(),
            "--backend",
            "aws",
            "--data-dir",
        ])
        .arg(data.path())
        .envs(exports.iter().cloned());
    let running = Running::start(command);
    running.wait_for_line(
        &format!("CRM is running at http://127.0.0.1:{port}"),
        Duration::from_secs(30),
    );
    for health in [
        "/api/v1/health",
        "/central/api/v1/health",
        "/webhooks/health",
    ] {
        wait_healthy(&format!("http://127.0.0.1:{port}{health}")).await;
    }

    // A job sent to the billing queue on SQS reaches the billing worker inside `crm dev`.
    let mut queues = std::collections::BTreeMap::new();
    for queue in QueueName::ALL {
        let suffix = queue.env_suffix();
        queues.insert(
            queue.as_str(),
            crm_app::config::QueueUrls {
                url: value(&format!("CRM_QUEUE_URL_{suffix}")),
                dead_letter_url: value(&format!("CRM_DLQ_URL_{suffix}")),
            },
        );
    }
    let sdk = crm_adapters::aws::sdk_config_for_emulator(endpoint).await;
    let sqs = crm_adapters::sqs_queue::SqsQueue::new(&sdk, queues);
    let job = Envelope::new(None, "aws-smoke", BillingJob::Noop {}).to_json();
    sqs.send(QueueName::Billing, OutgoingMessage::now(job))
        .await
        .expect("send");
    running.wait_for_line("job done", Duration::from_secs(30));
    running.stop("INT");
}
