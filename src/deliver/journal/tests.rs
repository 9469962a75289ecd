//! The journal's own tests: states, settling, links, locks, partial sends.

use super::lock::lock_path;
use super::*;

fn everyone() -> Vec<String> {
    vec!["a@example.org".to_string()]
}

fn entry(kind: MessageKind, hash: &str) -> JournalEntry {
    JournalEntry {
        kind,
        state: AttemptState::InDoubt,
        message_id: "<id@example.org>".to_string(),
        content_hash: hash.to_string(),
        subject: "s".to_string(),
        server: "127.0.0.1:25 (none)".to_string(),
        envelope_from: "r@example.org".to_string(),
        recipients: vec!["a@example.org".to_string()],
        to: vec!["a@example.org".to_string()],
        cc: Vec::new(),
        bcc: Vec::new(),
        attempted_at: String::new(),
        answered_at: None,
        server_reply: None,
        settled: None,
        test: false,
        without_pre_announcement: None,
        told: None,
        approvals: Vec::new(),
        witnesses: Vec::new(),
        no_archive: None,
    }
}

#[test]
fn what_a_server_or_an_editor_wrote_is_shown_escaped() {
    let mut entry = entry(MessageKind::Announcement, "h");
    entry.message_id = "<a\u{7}@b>".to_string();
    entry.server_reply = Some("250 ok \u{1b}[2J".to_string());
    let shown = entry.to_string();
    assert!(!shown.contains(['\u{7}', '\u{1b}']), "{shown}");
    assert!(
        shown.contains("<a\\u{7}@b>") && shown.contains("250 ok \\u{1b}[2J"),
        "{shown}"
    );
}

#[test]
fn attempts_are_in_doubt_until_concluded_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("go1.16.1.toml");
    let mut journal = Journal::open(&release).unwrap();
    let index = journal
        .begin(entry(MessageKind::Announcement, "h1"))
        .unwrap();
    let reopened = Journal::open(&release).unwrap();
    assert!(reopened.in_doubt(MessageKind::Announcement).is_some());
    assert_eq!(
        reopened.previous(MessageKind::Announcement, "h1", &everyone()),
        Previous::NotSent
    );
    journal
        .conclude(index, AttemptState::Sent, "250 OK".to_string())
        .unwrap();
    let journal = Journal::open(&release).unwrap();
    assert!(journal.path().ends_with("go1.16.1.toml.journal.json"));
    assert!(journal.in_doubt(MessageKind::Announcement).is_none());
    assert!(matches!(
        journal.previous(MessageKind::Announcement, "h1", &everyone()),
        Previous::SameSent(_)
    ));
    assert!(matches!(
        journal.previous(MessageKind::Announcement, "h2", &everyone()),
        Previous::ChangedSinceSent(_)
    ));
    assert_eq!(
        journal.previous(MessageKind::PreAnnouncement, "h1", &everyone()),
        Previous::NotSent
    );
}

#[test]
fn settling_records_who_and_what_and_needs_something_in_doubt() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("r.toml");
    let mut journal = Journal::open(&release).unwrap();
    journal
        .begin(entry(MessageKind::PreAnnouncement, "h"))
        .unwrap();
    let settled = journal
        .settle(MessageKind::PreAnnouncement, false, "katie")
        .unwrap();
    assert_eq!(settled.len(), 1);
    let journal = Journal::open(&release).unwrap();
    let only = &journal.entries[0];
    assert_eq!(only.state, AttemptState::NotSent);
    assert_eq!(only.settled.as_ref().unwrap().by, "katie");
    let mut journal = journal;
    let err = journal
        .settle(MessageKind::PreAnnouncement, true, "katie")
        .unwrap_err();
    assert!(matches!(err, JournalError::NothingToSettle { .. }), "{err}");
}

#[test]
fn a_corrupt_journal_or_an_unknown_kind_is_an_error_not_an_empty_journal() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("r.toml");
    std::fs::write(journal_path(&release), "{not json").unwrap();
    let err = Journal::open(&release).unwrap_err();
    assert!(err.to_string().contains("not valid"), "{err}");
    std::fs::write(
        journal_path(&release),
        r#"{"entries":[{"kind":"Announcement","message_id":"<a@b>","content_hash":"h","subject":"s","to":[],"bcc":[],"sent_at":"x","server_reply":"250"}]}"#,
    )
    .unwrap();
    let err = Journal::open(&release).unwrap_err().to_string();
    assert!(err.contains("unknown variant `Announcement`"), "{err}");
    assert!(err.contains("line 1 column"), "{err}");
}

#[test]
fn a_journal_written_before_the_write_ahead_log_still_counts_as_sent() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("r.toml");
    std::fs::write(
        journal_path(&release),
        r#"{"entries":[{"kind":"announcement","message_id":"<a@b>","content_hash":"h","subject":"s","to":["l@x"],"bcc":[],"sent_at":"2021-03-10T12:00:00Z","server_reply":"250 OK"}]}"#,
    )
    .unwrap();
    let journal = Journal::open(&release).unwrap();
    assert!(matches!(
        journal.previous(MessageKind::Announcement, "h", &everyone()),
        Previous::SameSent(_)
    ));
}

