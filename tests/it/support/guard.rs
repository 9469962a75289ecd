//! What the guard's corpora share: the addressing of a composed pre-announcement,
//! and a pre-announcement template that plants text in its subject and body.

use herald::model::{Addressing, Profile};
use herald::render::Templates;

/// From, To and Reply-To of every composed test pre-announcement.
pub fn addressing() -> Addressing {
    Addressing {
        from: "Go release team <releases@example.org>".to_string(),
        to: vec!["golang-announce@example.org".to_string()],
        cc: Vec::new(),
        bcc: Vec::new(),
        reply_to: Some("security@example.org".to_string()),
        parts: Default::default(),
    }
}

/// The built-in templates with a pre-announcement override that has
/// `subject_extra` at the end of its subject and `body` as a paragraph; the
/// directory must live as long as the templates are used.
pub fn planted_templates(subject_extra: &str, body: &str) -> (tempfile::TempDir, Templates) {
    let dir = tempfile::tempdir().unwrap();
    let template = format!(
        "Subject: [security] {{{{ versions_spoken }}}} pre-announcement {subject_extra}\n\n\
         {{{{ greeting }}}}\n\n\
         We plan to issue {{{{ versions_spoken }}}} on {{{{ release_day }}}}.\n\n\
         {body}\n\n\
         Thanks,\\\n{{{{ sign_off }}}}\n"
    );
    std::fs::write(dir.path().join("pre-announcement.md"), template).unwrap();
    let templates = Templates::with_overrides(dir.path(), Profile::default()).unwrap();
    (dir, templates)
}
