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
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/go1.16.1.toml");
    assert_eq!(
        render(dir.path(), fixture.to_str().unwrap(), &[], "2021-03-05"),
        0
    );
    let dom = dom(dir.path(), "profile-dom");
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
    assert!(
        !dom.contains("<mark"),
        "a clean release has no marks:\n{dom}"
    );
    screenshots(dir.path(), "drafts");
    // Panes grow with their content: nothing in the page fixes a height.
    let page = std::fs::read_to_string(dir.path().join("out/index.html")).unwrap();
    assert!(
        !page.replace("line-height:", "").contains("height:"),
        "a fixed height is back:\n{page}"
    );
    assert!(page.contains("name=\"viewport\""), "no viewport for phones");
    assert!(
        page.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\""),
        "no content security policy"
    );
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
    assert_eq!(render(dir.path(), "release.toml", &[], "2021-03-05"), 0);
    let dom = dom(dir.path(), "profile");
    let section = |id: &str| element(&dom, id, "</section>").to_string();
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
    // The timeline says the same, one row per message.
    let row = |kind: &str| element(&dom, &format!("timeline-{kind}"), "</tr>").to_string();
    let pre = row("pre-announcement");
    assert!(
        pre.contains("class=\"journal-state in-doubt\">IN DOUBT since 2021-03-05T15:00:00Z: look for &lt;herald.pre-announcement.abc@example.org&gt;"),
        "{pre}"
    );
    assert!(
        row("announcement").contains("class=\"journal-state not-sent\">not sent</td>"),
        "{}",
        row("announcement")
    );
}

/// Renders `release` (relative to `dir`) into `dir/out`; returns the exit code.
fn render(dir: &Path, release: &str, extra: &[&str], today: &str) -> i32 {
    let output = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["render", release, "--today", today, "--out", "out"])
        .args(extra)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("error"),
        "{output:?}"
    );
    output.status.code().unwrap()
}

/// The DOM that chromium builds from `dir/out/index.html`.
fn dom(dir: &Path, profile: &str) -> String {
    let url = format!("file://{}", dir.join("out/index.html").display());
    let dom = browser(&dir.join(profile))
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    assert!(!dom.contains("<script"), "the page must not need scripts");
    dom
}

/// The `<section>` (or other element) that starts with `id="ID"`, up to `end`.
fn element<'a>(dom: &'a str, id: &str, end: &str) -> &'a str {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no element {id}:\n{dom}"));
    &dom[start..start + dom[start..].find(end).unwrap()]
}

/// Screenshots of `dir/out/index.html` at a desktop and at a phone width. Each must be
/// a PNG of the width asked for and hold more than a blank page; with
/// `HERALD_KEEP_SCREENSHOTS` set they are kept as `target/preview-artifacts/NAME-WIDTH.png`.
fn screenshots(dir: &Path, name: &str) {
    let url = format!("file://{}", dir.join("out/index.html").display());
    for (width, height) in [(1400u32, 2000u32), (390, 2400)] {
        let shot = dir.join(format!("{name}-{width}.png"));
        let run = browser(&dir.join(format!("profile-{name}-{width}")))
            .arg(format!("--window-size={width},{height}"))
            .arg("--hide-scrollbars")
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
        assert_eq!(&png[12..16], b"IHDR");
        let size = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
        assert_eq!((size(16), size(20)), (width, height), "{name} at {width}px");
        assert!(
            png.len() > 30_000,
            "{name} at {width}px is suspiciously small ({} bytes): the page may be blank",
            png.len()
        );
        if std::env::var_os("HERALD_KEEP_SCREENSHOTS").is_some() {
            let keep = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/preview-artifacts");
            std::fs::create_dir_all(&keep).unwrap();
            std::fs::copy(&shot, keep.join(format!("{name}-{width}.png"))).unwrap();
        }
    }
}

/// A pre-announcement template that leaks on purpose: a CVE id split by Markdown
/// emphasis (line 9) and an issue link (line 11). The release window leaks a package.
const LEAKING_TEMPLATE: &str = "Subject: [security] {{ versions_spoken }} pre-announcement

