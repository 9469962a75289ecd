//! Control characters in the release file and the configuration: refused with exit 2,
//! at the character's own file:line:column, before anything is rendered.

use std::path::Path;

use crate::support::{herald, stderr};

const SAMPLE: &str = include_str!("../../fixtures/go1.16.1.toml");
const TODAY: &str = "2021-03-05";

fn sample_with(field: &str, text: &str) -> (String, usize) {
    let (anchor, insert) = match field {
        "title" => ("title = \"infin", None),
        "description" => ("description = \"\"\"\nThe ", None),
        "credit" => ("credit = \"Sam", None),
        "package" => ("packages = [\"encoding", None),
        "signer" => ("signers = [\"Katie\", \"Fil", None),
        "release_window" => ("release_window = \"during", None),
        "greeting" => ("[project]\n", Some("greeting = \"Hello")),
        "thanks" => (
            "title = \"panic when calling Reader.Open\"\n",
            Some("thanks = \"Thanks to A"),
        ),
        "spoken key" => ("[release]", Some("[project.spoken]\n\"cmd/tr")),
        "history key" => {
            let prefix = "\n[history.version.\"1.16";
            let release = format!("{SAMPLE}{prefix}{text}.1\"]\nsummary = \"x\"\n");
            return (release, SAMPLE.len() + prefix.len());
        }
        other => panic!("no field {other}"),
    };
    let at = SAMPLE.find(anchor).expect("anchor") + anchor.len();
    let (before, after) = SAMPLE.split_at(at);
    match (field, insert) {
        (_, None) => (format!("{before}{text}{after}"), at),
        ("spoken key", Some(prefix)) => {
            let at = at - "[release]".len();
            let (before, after) = SAMPLE.split_at(at);
            (
                format!("{before}{prefix}{text}ace\" = \"trace\"\n\n{after}"),
                at + prefix.len(),
            )
        }
        (_, Some(prefix)) => (
            format!("{before}{prefix}{text} B for this.\"\n{after}"),
            at + prefix.len(),
        ),
    }
}

/// "line:column" of a byte offset, columns in characters as herald counts them.
fn position(text: &str, offset: usize) -> String {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    format!("{line}:{}", before[start..].chars().count() + 1)
}

/// Escapes, and raw forms TOML allows, of each class of refused character, with what
/// the error must call it.
const CHARACTERS: &[(&str, &str)] = &[
    (r"\b", "U+0008 BACKSPACE"),
    (r"\u0000", "U+0000 NULL"),
    (r"\e[31m", "U+001B ESCAPE"),
    (r"\x07", "U+0007 BELL"),
    (r"\f", "U+000C FORM FEED"),
    (r"\U0000001F", "U+001F UNIT SEPARATOR"),
    (
        r"\r",
        "a carriage return (U+000D) not followed by a line feed",
    ),
    (r"\u007F", "U+007F DELETE"),
    (r"\u009B", "U+009B CONTROL SEQUENCE INTRODUCER"),
    ("\u{9b}", "U+009B CONTROL SEQUENCE INTRODUCER"),
    ("\u{85}", "U+0085 NEXT LINE"),
    (r"\u2028", "U+2028 LINE SEPARATOR"),
    ("\u{2029}", "U+2029 PARAGRAPH SEPARATOR"),
    // Raw C0 controls and DEL are not TOML; the parse error names them all the same.
    ("\u{8}", "U+0008 BACKSPACE"),
    ("\u{1b}", "U+001B ESCAPE"),
    ("\u{7f}", "U+007F DELETE"),
];

const FIELDS: &[&str] = &[
    "title",
    "description",
    "credit",
    "thanks",
    "greeting",
    "package",
    "signer",
    "release_window",
    "spoken key",
    "history key",
];

