//! Typed configuration from environment variables. Every variable is listed in [`VARIABLES`]
//! (the README's table is checked against it) and errors name the variable at fault.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::queue::QueueName;

/// Every variable the platform reads, with what it is for. `AWS_*` variables read by the AWS
/// SDK and the Lambda runtime are documented in the README next to these.
pub const VARIABLES: &[(&str, &str)] = &[
    (
        "CRM_BACKEND",
        "`embedded` (SQLite, folder, local queue; the default) or `aws` (DynamoDB, S3, SQS)",
    ),
    (
        "CRM_DATA_DIR",
        "embedded backend: folder for the database, queue, blobs and outbox (default `.data`)",
    ),
    ("CRM_TABLE", "aws backend: DynamoDB table name"),
    ("CRM_BUCKET", "aws backend: S3 bucket for files"),
    (
        "CRM_QUEUE_URL_<WORKER>",
        "aws backend: SQS queue URL of each worker (METER_IMPORT, BILLING, PENALTIES, DOCUMENTS, NOTIFY)",
    ),
    (
        "CRM_DLQ_URL_<WORKER>",
        "aws backend: dead-letter queue URL of each worker",
    ),
    (
        "CRM_SIGNING_KEY",
        "secret of at least 32 bytes for cursors and links; required on aws, generated into the data folder when embedded",
    ),
    (
        "CRM_PUBLIC_URL",
        "base URL users reach the platform at (default `http://127.0.0.1:<port>`)",
    ),
    (
        "CRM_PLATFORM_DOMAIN",
        "the platform's domain: the central UI lives on it, tenants on its subdomains (default `localhost`, so `demo.localhost`)",
    ),
    (
        "CRM_MAIL_FROM",
        "sender address of platform mail, a verified SES identity on aws (default `no-reply@<platform domain>`)",
    ),
    (
        "CRM_LISTEN",
        "address a function binary listens on outside Lambda (default `127.0.0.1:3000`)",
    ),
    (
        "CRM_MAX_RECEIVES",
        "deliveries of a failing job before it is dead-lettered (default 5, 1..=100)",
    ),
    ("RUST_LOG", "log filter (default `info`)"),
];

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueUrls {
    pub url: String,
    pub dead_letter_url: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsConfig {
    pub table: String,
    pub bucket: String,
    pub queues: BTreeMap<QueueNameKey, QueueUrls>,
}

/// `QueueName` as a map key in config (ordered by name).
pub type QueueNameKey = &'static str;

impl AwsConfig {
    pub fn queue(&self, name: QueueName) -> Option<&QueueUrls> {
        self.queues.get(name.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    Embedded { data_dir: PathBuf },
    Aws(AwsConfig),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub backend: Backend,
    /// `None` only on the embedded backend, which keeps a generated key in its data folder.
    pub signing_key: Option<Secret>,
    pub public_url: Option<String>,
    /// Tenants get `<slug>.<platform_domain>`; the central part is served on the domain itself.
    pub platform_domain: String,
    /// The sender of platform mail (`no-reply@<platform domain>` unless set).
    pub mail_from: String,
    pub listen: SocketAddr,
    pub max_receives: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} is not set")]
    Missing(String),
    #[error("{var} is malformed: {reason}")]
    Malformed { var: String, reason: String },
}

/// All problems found, so one start-up shows every variable to fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("configuration: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl Config {
    pub fn from_env() -> Result<Self, ConfigErrors> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigErrors> {
        let mut errors = Vec::new();
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let required = |name: String, errors: &mut Vec<ConfigError>| -> String {
            get(&name).unwrap_or_else(|| {
                errors.push(ConfigError::Missing(name));
                String::new()
            })
        };

        let backend = match get("CRM_BACKEND").as_deref() {
            None | Some("embedded") => Backend::Embedded {
                data_dir: PathBuf::from(get("CRM_DATA_DIR").unwrap_or_else(|| ".data".into())),
            },
            Some("aws") => {
                let table = required("CRM_TABLE".into(), &mut errors);
                let bucket = required("CRM_BUCKET".into(), &mut errors);
                let mut queues = BTreeMap::new();
                for queue in QueueName::ALL {
                    let suffix = queue.env_suffix();
                    let url = required(format!("CRM_QUEUE_URL_{suffix}"), &mut errors);
                    let dead_letter_url = required(format!("CRM_DLQ_URL_{suffix}"), &mut errors);
                    queues.insert(
                        queue.as_str(),
                        QueueUrls {
                            url,
                            dead_letter_url,
                        },
                    );
                }
                Backend::Aws(AwsConfig {
                    table,
                    bucket,
                    queues,
                })
            }
            Some(other) => {
                errors.push(ConfigError::Malformed {
                    var: "CRM_BACKEND".into(),
                    reason: format!("expected `embedded` or `aws`, got `{other}`"),
                });
                Backend::Embedded {
                    data_dir: PathBuf::from(".data"),
                }
            }
        };

        let signing_key = get("CRM_SIGNING_KEY").map(Secret::new);
        match &signing_key {
            Some(key) if key.expose().len() < crate::signing::MIN_KEY_BYTES => {
                errors.push(ConfigError::Malformed {
                    var: "CRM_SIGNING_KEY".into(),
                    reason: format!(
                        "must be at least {} bytes, got {}",
                        crate::signing::MIN_KEY_BYTES,
                        key.expose().len()
                    ),
                })
            }
            None if matches!(backend, Backend::Aws(_)) => {
                errors.push(ConfigError::Missing("CRM_SIGNING_KEY".into()))
            }
            _ => {}
        }

        let public_url = get("CRM_PUBLIC_URL");
        if let Some(url) = &public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            errors.push(ConfigError::Malformed {
                var: "CRM_PUBLIC_URL".into(),
                reason: "must start with http:// or https://".into(),
            });
        }

        let platform_domain = parse_or(
            &get,
            "CRM_PLATFORM_DOMAIN",
            Some("localhost".to_owned()),
            &mut errors,
            |raw| {
                crm_domain::Hostname::parse(raw)
                    .map(|host| host.as_str().to_owned())
                    .or_else(|e| {
                        if raw == "localhost" {
                            Ok(raw.to_owned())
                        } else {
                            Err(e.to_string())
                        }
                    })
            },
        );
        let mail_from = parse_or(&get, "CRM_MAIL_FROM", None, &mut errors, |raw| {
            crate::mail::check_address(raw)
                .map(|()| raw.to_owned())
                .map_err(|_| "expected one plain address, like no-reply@crm.example.com".into())
        });
        let listen = parse_or(
            &get,
            "CRM_LISTEN",
            "127.0.0.1:3000".parse().ok(),
            &mut errors,
            |raw| raw.parse::<SocketAddr>().map_err(|e| e.to_string()),
        );
        let max_receives = parse_or(
            &get,
            "CRM_MAX_RECEIVES",
            Some(5),
            &mut errors,
            |raw| match raw.parse::<u32>() {
                Ok(n) if (1..=100).contains(&n) => Ok(n),
                _ => Err(format!("expected a whole number 1..=100, got `{raw}`")),
            },
        );

        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        let platform_domain = platform_domain.unwrap_or_else(|| "localhost".to_owned());
        Ok(Config {
            backend,
            signing_key,
            public_url,
            mail_from: mail_from.unwrap_or_else(|| format!("no-reply@{platform_domain}")),
            platform_domain,
            listen: listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000))),
            max_receives: max_receives.unwrap_or(5),
        })
    }
}

