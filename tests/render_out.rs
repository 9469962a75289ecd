//! `render --out` when renders are killed or run at once: the lock on the output
//! directory, and the temporary files killed renders leave.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Instant, SystemTime};

use support::{show, Workspace};

const TODAY: &str = "2021-03-05";

/// `herald render RELEASE --today TODAY --out OUT` in `ws`, with `extra` arguments.
fn render(ws: &Workspace, release: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "render",
        release,
        "--today",
        TODAY,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    ws.herald(&args, &[])
}

/// `render` that must succeed.
fn render_ok(ws: &Workspace, release: &str, out: &Path, extra: &[&str]) -> Output {
    let output = render(ws, release, out, extra);
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    output
}

/// Writes `release.toml` with other signers beside it as `NAME`: every message
/// changes.
fn changed_release(ws: &Workspace, name: &str) {
    let text = fs::read_to_string(ws.path("release.toml")).unwrap();
    let changed = text.replace(
        "signers = [\"Katie\", \"Filippo\"]",
        "signers = [\"Katie\", \"Roland\"]",
    );
    assert_ne!(text, changed);
    fs::write(ws.path(name), changed).unwrap();
}

/// One entry of a directory, as much as a test compares.
#[derive(Debug, PartialEq)]
enum Entry {
    File(Vec<u8>, SystemTime),
    Dir,
    Link(PathBuf),
}

/// Every entry of `dir` by name, sorted: bytes and modification time of files,
/// targets of links.
fn listing(dir: &Path) -> Vec<(String, Entry)> {
    let mut entries: Vec<(String, Entry)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let entry = if meta.is_symlink() {
                Entry::Link(fs::read_link(&path).unwrap())
            } else if meta.is_dir() {
                Entry::Dir
            } else {
                Entry::File(fs::read(&path).unwrap(), meta.modified().unwrap())
            };
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                entry,
            )
        })
        .collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries
}

/// The names in `dir` that start with a dot: temporary files, here.
fn hidden(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// The `change` of each message of a JSON report.
fn changes(output: &Output) -> Vec<String> {
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    report["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["change"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn leftovers_of_killed_renders_are_removed_and_nothing_else() {
    let ws = Workspace::new();
    let out = ws.path("drafts");
    render_ok(&ws, "release.toml", &out, &[]);
    let leftovers = [
        ".announcement.eml.herald-1234-000000001.tmp",
        ".render.json.herald-77-999999999.tmp",
        ".index.html.herald-4294967295-000000000.tmp",
    ];
    for name in leftovers {
        fs::write(out.join(name), "half of a killed render's draft").unwrap();
    }
    // Not leftovers of a render: a user's files, names close to the pattern, the
    // temporary file of a send's journal, and the pattern on a directory or a link.
    let kept = [
        "notes.tmp",
        ".notes.txt.herald-1234-000000001.tmp",
        ".release.toml.journal.json.herald-1234-000000001.tmp",
        ".announcement.eml.herald-1234-00000001.tmp",
        ".announcement.eml.herald-01234-000000001.tmp",
        "announcement.eml.herald-1234-000000001.tmp",
    ];
    for name in kept {
        fs::write(out.join(name), "the user's").unwrap();
    }
    let victim = ws.path("victim.txt");
    fs::write(&victim, "precious").unwrap();
    let precious = ws.path("precious");
    fs::create_dir(&precious).unwrap();
    fs::write(precious.join("inside"), "precious").unwrap();
    let directory = out.join(".announcement.txt.herald-1234-000000002.tmp");
    fs::create_dir(&directory).unwrap();
    fs::write(directory.join("inside"), "the user's").unwrap();
    let to_file = out.join(".announcement.html.herald-1234-000000003.tmp");
    std::os::unix::fs::symlink(&victim, &to_file).unwrap();
    let to_dir = out.join(".pre-announcement.eml.herald-1234-000000004.tmp");
    std::os::unix::fs::symlink(&precious, &to_dir).unwrap();
    let dangling = out.join(".pre-announcement.txt.herald-1234-000000005.tmp");
    std::os::unix::fs::symlink(ws.path("nowhere"), &dangling).unwrap();

    let output = render_ok(&ws, "release.toml", &out, &[]);
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("removed 3 temporary file(s) left by interrupted renders"),
        "{}",
        show(&output)
    );
    for name in leftovers {
        assert!(!out.join(name).exists(), "{name} is left");
    }
    for name in kept {
        assert_eq!(fs::read_to_string(out.join(name)).unwrap(), "the user's");
    }
    assert_eq!(
        fs::read_to_string(directory.join("inside")).unwrap(),
        "the user's"
    );
    for (link, target) in [(&to_file, &victim), (&to_dir, &precious)] {
        assert_eq!(&fs::read_link(link).unwrap(), target);
    }
    assert!(fs::symlink_metadata(&dangling).unwrap().is_symlink());
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(
        fs::read_to_string(precious.join("inside")).unwrap(),
        "precious"
    );
    // With --format json the report counts them.
    fs::write(out.join(leftovers[0]), "again").unwrap();
    let json = render_ok(&ws, "release.toml", &out, &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["leftovers_removed"], 1, "{}", show(&json));
}

#[test]
fn ten_thousand_leftovers_are_removed_in_one_render() {
    let ws = Workspace::new();
    let out = ws.path("drafts");
    render_ok(&ws, "release.toml", &out, &[]);
    for i in 0..10_000 {
        fs::write(
            out.join(format!(".announcement.eml.herald-{i}-000000001.tmp")),
            "x",
        )
        .unwrap();
    }
    let started = Instant::now();
    let output = render_ok(&ws, "release.toml", &out, &[]);
    eprintln!(
        "a render removing 10,000 leftovers took {:?}",
        started.elapsed()
    );
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("removed 10000 temporary file(s)"),
        "{}",
        show(&output)
    );
    assert!(hidden(&out).is_empty());
}