#[test]
fn every_class_of_control_character_in_every_field_exits_2_at_its_position() {
    let dir = tempfile::tempdir().unwrap();
    for field in FIELDS {
        for (text, name) in CHARACTERS {
            let (release, at) = sample_with(field, text);
            let file = dir.path().join("release.toml");
            std::fs::write(&file, &release).unwrap();
            let file = file.to_str().unwrap();
            let case = format!("{field} with {text:?}");
            let output = herald(&["check", file, "--today", TODAY]);
            let err = stderr(&output);
            assert_eq!(output.status.code(), Some(2), "{case}:\n{err}");
            assert!(output.stdout.is_empty(), "{case}: data on stdout");
            let at = format!(
                "{file}:{}: error [control-character]: ",
                position(&release, at)
            );
            assert!(err.contains(&at), "{case}: no {at:?} in\n{err}");
            assert!(err.contains(name), "{case}: no {name:?} in\n{err}");
            // Nothing echoes a control character to the terminal, the findings of
            // other rules that quote the value included.
            let shown = |c: char| {
                matches!(c, '\n' | '\t')
                    || !(c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
            };
            assert!(
                err.chars().all(shown),
                "{case}: a control character is in\n{err:?}"
            );
        }
    }
}

#[test]
fn json_is_one_document_carrying_the_finding() {
    let dir = tempfile::tempdir().unwrap();
    for (field, text, name) in [
        ("title", r"\b", "U+0008 BACKSPACE"),
        ("description", r"\u0000", "U+0000 NULL"),
        ("credit", "\u{85}", "U+0085 NEXT LINE"),
        ("thanks", r"\r", "carriage return"),
        ("greeting", "\u{1b}", "U+001B ESCAPE"),
    ] {
        let (release, at) = sample_with(field, text);
        let file = dir.path().join("release.toml");
        std::fs::write(&file, &release).unwrap();
        let file = file.to_str().unwrap();
        for command in ["check", "render", "plan", "history"] {
            let output = herald(&[command, file, "--today", TODAY, "--format", "json"]);
            let case = format!("{command} {field} {text:?}");
            assert_eq!(output.status.code(), Some(2), "{case}");
            let json: serde_json::Value = serde_json::from_slice(&output.stdout)
                .unwrap_or_else(|e| panic!("{case}: not one JSON document ({e})"));
            assert_eq!(json["status"], "unusable", "{case}: {json}");
            assert_eq!(json["exit_code"], 2, "{case}");
            let finding = &json["findings"][0];
            assert_eq!(finding["rule"], "control-character", "{case}: {json}");
            assert_eq!(finding["severity"], "invalid", "{case}: {json}");
            let location = &finding["location"];
            assert_eq!(location["file"], file, "{case}");
            let (line, column) = position(&release, at)
                .split_once(':')
                .map(|(l, c)| (l.parse::<u64>().unwrap(), c.parse::<u64>().unwrap()))
                .unwrap();
            assert_eq!(location["line"], line, "{case}");
            assert_eq!(location["column"], column, "{case}");
            assert!(
                finding["message"].as_str().unwrap().contains(name),
                "{case}: {finding}"
            );
        }
    }
}

#[test]
fn render_out_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for (field, text) in [("title", r"\e[2J"), ("description", "\u{9b}31m")] {
        let (release, _) = sample_with(field, text);
        let file = dir.path().join("release.toml");
        std::fs::write(&file, &release).unwrap();
        let fresh = dir.path().join("fresh");
        let kept = dir.path().join("kept");
        std::fs::create_dir_all(&kept).unwrap();
        std::fs::write(kept.join("announcement.txt"), "earlier draft").unwrap();
        for out in [&fresh, &kept] {
            let output = herald(&[
                "render",
                file.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--today",
                TODAY,
            ]);
            assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        }
        assert!(!fresh.exists(), "{field}: render --out made {fresh:?}");
        let left: Vec<_> = std::fs::read_dir(&kept).unwrap().collect();
        assert_eq!(left.len(), 1, "{field}: {left:?}");
        assert_eq!(
            std::fs::read_to_string(kept.join("announcement.txt")).unwrap(),
            "earlier draft"
        );
    }
}

/// Renders `release` into `out` and returns each file's bytes, multipart boundaries
/// (random) replaced by one name.
fn render_files(release: &Path, out: &Path) -> Vec<(String, Vec<u8>)> {
    let output = herald(&[
        "render",
        release.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(out)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_release_file_saved_with_crlf_line_endings_makes_the_same_mail() {
    let dir = tempfile::tempdir().unwrap();
    let lf = dir.path().join("lf.toml");
    let crlf = dir.path().join("crlf.toml");
    // A tab in a title and in a description is allowed, in both files.
    let release = SAMPLE.replace("xml.NewTokenDecoder with", "xml.NewTokenDecoder\\twith");
    let release = release.replace("can loop forever", "can\tloop forever");
    assert_ne!(release, SAMPLE);
    std::fs::write(&lf, &release).unwrap();
    std::fs::write(&crlf, release.replace('\n', "\r\n")).unwrap();
    let from_lf = render_files(&lf, &dir.path().join("lf"));
    let from_crlf = render_files(&crlf, &dir.path().join("crlf"));
    assert_eq!(from_lf.len(), 8, "{:?}", from_lf.iter().map(|f| &f.0));
    for ((name, lf), (_, crlf)) in from_lf.iter().zip(&from_crlf) {
        assert!(
            lf == crlf,
            "{name} differs:\n{}\n---\n{}",
            String::from_utf8_lossy(lf),
            String::from_utf8_lossy(crlf)
        );
    }
    let (_, text) = from_lf
        .iter()
        .find(|(name, _)| name == "announcement.txt")
        .unwrap();
    let text = String::from_utf8_lossy(text);
    assert!(text.contains("NewTokenDecoder\twith"), "{text}");

    // In a CRLF file, a control character is found at the same line and column.
    let (bad, at) = sample_with("description", r"\b");
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, bad.replace('\n', "\r\n")).unwrap();
    let file = file.to_str().unwrap();
    let output = herald(&["check", file, "--today", TODAY]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "{file}:{}: error [control-character]",
            position(&bad, at)
        )),
        "{err}"
    );
}

