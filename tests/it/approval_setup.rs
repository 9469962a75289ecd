//! What stops approvals from being judged at all: a bad `[approval]` table, a key
//! file that lacks a listed key, a malformed approval file, gpg or ssh-keygen
//! missing. Each is a clear error with its place, and nothing is sent.

use crate::support::approvers::{approval_file, statement, Keys};
use crate::support::{show, stderr, ServerOptions, SmtpServer, Workspace};

const RELEASE_DAY: &str = "2021-03-10";
const SSH_KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPf9QIlu58wKyuz9u80cOjdvqqGp3a2IxBNuixC2vZ5V alice@example.org";
const FINGERPRINT: &str = "6EE3614BBC30195EDC99820CFAB6D7E122DD4997";

/// A workspace whose herald.toml ends with `approval` (the whole `[approval]` table).
fn with_approval(server: &SmtpServer, approval: &str) -> Workspace {
    let ws = Workspace::new();
    ws.configure(server, "none", "");
    ws.append_config(approval);
    ws
}

/// Where the `[approval]` table starts in herald.toml: the line after the
/// configuration the tests write.
fn table_line(ws: &Workspace) -> usize {
    let text = std::fs::read_to_string(ws.path("herald.toml")).unwrap();
    text.lines().position(|l| l == "[approval]").unwrap() + 1
}

#[test]
fn bad_approval_tables_are_errors_at_their_place() {
    let server = SmtpServer::start(ServerOptions::new());
    let key = format!("\"{SSH_KEY}\"");
    // (the table after its header, the line within it, the column, what is said)
    let cases: Vec<(String, usize, usize, &str)> = vec![
        (
            format!("required = 1\napprovers = [\"FAB6D7E122DD4997\", {key}]"),
            2,
            14,
            "16 hex digits: an OpenPGP approver is the full fingerprint",
        ),
        (
            format!("required = 1\napprovers = [{key}, \"alice@example.org\"]"),
            2,
            116,
            "expected an OpenPGP fingerprint (40 hex digits) or an SSH public key line",
        ),
        (
            format!("required = 3\napprovers = [{key}]"),
            1,
            12,
            "required = 3, but 1 approver is listed",
        ),
        (
            format!("required = 0\napprovers = [{key}]"),
            1,
            12,
            "needs at least 1 approval; to need none, remove the [approval] table",
        ),
        (
            format!("required = 1\napprovers = [{key}]\nkinds = [\"announcement\", \"notice\"]"),
            3,
            26,
            "unknown variant `notice`, expected `pre-announcement` or `announcement`",
        ),
        (
            format!("required = 1\napprovers = [{key}]\nkinds = []"),
            3,
            9,
            "kinds is empty",
        ),
        (
            format!("required = 1\napprovers = [{key}, {key}]"),
            2,
            116,
            "is listed twice (first at line",
        ),
        (
            format!("required = 1\napprovers = [\"{FINGERPRINT}\"]"),
            2,
            13,
            "needs openpgp_keys = \"FILE\"",
        ),
        (
            "required = 1\napprovers = [{ name = \"Dana\", keys = [] }]".to_string(),
            2,
            14,
            "this approver lists no keys",
        ),
        (
            format!(
                "required = 1\napprovers = [{{ name = \"Dana\", keys = [{key}], mail = \"x\" }}]"
            ),
            2,
            142,
            "unknown field `mail`",
        ),
        (
            format!("required = 1\napprovers = [{key}]\ntimeout_seconds = 0"),
            3,
            19,
            "expected a whole number from 1 to 3600",
        ),
        (
            format!("required = 1\napprovers = [{key}]\nsigners = 2"),
            3,
            1,
            "unknown field `signers`",
        ),
    ];
    for (table, line, column, says) in cases {
        let ws = with_approval(&server, &format!("[approval]\n{table}\n"));
        let start = table_line(&ws);
        let output = ws.herald(&["check", "release.toml"], &[]);
        assert_eq!(output.status.code(), Some(2), "{table}\n{}", show(&output));
        let said = stderr(&output);
        let at = format!("herald.toml:{}:{column}: ", start + line);
        assert!(said.contains(&at), "{table}: expected {at}\n{said}");
        assert!(said.contains(says), "{table}: expected {says}\n{said}");
        let sent = ws.send("announcement", RELEASE_DAY, &[]);
        assert_eq!(sent.status.code(), Some(2), "{}", show(&sent));
    }
    assert!(server.received().is_empty());
}

