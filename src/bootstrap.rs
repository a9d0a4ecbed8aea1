//! `crm bootstrap`: creates the AWS resources the aws backend needs. (Filled in when the
//! adapters land.)

pub async fn run(
    _endpoint_url: Option<&str>,
    _prefix: &str,
    _max_receives: u32,
) -> anyhow::Result<()> {
    anyhow::bail!("bootstrap is not wired yet")
}
