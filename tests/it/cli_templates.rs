//! Template overrides end to end: how they apply, what they may not do, and every
//! error in one named at its file, line and column.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{self, herald, stderr, stdout};

#[test]
fn template_overrides_apply_by_file_name_and_typos_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("announcement.md"),
        "Subject: Custom {{ versions_spoken }}\n\nHi, {{ sign_off }}.\n",
    )
    .unwrap();
    let output = herald(&[
        "render",
        "fixtures/no-security.toml",
        "--templates",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        stdout(&output).contains("Subject: Custom Go 1.16.2 and Go 1.15.10"),
        "{}",
        stdout(&output)
    );

    std::fs::write(dir.path().join("anouncement.md"), "Subject: x\n\ny\n").unwrap();
    let output = herald(&[
        "render",
        "fixtures/no-security.toml",
        "--templates",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("anouncement.md: not a template herald knows"),
        "{err}"
    );

    let bad = tempfile::tempdir().unwrap();
    std::fs::write(
        bad.path().join("announcement.md"),
        "Hello\n\nno subject line\n",
    )
    .unwrap();
    let output = herald(&[
        "render",
        "fixtures/no-security.toml",
        "--templates",
        bad.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    let at = format!("{}:1:1", bad.path().join("announcement.md").display());
    assert!(
        err.contains(&format!(
            "{at}: the first line must be \"Subject: ...\" followed by one blank line"
        )),
        "{err}"
    );
}

#[test]
fn a_template_cannot_read_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("announcement.md"),
        "Subject: {{ get_env(name=\"HERALD_SMTP_PASSWORD\") }}\n\nbody\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["render", "fixtures/no-security.toml", "--templates"])
        .arg(dir.path())
        .env("HERALD_SMTP_PASSWORD", "top-secret-value")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let all = format!(
        "{}{}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!all.contains("top-secret-value"), "{all}");
    // The override's own path, line and column.
    let at = format!("{}:1:13", dir.path().join("announcement.md").display());
    assert!(all.contains("Unknown function `get_env`"), "{all}");
    assert!(all.contains(&at), "{all}");
}

#[test]
fn an_error_in_a_long_template_line_shows_a_window_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let long = "a".repeat(1 << 20);
    for (call, what) in [
        ("{{ get_env(name=\"X\") }}", "Unknown function `get_env`"),
        (
            "{{ x | no_such_filter }}",
            "Unknown filter `no_such_filter`",
        ),
        ("{% include \"nothere.md\" %}", "nothere.md"),
        ("{% if %}", "expected"),
    ] {
        std::fs::write(
            dir.path().join("announcement.md"),
            format!("Subject: x\n\n{long}{call}\n"),
        )
        .unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_herald"))
            .args(["render", "fixtures/no-security.toml", "--templates"])
            .arg(dir.path())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{call}");
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(err.contains(what), "{call}: {err}");
        let at = format!("{}:3:", dir.path().join("announcement.md").display());
        assert!(err.contains(&at), "{call}: {err}");
        assert!(err.len() < 2_000, "{call}: {} bytes of error", err.len());
    }
}

#[test]
fn a_template_that_writes_without_end_stops_at_the_output_limit() {
    // 10^10 iterations of 40 bytes: 400 GB if nothing stopped it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("announcement.md"),
        "Subject: x\n\n{% for i in range(end=100000) %}{% for j in range(end=100000) %}\
         0123456789012345678901234567890123456789{% endfor %}{% endfor %}\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["render", "fixtures/no-security.toml", "--templates"])
        .arg(dir.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{err}");
    let path = dir.path().join("announcement.md");
    assert!(err.contains(&path.display().to_string()), "{err}");
    assert!(err.contains("would pass the limit of"), "{err}");
    assert!(output.stdout.is_empty(), "{}", stdout(&output));
}

/// `herald render fixtures/go1.16.1.toml --today 2021-03-10 --templates DIR`.
fn render_with_templates(dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["render", "fixtures/go1.16.1.toml", "--today", "2021-03-10"])
        .arg("--templates")
        .arg(dir)
        .env_remove("HERALD_TODAY")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("herald runs")
}

#[test]
fn a_control_character_in_a_template_or_its_output_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("announcement.md");
    std::fs::write(
        &path,
        "Subject: x\n\nbody \u{1b}]0;title\u{7} and \u{9b}31m and \r lone\n",
    )
    .unwrap();
    let output = render_with_templates(dir.path());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!("herald: {}:3:6: U+001B ESCAPE", path.display())),
        "{err}"
    );
    assert!(err.contains("(3 more after it)"), "{err}");
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{9b}'),
        "{err:?}"
    );
    assert!(output.stdout.is_empty(), "{}", stdout(&output));

    // A string escape makes one where the file holds none.
    std::fs::write(
        &path,
        "Subject: x\n\n{{ \"a\\rb\" }}\n{% include \"closing.md\" %}\n",
    )
    .unwrap();
    let output = render_with_templates(dir.path());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "herald: {}: the template wrote a carriage return",
            path.display()
        )),
        "{err}"
    );
    assert!(output.stdout.is_empty(), "{}", stdout(&output));
}

