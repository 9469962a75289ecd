//! Two people sign off: `herald approve` with throwaway gpg and ssh-keygen keys, and
//! `herald send` against a real SMTP server (aiosmtpd) on loopback, which delivers
//! only a message with enough valid approvals over its exact content. Every
//! signature is made and checked by the real tools.

use std::process::Output;

use crate::support::approvers::{approval_file, statement, Keys};
use crate::support::{show, stderr, stdout, ServerOptions, SmtpServer, Workspace};

const RELEASE_DAY: &str = "2021-03-10";

/// A workspace whose herald.toml sends to `server` and lists `approvers` (TOML
/// array items), `required` of whom must approve; OpenPGP keys in approvers.asc.
fn setup(
    server: &SmtpServer,
    keys: &Keys,
    openpgp: &[&str],
    approvers: &[String],
    extra: &str,
) -> Workspace {
    let ws = Workspace::new();
    ws.configure(server, "none", "");
    if !openpgp.is_empty() {
        keys.export(openpgp, &ws.path("approvers.asc"));
    }
    ws.append_config(&format!(
        "[approval]\nrequired = 2\napprovers = [\n  {}\n]\nopenpgp_keys = \"approvers.asc\"\n{extra}",
        approvers.join(",\n  ")
    ));
    ws
}

fn quoted(text: &str) -> String {
    format!("\"{text}\"")
}

fn approve(ws: &Workspace, keys: &Keys, args: &[&str]) -> Output {
    let mut all = vec!["approve", "release.toml", "--message", "announcement"];
    all.extend_from_slice(args);
    ws.herald(&all, &keys.env())
}

fn send(ws: &Workspace, keys: &Keys, flags: &[&str]) -> Output {
    let mut all = vec!["--yes"];
    all.extend_from_slice(flags);
    ws.run_send("announcement", RELEASE_DAY, &all, &keys.env())
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", show(output)))
}

