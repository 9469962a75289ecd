//! `render --out` when renders are killed or run at once: the lock on the output
//! directory, the temporary files killed renders leave, and a render stopped among
//! its renames, which leaves drafts without `render.json`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::support::{show, Workspace};

const TODAY: &str = "2021-03-05";

/// The arguments of `herald render RELEASE --today TODAY --out OUT`.
fn render_args<'a>(release: &'a str, out: &'a Path) -> Vec<&'a str> {
    vec![
        "render",
        release,
        "--today",
        TODAY,
        "--out",
        out.to_str().unwrap(),
    ]
}

/// `herald render RELEASE --today TODAY --out OUT` in `ws`, with `extra` arguments.
fn render(ws: &Workspace, release: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = render_args(release, out);
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

/// The files a render of the sample release writes, but the preview page (its
/// change labels depend on the render before).
const DRAFTS: [&str; 7] = [
    "pre-announcement.eml",
    "pre-announcement.txt",
    "pre-announcement.html",
    "announcement.eml",
    "announcement.txt",
    "announcement.html",
    "render.json",
];

/// The bytes of the draft at `path`, as text.
fn draft(path: &Path) -> Option<String> {
    Some(String::from_utf8_lossy(&fs::read(path).ok()?).into_owned())
}

/// Asserts that `dir` holds exactly the drafts and `render.json` of `reference`.
fn assert_same_drafts(dir: &Path, reference: &Path) {
    for name in DRAFTS {
        assert!(
            draft(&dir.join(name)) == draft(&reference.join(name)),
            "{name} differs from the render in {}",
            reference.display()
        );
    }
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
fn the_same_release_renders_the_same_bytes_and_a_second_render_touches_nothing() {
    let ws = Workspace::new();
    let (first, second) = (ws.path("first"), ws.path("second"));
    render_ok(&ws, "release.toml", &first, &[]);
    render_ok(&ws, "release.toml", &second, &[]);
    // The MIME boundary comes from the content: the .eml files are equal too.
    assert_same_drafts(&second, &first);
    let stamps = |dir: &Path| -> Vec<(String, SystemTime)> {
        DRAFTS
            .iter()
            .map(|n| {
                (
                    n.to_string(),
                    fs::metadata(dir.join(n)).unwrap().modified().unwrap(),
                )
            })
            .collect()
    };
    let before = stamps(&first);
    std::thread::sleep(Duration::from_millis(20));
    let output = render_ok(&ws, "release.toml", &first, &["--format", "json"]);
    assert_eq!(changes(&output), ["unchanged", "unchanged"]);
    // The preview page now says "unchanged", so it and render.json were put in
    // place again; no draft was.
    let drafts = before.len() - 1;
    assert_eq!(stamps(&first)[..drafts], before[..drafts]);
    // A third render finds every file, the page and render.json included, as it is.
    let before = stamps(&first);
    let page = fs::metadata(first.join("index.html"))
        .unwrap()
        .modified()
        .unwrap();
    std::thread::sleep(Duration::from_millis(20));
    render_ok(&ws, "release.toml", &first, &[]);
    assert_eq!(stamps(&first), before);
    let now = fs::metadata(first.join("index.html"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(now, page);
}

#[test]
fn a_large_release_drafted_on_threads_gives_the_bytes_send_gives() {
    // Over 1 MiB: render drafts the messages and writes the files on threads;
    // `send --dry-run` makes each message alone, on one thread.
    let ws = Workspace::new();
    let release = genfixture::release_toml(1500);
    assert!(release.len() > 1 << 20, "{} bytes", release.len());
    fs::write(ws.path("release.toml"), release).unwrap();
    let out = ws.path("drafts");
    render_ok(&ws, "release.toml", &out, &[]);
    let without_date = |bytes: Vec<u8>| -> String {
        String::from_utf8(bytes)
            .unwrap()
            .split("\r\n")
            .filter(|line| !line.starts_with("Date: "))
            .collect::<Vec<_>>()
            .join("\r\n")
    };
    for (kind, today) in [("pre-announcement", TODAY), ("announcement", "2021-03-10")] {
        let output = ws.run_send(kind, today, &["--dry-run", "--yes"], &[]);
        assert_eq!(output.status.code(), Some(0), "{kind}: {}", show(&output));
        let sent = fs::read(ws.path(&format!("release.toml.{kind}.dry-run.eml"))).unwrap();
        let drafted = fs::read(out.join(format!("{kind}.eml"))).unwrap();
        assert!(drafted.len() > 1000, "{kind}");
        assert!(
            without_date(drafted) == without_date(sent),
            "{kind}: the draft and the dry run differ"
        );
    }
}

#[test]
fn a_file_size_limit_stops_the_render_with_an_error_and_nothing_written() {
    let ws = Workspace::new();
    let out = ws.path("drafts");
    render_ok(&ws, "release.toml", &out, &[]);
    changed_release(&ws, "changed.toml");
    let before = listing(&out);
    // Past the limit the kernel sends SIGXFSZ, which would kill herald silently.
    let mut command = Command::new("prlimit");
    command.args(["--fsize=4096", env!("CARGO_BIN_EXE_herald")]);
    command.args(render_args("changed.toml", &out));
    let output = command
        .current_dir(ws.path(""))
        .env_remove("HERALD_TODAY")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("File too large") && err.contains("nothing was written"),
        "{err}"
    );
    assert_eq!(listing(&out), before);
    assert!(hidden(&out).is_empty(), "{:?}", hidden(&out));
}

#[test]
fn a_dry_run_past_a_file_size_limit_leaves_no_truncated_file() {
    let ws = Workspace::new();
    let dry_run = ws.path("release.toml.announcement.dry-run.eml");
    let output = Command::new("prlimit")
        .args(["--fsize=1000", env!("CARGO_BIN_EXE_herald")])
        .args(["send", "release.toml", "--message", "announcement"])
        .args(["--dry-run", "--yes", "--today", "2021-03-10"])
        .current_dir(ws.path(""))
        .env_remove("HERALD_TODAY")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("the dry run was not written"), "{err}");
    assert!(!dry_run.exists(), "a truncated dry run was left");
    assert!(
        hidden(&ws.path("")).is_empty(),
        "{:?}",
        hidden(&ws.path(""))
    );
}

#[test]
fn a_huge_render_json_is_not_read_into_memory() {
    let ws = Workspace::new();
    let out = ws.path("drafts");
    render_ok(&ws, "release.toml", &out, &[]);
    // Sparse: 5 GB that cost no disk, and would cost 5 GB of memory if read.
    let manifest = fs::OpenOptions::new()
        .write(true)
        .open(out.join("render.json"))
        .unwrap();
    manifest.set_len(5 << 30).unwrap();
    drop(manifest);
    let output = render_ok(&ws, "release.toml", &out, &["--format", "json"]);
    assert_eq!(changes(&output), ["first", "first"]);
    let page = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        page.contains("could not be read")
            && page.contains("more than the 1048576 bytes herald reads"),
        "the page does not say why"
    );
    assert!(fs::metadata(out.join("render.json")).unwrap().len() < 4096);
}

#[test]
fn a_last_text_part_over_a_mebibyte_is_not_diffed() {
    let ws = Workspace::new();
    let out = ws.path("drafts");
    render_ok(&ws, "release.toml", &out, &[]);
    // Two million empty lines: a line diff of them took gigabytes.
    fs::write(out.join("announcement.txt"), "\n".repeat(2 << 20)).unwrap();
    changed_release(&ws, "changed.toml");
    let output = render_ok(&ws, "changed.toml", &out, &["--format", "json"]);
    assert_eq!(changes(&output), ["changed", "changed"]);
    let page = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        page.contains("No diff is shown: the last render's text part (announcement.txt)"),
        "the page does not say why there is no diff"
    );
    assert!(page.len() < 100_000, "a page of {} bytes", page.len());
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

/// What a render of `changed.toml` killed among its renames leaves in `out`, which
/// held a whole render of `release.toml`: `render.json` moved aside, the
/// announcement's drafts already the new ones (`reference` holds them), the
/// pre-announcement's still the old ones.
fn interrupt(out: &Path, reference: &Path) {
    fs::rename(
        out.join("render.json"),
        out.join(".render.json.herald-4242-123456789.tmp"),
    )
    .unwrap();
    for name in ["announcement.eml", "announcement.txt", "announcement.html"] {
        fs::copy(reference.join(name), out.join(name)).unwrap();
    }
}

#[test]
fn a_render_stopped_among_its_renames_is_detected_and_the_next_one_replaces_it() {
    let ws = Workspace::new();
    changed_release(&ws, "changed.toml");
    let reference = ws.path("reference");
    render_ok(&ws, "changed.toml", &reference, &[]);
    for json in [false, true] {
        let out = ws.path(if json { "json" } else { "text" });
        render_ok(&ws, "release.toml", &out, &[]);
        interrupt(&out, &reference);
        // A draft that already holds the new bytes is kept as it is.
        let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let kept = out.join("announcement.txt");
        fs::File::options()
            .write(true)
            .open(&kept)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();

        let format: &[&str] = if json { &["--format", "json"] } else { &[] };
        let output = render_ok(&ws, "changed.toml", &out, format);
        let note = "held drafts but no render.json";
        if json {
            assert_eq!(changes(&output), ["first", "first"], "{}", show(&output));
            let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
            assert!(report["repaired"].as_str().unwrap().contains(note));
        } else {
            let err = String::from_utf8_lossy(&output.stderr);
            assert!(err.contains(note), "{err}");
            assert!(err.contains("removed 1 temporary file(s)"), "{err}");
        }
        let page = fs::read_to_string(out.join("index.html")).unwrap();
        assert!(page.contains("class=\"change first incomplete\""), "{page}");
        assert!(!page.contains("class=\"change unchanged\""), "{page}");
        assert!(!page.contains("class=\"change changed"), "{page}");
        // Afterwards the directory holds one render, whole.
        assert_same_drafts(&out, &reference);
        assert!(hidden(&out).is_empty(), "{:?}", hidden(&out));
        assert_eq!(fs::metadata(&kept).unwrap().modified().unwrap(), long_ago);
        let again = render_ok(&ws, "changed.toml", &out, &["--format", "json"]);
        assert_eq!(changes(&again), ["unchanged", "unchanged"]);
        let report: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
        assert!(report.get("repaired").is_none(), "{}", show(&again));
    }
}

#[test]
fn a_directory_herald_may_not_write_or_read_stops_the_render_and_changes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let ws = Workspace::new();
    let out = ws.path("drafts");
    render_ok(&ws, "release.toml", &out, &[]);
    changed_release(&ws, "changed.toml");
    let mode = |bits: u32| fs::set_permissions(&out, fs::Permissions::from_mode(bits)).unwrap();
    // Renders `release` as an unprivileged user with the directory's mode set to
    // `bits`; the render must stop with exit 2 and every one of `expected` in its
    // error, and leave the directory as it was.
    let refused = |release: &str, bits: u32, expected: &[&str]| {
        let before = listing(&out);
        mode(bits);
        let output = ws
            .unprivileged_command(&render_args(release, &out))
            .output()
            .unwrap();
        mode(0o755);
        assert_eq!(output.status.code(), Some(2), "{}", show(&output));
        let err = String::from_utf8_lossy(&output.stderr);
        for text in expected {
            assert!(err.contains(text), "{text}: {err}");
        }
        assert_eq!(listing(&out), before);
    };
    // Drafts to replace in a directory herald may not write.
    refused(
        "changed.toml",
        0o555,
        &["Permission denied", "nothing was written"],
    );
    // A leftover it may not remove.
    let leftover = out.join(".announcement.eml.herald-1234-000000001.tmp");
    fs::write(&leftover, "half a draft").unwrap();
    refused(
        "release.toml",
        0o555,
        &["cannot remove this temporary file of an interrupted render"],
    );
    fs::remove_file(&leftover).unwrap();
    // A directory herald may write in but not read (nor so lock).
    refused(
        "changed.toml",
        0o333,
        &[
            "cannot lock the directory against other renders",
            "nothing was written",
        ],
    );
}