#[test]
fn an_override_that_is_not_utf8_is_reported_at_its_first_bad_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("closing.md");
    // Latin-1 "é" in "René": column 20 of line 3.
    std::fs::write(&path, b"Thanks.\n\n{{ sign_off }}, Ren\xe9 \xff\nbye\n").unwrap();
    let output = render_with_templates(dir.path());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "herald: {}:3:20: the file is not UTF-8: byte 0xE9",
            path.display()
        )),
        "{err}"
    );
    assert!(err.contains("templates are UTF-8 text"), "{err}");
    // The excerpt shows the line, each bad byte as U+FFFD, and marks the first.
    assert!(
        err.contains(&format!(
            "3 | {{{{ sign_off }}}}, Ren\u{fffd} \u{fffd}\n  | {}^\n",
            " ".repeat(19)
        )),
        "{err}"
    );

    // A bad byte in the middle of a 1 MiB line: a window of the line, not the line.
    let long = "a".repeat(1 << 19);
    let mut bytes = format!("Thanks.\n\n{long}").into_bytes();
    bytes.push(0xC0);
    bytes.extend_from_slice(long.as_bytes());
    std::fs::write(&path, bytes).unwrap();
    let output = render_with_templates(dir.path());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    let at = format!("{}:3:{}: ", path.display(), (1 << 19) + 1);
    assert!(err.starts_with(&format!("herald: {at}")), "{err}");
    assert!(err.contains("byte 0xC0"), "{err}");
    assert!(err.contains("a\u{fffd}a"), "{err}");
    assert!(err.len() < 2_000, "{} bytes of error", err.len());
}

#[test]
fn a_byte_order_mark_starting_an_override_is_no_part_of_it() {
    // An error on line 1 of a file with a BOM: the BOM is no column.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("announcement.md");
    std::fs::write(&path, "\u{feff}Subject: {{ nope( }}\n\nbody\n").unwrap();
    let output = render_with_templates(dir.path());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!("herald: {}:1:19: ", path.display())),
        "{err}"
    );
    assert!(!err.contains('\u{feff}'), "{err}");

    // A mail template and a partial it includes, both with a BOM: the mail has none.
    std::fs::write(
        &path,
        "\u{feff}Subject: BOM {{ versions_spoken }}\n\n{{ greeting }}\n\n\
         {% include \"closing.md\" %}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("closing.md"),
        "\u{feff}Thanks, {{ sign_off }}\n",
    )
    .unwrap();
    let output = render_with_templates(dir.path());
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        text.contains("Subject: BOM Go 1.16.1 and Go 1.15.9\n\nHello gophers,\n\nThanks, Katie"),
        "{text}"
    );
    assert!(!text.contains('\u{feff}'), "{text:?}");

    let out = dir.path().join("drafts");
    let output = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["render", "fixtures/go1.16.1.toml", "--today", "2021-03-10"])
        .arg("--templates")
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .env_remove("HERALD_TODAY")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    for entry in std::fs::read_dir(&out).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(3).any(|w| w == b"\xEF\xBB\xBF"));
    }
    let raw = std::fs::read(out.join("announcement.eml")).unwrap();
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        message.subject(),
        Some("BOM Go 1.16.1 and Go 1.15.9"),
        "{}",
        String::from_utf8_lossy(&raw)
    );
    let text = message.body_text(0).unwrap();
    let html = message.body_html(0).unwrap();
    assert!(
        text.starts_with("Hello gophers,\r\n\r\nThanks, Katie"),
        "{text:?}"
    );
    assert!(!text.contains('\u{feff}'), "{text:?}");
    assert!(!html.contains('\u{feff}'), "{html:?}");
}