/// The verdicts `check --format json` gives the announcement's approvals, by file.
fn verdicts(ws: &Workspace, keys: &Keys) -> Vec<(String, String)> {
    let output = ws.herald(
        &[
            "check",
            "release.toml",
            "--today",
            RELEASE_DAY,
            "--format",
            "json",
        ],
        &keys.env(),
    );
    let report = json(&output);
    let status = report["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "announcement")
        .unwrap_or_else(|| panic!("{}", show(&output)))
        .clone();
    status["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let file = a["file"].as_str().unwrap();
            let name = file.rsplit('/').next().unwrap().to_string();
            (name, a["verdict"].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn an_openpgp_and_an_ssh_approval_let_the_announcement_go_once_and_the_journal_records_them() {
    let server = SmtpServer::start(ServerOptions::new());
    let keys = Keys::new();
    let alice = keys.openpgp("alice");
    let (carol_key, carol_pub) = keys.ssh("carol");
    let ws = setup(
        &server,
        &keys,
        &[&alice],
        &[quoted(&alice), quoted(&carol_pub)],
        "",
    );

    let approved = approve(&ws, &keys, &["--gpg-key", "alice@example.org"]);
    assert_eq!(approved.status.code(), Some(0), "{}", show(&approved));
    let hash = ws.content_hash("announcement");
    let said = stderr(&approved);
    assert!(said.contains(&format!("Content: sha256 {hash}")), "{said}");
    assert!(
        said.contains("Subject: [security] Go 1.16.1 and Go 1.15.9 are released"),
        "{said}"
    );
    assert!(
        said.contains("To: golang-announce@example.org, golang-dev@example.org"),
        "{said}"
    );
    let written = ws.path(&format!(
        "release.toml.approvals/announcement.openpgp-{alice}.toml"
    ));
    let text = std::fs::read_to_string(&written).unwrap();
    assert!(
        text.contains(&format!("content_sha256 = \"{hash}\"")),
        "{text}"
    );
    assert!(
        stdout(&approved).contains("1 of 2 needed"),
        "{}",
        show(&approved)
    );

    // The SSH approver works from a branch: --print, and the text comes back by mail.
    let printed = approve(
        &ws,
        &keys,
        &["--ssh-key", carol_key.to_str().unwrap(), "--print"],
    );
    assert_eq!(printed.status.code(), Some(0), "{}", show(&printed));
    let carol_text = stdout(&printed);
    assert!(
        carol_text.starts_with("# An approval by `herald approve`"),
        "{carol_text}"
    );
    assert!(
        carol_text.contains("-----BEGIN SSH SIGNATURE-----"),
        "{carol_text}"
    );
    assert_eq!(
        std::fs::read_dir(ws.path("release.toml.approvals"))
            .unwrap()
            .count(),
        1
    );
    // What was signed is exactly the documented statement: ssh-keygen itself says so.
    let signature = ws.path("carol.sig");
    let armored = carol_text
        .split("signature = \"\"\"\n")
        .nth(1)
        .unwrap()
        .split("\"\"\"")
        .next()
        .unwrap();
    std::fs::write(&signature, armored).unwrap();
    std::fs::write(
        ws.path("allowed"),
        format!("carol namespaces=\"herald\" {carol_pub}\n"),
    )
    .unwrap();
    let verified = std::process::Command::new("ssh-keygen")
        .args([
            "-Y",
            "verify",
            "-f",
            "allowed",
            "-I",
            "carol",
            "-n",
            "herald",
            "-s",
            "carol.sig",
        ])
        .current_dir(ws.dir.path())
        .stdin(
            std::fs::File::open({
                let path = ws.path("statement");
                std::fs::write(&path, statement("announcement", &hash)).unwrap();
                path
            })
            .unwrap(),
        )
        .output()
        .unwrap();
    assert!(verified.status.success(), "{}", show(&verified));
    ws.add_approval("carol.toml", &carol_text);

    let sent = send(&ws, &keys, &[]);
    assert_eq!(sent.status.code(), Some(0), "{}", show(&sent));
    assert_eq!(server.received().len(), 1);
    let journal = ws.journal();
    assert_eq!(journal.len(), 1);
    let relied = journal[0]["approvals"].as_array().unwrap();
    assert_eq!(relied.len(), 2, "{journal:?}");
    assert_eq!(relied[0]["approver"], "alice <alice@example.org>");
    assert_eq!(relied[0]["key"], format!("OpenPGP {alice}"));
    assert_eq!(relied[1]["approver"], "carol@example.org");
    assert!(relied[1]["key"]
        .as_str()
        .unwrap()
        .starts_with("SSH SHA256:"));
    assert_eq!(relied[0]["statement"], statement("announcement", &hash));
    assert!(relied[1]["signature"]
        .as_str()
        .unwrap()
        .contains("BEGIN SSH SIGNATURE"));

    let again = send(&ws, &keys, &[]);
    assert_eq!(again.status.code(), Some(1), "{}", show(&again));
    assert_eq!(server.received().len(), 1);
}

#[test]
fn one_approval_is_refused_and_nothing_reaches_the_server() {
    let server = SmtpServer::start(ServerOptions::new());
    let keys = Keys::new();
    let alice = keys.openpgp("alice");
    // gpg signs with the newest signing subkey: the primary key is what counts.
    keys.add_subkey(&alice);
    let bob = keys.openpgp("bob");
    let ws = setup(
        &server,
        &keys,
        &[&alice, &bob],
        &[quoted(&alice), quoted(&bob)],
        "",
    );
    let approved = approve(&ws, &keys, &["--gpg-key", &alice]);
    assert_eq!(approved.status.code(), Some(0), "{}", show(&approved));

    let refused = send(&ws, &keys, &["--format", "json"]);
    assert_eq!(refused.status.code(), Some(1), "{}", show(&refused));
    let report = json(&refused);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "not-approved")
        .unwrap_or_else(|| panic!("{report:#}"))
        .clone();
    assert_eq!(finding["severity"], "refusal");
    let message = finding["message"].as_str().unwrap();
    let hash = ws.content_hash("announcement");
    assert!(message.contains(&format!("sha256 {hash}")), "{message}");
    assert!(message.contains("has 1"), "{message}");
    assert!(message.contains("alice <alice@example.org>"), "{message}");
    assert!(
        message.contains("herald approve release.toml --message announcement"),
        "{message}"
    );
    assert_eq!(report["approvals"]["approved"], 1);
    assert_eq!(report["approvals"]["required"], 2);
    assert!(server.received().is_empty());
    assert!(ws.journal().is_empty());

    // A dry run says so and writes the message; a test copy needs no approval.
    let dry = ws.run_send("announcement", RELEASE_DAY, &["--dry-run"], &keys.env());
    assert_eq!(dry.status.code(), Some(0), "{}", show(&dry));
    assert!(
        stderr(&dry).contains("note [not-approved]"),
        "{}",
        show(&dry)
    );
    let test_copy = send(&ws, &keys, &["--test-to", "release-manager@example.org"]);
    assert_eq!(test_copy.status.code(), Some(0), "{}", show(&test_copy));
    assert_eq!(server.received().len(), 1);

    let bob_approves = approve(
        &ws,
        &keys,
        &["--gpg-key", "bob@example.org", "--format", "json"],
    );
    assert_eq!(
        bob_approves.status.code(),
        Some(0),
        "{}",
        show(&bob_approves)
    );
    let report = json(&bob_approves);
    assert_eq!(report["content_hash"], hash.as_str());
    assert_eq!(report["statement"], statement("announcement", &hash));
    assert_eq!(report["approver"], "bob <bob@example.org>");
    assert_eq!(
        report["written"],
        format!("release.toml.approvals/announcement.openpgp-{bob}.toml")
    );
    assert_eq!(report["approvals"]["approved"], 2);
    assert_eq!(report["approvals"]["satisfied"], true);
    let sent = send(&ws, &keys, &[]);
    assert_eq!(sent.status.code(), Some(0), "{}", show(&sent));
    assert_eq!(server.received().len(), 2);
}

#[test]
fn a_changed_byte_in_the_description_voids_every_approval() {
    let server = SmtpServer::start(ServerOptions::new());
    let keys = Keys::new();
    let alice = keys.openpgp("alice");
    let (carol_key, carol_pub) = keys.ssh("carol");
    let ws = setup(
        &server,
        &keys,
        &[&alice],
        &[quoted(&alice), quoted(&carol_pub)],
        "",
    );
    assert_eq!(
        approve(&ws, &keys, &["--gpg-key", &alice]).status.code(),
        Some(0)
    );
    let carol = approve(&ws, &keys, &["--ssh-key", carol_key.to_str().unwrap()]);
    assert_eq!(carol.status.code(), Some(0), "{}", show(&carol));
    let before = ws.content_hash("announcement");
    assert!(verdicts(&ws, &keys).iter().all(|(_, v)| v == "valid"));

    let release = std::fs::read_to_string(ws.path("release.toml")).unwrap();
    let changed = release.replacen("can be made to hang.", "can be made to hang!", 1);
    assert_ne!(release, changed);
    std::fs::write(ws.path("release.toml"), changed).unwrap();
    let after = ws.content_hash("announcement");
    assert_ne!(before, after);

    let refused = send(&ws, &keys, &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", show(&refused));
    let said = stderr(&refused);
    assert!(said.contains("refused [not-approved]"), "{said}");
    assert!(said.contains(&format!("sha256 {after}")), "{said}");
    assert!(
        said.contains(&format!("it approved content {}", &before[..12])),
        "{said}"
    );
    assert!(server.received().is_empty());

    let found = verdicts(&ws, &keys);
    assert_eq!(found.len(), 2);
    assert!(
        found.iter().all(|(_, v)| v == "content-changed"),
        "{found:?}"
    );
    let plan = ws.herald(
        &["plan", "release.toml", "--today", RELEASE_DAY],
        &keys.env(),
    );
    let text = stdout(&plan);
    assert!(
        text.contains(&format!(
            "approvals of the announcement: 0 of 2 needed, over content {after}"
        )),
        "{text}"
    );
    assert_eq!(
        text.matches("VOID since the last change").count(),
        2,
        "{text}"
    );
    let plan_json = json(&ws.herald(
        &[
            "plan",
            "release.toml",
            "--today",
            RELEASE_DAY,
            "--format",
            "json",
        ],
        &keys.env(),
    ));
    let status = plan_json["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "announcement")
        .unwrap()
        .clone();
    assert_eq!(status["content_hash"], after.as_str());
    assert_eq!(status["approvals"][0]["content_hash"], before.as_str());
    assert_eq!(status["approvals"][0]["verdict"], "content-changed");

    // The preview page marks them void too.
    let render = ws.herald(
        &[
            "render",
            "release.toml",
            "--out",
            "drafts",
            "--today",
            RELEASE_DAY,
        ],
        &keys.env(),
    );
    assert!(render.status.success(), "{}", show(&render));
    let page = std::fs::read_to_string(ws.path("drafts/index.html")).unwrap();
    assert!(
        page.contains(&format!("0 of 2 needed over content {after}")),
        "{page}"
    );
    assert_eq!(page.matches("class=\"approval void\"").count(), 2, "{page}");
    assert!(page.contains("VOID since the last change"), "{page}");
}

#[test]
fn an_unlisted_key_does_not_count_and_approve_will_not_write_it() {
    let server = SmtpServer::start(ServerOptions::new());
    let keys = Keys::new();
    let alice = keys.openpgp("alice");
    let bob = keys.openpgp("bob");
    let erin = keys.openpgp("erin");
    let (mallory_key, _) = keys.ssh("mallory");
    let (_, carol_pub) = keys.ssh("carol");
    // erin's key is in the committed key file, but no approver lists it.
    let ws = setup(
        &server,
        &keys,
        &[&alice, &bob, &erin],
        &[quoted(&alice), quoted(&bob), quoted(&carol_pub)],
        "",
    );

    let refused = approve(&ws, &keys, &["--gpg-key", "erin@example.org"]);
    assert_eq!(refused.status.code(), Some(1), "{}", show(&refused));
    assert!(
        stderr(&refused).contains("would not count: signed by a key that no approver lists"),
        "{}",
        show(&refused)
    );
    assert!(!ws.path("release.toml.approvals").exists());
    let refused = approve(&ws, &keys, &["--ssh-key", mallory_key.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1), "{}", show(&refused));

    let hash = ws.content_hash("announcement");
    let statement = statement("announcement", &hash);
    ws.add_approval(
        "erin.toml",
        &approval_file(
            "announcement",
            &hash,
            &keys.sign_gpg(&erin, &statement, &[]),
        ),
    );
    let mallory = keys.sign_ssh(&mallory_key, "herald", &statement);
    ws.add_approval(
        "mallory.toml",
        &approval_file("announcement", &hash, &mallory),
    );
    assert_eq!(
        approve(&ws, &keys, &["--gpg-key", &alice]).status.code(),
        Some(0)
    );

    let found = verdicts(&ws, &keys);
    assert!(
        found.contains(&("erin.toml".to_string(), "unlisted".to_string())),
        "{found:?}"
    );
    assert!(
        found.contains(&("mallory.toml".to_string(), "unlisted".to_string())),
        "{found:?}"
    );
    let sent = send(&ws, &keys, &[]);
    assert_eq!(sent.status.code(), Some(1), "{}", show(&sent));
    assert!(stderr(&sent).contains("and has 1"), "{}", show(&sent));
    assert!(server.received().is_empty());
}

#[test]
fn a_signature_in_another_namespace_or_over_another_statement_does_not_count() {
    let server = SmtpServer::start(ServerOptions::new());
    let keys = Keys::new();
    let alice = keys.openpgp("alice");
    let (carol_key, carol_pub) = keys.ssh("carol");
    let ws = setup(
        &server,
        &keys,
        &[&alice],
        &[quoted(&alice), quoted(&carol_pub)],
        "",
    );
    let hash = ws.content_hash("announcement");
    let statement = statement("announcement", &hash);
    // Signed for git, not for herald: the allowed-signers line refuses it.
    let git = keys.sign_ssh(&carol_key, "git", &statement);
    ws.add_approval(
        "carol-git.toml",
        &approval_file("announcement", &hash, &git),
    );
    // A good signature over the pre-announcement's statement, filed as the announcement's.
    let other = keys.sign_gpg(
        &alice,
        &statement.replace("kind: announcement", "kind: pre-announcement"),
        &[],
    );
    ws.add_approval(
        "alice-swapped.toml",
        &approval_file("announcement", &hash, &other),
    );
    let found = verdicts(&ws, &keys);
    assert_eq!(
        found,
        [
            (
                "alice-swapped.toml".to_string(),
                "bad-signature".to_string()
            ),
            ("carol-git.toml".to_string(), "bad-signature".to_string())
        ]
    );
}

#[test]
fn the_signing_key_does_not_approve_its_own_send() {
    let server = SmtpServer::start(ServerOptions::new());
    let keys = Keys::new();
    let alice = keys.openpgp("alice");
    let manager = keys.openpgp("manager");
    let ws = setup(
        &server,
        &keys,
        &[&alice, &manager],
        &[quoted(&alice), quoted(&manager)],
        "",
    );
    ws.append_config("[signing]\nkey = \"manager@example.org\"\n");
    let refused = approve(&ws, &keys, &["--gpg-key", "manager@example.org"]);
    assert_eq!(refused.status.code(), Some(1), "{}", show(&refused));
    assert!(
        stderr(&refused).contains("signed by the [signing] key"),
        "{}",
        show(&refused)
    );

    let hash = ws.content_hash("announcement");
    let signature = keys.sign_gpg(&manager, &statement("announcement", &hash), &[]);
    ws.add_approval(
        "manager.toml",
        &approval_file("announcement", &hash, &signature),
    );
    assert_eq!(
        approve(&ws, &keys, &["--gpg-key", &alice]).status.code(),
        Some(0)
    );
    let found = verdicts(&ws, &keys);
    assert!(
        found.contains(&("manager.toml".to_string(), "signing-key".to_string())),
        "{found:?}"
    );
    let sent = send(&ws, &keys, &[]);
    assert_eq!(sent.status.code(), Some(1), "{}", show(&sent));
    assert!(
        stderr(&sent).contains("does not approve it"),
        "{}",
        show(&sent)
    );
    assert!(server.received().is_empty());
}

#[test]
fn the_same_approver_counts_once_however_many_files_or_keys() {
    let server = SmtpServer::start(ServerOptions::new());
    let keys = Keys::new();
    let alice = keys.openpgp("alice");
    let dana = keys.openpgp("dana");
    let (dana_ssh, dana_pub) = keys.ssh("dana");
    let ws = setup(
        &server,
        &keys,
        &[&alice, &dana],
        &[
            quoted(&alice),
            format!("{{ name = \"Dana\", keys = [\"{dana}\", \"{dana_pub}\"] }}"),
        ],
        "",
    );
    // alice twice: once written, once printed and filed under another name.
    assert_eq!(
        approve(&ws, &keys, &["--gpg-key", &alice]).status.code(),
        Some(0)
    );
    let printed = approve(&ws, &keys, &["--gpg-key", &alice, "--print"]);
    ws.add_approval("alice-again.toml", &stdout(&printed));
    let sent = send(&ws, &keys, &[]);
    assert_eq!(sent.status.code(), Some(1), "{}", show(&sent));
    assert!(
        stderr(&sent).contains("already approved this content"),
        "{}",
        show(&sent)
    );

    // Dana with both of her keys is one approver.
    assert_eq!(
        approve(&ws, &keys, &["--gpg-key", &dana]).status.code(),
        Some(0)
    );
    let ssh = approve(&ws, &keys, &["--ssh-key", dana_ssh.to_str().unwrap()]);
    assert_eq!(ssh.status.code(), Some(0), "{}", show(&ssh));
    let found = verdicts(&ws, &keys);
    assert_eq!(
        found.iter().filter(|(_, v)| v == "valid").count(),
        2,
        "{found:?}"
    );
    assert_eq!(
        found.iter().filter(|(_, v)| v == "duplicate").count(),
        2,
        "{found:?}"
    );
    let sent = send(&ws, &keys, &[]);
    assert_eq!(sent.status.code(), Some(0), "{}", show(&sent));
    let relied = ws.journal()[0]["approvals"].as_array().unwrap().clone();
    let names: Vec<&str> = relied
        .iter()
        .map(|a| a["approver"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"Dana"), "{names:?}");
    assert_eq!(server.received().len(), 1);
}

#[test]
fn expired_and_revoked_keys_do_not_count() {
    let server = SmtpServer::start(ServerOptions::new());
    let keys = Keys::new();
    let alice = keys.openpgp("alice");
    let carol = keys.openpgp_expired("carol");
    let dave = keys.openpgp("dave");
    let (mallory_key, mallory_pub) = keys.ssh("mallory");
    let ws = setup(
        &server,
        &keys,
        &[&alice, &carol, &dave],
        &[
            quoted(&alice),
            quoted(&carol),
            quoted(&dave),
            quoted(&mallory_pub),
        ],
        "ssh_revoked_keys = \"revoked_keys\"\n",
    );
    std::fs::write(ws.path("revoked_keys"), "").unwrap();
    let hash = ws.content_hash("announcement");
    let statement = statement("announcement", &hash);
    // carol signed in 2020, while her key was valid; it has expired since.
    let signature = keys.sign_gpg(
        &carol,
        &statement,
        &["--faked-system-time", "20200101T120000"],
    );
    ws.add_approval(
        "carol.toml",
        &approval_file("announcement", &hash, &signature),
    );
    assert_eq!(
        approve(&ws, &keys, &["--gpg-key", &dave]).status.code(),
        Some(0)
    );
    let mallory = approve(&ws, &keys, &["--ssh-key", mallory_key.to_str().unwrap()]);
    assert_eq!(mallory.status.code(), Some(0), "{}", show(&mallory));
    let before = verdicts(&ws, &keys);
    assert_eq!(
        before.iter().filter(|(_, v)| v == "valid").count(),
        2,
        "{before:?}"
    );

    // dave's key is revoked, and the committed key file updated with it; mallory's
    // SSH key goes into the revocation list.
    keys.revoke(&dave);
    keys.export(&[&alice, &carol, &dave], &ws.path("approvers.asc"));
    std::fs::write(ws.path("revoked_keys"), format!("{mallory_pub}\n")).unwrap();
    let found = verdicts(&ws, &keys);
    let verdict = |prefix: &str| {
        found
            .iter()
            .find(|(name, _)| name.starts_with(prefix))
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("{prefix}: {found:?}"))
    };
    assert_eq!(verdict("carol"), "expired");
    assert_eq!(verdict(&format!("announcement.openpgp-{dave}")), "revoked");
    assert_eq!(verdict("announcement.ssh-"), "revoked");

    assert_eq!(
        approve(&ws, &keys, &["--gpg-key", &alice]).status.code(),
        Some(0)
    );
    let sent = send(&ws, &keys, &[]);
    assert_eq!(sent.status.code(), Some(1), "{}", show(&sent));
    let said = stderr(&sent);
    assert!(said.contains("the key has expired"), "{said}");
    assert!(said.contains("the key has been revoked"), "{said}");
    assert!(said.contains("ssh_revoked_keys"), "{said}");
    assert!(server.received().is_empty());
}
