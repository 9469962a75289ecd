use super::*;
use crate::load::parse_release;
use crate::source::SourceFile;

const HEAD: &str = "[project]\nname = \"Go\"\ntag_prefix = \"go\"\npolicy_url = \"https://go.dev/security/policy\"\nrelease_notes_url = \"https://go.dev/doc/devel/release#{tag}\"\ndownload_url = \"https://go.dev/dl/\"\nissue_url = \"https://go.dev/issue/{id}\"\n";

fn findings(text: &str) -> Vec<Finding> {
    validate(&parse_release(SourceFile::new("r.toml", text)).unwrap())
}

#[test]
fn a_module_release_refuses_a_toolchain_package_at_its_position() {
    let text = format!("{HEAD}module = \"golang.org/x/crypto\"\n[release]\nversions = [\"v0.31.0\"]\ndate = 2024-12-11\nkind = \"minor\"\n[[security]]\ntrack = \"public\"\npackages = [\"cmd/go\"]\ncves = [\"CVE-2024-45337\"]\nissue = 70779\ntitle = \"t\"\ndescription = \"d\"\n");
    let found = findings(&text);
    let f = found
        .iter()
        .find(|f| f.rule == "toolchain-package-in-module")
        .unwrap();
    assert_eq!(f.severity, Severity::Invalid);
    assert_eq!(f.location.as_ref().unwrap().to_string(), "r.toml:15:12");
    assert!(f.message.contains("\"cmd/go\""), "{}", f.message);
}

#[test]
fn pre_releases_get_their_own_file_and_versions_order_like_go() {
    let text = format!("{HEAD}[release]\nversions = [\"1.25rc2\", \"1.24.5\"]\ndate = 2025-07-08\nkind = \"minor\"\n");
    let found = findings(&text);
    let f = found
        .iter()
        .find(|f| f.rule == "mixed-pre-release")
        .unwrap();
    assert_eq!(f.location.as_ref().unwrap().to_string(), "r.toml:9:13");
    let ok = format!("{HEAD}[release]\nversions = [\"1.25rc2\", \"1.25rc1\", \"1.25beta1\"]\ndate = 2025-07-08\nkind = \"minor\"\n");
    assert!(findings(&ok).is_empty(), "{:?}", findings(&ok));
    let bad = format!("{HEAD}[release]\nversions = [\"1.25beta1\", \"1.25rc1\"]\ndate = 2025-07-08\nkind = \"minor\"\n");
    assert!(findings(&bad).iter().any(|f| f.rule == "version-order"));
    let tag =
        format!("{HEAD}[release]\nversions = [\"v0.31.0\"]\ndate = 2025-07-08\nkind = \"minor\"\n");
    assert!(findings(&tag).iter().any(|f| f.rule == "module-version"));
}

#[test]
fn entries_may_share_an_issue_but_not_a_cve() {
    let entry = |cve: &str| {
        format!("[[security]]\ntrack = \"public\"\npackages = [\"crypto/tls\"]\ncves = [\"{cve}\"]\nissue = 62266\ntitle = \"t\"\ndescription = \"d\"\n")
    };
    let base =
        format!("{HEAD}[release]\nversions = [\"1.21.1\"]\ndate = 2023-09-06\nkind = \"minor\"\n");
    let shared = format!(
        "{base}{}{}",
        entry("CVE-2023-39321"),
        entry("CVE-2023-39322")
    );
    assert!(findings(&shared).is_empty(), "{:?}", findings(&shared));
    let same_cve = format!(
        "{base}{}{}",
        entry("CVE-2023-39321"),
        entry("CVE-2023-39321")
    );
    assert!(findings(&same_cve)
        .iter()
        .any(|f| f.rule == "duplicate-cve"));
    let both = format!(
        "{base}{}credit = \"A\"\nthanks = \"Thanks to A for doing weird things.\"\n",
        entry("CVE-2023-39321")
    );
    assert!(findings(&both)
        .iter()
        .any(|f| f.rule == "credit-and-thanks"));
}