#[test]
fn the_key_file_must_hold_every_listed_primary_key() {
    let server = SmtpServer::start(ServerOptions::new());
    let keys = Keys::new();
    let alice = keys.openpgp("alice");
    let bob = keys.openpgp("bob");
    let subkey = keys.add_subkey(&alice);
    let ws = with_approval(
        &server,
        &format!("[approval]\nrequired = 1\napprovers = [\"{alice}\", \"{bob}\"]\nopenpgp_keys = \"keys/approvers.asc\"\n"),
    );
    let start = table_line(&ws);
    let check = || ws.herald(&["check", "release.toml"], &keys.env());

    let output = check();
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        stderr(&output).contains("approvers.asc: cannot read [approval] openpgp_keys"),
        "{}",
        show(&output)
    );

    std::fs::create_dir(ws.path("keys")).unwrap();
    keys.export(&[&alice], &ws.path("keys/approvers.asc"));
    let output = check();
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    let said = stderr(&output);
    assert!(
        said.contains(&format!("herald.toml:{}:", start + 2)),
        "{said}"
    );
    assert!(
        said.contains(&format!("the public key of approver {bob} is not in")),
        "{said}"
    );
    assert!(
        said.contains(&format!("gpg --export --armor {bob} >>")),
        "{said}"
    );

    // A subkey's fingerprint is named as such.
    std::fs::write(
        ws.path("herald.toml"),
        std::fs::read_to_string(ws.path("herald.toml"))
            .unwrap()
            .replace(&bob, &subkey),
    )
    .unwrap();
    let output = check();
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        stderr(&output).contains(&format!("approver {subkey} is a subkey of {alice}")),
        "{}",
        show(&output)
    );

    std::fs::write(ws.path("keys/approvers.asc"), "not a key\n").unwrap();
    let output = check();
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        stderr(&output).contains("failed to import the approvers' public keys"),
        "{}",
        show(&output)
    );
}

#[test]
fn a_malformed_approval_file_is_an_error_at_its_place_and_nothing_is_sent() {
    let server = SmtpServer::start(ServerOptions::new());
    let ws = with_approval(
        &server,
        &format!("[approval]\nrequired = 1\napprovers = [\"{SSH_KEY}\"]\n"),
    );
    let hash = ws.content_hash("announcement");
    let good = approval_file(
        "announcement",
        &hash,
        "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----",
    );
    for (text, says) in [
        (
            "format = 1\nproject = \"Go\"\nversions = [\n".to_string(),
            "a.toml:3:13: error [approval-file]: this approval file is malformed: unclosed array",
        ),
        (
            good.replace("format = 1", "format = 7"),
            "a.toml:1:10: error [approval-file]: this approval file is malformed: format 7",
        ),
        (
            good.replace("BEGIN SSH SIGNATURE", "BEGIN SSH KEY"),
            "a.toml:6:13: error [approval-file]: this approval file is malformed: signature must be one armored signature",
        ),
        (good.replace("kind = ", "sort = "), "unknown field `sort`"),
    ] {
        ws.add_approval("a.toml", &text);
        let output = ws.send("announcement", RELEASE_DAY, &[]);
        assert_eq!(output.status.code(), Some(2), "{}", show(&output));
        let said = stderr(&output);
        assert!(said.contains(says), "expected {says}:\n{said}");
        assert!(
            said.contains("error [approval-file]") || said.contains("[schema]"),
            "{said}"
        );
        let check = ws.herald(&["check", "release.toml"], &[]);
        assert_eq!(check.status.code(), Some(2), "{}", show(&check));
    }
    assert!(server.received().is_empty());
    assert!(ws.journal().is_empty());
}