{{ greeting }}

We plan to issue {{ versions_spoken }}{% if project.release_window %} {{ project.release_window }}{% endif %} on {{ release_day }}.

These {{ release_noun }} include security fixes to {{ affects_text }}.

One of them is CVE-2021-**27918**.

Background: [the report](https://go.dev/issue/44913).

Following our [security policy]({{ project.policy_url }}), this is the pre-announcement of those releases.

Thanks,\\
{{ sign_off }}
";

#[test]
fn a_leaking_pre_announcement_is_marked_in_place_and_each_finding_is_traced_and_linked() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/go1.16.1.toml"),
    )
    .unwrap();
    let release = fixture.replace(
        "release_window = \"during US business hours\"",
        "release_window = \"during US business hours, after the encoding/xml fix\"",
    );
    assert_ne!(release, fixture);
    assert_eq!(
        release.lines().nth(12),
        Some("release_window = \"during US business hours, after the encoding/xml fix\"")
    );
    std::fs::write(dir.path().join("release.toml"), release).unwrap();
    std::fs::create_dir(dir.path().join("tpl")).unwrap();
    std::fs::write(dir.path().join("tpl/pre-announcement.md"), LEAKING_TEMPLATE).unwrap();
    let code = render(
        dir.path(),
        "release.toml",
        &["--templates", "tpl"],
        "2021-03-05",
    );
    assert_eq!(code, 1, "a leak is a policy violation");
    let dom = dom(dir.path(), "profile-dom");
    let pre = element(&dom, "pre-announcement", "</section>");

    // Draft files: linked, and there; a blocked message has no .eml.
    let out = dir.path().join("out");
    for file in ["pre-announcement.txt", "pre-announcement.html"] {
        assert!(
            pre.contains(&format!("<a href=\"{file}\">{file}</a>")),
            "{pre}"
        );
        assert!(out.join(file).is_file(), "{file}");
    }
    assert!(!pre.contains("href=\"pre-announcement.eml\""), "{pre}");
    assert!(pre.contains("no .eml (blocked)"), "{pre}");
    let announcement = element(&dom, "announcement", "</section>");
    for file in ["announcement.eml", "announcement.txt", "announcement.html"] {
        assert!(
            announcement.contains(&format!("<a href=\"{file}\">{file}</a>")),
            "{announcement}"
        );
        assert!(out.join(file).is_file(), "{file}");
    }

    // Marks, in both parts, with the detail and its issue.
    let text = &pre[pre.find("<pre class=\"text\">").expect("a text part")..];
    let html = &pre[pre.find("<div class=\"html-part\">").expect("an HTML part")..];
    let html = &html[..html.find("<h3>Plain-text part").unwrap()];
    let cve = "title=\"CVE id CVE-2021-27918 of issue 44913\"";
    let package = "title=\"package encoding/xml of issue 44913\"";
    for (name, part) in [("text", text), ("html", html)] {
        for title in [cve, package] {
            assert!(
                part.contains("<mark class=\"leak\" id=\"pre-announcement-leak-")
                    && part.contains(&format!("{title}>")),
                "{name} part has no mark {title}:\n{part}"
            );
        }
    }
    assert!(
        text.contains(&format!("{cve}>CVE-2021-27918</mark>")),
        "{text}"
    );
    assert!(
        html.contains(&format!("{package}>encoding/xml</mark>")),
        "{html}"
    );
    // A span cut by a tag is marked on both sides of it.
    assert!(
        html.contains(&format!(
            "{cve}>CVE-2021-</mark><strong><mark class=\"leak\" {cve}>27918</mark></strong>"
        )),
        "{html}"
    );
    // A detail in a link target is shown inside the link.
    assert!(
        html.contains("<a href=\"https://go.dev/issue/44913\"><mark class=\"leak in-tag\""),
        "{html}"
    );
    assert!(
        html.contains("title=\"issue number 44913 of issue 44913\">\u{2691} https://go.dev/issue/44913</mark>the report</a>"),
        "{html}"
    );

    // The findings: each links to a mark that exists, and names its source.
    let leaks = element(pre, "pre-announcement-leaks", "</ul>");
    let items: Vec<&str> = leaks.split("<li>").skip(1).collect();
    assert_eq!(items.len(), 6, "{leaks}");
    for item in &items {
        let target = item
            .split("<a href=\"#")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("a finding without a link: {item}"));
        assert!(
            dom.contains(&format!("<mark class=\"leak\" id=\"{target}\""))
                || dom.contains(&format!("<mark class=\"leak in-tag\" id=\"{target}\"")),
            "the link #{target} goes nowhere"
        );
        assert!(item.contains("source: "), "{item}");
    }
    let sourced = |needle: &str| items.iter().filter(|i| i.contains(needle)).count();
    assert_eq!(
        sourced("source: release-file key project.release_window at release.toml:13"),
        2,
        "{leaks}"
    );
    assert_eq!(
        sourced("source: template pre-announcement.md line 9 (tpl/pre-announcement.md)"),
        2,
        "{leaks}"
    );
    assert_eq!(
        sourced("source: template pre-announcement.md line 11 (tpl/pre-announcement.md)"),
        2,
        "{leaks}"
    );
    assert_eq!(sourced("not traced"), 0, "{leaks}");
    // The check's own list links to the marks too.
    let findings = element(&dom, "findings", "</div>");
    assert!(
        findings.contains("<a href=\"#pre-announcement-leak-"),
        "{findings}"
    );

    // The timeline: planned day, window, today, journal.
    let timeline = element(&dom, "timeline", "</section>");
    assert!(
        timeline.contains("<time class=\"today\">2021-03-05</time>"),
        "{timeline}"
    );
    assert!(
        timeline.contains("<td data-label=\"Planned day\" class=\"planned-day\">2021-03-05 (Fri)</td><td data-label=\"Allowed window\" class=\"window\">2021-03-03 to 2021-03-07</td><td data-label=\"Today\" class=\"where\">open today</td>"),
        "{timeline}"
    );
    assert!(
        timeline.contains("<td data-label=\"Planned day\" class=\"planned-day\">2021-03-10 (Wed)</td><td data-label=\"Allowed window\" class=\"window\">2021-03-10 or later</td><td data-label=\"Today\" class=\"where\">opens in 5 days</td>"),
        "{timeline}"
    );
    assert!(
        timeline.contains(
            "class=\"day in-window planned today\" title=\"pre-announcement 2021-03-05\""
        ),
        "{timeline}"
    );
    assert_eq!(
        timeline
            .matches("class=\"journal-state not-sent\">not sent<")
            .count(),
        2
    );
    screenshots(dir.path(), "leaking-pre-announcement");
}

