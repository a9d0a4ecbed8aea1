//! Absolute links people receive by mail or are redirected to: a tenant's own host for its
//! users, the platform's address for staff.

use crm_domain::TenantId;

use super::Realm;

/// The base URL of a tenant's UI: its subdomain of the platform domain, with the scheme and port
/// of the platform's public URL (`http://demo.localhost:3000` locally,
/// `https://demo.crm.example.com` in AWS).
pub fn tenant_base_url(public_url: &str, platform_domain: &str, tenant: &TenantId) -> String {
    let (scheme, rest) = public_url
        .split_once("://")
        .unwrap_or(("https", public_url));
    let authority = rest.split('/').next().unwrap_or(rest);
    let port = authority
        .rsplit_once(':')
        .filter(|(host, port)| !host.ends_with(']') || port.is_empty())
        .map(|(_, port)| port)
        .filter(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    match port {
        Some(port) => format!("{scheme}://{tenant}.{platform_domain}:{port}"),
        None => format!("{scheme}://{tenant}.{platform_domain}"),
    }
}

/// The base URL of the realm's UI: the tenant's host, or the platform's for staff.
pub fn base_url(realm: &Realm) -> String {
    let services = &realm.services;
    match &realm.tenant {
        Some(tenant) => tenant_base_url(&services.public_url, &services.platform_domain, tenant),
        None => services.public_url.trim_end_matches('/').to_owned(),
    }
}

/// Where the realm's pages live under the base URL: `` for tenants, `/central` for staff.
pub fn path_prefix(realm: &Realm) -> &'static str {
    if realm.tenant.is_some() {
        ""
    } else {
        "/central"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_hosts_keep_scheme_and_port() {
        let demo = TenantId::parse("demo").unwrap();
        assert_eq!(
            tenant_base_url("http://127.0.0.1:3000", "localhost", &demo),
            "http://demo.localhost:3000"
        );
        assert_eq!(
            tenant_base_url("https://crm.example.com/", "crm.example.com", &demo),
            "https://demo.crm.example.com"
        );
        assert_eq!(
            tenant_base_url("https://crm.example.com:8443/x", "crm.example.com", &demo),
            "https://demo.crm.example.com:8443"
        );
    }
}