#[test]
fn gpg_or_ssh_keygen_missing_is_a_clear_error_and_nothing_is_sent() {
    let server = SmtpServer::start(ServerOptions::new());
    let keys = Keys::new();
    let alice = keys.openpgp("alice");
    let (carol_key, carol_pub) = keys.ssh("carol");
    let approval = |extra: &str| {
        format!("[approval]\nrequired = 1\napprovers = [\"{alice}\", \"{carol_pub}\"]\nopenpgp_keys = \"approvers.asc\"\n{extra}")
    };
    let ws = with_approval(&server, &approval("gpg_program = \"/nonexistent/gpg\"\n"));
    keys.export(&[&alice], &ws.path("approvers.asc"));
    let output = ws.run_send("announcement", RELEASE_DAY, &["--yes"], &keys.env());
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    let said = stderr(&output);
    assert!(
        said.contains("cannot run \"/nonexistent/gpg\" to import the approvers' public keys"),
        "{said}"
    );
    assert!(
        said.contains("set [approval] gpg_program to its path"),
        "{said}"
    );

    // An SSH approval with ssh-keygen missing.
    let hash = ws.content_hash("announcement");
    let signature = keys.sign_ssh(&carol_key, "herald", &statement("announcement", &hash));
    ws.add_approval(
        "carol.toml",
        &approval_file("announcement", &hash, &signature),
    );
    std::fs::write(ws.path("herald.toml"), "").unwrap();
    ws.configure(&server, "none", "");
    ws.append_config(&approval("ssh_program = \"/nonexistent/ssh-keygen\"\n"));
    let output = ws.run_send(
        "announcement",
        RELEASE_DAY,
        &["--yes", "--format", "json"],
        &keys.env(),
    );
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["status"], "error");
    let error = report["error"].as_str().unwrap();
    assert!(
        error.contains("cannot run \"/nonexistent/ssh-keygen\" to find who signed an approval"),
        "{error}"
    );

    // A PATH without gpg: approve names the program it could not run.
    let output = ws
        .command(&[
            "approve",
            "release.toml",
            "--message",
            "announcement",
            "--gpg-key",
            &alice,
        ])
        .env("GNUPGHOME", keys.home.path())
        .env("PATH", ws.dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        stderr(&output).contains("cannot run \"gpg\" to sign the approval"),
        "{}",
        show(&output)
    );
    assert!(!ws.path("release.toml.approvals").join("x").exists());
    assert!(server.received().is_empty());
    assert!(ws.journal().is_empty());
}

#[test]
fn approve_needs_an_approval_table_that_covers_the_message() {
    let server = SmtpServer::start(ServerOptions::new());
    let keys = Keys::new();
    let (carol_key, _) = keys.ssh("carol");
    let key = carol_key.to_str().unwrap();
    let ws = Workspace::new();
    ws.configure(&server, "none", "");
    let approve = |kind: &str| {
        ws.herald(
            &[
                "approve",
                "release.toml",
                "--message",
                kind,
                "--ssh-key",
                key,
            ],
            &[],
        )
    };
    let output = approve("announcement");
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        stderr(&output).contains("there is no [approval] table"),
        "{}",
        show(&output)
    );
    ws.append_config(&format!(
        "[approval]\nrequired = 1\napprovers = [\"{SSH_KEY}\"]\nkinds = [\"pre-announcement\"]\n"
    ));
    let output = approve("announcement");
    assert_eq!(output.status.code(), Some(2), "{}", show(&output));
    assert!(
        stderr(&output).contains("kinds does not list the announcement"),
        "{}",
        show(&output)
    );
    // A release that breaks the policy is not approved: a pre-announcement 9 days
    // ahead.
    let release = std::fs::read_to_string(ws.path("release.toml")).unwrap();
    let early = release.replace(
        "pre_announcement = 2021-03-05",
        "pre_announcement = 2021-03-01",
    );
    std::fs::write(ws.path("release.toml"), early).unwrap();
    let output = approve("pre-announcement");
    assert_eq!(output.status.code(), Some(1), "{}", show(&output));
    assert!(
        stderr(&output).contains("refused [not-approvable]"),
        "{}",
        show(&output)
    );
    assert!(!ws.path("release.toml.approvals").exists());
    let neither = ws.herald(
        &["approve", "release.toml", "--message", "announcement"],
        &[],
    );
    assert_eq!(neither.status.code(), Some(2), "{}", show(&neither));
    assert!(stderr(&neither).contains("--gpg-key"), "{}", show(&neither));
}
