//! The moto server, started once per test process on a free loopback port and stopped when the
//! process exits (its launcher watches our end of a pipe). Missing moto is installed with pip,
//! so emulator tests run everywhere the test command runs; they are never skipped.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

pub struct Moto {
    pub endpoint: String,
    // Our end of the launcher's stdin: the OS closes it when this process exits, however it
    // exits, and the launcher then stops the server.
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

static MOTO: OnceLock<Moto> = OnceLock::new();

/// The running emulator's endpoint, starting it on first use.
pub fn endpoint() -> &'static str {
    &MOTO.get_or_init(start).endpoint
}

fn python() -> String {
    std::env::var("CRM_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn ensure_installed() {
    let probe = Command::new(python())
        .args(["-c", "import moto.server, flask, flask_cors"])
        .status()
        .expect("python3 must be installed to run the AWS emulator tests");
    if probe.success() {
        return;
    }
    eprintln!("moto[server] is missing; installing it with pip");
    let status = Command::new(python())
        .args(["-m", "pip", "install", "--quiet", "moto[server]>=5,<6"])
        .status()
        .expect("pip could not be started");
    assert!(status.success(), "pip install 'moto[server]' failed");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

fn start() -> Moto {
    ensure_installed();
    let port = free_port();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/support/moto_server.py"
    );
    let mut child = Command::new(python())
        .arg(script)
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("could not start the moto server");
    let stdout = child.stdout.take().expect("moto stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("moto server did not start");
    assert_eq!(line.trim(), "ready", "moto server did not report ready");
    let stdin = child.stdin.take().expect("moto stdin");
    Moto {
        endpoint: format!("http://127.0.0.1:{port}"),
        _stdin: Mutex::new(stdin),
        _child: Mutex::new(child),
    }
}

/// A name no other test in this process uses, for tables, queues and buckets on the shared
/// emulator.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
