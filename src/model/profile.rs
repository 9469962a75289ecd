//! Profiles: which wording a project's mail is written in, and the defaults that
//! come with it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The wording of a project's messages (`[project] profile`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
pub enum Profile {
    /// The 2021 security policy as written: no track word, and no CVE id in a
    /// pre-announcement unless `pre_announce_cves` asks for them.
    #[default]
    #[serde(rename = "go-2021")]
    Go2021,
    /// Go's practice since 2023, as golang-announce writes it: PRIVATE and the CVE
    /// ids in the pre-announcement, and the golang.org/x module forms.
    #[serde(rename = "go")]
    Go,
    /// Any other project: no Go word; greeting, sign-off and update instructions from
    /// the project's settings or neutral defaults.
    #[serde(rename = "generic")]
    Generic,
}

impl Profile {
    /// Every profile, in the order the book presents them.
    pub const ALL: [Profile; 3] = [Profile::Go2021, Profile::Go, Profile::Generic];

    /// The name written in release files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Go2021 => "go-2021",
            Profile::Go => "go",
            Profile::Generic => "generic",
        }
    }

    /// Whether this is one of Go's profiles, whose defaults are Go's.
    pub fn is_go(self) -> bool {
        matches!(self, Profile::Go2021 | Profile::Go)
    }

    /// The first line of every message, unless `greeting` says otherwise.
    pub fn default_greeting(self) -> &'static str {
        if self.is_go() {
            "Hello gophers,"
        } else {
            "Hello,"
        }
    }

    /// What a history line points to for details, after "See the NAME VERSION",
    /// unless `milestone` says otherwise.
    pub fn default_details(self) -> &'static str {
        if self.is_go() {
            "milestone on our issue tracker"
        } else {
            "release notes"
        }
    }

    /// Whether a pre-announcement lists the embargoed fixes' CVE ids whatever
    /// `pre_announce_cves` says: Go has done so since 2023.
    pub fn always_lists_cves(self) -> bool {
        self == Profile::Go
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Profile {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.as_str() == text)
            .ok_or_else(|| {
                format!("unknown profile {text:?}; the profiles are go-2021, go and generic")
            })
    }
}