fn parse_or<T>(
    get: &impl Fn(&str) -> Option<String>,
    var: &str,
    default: Option<T>,
    errors: &mut Vec<ConfigError>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Option<T> {
    match get(var) {
        None => default,
        Some(raw) => match parse(raw.trim()) {
            Ok(value) => Some(value),
            Err(reason) => {
                errors.push(ConfigError::Malformed {
                    var: var.to_owned(),
                    reason,
                });
                None
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        let map: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn embedded_defaults() {
        let config = config(&[]).unwrap();
        assert_eq!(
            config.backend,
            Backend::Embedded {
                data_dir: ".data".into()
            }
        );
        assert_eq!(config.max_receives, 5);
        assert_eq!(config.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(config.mail_from, "no-reply@localhost");
    }

    #[test]
    fn mail_sender() {
        let platform = config(&[("CRM_PLATFORM_DOMAIN", "crm.example.com")]).unwrap();
        assert_eq!(platform.mail_from, "no-reply@crm.example.com");
        let set = config(&[("CRM_MAIL_FROM", "billing@vodokanal.ru")]).unwrap();
        assert_eq!(set.mail_from, "billing@vodokanal.ru");
        let err = config(&[("CRM_MAIL_FROM", "Водоканал <a@b.ru>")]).unwrap_err();
        assert!(err.to_string().contains("CRM_MAIL_FROM"), "{err}");
    }

    #[test]
    fn aws_names_every_missing_variable() {
        let err = config(&[("CRM_BACKEND", "aws"), ("CRM_TABLE", "t")]).unwrap_err();
        let text = err.to_string();
        for var in [
            "CRM_BUCKET",
            "CRM_QUEUE_URL_METER_IMPORT",
            "CRM_DLQ_URL_NOTIFY",
            "CRM_SIGNING_KEY",
        ] {
            assert!(text.contains(var), "{var} missing from: {text}");
        }
        assert!(!text.contains("CRM_TABLE"));
    }

    #[test]
    fn malformed_values_are_named() {
        let err = config(&[
            ("CRM_BACKEND", "cloud"),
            ("CRM_MAX_RECEIVES", "0"),
            ("CRM_LISTEN", "localhost"),
            ("CRM_SIGNING_KEY", "short"),
            ("CRM_PUBLIC_URL", "example.com"),
        ])
        .unwrap_err();
        let vars: Vec<String> = err
            .0
            .iter()
            .map(|e| match e {
                ConfigError::Malformed { var, .. } => var.clone(),
                ConfigError::Missing(var) => var.clone(),
            })
            .collect();
        assert_eq!(
            vars,
            [
                "CRM_BACKEND",
                "CRM_SIGNING_KEY",
                "CRM_PUBLIC_URL",
                "CRM_LISTEN",
                "CRM_MAX_RECEIVES"
            ]
        );
    }

    #[test]
    fn full_aws_config() {
        let mut vars = vec![
            ("CRM_BACKEND", "aws".to_string()),
            ("CRM_TABLE", "crm".into()),
            ("CRM_BUCKET", "files".into()),
            ("CRM_SIGNING_KEY", "k".repeat(32)),
        ];
        for queue in QueueName::ALL {
            let s = queue.env_suffix();
            vars.push((
                Box::leak(format!("CRM_QUEUE_URL_{s}").into_boxed_str()),
                format!("http://q/{s}"),
            ));
            vars.push((
                Box::leak(format!("CRM_DLQ_URL_{s}").into_boxed_str()),
                format!("http://q/{s}-dlq"),
            ));
        }
        let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let config = config(&refs).unwrap();
        let Backend::Aws(aws) = config.backend else {
            panic!("not aws")
        };
        assert_eq!(
            aws.queue(QueueName::Billing).unwrap().dead_letter_url,
            "http://q/BILLING-dlq"
        );
    }
}
