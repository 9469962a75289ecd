//! The preview page, opened in a real headless browser (Debian's chromium).

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> PathBuf {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect(
            "chromium is not installed: run ./scripts/setup-test-deps (apt-get install chromium)",
        )
}

fn browser(profile: &Path) -> Command {
    let mut command = Command::new(chromium());
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--allow-file-access-from-files",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    command
}

#[test]
fn the_preview_page_renders_every_draft_offline_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drafts");
    let status = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args([
            "render",
            "fixtures/go1.16.1.toml",
            "--today",
            "2021-03-05",
            "--out",
        ])
        .arg(&out)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
    let index = out.join("index.html");
    let url = format!("file://{}", index.display());

    let dom = browser(&dir.path().join("profile-dom"))
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    for subject in [
        "[security] Go 1.16.1 and Go 1.15.9 pre-announcement",
        "[security] Go 1.16.1 and Go 1.15.9 are released",
    ] {
        assert!(
            dom.contains(&format!("<h2 class=\"subject\">{subject}</h2>")),
            "subject {subject:?} missing from the DOM:\n{dom}"
        );
    }
    assert!(dom.contains("id=\"findings\""), "no findings block:\n{dom}");
    assert!(
        dom.contains("not sendable today"),
        "the check notes are not shown:\n{dom}"
    );
    assert!(
        dom.contains("Hello gophers,"),
        "the text part is not shown:\n{dom}"
    );
    assert!(
        dom.contains("<a href=\"https://go.dev/security/policy\">security policy</a>"),
        "the HTML part is not shown:\n{dom}"
    );
    assert!(!dom.contains("<script"), "the page must not need scripts");

    let shot = dir.path().join("preview.png");
    let run = browser(&dir.path().join("profile-shot"))
        .args(["--window-size=1280,1600", "--hide-scrollbars"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        png.len() > 20_000,
        "the screenshot is suspiciously small ({} bytes): the page may be blank",
        png.len()
    );
    if let Ok(keep) = std::env::var("HERALD_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}

#[test]
fn the_preview_page_shows_what_the_send_journal_says_of_each_message() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("release.toml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/go1.16.1.toml"),
        &release,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("release.toml.journal.json"),
        r#"{"entries": [{"kind": "pre-announcement", "state": "in-doubt",
            "message_id": "<herald.pre-announcement.abc@example.org>", "content_hash": "abc",
            "subject": "s", "server": "127.0.0.1:25 (none)", "envelope_from": "r@example.org",
            "recipients": ["golang-announce@example.org", "archive@example.org"],
            "to": ["golang-announce@example.org"], "cc": [], "bcc": ["archive@example.org"],
            "attempted_at": "2021-03-05T15:00:00Z", "answered_at": null, "server_reply": null}]}"#,
    )
    .unwrap();
    let out = dir.path().join("drafts");
    let render = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["render", "release.toml", "--today", "2021-03-05", "--out"])
        .arg(&out)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(render.status.success(), "{render:?}");
    let url = format!("file://{}", out.join("index.html").display());
    let dom = browser(&dir.path().join("profile"))
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    let section = |id: &str| {
        let start = dom
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no section {id}:\n{dom}"));
        let end = dom[start..].find("</section>").unwrap() + start;
        dom[start..end].to_string()
    };
    let pre = section("pre-announcement");
    assert!(
        pre.contains("<li class=\"in-doubt\">IN DOUBT (find its Message-ID in the list archive, then `herald journal settle`) 2021-03-05T15:00:00Z &lt;herald.pre-announcement.abc@example.org&gt; to golang-announce@example.org, archive@example.org"),
        "{pre}"
    );
    let announcement = section("announcement");
    assert!(
        announcement.contains("<dd class=\"journal\">not sent</dd>"),
        "{announcement}"
    );
}