#[test]
fn a_render_into_a_directory_another_render_holds_stops_at_once_and_changes_nothing() {
    let ws = Workspace::new();
    let out = ws.path("drafts");
    render_ok(&ws, "release.toml", &out, &[]);
    changed_release(&ws, "changed.toml");
    let leftover = out.join(".announcement.eml.herald-1234-000000001.tmp");
    fs::write(&leftover, "half a draft").unwrap();
    let link = ws.path("link-to-drafts");
    std::os::unix::fs::symlink(&out, &link).unwrap();
    // This test process stands for a running render: it holds the directory's lock.
    let held = fs::File::open(&out).unwrap();
    held.try_lock().unwrap();
    let before = listing(&out);
    for dir in [&out, &link] {
        let output = render(&ws, "changed.toml", dir, &[]);
        assert_eq!(output.status.code(), Some(2), "{}", show(&output));
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(
            err.contains("another herald render into this directory is running")
                && err.contains("nothing was written"),
            "{err}"
        );
        assert_eq!(listing(&out), before, "the directory is as it was");
    }
    let json = render(&ws, "changed.toml", &out, &["--format", "json"]);
    assert_eq!(json.status.code(), Some(2), "{}", show(&json));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["exit_code"], 2);
    assert!(report["error"]
        .as_str()
        .unwrap()
        .contains("another herald render"));
    assert_eq!(listing(&out), before);
    // Released (as when the holder ends), the directory is free again.
    drop(held);
    let output = render_ok(&ws, "changed.toml", &link, &["--format", "json"]);
    assert_eq!(changes(&output), ["changed", "changed"]);
    assert!(!leftover.exists());
}

#[test]
fn a_dangling_link_as_the_directory_is_refused() {
    let ws = Workspace::new();
    let link = ws.path("drafts");
    std::os::unix::fs::symlink(ws.path("nowhere"), &link).unwrap();
    let output = render(&ws, "release.toml", &link, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not a directory"));
    assert!(!ws.path("nowhere").exists());
}

#[test]
fn a_directory_herald_may_not_write_or_read_stops_the_render_and_changes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let ws = Workspace::new();
    let out = ws.path("drafts");
    render_ok(&ws, "release.toml", &out, &[]);
    changed_release(&ws, "changed.toml");
    let mode = |bits: u32| fs::set_permissions(&out, fs::Permissions::from_mode(bits)).unwrap();
    let unprivileged = |release: &str| {
        ws.unprivileged_command(&[
            "render",
            release,
            "--today",
            TODAY,
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap()
    };
    // Drafts to replace in a directory herald may not write.
    let before = listing(&out);
    mode(0o555);
    let changed = unprivileged("changed.toml");
    assert_eq!(changed.status.code(), Some(2), "{}", show(&changed));
    let err = String::from_utf8_lossy(&changed.stderr);
    assert!(
        err.contains("Permission denied") && err.contains("nothing was written"),
        "{err}"
    );
    mode(0o755);
    assert_eq!(listing(&out), before);

    // A leftover it may not remove.
    let leftover = out.join(".announcement.eml.herald-1234-000000001.tmp");
    fs::write(&leftover, "half a draft").unwrap();
    let before = listing(&out);
    mode(0o555);
    let output = unprivileged("release.toml");
    mode(0o755);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("cannot remove this temporary file of an interrupted render"),
        "{err}"
    );
    assert_eq!(listing(&out), before);
    fs::remove_file(&leftover).unwrap();

    // A directory herald may write in but not read (nor so lock).
    let before = listing(&out);
    mode(0o333);
    let output = unprivileged("changed.toml");
    mode(0o755);
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("cannot lock the directory against other renders")
            && err.contains("nothing was written"),
        "{err}"
    );
    assert_eq!(listing(&out), before);
}