#[test]
fn a_second_render_marks_each_message_changed_or_unchanged_and_diffs_the_text_part() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/public-only.toml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("release.toml"), &fixture).unwrap();
    assert_eq!(render(dir.path(), "release.toml", &[], "2020-01-28"), 0);
    let first = dom(dir.path(), "profile-1");
    assert!(
        element(&first, "announcement-change", "</span>").contains("first render here"),
        "{first}"
    );
    let manifest = std::fs::read_to_string(dir.path().join("out/render.json")).unwrap();

    // The same input again: unchanged, no diff.
    assert_eq!(render(dir.path(), "release.toml", &[], "2020-01-28"), 0);
    let again = dom(dir.path(), "profile-2");
    assert!(
        element(&again, "announcement-change", "</span>")
            .contains("unchanged since the last render"),
        "{again}"
    );
    assert!(!again.contains("class=\"diff\""), "{again}");

    // An edit: the credit changes.
    let edited = fixture.replace(
        "credit = \"Project Wycheproof\"",
        "credit = \"Project Wycheproof and Alice Example\"",
    );
    assert_ne!(edited, fixture);
    std::fs::write(dir.path().join("release.toml"), edited).unwrap();
    assert_eq!(render(dir.path(), "release.toml", &[], "2020-01-28"), 0);
    let changed = dom(dir.path(), "profile-3");
    let section = element(&changed, "announcement", "</section>");
    assert!(section.starts_with("id=\"announcement\""));
    assert!(
        changed.contains("<section class=\"message changed\" id=\"announcement\">"),
        "{changed}"
    );
    assert!(
        section.contains("<span class=\"change changed\" id=\"announcement-change\">CHANGED since the last render</span>"),
        "{section}"
    );
    let diff = element(section, "announcement-change", "</pre>");
    assert!(
        diff.contains("<pre class=\"diff\"><span class=\"hunk\">@@ -"),
        "{diff}"
    );
    assert!(
        diff.contains("<del>-") && diff.contains("Thanks to Project Wycheproof for"),
        "{diff}"
    );
    assert!(
        diff.contains("<ins>+") && diff.contains("Alice Example"),
        "{diff}"
    );
    assert!(
        element(&changed, "timeline-announcement", "</tr>")
            .contains("CHANGED since the last render"),
        "{changed}"
    );
    let manifest_now = std::fs::read_to_string(dir.path().join("out/render.json")).unwrap();
    assert_ne!(manifest, manifest_now, "render.json must follow the render");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    screenshots(dir.path(), "changed-announcement");

    // The JSON report says the same, for CI.
    let json = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args([
            "render",
            "release.toml",
            "--today",
            "2020-01-28",
            "--out",
            "out",
        ])
        .args(["--format", "json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["messages"][0]["change"], "unchanged", "{json}");
}

/// A configuration that addresses both messages, the announcement with Cc and Bcc.
const CONFIG: &str = r#"[mail]
from = "Go release team <releases@example.org>"

[recipients.pre-announcement]
to = ["golang-announce@example.org"]

[recipients.announcement]
to = ["golang-announce@example.org"]
cc = ["oss-security@example.org"]
bcc = ["archive@example.org", "audit@example.org"]
"#;

/// A journal entry of `kind` in `state`, answered at `at`; `test` makes it a test copy.
fn journal_entry(kind: &str, state: &str, id: &str, at: &str, test: bool) -> String {
    format!(
        r#"{{"kind": "{kind}", "state": "{state}", "message_id": "<{id}>", "content_hash": "abc",
            "subject": "s", "server": "127.0.0.1:25 (none)", "envelope_from": "r@example.org",
            "recipients": ["golang-announce@example.org"], "to": ["golang-announce@example.org"],
            "cc": [], "bcc": [], "attempted_at": "{at}", "answered_at": "{at}",
            "server_reply": "250 ok", "test": {test}}}"#
    )
}