#[test]
fn every_template_error_starts_with_its_file_and_its_line_and_column_when_known() {
    let dir = tempfile::tempdir().unwrap();
    let announcement = dir.path().join("announcement.md").display().to_string();
    let closing = dir.path().join("closing.md").display().to_string();
    let include = "{% include \"closing.md\" %}\n";
    for (template, closing_text, expected) in [
        // Found when the templates are loaded.
        (
            "Subject: x\n\n{{ a | nofilter }}\n".to_string(),
            "",
            format!("{announcement}:3:8: Unknown filter `nofilter`"),
        ),
        // Found in the rendered mail.
        (
            "Hello\n\nbody\n".to_string(),
            "",
            format!("{announcement}:1:1: the first line must be \"Subject: ...\""),
        ),
        (
            "Subject: x\nbody\n".to_string(),
            "",
            format!("{announcement}:1:11: the first line must be \"Subject: ...\" followed by one blank line, then the Markdown body; there is no blank line after it"),
        ),
        // Found while rendering, in the partial an override includes.
        (
            format!("Subject: x\n\n{include}"),
            "Thanks.\n\n{{ 1 / 0 }}\n",
            format!("{closing}:3:8: Cannot divide by 0"),
        ),
        // Without a place in the file.
        (
            "Subject: x\n\n{% for i in range(end=100000) %}{% for j in range(end=100000) %}\
             0123456789012345678901234567890123456789{% endfor %}{% endfor %}\n"
                .to_string(),
            "",
            format!("{announcement}: the output would pass the limit"),
        ),
    ] {
        std::fs::write(dir.path().join("announcement.md"), &template).unwrap();
        let _ = std::fs::remove_file(dir.path().join("closing.md"));
        if !closing_text.is_empty() {
            std::fs::write(dir.path().join("closing.md"), closing_text).unwrap();
        }
        let output = render_with_templates(dir.path());
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{template}: {err}");
        assert!(
            err.starts_with(&format!("herald: {expected}")),
            "{template}: {err}"
        );
    }
}

#[test]
fn an_include_cycle_names_each_file_and_the_line_of_each_include() {
    let dir = tempfile::tempdir().unwrap();
    let closing = dir.path().join("closing.md");
    let fixes = dir.path().join("security-fixes.md");
    std::fs::write(&closing, "Thanks.\n{% include \"security-fixes.md\" %}\n").unwrap();
    std::fs::write(&fixes, "Fixes:\n\n{%- include 'closing.md' -%}\n").unwrap();
    let output = render_with_templates(dir.path());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "herald: {}:2:12: include cycle: closing.md includes security-fixes.md, which \
             includes closing.md; a template cannot include itself",
            closing.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "note: {}:3:13: security-fixes.md includes closing.md here",
            fixes.display()
        )),
        "{err}"
    );
    assert!(err.contains("3 | {%- include 'closing.md' -%}"), "{err}");

    // A cycle through a built-in template names it by its name.
    std::fs::remove_file(&closing).unwrap();
    std::fs::write(&fixes, "{% include \"announcement.md\" %}\n").unwrap();
    let err = stderr(&render_with_templates(dir.path()));
    assert!(
        err.contains("announcement.md includes security-fixes.md, which includes announcement.md"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "note: {}:1:12: security-fixes.md includes announcement.md here",
            fixes.display()
        )),
        "{err}"
    );

    // A template that extends one that does not exist.
    std::fs::remove_file(&fixes).unwrap();
    let announcement = dir.path().join("announcement.md");
    std::fs::write(&announcement, "{% extends \"base.md\" %}\n").unwrap();
    let err = stderr(&render_with_templates(dir.path()));
    assert!(
        err.starts_with(&format!(
            "herald: {}:1:12: extends \"base.md\", which is not a template herald knows",
            announcement.display()
        )),
        "{err}"
    );
}