/// A random sequence seeded from the clock; the seed is printed so that a failure
/// can be replayed with `HERALD_TEST_SEED`.
fn random_sequence() -> genfixture::Rng {
    let seed = std::env::var("HERALD_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("HERALD_TEST_SEED={seed}");
    genfixture::Rng::new(seed)
}

/// The inode number of the file at `path`, which a rename over it changes.
fn inode(path: &Path) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    fs::symlink_metadata(path).ok().map(|m| m.ino())
}

/// What a killed render left, before the next render.
#[derive(Debug, Default)]
struct Tally {
    whole: u32,
    without_manifest: u32,
    with_leftovers: u32,
}

#[test]
fn renders_killed_at_random_moments_never_leave_a_directory_that_misleads() {
    // A large release, so a render spends a while on each of its steps.
    let ws = Workspace::new();
    fs::write(ws.path("a.toml"), genfixture::release_toml(100)).unwrap();
    let text = fs::read_to_string(ws.path("a.toml")).unwrap();
    let b = text.replace(
        "signers = [\"Katie\", \"Filippo\"]",
        "signers = [\"Roland\"]",
    );
    assert_ne!(text, b);
    fs::write(ws.path("b.toml"), b).unwrap();
    let references = [ws.path("ref-a"), ws.path("ref-b")];
    let releases = ["a.toml", "b.toml"];
    let started = Instant::now();
    render_ok(&ws, releases[0], &references[0], &[]);
    let duration = started.elapsed();
    render_ok(&ws, releases[1], &references[1], &[]);

    let out = ws.path("drafts");
    render_ok(&ws, releases[0], &out, &[]);
    let mut current = 0;
    let mut rng = random_sequence();
    let mut tally = Tally::default();
    for round in 0..30 {
        let next = 1 - current;
        let first = out.join(DRAFTS[0]);
        let first_before = inode(&first).unwrap();
        let mut child = ws
            .command(&render_args(releases[next], &out))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Three ways to pick the moment: any time; once temporary files appear (the
        // files are being written); once the first draft was replaced (the renames
        // have begun: the two releases' pre-announcements differ in their sign-off).
        let deadline = Instant::now() + duration * 4;
        match round % 3 {
            0 => std::thread::sleep(duration.mul_f64(rng.below(1000) as f64 / 1000.0)),
            1 => {
                while Instant::now() < deadline
                    && child.try_wait().unwrap().is_none()
                    && hidden(&out).is_empty()
                {}
                let spin = Instant::now() + Duration::from_micros(rng.below(2000) as u64);
                while Instant::now() < spin {}
            }
            _ => {
                while Instant::now() < deadline
                    && child.try_wait().unwrap().is_none()
                    && inode(&first) == Some(first_before)
                {}
            }
        }
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();

        // Whenever render.json is there, every draft is of the render it records.
        let manifest = fs::read(out.join("render.json")).ok();
        let of = references
            .iter()
            .position(|r| fs::read(r.join("render.json")).ok() == manifest);
        match (&manifest, of) {
            (Some(_), Some(of)) => {
                assert_same_drafts(&out, &references[of]);
                tally.whole += 1;
            }
            (Some(_), None) => panic!("round {round}: render.json is of neither render"),
            (None, _) => tally.without_manifest += 1,
        }
        if !hidden(&out).is_empty() {
            tally.with_leftovers += 1;
        }
        let before: Vec<Option<String>> = DRAFTS.iter().map(|n| draft(&out.join(n))).collect();

        // The next render succeeds, says "unchanged" only of what is, and leaves
        // the directory whole.
        let output = render_ok(&ws, releases[next], &out, &["--format", "json"]);
        let labels = changes(&output);
        if manifest.is_none() {
            assert_eq!(labels, ["first", "first"], "round {round}");
        }
        for (kind, label) in labels.iter().enumerate() {
            if label == "unchanged" {
                for file in 3 * kind..3 * kind + 3 {
                    let now = draft(&out.join(DRAFTS[file]));
                    assert_eq!(before[file], now, "round {round}: {}", DRAFTS[file]);
                }
            }
        }
        assert_same_drafts(&out, &references[next]);
        assert!(hidden(&out).is_empty(), "round {round}: {:?}", hidden(&out));
        current = next;
    }
    eprintln!(
        "{tally:?} in {:?} (one render takes {duration:?})",
        started.elapsed()
    );
}
