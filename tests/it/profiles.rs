//! Profiles: the real releases of `fixtures/real/` in Go's wording since 2023, a
//! project that is not Go from `herald init --profile generic`, and the errors of
//! the settings profiles bring.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use herald::load::load_release;
use herald::model::{MessageKind, Profile, Track};
use herald::plan::plan;
use herald::render::{render_message, RenderedMessage, Templates};

use crate::real::{expected_findings, releases as real_releases};
use crate::support::{herald, show, stdout};

/// `fixtures/real/NAME/release.toml` copied into a temporary folder with `profile`
/// set, beside its OSV records.
fn with_profile(dir: &Path, profile: Profile) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(dir.join("release.toml")).unwrap();
    let text = text.replacen(
        "[project]\n",
        &format!("[project]\nprofile = \"{profile}\"\n"),
        1,
    );
    let path = temp.path().join("release.toml");
    std::fs::write(&path, text).unwrap();
    (temp, path)
}

/// `herald check` on `day`, which runs the embargo guard over every message due.
fn checks_clean(path: &Path, day: &str, allowed: &BTreeSet<String>) {
    let output = herald(&["check", path.to_str().unwrap(), "--today", day]);
    let code = if allowed.is_empty() { 0 } else { 1 };
    assert_eq!(output.status.code(), Some(code), "{day}: {}", show(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("embargo"), "{day}: {stderr}");
}

#[test]
fn real_pre_announcements_in_gos_wording_carry_private_and_their_cves_and_pass_the_guard() {
    let templates = Templates::builtin(Profile::Go).unwrap();
    let (mut releases, mut modules) = (0, 0);
    for dir in real_releases() {
        let (_temp, path) = with_profile(&dir, Profile::Go);
        let input = load_release(&path).unwrap();
        let name = dir.display().to_string();
        let Some(pre_day) = input.file.release.pre_announcement.as_ref() else {
            continue;
        };
        let pre_day = pre_day.get_ref().get();
        let due: Vec<MessageKind> = plan(&input, pre_day).due().map(|p| p.kind).collect();
        if !due.contains(&MessageKind::PreAnnouncement) {
            continue;
        }
        let message = render_message(&input, MessageKind::PreAnnouncement, &templates).unwrap();
        let embargoed: Vec<_> = input
            .file
            .security
            .iter()
            .map(|s| s.get_ref())
            .filter(|s| s.track.get_ref() != &Track::Public)
            .collect();
        assert!(!embargoed.is_empty(), "{name}");
        for cve in embargoed.iter().flat_map(|s| s.cve_list()) {
            assert!(
                message.text.contains(&format!("- {cve}\n")),
                "{name}: {cve} is not listed:\n{}",
                message.text
            );
        }
        match input.file.project.module_path() {
            Some(module) => {
                modules += 1;
                assert_eq!(
                    message.subject,
                    format!("[security] {module} fix pre-announcement"),
                    "{name}"
                );
                let packages: BTreeSet<String> = embargoed
                    .iter()
                    .flat_map(|s| s.packages.get_ref().iter().map(|p| p.to_string()))
                    .collect();
                let named = match packages.len() {
                    1 => format!("the package {}", packages.first().unwrap()),
                    _ => "the packages ".to_string(),
                };
                let flat = message.text.replace('\n', " ");
                assert!(flat.contains(&named), "{name}: {}", message.text);
                assert!(
                    flat.contains(&format!("in the {module} module")),
                    "{name}: {}",
                    message.text
                );
            }
            None => {
                releases += 1;
                let flat = message.text.replace('\n', " ");
                let private = if embargoed.len() == 1 {
                    "a PRIVATE security fix to"
                } else {
                    "PRIVATE security fixes to"
                };
                assert!(flat.contains(private), "{name}: {}", message.text);
                assert!(
                    flat.contains("covering the following CVE"),
                    "{name}: {}",
                    message.text
                );
            }
        }
        let allowed = expected_findings(&dir);
        checks_clean(&path, &pre_day.to_string(), &allowed);
        let release_day = input.file.release.date.get_ref().get().to_string();
        checks_clean(&path, &release_day, &allowed);
    }
    assert!(releases >= 20, "{releases} Go releases");
    assert!(modules >= 20, "{modules} module releases");
}

#[test]
fn a_module_release_takes_gos_announcement_form() {
    let templates = Templates::builtin(Profile::Go).unwrap();
    let (_temp, path) = with_profile(Path::new("fixtures/real/x-net-v0.45.0"), Profile::Go);
    let input = load_release(&path).unwrap();
    let message = render_message(&input, MessageKind::Announcement, &templates).unwrap();
    assert_eq!(
        message.subject,
        "[security] Vulnerabilities in golang.org/x/net"
    );
    let flat = message.text.replace('\n', " ");
    for fact in [
        "We have tagged version v0.45.0 of golang.org/x/net in order to address the following security issues:",
        "This is CVE-2025-47911. See the advisory at https://pkg.go.dev/vuln/GO-2026-4440.",
        "This is CVE-2025-58190. See the advisory at https://pkg.go.dev/vuln/GO-2026-4441.",
        "Go Security team",
    ] {
        assert!(flat.contains(fact), "{fact:?} missing:\n{}", message.text);
    }
    // One fix: the singular forms.
    let (_temp, path) = with_profile(Path::new("fixtures/real/x-net-v0.23.0"), Profile::Go);
    let input = load_release(&path).unwrap();
    let message = render_message(&input, MessageKind::Announcement, &templates).unwrap();
    assert_eq!(
        message.subject,
        "[security] Vulnerability in golang.org/x/net"
    );
    assert!(
        message
            .text
            .replace('\n', " ")
            .contains("in order to address a security issue"),
        "{}",
        message.text
    );
    let pre = render_message(&input, MessageKind::PreAnnouncement, &templates).unwrap();
    let flat = pre.text.replace('\n', " ");
    assert!(flat.contains("We plan to issue a security fix for the package golang.org/x/net/http2 in the golang.org/x/net module"), "{}", pre.text);
    assert!(
        flat.contains("This will cover the following CVE:"),
        "{}",
        pre.text
    );
}

#[test]
fn go_2021_stays_silent_on_tracks_and_lists_no_cve_unless_asked() {
    let templates = Templates::builtin(Profile::Go2021).unwrap();
    let input = load_release(Path::new("fixtures/real/go1.26.2/release.toml")).unwrap();
    let message = render_message(&input, MessageKind::PreAnnouncement, &templates).unwrap();
    assert!(!message.text.contains("PRIVATE"), "{}", message.text);
    assert!(!message.text.contains("CVE-"), "{}", message.text);
}

/// Words that must not reach a project that is not Go.
const GO_WORDS: [&str; 9] = [
    "gopher",
    "Go ",
    "golang",
    "go.dev",
    "git checkout",
    "go get",
    "milestone",
    "standard library",
    "toolchain",
];

fn assert_no_go_word(message: &RenderedMessage, what: &str) {
    for text in [&message.subject, &message.text, &message.html] {
        let lower = text.to_lowercase();
        for word in GO_WORDS {
            let found = if word == "Go " {
                text.contains(word)
            } else {
                lower.contains(&word.to_lowercase())
            };
            assert!(!found, "{what}: {word:?} in\n{text}");
        }
    }
}

#[test]
fn a_generic_project_from_init_checks_clean_and_its_mail_has_no_go_word() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("acme");
    let output = herald(&["init", target.to_str().unwrap(), "--profile", "generic"]);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    let path = target.join("release.toml");
    let starter = std::fs::read_to_string(&path).unwrap();
    let config = std::fs::read_to_string(target.join("herald.toml")).unwrap();
    for text in [&starter, &config] {
        for word in ["gopher", "golang", "go.dev", "Go "] {
            assert!(!text.contains(word), "the generic starter holds {word:?}");
        }
    }
    let check = herald(&["check", path.to_str().unwrap(), "--today", "2026-03-05"]);
    assert_eq!(check.status.code(), Some(0), "{}", show(&check));

    // Both fixes embargoed: the pre-announcement names both scopes.
    let text = starter.replace("track = \"public\"", "track = \"private\"");
    std::fs::write(&path, &text).unwrap();
    let input = load_release(&path).unwrap();
    let templates = Templates::builtin(Profile::Generic).unwrap();
    let mut kinds = 0;
    for kind in MessageKind::ALL {
        let message = render_message(&input, kind, &templates).unwrap();
        assert_no_go_word(&message, kind.as_str());
        kinds += 1;
    }
    assert_eq!(kinds, 2);
    let pre = render_message(&input, MessageKind::PreAnnouncement, &templates).unwrap();
    assert!(
        pre.text.replace('\n', " ").contains(
            "These releases will include security fixes to the storage engine and the command-line client."
        ),
        "{}",
        pre.text
    );
    for day in ["2026-03-05", "2026-03-10"] {
        let check = herald(&["check", path.to_str().unwrap(), "--today", day]);
        assert_eq!(check.status.code(), Some(0), "{day}: {}", show(&check));
    }
    let history = herald(&["history", path.to_str().unwrap()]);
    assert_eq!(history.status.code(), Some(0), "{}", show(&history));
    for word in GO_WORDS {
        assert!(!stdout(&history).contains(word), "history: {word:?}");
    }

    // One version and one embargoed fix: the singular forms.
    let one = starter.replace(
        "versions = [\"3.5.2\", \"3.4.9\"]",
        "versions = [\"3.5.2\"]",
    );
    std::fs::write(&path, one).unwrap();
    let input = load_release(&path).unwrap();
    let pre = render_message(&input, MessageKind::PreAnnouncement, &templates).unwrap();
    assert!(
        pre.text
            .replace('\n', " ")
            .contains("This release will include a security fix to the storage engine."),
        "{}",
        pre.text
    );
}