#[test]
fn each_message_shows_to_cc_and_bcc_and_a_sent_message_says_when_and_as_what() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/go1.16.1.toml"),
        dir.path().join("release.toml"),
    )
    .unwrap();
    std::fs::write(dir.path().join("herald.toml"), CONFIG).unwrap();
    // The pre-announcement went to the list; the announcement only as a test copy,
    // which never counts as sent.
    let entries = [
        journal_entry(
            "pre-announcement",
            "sent",
            "herald.pre-announcement.abc@example.org",
            "2021-03-05T15:00:00Z",
            false,
        ),
        journal_entry(
            "announcement",
            "sent",
            "herald.announcement.test@example.org",
            "2021-03-09T09:00:00Z",
            true,
        ),
    ];
    std::fs::write(
        dir.path().join("release.toml.journal.json"),
        format!("{{\"entries\": [{}]}}", entries.join(", ")),
    )
    .unwrap();
    assert_eq!(render(dir.path(), "release.toml", &[], "2021-03-10"), 0);
    let dom = dom(dir.path(), "profile");
    assert!(!dom.contains("id=\"placeholder-addresses\""), "{dom}");

    let announcement = element(&dom, "announcement", "</section>");
    assert!(
        announcement.contains("<dt>To</dt><dd class=\"to\">golang-announce@example.org</dd>"),
        "{announcement}"
    );
    assert!(
        announcement.contains("<dt>Cc</dt><dd class=\"cc\">oss-security@example.org</dd>"),
        "{announcement}"
    );
    assert!(
        announcement.contains(
            "<dt>Bcc</dt><dd class=\"bcc\">2 Bcc: archive@example.org, audit@example.org</dd>"
        ),
        "{announcement}"
    );
    assert!(announcement.contains("1 To, 1 Cc, 2 Bcc"), "{announcement}");
    assert!(
        announcement.contains("class=\"state sendable-today\">sendable today<"),
        "a test copy counts as sent:\n{announcement}"
    );

    let pre = element(&dom, "pre-announcement", "</section>");
    assert!(
        pre.contains("<dt>Cc</dt><dd class=\"cc\">none</dd>"),
        "{pre}"
    );
    let sent = "sent on 2021-03-05 with Message-ID &lt;herald.pre-announcement.abc@example.org&gt;";
    assert!(
        pre.contains(&format!("class=\"state sent\">{sent}")),
        "{pre}"
    );
    // Sent, whatever the draft's window (closed since the 7th) says now.
    for word in ["sendable", "window closed"] {
        assert!(!pre.contains(word), "{word:?} in a sent message:\n{pre}");
    }
    // The timeline agrees.
    let row = element(&dom, "timeline-pre-announcement", "</tr>");
    assert!(
        row.contains(&format!("class=\"state sent\">{sent}")),
        "{row}"
    );
    assert!(!row.contains("sendable"), "{row}");
    assert!(
        element(&dom, "timeline-announcement", "</tr>")
            .contains("class=\"state sendable-today\">sendable today<"),
        "{dom}"
    );
}