#[test]
fn a_control_character_at_the_end_of_a_huge_description_makes_a_short_error() {
    let dir = tempfile::tempdir().unwrap();
    let long = "x".repeat(1 << 20);
    let start = SAMPLE.find("description = \"\"\"").unwrap();
    let end = SAMPLE.find("hang.\"\"\"").unwrap() + "hang.\"\"\"".len();
    for (form, value, line, column) in [
        ("basic", format!("\"{long}\\u0008\""), 28, 16),
        ("multi-line", format!("\"\"\"\n{long}\\e\"\"\""), 29, 1),
        ("literal", format!("'''{long}\u{85}'''"), 28, 18),
    ] {
        let release = format!(
            "{}description = {value}{}",
            &SAMPLE[..start],
            &SAMPLE[end..]
        );
        let file = dir.path().join("huge.toml");
        std::fs::write(&file, &release).unwrap();
        let file = file.to_str().unwrap();
        let output = herald(&["check", file, "--today", TODAY]);
        let err = stderr(&output);
        let head = &err[..err.len().min(3000)];
        assert_eq!(output.status.code(), Some(2), "{form}: {head}");
        assert!(err.len() < 2_000, "{form}: {} bytes of error", err.len());
        let column = column + (1 << 20);
        assert!(
            err.contains(&format!(
                "{file}:{line}:{column}: error [control-character]"
            )),
            "{form}: {head}"
        );
        let json = herald(&["check", file, "--today", TODAY, "--format", "json"]);
        assert!(
            json.stdout.len() < 2_000,
            "{form}: {} bytes",
            json.stdout.len()
        );
    }
}

#[test]
fn many_control_characters_make_one_finding_per_string_and_at_most_twenty_in_all() {
    let dir = tempfile::tempdir().unwrap();
    let packages: Vec<String> = (0..5000).map(|i| format!("\"p{i}\\b\"")).collect();
    let release = SAMPLE
        .replacen(
            "packages = [\"encoding/xml\"]",
            &format!("packages = [{}]", packages.join(", ")),
            1,
        )
        .replacen(
            "title = \"panic when calling Reader.Open\"",
            &format!("title = \"{}\"", "\\e[1A".repeat(100_000)),
            1,
        );
    let file = dir.path().join("many.toml");
    std::fs::write(&file, &release).unwrap();
    let file = file.to_str().unwrap();
    let output = herald(&["check", file, "--today", TODAY]);
    let err = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        &err[..err.len().min(3000)]
    );
    assert_eq!(
        err.matches("error [control-character]").count(),
        21,
        "{err}"
    );
    assert!(
        err.contains("4981 more strings hold control characters"),
        "{err}"
    );
    assert!(err.len() < 20_000, "{} bytes of error", err.len());

    let json = herald(&["check", file, "--today", TODAY, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let controls: Vec<_> = findings
        .iter()
        .filter(|f| f["rule"] == "control-character")
        .collect();
    assert_eq!(controls.len(), 21);

    // One string with 100,000 of them: one finding that counts them.
    let release = SAMPLE.replacen(
        "title = \"panic when calling Reader.Open\"",
        &format!("title = \"{}\"", "\\e[1A".repeat(100_000)),
        1,
    );
    std::fs::write(file, &release).unwrap();
    let output = herald(&["check", file, "--today", TODAY]);
    let err = stderr(&output);
    assert_eq!(err.matches("error [control-character]").count(), 1, "{err}");
    assert!(err.contains("U+001B ESCAPE"), "{err}");
    assert!(err.contains("(99999 more in this string)"), "{err}");
    assert!(err.len() < 2_000, "{} bytes of error", err.len());
}

#[test]
fn control_characters_in_the_configuration_are_refused_where_they_stand() {
    let dir = tempfile::tempdir().unwrap();
    for (line, marker, name) in [
        (
            r#"from = "\"Go\bRelease\" <r@example.org>""#,
            r"\b",
            "U+0008 BACKSPACE",
        ),
        (
            "from = \"r@example.org\"\nreply_to = \"\\\"Go\u{9b}\\\" <r@example.org>\"",
            "\u{9b}",
            "U+009B CONTROL SEQUENCE INTRODUCER",
        ),
        (
            "from = \"r@example.org\"\n[recipients.announcement]\nto = [\"\\\"List\\u2028\\\" <l@example.org>\"]",
            r"\u2028",
            "U+2028 LINE SEPARATOR",
        ),
    ] {
        let config = format!("[mail]\n{line}\n");
        let path = dir.path().join("herald.toml");
        std::fs::write(&path, &config).unwrap();
        let path = path.to_str().unwrap();
        for command in ["render", "check"] {
            let output = herald(&[
                command,
                "fixtures/go1.16.1.toml",
                "--config",
                path,
                "--today",
                TODAY,
            ]);
            let err = stderr(&output);
            assert_eq!(output.status.code(), Some(2), "{line}: {err}");
            assert!(output.stdout.is_empty(), "{line}");
            assert!(err.contains(name), "{line}: {err}");
            let at = position(&config, config.find(marker).unwrap());
            let at = format!("{path}:{at}:");
            assert!(err.contains(&at), "{line}: no {at} in {err}");
        }
    }
}
