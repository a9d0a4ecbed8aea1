//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA-1, 6 digits, 30-second
//! steps, a code of the step before or after accepted for clock drift. Authenticator apps
//! (Google Authenticator, Яндекс Ключ, FreeOTP) read the secret from an `otpauth://` URI.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use super::base32;

pub const DIGITS: u32 = 6;
pub const STEP_SECONDS: i64 = 30;
/// Steps either side of now whose codes are accepted.
pub const DRIFT_STEPS: i64 = 1;
/// 160 bits, RFC 4226's recommended secret length.
pub const SECRET_BYTES: usize = 20;
/// RFC 4226 §4 requires at least 128 bits.
const MIN_SECRET_BYTES: usize = 16;

/// A shared TOTP secret. Its `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotpSecretError {
    #[error("the secret is not base32 text")]
    NotBase32,
    #[error("the secret is shorter than {MIN_SECRET_BYTES} bytes")]
    TooShort,
}

impl TotpSecret {
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, TotpSecretError> {
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(TotpSecretError::TooShort);
        }
        Ok(Self(bytes))
    }

    pub fn from_base32(text: &str) -> Result<Self, TotpSecretError> {
        Self::from_bytes(base32::decode(text).ok_or(TotpSecretError::NotBase32)?)
    }

    /// The form people type into an app and the store keeps.
    pub fn to_base32(&self) -> String {
        base32::encode(&self.0)
    }

    /// The code for `unix_seconds`.
    pub fn code_at(&self, unix_seconds: i64) -> String {
        let code = hotp(&self.0, counter(step_of(unix_seconds)), DIGITS);
        format!("{code:0width$}", width = DIGITS as usize)
    }

    /// The step whose code `code` is, within the allowed drift of `unix_seconds`, and later than
    /// `last_used_step` (a code works once). Spaces in the code are ignored.
    pub fn verify(
        &self,
        code: &str,
        unix_seconds: i64,
        last_used_step: Option<i64>,
    ) -> Option<i64> {
        let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let given: u32 = digits.parse().ok()?;
        let now = step_of(unix_seconds);
        // Every candidate is computed, so the time taken does not tell which one matched.
        let mut matched = None;
        for step in now - DRIFT_STEPS..=now + DRIFT_STEPS {
            if hotp(&self.0, counter(step), DIGITS) == given
                && last_used_step.is_none_or(|l| step > l)
            {
                matched = matched.or(Some(step));
            }
        }
        matched
    }
}

/// The 30-second step `unix_seconds` falls in.
pub fn step_of(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

fn counter(step: i64) -> u64 {
    u64::try_from(step).unwrap_or(0)
}

/// RFC 4226 HOTP: the `digits`-digit code of `counter`.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    // HMAC accepts keys of any length.
    let mut mac =
        <Hmac<Sha1> as KeyInit>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let truncated = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    truncated % 10_u32.pow(digits)
}

/// The `otpauth://` URI an authenticator app scans: `issuer` is who the account is with
/// (the organisation), `account` whose it is (the email).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &TotpSecret) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        account = percent_encode(account),
        secret = secret.to_base32(),
    )
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'@') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc_4226_hotp_vectors() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, code) in expected.into_iter().enumerate() {
            assert_eq!(
                hotp(RFC_SECRET, counter as u64, 6),
                code,
                "counter {counter}"
            );
        }
    }

    /// RFC 6238 Appendix B, the SHA-1 rows (8 digits there).
    #[test]
    fn rfc_6238_totp_vectors() {
        let rows: [(i64, u32); 6] = [
            (59, 94_287_082),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
            (20_000_000_000, 65_353_130),
        ];
        for (time, code) in rows {
            assert_eq!(
                hotp(RFC_SECRET, counter(step_of(time)), 8),
                code,
                "T = {time}"
            );
        }
        let secret = TotpSecret::from_bytes(RFC_SECRET.to_vec()).unwrap();
        assert_eq!(
            secret.code_at(59),
            "287082",
            "the 6-digit form is the low digits"
        );
        assert_eq!(secret.code_at(1_111_111_109), "081804", "zero-padded");
    }

    #[test]
    fn drift_of_one_step_and_single_use() {
        let secret = TotpSecret::from_bytes(RFC_SECRET.to_vec()).unwrap();
        let now = 1_234_567_890;
        let step = step_of(now);
        let code = secret.code_at(now);
        assert_eq!(secret.verify(&code, now, None), Some(step));
        assert_eq!(
            secret.verify(&code, now + 30, None),
            Some(step),
            "a step late"
        );
        assert_eq!(
            secret.verify(&code, now - 30, None),
            Some(step),
            "a step early"
        );
        assert_eq!(
            secret.verify(&code, now + 60, None),
            None,
            "two steps is too far"
        );
        assert_eq!(secret.verify(&code, now, Some(step)), None, "already used");
        assert_eq!(
            secret.verify(&secret.code_at(now + 30), now, Some(step)),
            Some(step + 1),
            "the next step's code still works"
        );
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(secret.verify(&spaced, now, None), Some(step));
        for bad in ["", "12345", "1234567", "abcdef", "12345a"] {
            assert_eq!(secret.verify(bad, now, None), None, "{bad}");
        }
    }

    #[test]
    fn secrets_and_uris() {
        let secret = TotpSecret::from_bytes(RFC_SECRET.to_vec()).unwrap();
        assert_eq!(secret.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(
            TotpSecret::from_base32(&secret.to_base32().to_lowercase()),
            Ok(secret.clone())
        );
        assert_eq!(
            TotpSecret::from_base32("GEZDGNBV"),
            Err(TotpSecretError::TooShort)
        );
        assert_eq!(
            TotpSecret::from_base32("not base32!"),
            Err(TotpSecretError::NotBase32)
        );
        assert_eq!(format!("{secret:?}"), "TotpSecret(..)");
        assert_eq!(
            otpauth_uri("ТСЖ Рассвет", "anna@example.ru", &secret),
            "otpauth://totp/%D0%A2%D0%A1%D0%96%20%D0%A0%D0%B0%D1%81%D1%81%D0%B2%D0%B5%D1%82:anna@example.ru\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=%D0%A2%D0%A1%D0%96%20%D0%A0%D0%B0%D1%81%D1%81%D0%B2%D0%B5%D1%82\
             &algorithm=SHA1&digits=6&period=30"
        );
    }
}
