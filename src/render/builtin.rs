//! The built-in templates and words of each profile, compiled into the binary.
//!
//! A profile's templates live in `templates/<profile>/`; where two profiles say the
//! same thing they share one file (the `go` profile closes and writes history lines
//! as `go-2021` does; the generic profile lists fixes as `go-2021` does).

use crate::model::Profile;

/// A built-in template: its file name and text.
pub type Builtin = (&'static str, &'static str);

const GO_2021: &[Builtin] = &[
    (
        "pre-announcement.md",
        include_str!("../../templates/go-2021/pre-announcement.md"),
    ),
    (
        "announcement.md",
        include_str!("../../templates/go-2021/announcement.md"),
    ),
    (
        "security-release.md",
        include_str!("../../templates/go-2021/security-release.md"),
    ),
    (
        "security-fixes.md",
        include_str!("../../templates/go-2021/security-fixes.md"),
    ),
    (
        "closing.md",
        include_str!("../../templates/go-2021/closing.md"),
    ),
    (
        "history.md",
        include_str!("../../templates/go-2021/history.md"),
    ),
];

const GO: &[Builtin] = &[
    (
        "pre-announcement.md",
        include_str!("../../templates/go/pre-announcement.md"),
    ),
    (
        "announcement.md",
        include_str!("../../templates/go/announcement.md"),
    ),
    (
        "security-release.md",
        include_str!("../../templates/go/security-release.md"),
    ),
    (
        "module-security.md",
        include_str!("../../templates/go/module-security.md"),
    ),
    (
        "security-fixes.md",
        include_str!("../../templates/go/security-fixes.md"),
    ),
    (
        "closing.md",
        include_str!("../../templates/go-2021/closing.md"),
    ),
    (
        "history.md",
        include_str!("../../templates/go-2021/history.md"),
    ),
];

const GENERIC: &[Builtin] = &[
    (
        "pre-announcement.md",
        include_str!("../../templates/generic/pre-announcement.md"),
    ),
    (
        "announcement.md",
        include_str!("../../templates/generic/announcement.md"),
    ),
    (
        "security-release.md",
        include_str!("../../templates/generic/security-release.md"),
    ),
    (
        "security-fixes.md",
        include_str!("../../templates/go-2021/security-fixes.md"),
    ),
    (
        "closing.md",
        include_str!("../../templates/generic/closing.md"),
    ),
    (
        "history.md",
        include_str!("../../templates/go-2021/history.md"),
    ),
];

/// The built-in templates of `profile`, by file name.
pub fn templates(profile: Profile) -> &'static [Builtin] {
    match profile {
        Profile::Go2021 => GO_2021,
        Profile::Go => GO,
        Profile::Generic => GENERIC,
    }
}

/// The words of `profile`'s wording (its `words.toml`): where it lives in the
/// source tree, for errors, and its text.
pub fn words(profile: Profile) -> (&'static str, &'static str) {
    match profile {
        Profile::Go2021 => (
            "templates/go-2021/words.toml",
            include_str!("../../templates/go-2021/words.toml"),
        ),
        Profile::Go => (
            "templates/go/words.toml",
            include_str!("../../templates/go/words.toml"),
        ),
        Profile::Generic => (
            "templates/generic/words.toml",
            include_str!("../../templates/generic/words.toml"),
        ),
    }
}
