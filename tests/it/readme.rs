//! The README stays true: every configuration variable is documented, and CI runs the README's
//! test command.

fn read(path: &str) -> String {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

#[test]
fn every_configuration_variable_is_documented() {
    let readme = read("README.md");
    let missing: Vec<&str> = crm_app::config::VARIABLES
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !readme.contains(&format!("`{name}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md does not document {missing:?}"
    );
}

#[test]
fn ci_runs_the_readme_test_command() {
    let readme = read("README.md");
    assert!(
        readme.contains("scripts/test "),
        "the README names scripts/test as the test command"
    );
    let ci = read(".ci/run");
    assert!(
        ci.lines().any(|line| line.trim() == "exec ./scripts/test"),
        ".ci/run must run scripts/test"
    );
}
