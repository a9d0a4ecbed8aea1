//! The AWS `Mailer`: Amazon SES (API v2) `SendEmail` with simple content, UTF-8 subject and
//! body, from the platform's sender address (`CRM_MAIL_FROM`, a verified SES identity). SES
//! keeps no copy we could list, so there is no outbox.

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_sesv2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use crm_app::mail::{Email, MailError, Mailer, SentEmail, check_address};

const CHARSET: &str = "UTF-8";

pub struct SesMailer {
    client: aws_sdk_sesv2::Client,
    from: String,
}

impl SesMailer {
    /// `from` is the sender address, an identity verified in SES.
    pub fn new(sdk: &SdkConfig, from: impl Into<String>) -> Self {
        Self {
            client: aws_sdk_sesv2::Client::new(sdk),
            from: from.into(),
        }
    }

    fn message(email: &Email) -> Result<Message, MailError> {
        let body = Body::builder()
            .text(content(&email.text)?)
            .set_html(email.html.as_deref().map(content).transpose()?)
            .build();
        Ok(Message::builder()
            .subject(content(&email.subject)?)
            .body(body)
            .build())
    }
}

fn content(text: &str) -> Result<Content, MailError> {
    Content::builder()
        .data(text)
        .charset(CHARSET)
        .build()
        .map_err(|e| MailError::Unavailable(format!("SES message: {e}")))
}

/// A rejection that names the recipient is about that address (SES's sandbox refuses
/// unverified recipients so); anything else is on our side or SES's.
fn send_error(to: &str, err: &SdkError<SendEmailError>) -> MailError {
    let names_recipient = err.message().is_some_and(|m| m.contains(to));
    let rejected = err
        .as_service_error()
        .is_some_and(|e| e.is_message_rejected() || e.is_bad_request_exception());
    if rejected && names_recipient {
        return MailError::BadAddress(to.to_owned());
    }
    let detail = match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => DisplayErrorContext(err).to_string(),
    };
    MailError::Unavailable(format!("SES SendEmail: {detail}"))
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, email: &Email) -> Result<String, MailError> {
        check_address(&email.to)?;
        let output = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(&email.to).build())
            .content(
                EmailContent::builder()
                    .simple(Self::message(email)?)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| send_error(&email.to, &e))?;
        let id = output.message_id.unwrap_or_default();
        tracing::info!(category = %email.category, message_id = %id, "email sent through SES");
        Ok(id)
    }

    async fn outbox(&self, _limit: usize) -> Result<Option<Vec<SentEmail>>, MailError> {
        Ok(None)
    }
}

/// Makes `address` a sending identity (on the emulator it is verified at once; in AWS SES
/// mails a confirmation link). For `crm bootstrap` and the conformance tests.
pub async fn create_sender_identity(sdk: &SdkConfig, address: &str) -> Result<(), MailError> {
    let client = aws_sdk_sesv2::Client::new(sdk);
    match client
        .create_email_identity()
        .email_identity(address)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_already_exists_exception()) =>
        {
            Ok(())
        }
        Err(err) => Err(MailError::Unavailable(format!(
            "SES CreateEmailIdentity: {}",
            DisplayErrorContext(&err)
        ))),
    }
}