/// Writes `text` as a release file and renders it, expecting a refusal at `at`.
fn refused_at(text: &str, at: &str, expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("release.toml");
    std::fs::write(&path, text).unwrap();
    let out = dir.path().join("out");
    let output = herald(&[
        "render",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let location = format!("{}:{at}", path.display());
    assert!(stderr.contains(&location), "{location} not in {stderr}");
    assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
    assert!(stdout(&output).is_empty());
    let written = std::fs::read_dir(&out).map_or(0, |d| d.count());
    assert_eq!(written, 0, "something was rendered");
}

#[test]
fn an_unknown_profile_a_package_in_no_scope_and_a_bad_advisory_are_errors_at_their_place() {
    let starter = std::fs::read_to_string("templates/init/generic/release.toml").unwrap();
    let line_col = |needle: &str, text: &str| {
        let at = text.find(needle).unwrap();
        let line = text[..at].matches('\n').count() + 1;
        let column = at - text[..at].rfind('\n').map_or(0, |n| n + 1) + 1;
        (line, column)
    };

    let text = starter.replace("profile = \"generic\"", "profile = \"acme\"");
    let (line, column) = line_col("\"acme\"", &text);
    refused_at(
        &text,
        &format!("{line}:{column}"),
        "expected one of `go-2021`, `go`, `generic`",
    );

    let text = starter.replace(
        "packages = [\"cli/import\"]",
        "packages = [\"docs/import\"]",
    );
    let (line, column) = line_col("[\"docs/import\"]", &text);
    refused_at(&text, &format!("{line}:{column}"), "docs/import");

    let text = starter.replace(
        "advisory = \"https://acmedb.example/advisories/2026-02\"",
        "advisory = \"acmedb.example/advisories/2026-02\"",
    );
    let (line, column) = line_col("\"acmedb.example/advisories", &text);
    refused_at(
        &text,
        &format!("{line}:{column}"),
        "expected an http or https URL",
    );
}

/// `herald check` of `release` on `day` with the pre-announcement template replaced
/// by `template`: the exit code and standard error.
fn check_with_template(release: &Path, day: &str, template: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pre-announcement.md"), template).unwrap();
    let output = herald(&[
        "check",
        release.to_str().unwrap(),
        "--today",
        day,
        "--templates",
        dir.path().to_str().unwrap(),
    ]);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_guard_allows_private_only_in_gos_sentence_and_only_under_go() {
    let (_temp, go) = with_profile(Path::new("fixtures/real/go1.24.6"), Profile::Go);
    let (_temp2, go2021) = with_profile(Path::new("fixtures/real/go1.24.6"), Profile::Go2021);
    let day = load_release(&go)
        .unwrap()
        .file
        .release
        .pre_announcement
        .unwrap()
        .get_ref()
        .get()
        .to_string();
    let sentence = "Subject: [security] {{ versions_spoken }} pre-announcement\n\n{{ greeting }}\n\nThese minor releases include PRIVATE security fixes to the standard library.\n\n{{ sign_off }}\n";
    let (code, stderr) = check_with_template(&go, &day, sentence);
    assert_eq!(code, Some(0), "Go's sentence under go: {stderr}");
    let (code, stderr) = check_with_template(&go2021, &day, sentence);
    assert_eq!(code, Some(1), "the same sentence under go-2021: {stderr}");
    assert!(stderr.contains("PRIVATE"), "{stderr}");
    for elsewhere in [
        // The word outside its sentence, a track word beside it, the wrong scope.
        "Subject: [security] PRIVATE {{ versions_spoken }} pre-announcement\n\n{{ greeting }}\n\n{{ sign_off }}\n",
        "Subject: [security] {{ versions_spoken }} pre-announcement\n\n{{ greeting }}\n\nThese minor releases include PRIVATE security fixes to the standard library.\nThe fix is PRIVATE.\n\n{{ sign_off }}\n",
        "Subject: [security] {{ versions_spoken }} pre-announcement\n\n{{ greeting }}\n\nThese minor releases include PRIVATE security fixes to the toolchain.\n\n{{ sign_off }}\n",
    ] {
        let (code, stderr) = check_with_template(&go, &day, elsewhere);
        assert_eq!(code, Some(1), "{elsewhere:?} passed: {stderr}");
    }
}

#[test]
fn init_writes_each_profiles_starter_and_each_checks_clean() {
    for profile in Profile::ALL {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("start");
        let output = herald(&[
            "init",
            target.to_str().unwrap(),
            "--profile",
            profile.as_str(),
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{profile}: {}",
            show(&output)
        );
        let path = target.join("release.toml");
        let input = load_release(&path).unwrap();
        assert_eq!(input.file.project.profile(), profile);
        let day = input.file.release.pre_announcement.as_ref().unwrap();
        let day = day.get_ref().get().to_string();
        let check = herald(&["check", path.to_str().unwrap(), "--today", &day]);
        assert_eq!(check.status.code(), Some(0), "{profile}: {}", show(&check));
    }
    let unknown = herald(&["init", "--profile", "rust"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", show(&unknown));
}