#[test]
fn a_message_whose_window_closed_says_so_and_placeholder_addresses_are_announced() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/go1.16.1.toml"),
        dir.path().join("release.toml"),
    )
    .unwrap();
    // No configuration: both messages go to the placeholder.
    assert_eq!(render(dir.path(), "release.toml", &[], "2021-03-12"), 0);
    let page = dom(dir.path(), "profile-1");
    let closed = "class=\"state window-closed\">window closed 5 days ago (its last day was 2021-03-07); not sendable<";
    let pre = element(&page, "pre-announcement", "</section>");
    assert!(pre.contains(closed), "{pre}");
    assert!(!pre.contains("sendable today"), "{pre}");
    let row = element(&page, "timeline-pre-announcement", "</tr>");
    assert!(row.contains(closed), "{row}");
    assert!(row.contains("class=\"where\">closed 5 days ago<"), "{row}");

    let banner = element(&page, "placeholder-addresses", "</div>");
    assert!(
        banner.contains("No configuration was given")
            && banner.contains("<a href=\"#pre-announcement\">pre-announcement</a> and the <a href=\"#announcement\">announcement</a> are addressed to announce@example.invalid"),
        "{banner}"
    );
    // Before the timeline, where it cannot be missed.
    assert!(
        page.find("id=\"placeholder-addresses\"") < page.find("id=\"timeline\""),
        "{page}"
    );
    assert!(
        pre.contains("announce@example.invalid <span class=\"placeholder-address\">"),
        "{pre}"
    );
    screenshots(dir.path(), "placeholder-addresses");

    // A configuration without [recipients.pre-announcement]: only that one is named.
    let config = CONFIG.replace(
        "[recipients.pre-announcement]\nto = [\"golang-announce@example.org\"]\n",
        "",
    );
    assert_ne!(config, CONFIG);
    std::fs::write(dir.path().join("herald.toml"), config).unwrap();
    assert_eq!(render(dir.path(), "release.toml", &[], "2021-03-12"), 0);
    let page = dom(dir.path(), "profile-2");
    let banner = element(&page, "placeholder-addresses", "</div>");
    assert!(
        banner.contains("herald.toml has no <code>[recipients.pre-announcement] to = [...]</code>, so the <a href=\"#pre-announcement\">pre-announcement</a> is addressed to announce@example.invalid"),
        "{banner}"
    );
    assert!(!banner.contains("#announcement\""), "{banner}");
    assert!(
        element(&page, "announcement", "</section>")
            .contains("<dd class=\"to\">golang-announce@example.org</dd>"),
        "{page}"
    );
}