/// Runs `command`, failing the test if it has not finished within 30 seconds.
fn output_within_30s(mut command: Command) -> Output {
    use std::process::Stdio;
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(30) {
            child.kill().unwrap();
            panic!("herald still runs after 30 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn an_override_that_is_no_regular_file_is_an_error_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let announcement = dir.path().join("announcement.md");
    let command = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_herald"));
        command
            .args(["render", "fixtures/go1.16.1.toml", "--today", "2021-03-10"])
            .arg("--templates")
            .arg(dir.path())
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        command
    };

    std::fs::create_dir(&announcement).unwrap();
    let output = output_within_30s(command());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "herald: {}: this is a directory, not a regular file: an override must be a \
             regular file or a link to one",
            announcement.display()
        )),
        "{err}"
    );
    assert!(output.stdout.is_empty(), "{}", stdout(&output));
    std::fs::remove_dir(&announcement).unwrap();

    // Read, a FIFO would keep herald waiting for a writer.
    let mkfifo = Command::new("mkfifo").arg(&announcement).status().unwrap();
    assert!(mkfifo.success());
    let output = output_within_30s(command());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "herald: {}: this is a FIFO (named pipe), not a regular file",
            announcement.display()
        )),
        "{err}"
    );
    std::fs::remove_file(&announcement).unwrap();

    // A link to a file is an override; a link to nothing is an error.
    let real = dir.path().join("real.txt");
    std::fs::write(&real, "Subject: Linked {{ versions_spoken }}\n\nbody\n").unwrap();
    std::os::unix::fs::symlink(&real, &announcement).unwrap();
    let output = output_within_30s(command());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("Subject: Linked Go 1.16.1"));
    std::fs::remove_file(&real).unwrap();
    let output = output_within_30s(command());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "herald: {}: cannot read the template: No such file or directory",
            announcement.display()
        )),
        "{err}"
    );
}

#[test]
fn an_unreadable_override_or_directory_of_overrides_is_an_error_naming_it() {
    use std::os::unix::fs::PermissionsExt;
    let ws = support::Workspace::new();
    let tpl = ws.path("tpl");
    std::fs::create_dir(&tpl).unwrap();
    std::fs::set_permissions(&tpl, std::fs::Permissions::from_mode(0o755)).unwrap();
    let file = tpl.join("announcement.md");
    std::fs::write(&file, "Subject: x\n\nbody\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
    let args = [
        "render",
        "release.toml",
        "--today",
        "2021-03-10",
        "--templates",
        "tpl",
    ];
    let output = ws.unprivileged_command(&args).output().unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{}", support::show(&output));
    assert!(
        err.starts_with("herald: tpl/announcement.md: cannot read the template: Permission denied"),
        "{err}"
    );

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&tpl, std::fs::Permissions::from_mode(0o000)).unwrap();
    let output = ws.unprivileged_command(&args).output().unwrap();
    std::fs::set_permissions(&tpl, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{}", support::show(&output));
    assert!(
        err.starts_with("herald: tpl: cannot read the templates directory: Permission denied"),
        "{err}"
    );
}

#[test]
fn an_empty_mail_template_is_an_error_and_an_empty_partial_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let announcement = dir.path().join("announcement.md");
    // Empty but for a byte order mark.
    std::fs::write(&announcement, "\u{feff}").unwrap();
    let output = render_with_templates(dir.path());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with(&format!(
            "herald: {}: the file is empty; a mail template is a \"Subject: ...\" line, a \
             blank line, then the Markdown body\n",
            announcement.display()
        )),
        "{err}"
    );

    std::fs::remove_file(&announcement).unwrap();
    std::fs::write(dir.path().join("closing.md"), "").unwrap();
    let output = render_with_templates(dir.path());
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let (_, announcement) = text.split_once("==> announcement <==").unwrap();
    assert!(
        announcement
            .trim_end()
            .ends_with("This is CVE-2021-27919 and Go issue https://go.dev/issue/44916."),
        "the announcement ends where the closing was: {announcement}"
    );
}

#[test]
fn a_mail_template_without_its_subject_line_is_reported_briefly_at_its_first_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("announcement.md");
    // A first line of 1 MiB: the error quotes the start of it.
    let long = "x".repeat(1 << 20);
    std::fs::write(&path, format!("Hello {long}\n\nbody\n")).unwrap();
    let err = stderr(&render_with_templates(dir.path()));
    assert!(
        err.starts_with(&format!(
            "herald: {}:1:1: the first line must be \"Subject: ...\" followed by one blank \
             line, then the Markdown body; found \"Hello xxx",
            path.display()
        )),
        "{err}"
    );
    assert!(err.len() < 2_000, "{} bytes of error", err.len());

    // A value with a line break in the subject: the line of the template that
    // wrote it, not its end, and the line that followed.
    std::fs::write(&path, "Subject: {{ \"a\nb\" }}\n\nbody\n").unwrap();
    let err = stderr(&render_with_templates(dir.path()));
    assert!(
        err.starts_with(&format!(
            "herald: {}:1:1: the first line must be \"Subject: ...\" followed by one blank \
             line, then the Markdown body; there is no blank line after it: the second line \
             is \"b\"",
            path.display()
        )),
        "{err}"
    );
}