#[test]
fn a_journal_or_lock_that_is_a_link_is_refused_and_never_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("r.toml");
    let elsewhere = dir.path().join("elsewhere.txt");
    std::fs::write(&elsewhere, "keep me").unwrap();
    std::os::unix::fs::symlink(&elsewhere, journal_path(&release)).unwrap();
    let err = Journal::open(&release).unwrap_err();
    assert!(matches!(err, JournalError::Link { .. }), "{err}");
    std::fs::remove_file(journal_path(&release)).unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone"), journal_path(&release)).unwrap();
    let err = Journal::open(&release).unwrap_err();
    assert!(matches!(err, JournalError::Link { .. }), "{err}");
    std::fs::remove_file(journal_path(&release)).unwrap();

    for target in [elsewhere.clone(), dir.path().join("dangling")] {
        std::os::unix::fs::symlink(&target, lock_path(&release)).unwrap();
        let err = Journal::lock(&release).unwrap_err();
        assert!(matches!(err, JournalError::LockLink { .. }), "{err}");
        std::fs::remove_file(lock_path(&release)).unwrap();
    }
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep me");
    assert!(!dir.path().join("dangling").exists());
}

#[test]
fn leftovers_of_killed_journal_writes_are_removed_under_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("r.toml");
    let journal = journal_path(&release);
    let name = journal.file_name().unwrap().to_str().unwrap().to_string();
    let leftover = crate::temporary_beside(dir.path(), &name);
    std::fs::write(&leftover, "{").unwrap();
    let other = crate::temporary_beside(dir.path(), "drafts.eml");
    std::fs::write(&other, "x").unwrap();
    let _journal = Journal::lock(&release).unwrap();
    assert!(!leftover.exists());
    assert!(other.exists());
}

#[test]
fn a_message_sent_to_some_recipients_is_partly_sent_until_every_one_has_it() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("r.toml");
    let mut journal = Journal::open(&release).unwrap();
    let all: Vec<String> = ["a@x.org", "b@x.org", "c@x.org"].map(String::from).into();
    let mut first = entry(MessageKind::Announcement, "h");
    first.recipients = all[..2].to_vec();
    let index = journal.begin(first).unwrap();
    journal
        .conclude(index, AttemptState::Sent, "250".into())
        .unwrap();
    match journal.previous(MessageKind::Announcement, "h", &all) {
        Previous::PartlySent { delivered } => assert_eq!(delivered, all[..2]),
        other => panic!("{other:?}"),
    }
    let mut rest = entry(MessageKind::Announcement, "h");
    rest.recipients = all[2..].to_vec();
    let index = journal.begin(rest).unwrap();
    journal
        .conclude(index, AttemptState::Sent, "250".into())
        .unwrap();
    assert!(matches!(
        journal.previous(MessageKind::Announcement, "h", &all),
        Previous::SameSent(_)
    ));
    assert_eq!(journal.times_sent(MessageKind::Announcement, "h"), 1);
    let mut test = entry(MessageKind::PreAnnouncement, "t");
    test.test = true;
    journal.begin(test).unwrap();
    assert!(journal.in_doubt(MessageKind::PreAnnouncement).is_none());
    assert!(!journal.has_sent(MessageKind::PreAnnouncement));
}

#[test]
fn a_fifo_is_not_read_as_a_journal() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("r.toml");
    let status = std::process::Command::new("mkfifo")
        .arg(journal_path(&release))
        .status()
        .unwrap();
    assert!(status.success());
    let err = Journal::open(&release).unwrap_err();
    assert!(matches!(err, JournalError::NotAFile { .. }), "{err}");
}

#[test]
fn an_attempt_is_not_begun_when_the_lock_was_taken_away_or_the_journal_written_by_another() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("r.toml");
    let mut journal = Journal::lock(&release).unwrap();
    std::fs::remove_file(lock_path(&release)).unwrap();
    let err = journal
        .begin(entry(MessageKind::Announcement, "h"))
        .unwrap_err();
    assert!(matches!(err, JournalError::LockLost { .. }), "{err}");
    drop(journal);

    let mut first = Journal::lock(&release).unwrap();
    let mut other = Journal::open(&release).unwrap();
    other.begin(entry(MessageKind::Announcement, "h")).unwrap();
    let err = first
        .begin(entry(MessageKind::Announcement, "h"))
        .unwrap_err();
    assert!(matches!(err, JournalError::LockLost { .. }), "{err}");
    assert_eq!(Journal::open(&release).unwrap().entries.len(), 1);
}

#[test]
fn a_release_reached_by_a_link_has_the_same_journal_and_lock() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("release.toml");
    std::fs::write(&release, "").unwrap();
    std::fs::create_dir(dir.path().join("b")).unwrap();
    let linked = dir.path().join("b/rel.toml");
    std::os::unix::fs::symlink(&release, &linked).unwrap();
    assert_eq!(journal_path(&linked), journal_path(&release));
    let _held = JournalLock::acquire(&release).unwrap();
    assert!(matches!(
        JournalLock::acquire(&linked),
        Err(JournalError::Locked { .. })
    ));
}

#[test]
fn the_lock_is_exclusive_and_released_when_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("r.toml");
    let first = JournalLock::acquire(&release).unwrap();
    let err = JournalLock::acquire(&release).unwrap_err();
    assert!(matches!(err, JournalError::Locked { .. }), "{err}");
    assert!(err.to_string().contains(&std::process::id().to_string()));
    drop(first);
    JournalLock::acquire(&release).unwrap();
}
