//! Reading submitted forms, including fields that repeat (a permission grid's checkboxes),
//! which `axum::Form` cannot collect.

use axum::body::to_bytes;
use axum::extract::{FromRequest, Request};
use crm_domain::access::{Permission, PermissionSet};

use crate::problem::Problem;

const MAX_FORM_BYTES: usize = 64 * 1024;

/// An `application/x-www-form-urlencoded` body as name/value pairs, in order.
#[derive(Clone, Debug, Default)]
pub struct FormData(Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> Self {
        Self(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`, or empty.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    pub fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The permissions ticked under `name`; unknown values are named in the error.
    pub fn permissions(&self, name: &str) -> Result<PermissionSet, String> {
        self.all(name)
            .map(|raw| Permission::parse(raw).map_err(|e| e.0))
            .collect::<Result<Vec<_>, _>>()
            .map(PermissionSet::new)
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = Problem;

    async fn from_request(request: Request, _: &S) -> Result<Self, Problem> {
        let bytes = to_bytes(request.into_body(), MAX_FORM_BYTES)
            .await
            .map_err(|_| Problem::bad_request("invalid_form", "the form could not be read"))?;
        Ok(Self::parse(&bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_and_permissions() {
        let form =
            FormData::parse(b"name=%D0%A0%D0%BE%D0%BB%D1%8C&p=users:read&p=roles:read&_csrf=x");
        assert_eq!(form.get("name"), "Роль");
        assert_eq!(form.get("missing"), "");
        assert_eq!(form.permissions("p").unwrap().len(), 2);
        let bad = FormData::parse(b"p=users:fly");
        assert_eq!(bad.permissions("p").unwrap_err(), "users:fly");
    }
}