#[test]
fn a_project_that_is_not_go_needs_no_rust_change_and_its_templates_come_from_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let go = std::fs::read_to_string("fixtures/go1.16.1.toml").unwrap();
    let release = go
        .replace("name = \"Go\"", "name = \"Acme\"\nstandard_library = \"the core library\"\ntoolchain = \"the build tools\"\nteam = \"the Acme security team\"\nmilestone = \"board on our project tracker\"\ngreeting = \"Hello Acme users,\"")
        .replace("tag_prefix = \"go\"", "tag_prefix = \"v\"");
    std::fs::write(dir.path().join("release.toml"), release).unwrap();
    std::fs::create_dir(dir.path().join("tpl")).unwrap();
    std::fs::write(
        dir.path().join("tpl/announcement.md"),
        "Subject: Acme {{ versions_numbers }} is out\n\n{{ greeting }}\n\nAcme {{ versions_numbers }} is out.\n\n{{ sign_off }}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("herald.toml"),
        "templates = \"tpl\"\n\n[mail]\nfrom = \"Acme <security@acme.example>\"\n\n[recipients.announcement]\nto = [\"announce@acme.example\"]\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_herald"))
            .args(args)
            .current_dir(dir.path())
            .env_remove("HERALD_TODAY")
            .output()
            .unwrap()
    };
    let render = run(&["render", "release.toml", "--today", "2021-03-05"]);
    assert_eq!(render.status.code(), Some(0), "{}", stderr(&render));
    let text = stdout(&render);
    assert!(
        text.contains("security fixes to the core library."),
        "scope noun from [project]:\n{text}"
    );
    assert!(
        text.contains("Katie and Filippo for the Acme security team"),
        "{text}"
    );
    assert!(
        text.contains("Subject: Acme 1.16.1 and 1.15.9 is out"),
        "the announcement template comes from herald.toml's templates:\n{text}"
    );
    assert!(!text.contains("gophers"), "{text}");
    let history = run(&["history", "release.toml"]);
    assert!(
        stdout(&history).contains("See the Acme 1.16.1 board on our project tracker for details."),
        "{}",
        stdout(&history)
    );
    // --templates overrides the configuration's (here with an empty directory).
    std::fs::create_dir(dir.path().join("none")).unwrap();
    let builtin = run(&[
        "render",
        "release.toml",
        "--today",
        "2021-03-05",
        "--templates",
        "none",
    ]);
    assert!(
        stdout(&builtin).contains("Subject: [security] Acme 1.16.1 and Acme 1.15.9 are released"),
        "{}",
        stdout(&builtin)
    );
}

#[test]
fn the_guard_covers_the_names_in_a_thanks_sentence_and_the_projects_own_words() {
    let dir = tempfile::tempdir().unwrap();
    let go = std::fs::read_to_string("fixtures/go1.16.1.toml").unwrap();
    let release = go
        .replace(
            "credit = \"Sam Whited\"",
            "thanks = \"Thanks to Tailscale for doing weird things and finding this.\"",
        )
        .replace(
            "name = \"Go\"",
            "name = \"Go\"\nstandard_library = \"the core packages\"",
        );
    std::fs::write(dir.path().join("release.toml"), release).unwrap();
    let check = |template: &str| {
        std::fs::create_dir_all(dir.path().join("tpl")).unwrap();
        std::fs::write(dir.path().join("tpl/pre-announcement.md"), template).unwrap();
        Command::new(env!("CARGO_BIN_EXE_herald"))
            .args([
                "check",
                "release.toml",
                "--templates",
                "tpl",
                "--today",
                "2021-03-05",
            ])
            .current_dir(dir.path())
            .env_remove("HERALD_TODAY")
            .output()
            .unwrap()
    };
    let leak = check("Subject: [security] {{ versions_spoken }} pre-announcement\n\nA fix found by tailscale is coming.\n");
    assert_eq!(leak.status.code(), Some(1), "{}", stderr(&leak));
    assert!(
        stderr(&leak).contains("violation [embargo]"),
        "{}",
        stderr(&leak)
    );
    let clean = check("Subject: [security] {{ versions_spoken }} pre-announcement\n\nThese releases include security fixes to {{ affects_text }}.\n");
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
}
