//! The typed release model: what a release file says, after loading.
//!
//! Field formats (versions, dates, CVE ids, issue numbers) are checked while
//! deserializing, so a malformed value is reported at its own position.
//! Fields that later checks point at keep their source span ([`Spanned`]).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{LazyLock, OnceLock};

use aho_corasick::{AhoCorasick, StartKind};

use serde::Deserialize;
use toml::Spanned;

use crate::automaton::Automaton;

mod addressing;
mod kinds;
mod profile;
mod scope;
mod values;

pub use addressing::{Addressing, Parts};
pub use kinds::{MessageKind, ReleaseKind, Track};
pub use profile::Profile;
pub use scope::{Scope, ScopeDecl, Scopes};
use values::IssueInput;
pub use values::{
    CveId, Date, HttpUrl, IssueNumber, Markdown, NonEmpty, PreRelease, TimeZone, Version,
};

/// A whole release file: `[project]`, `[release]`, `[[security]]` and `[[fix]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseFile {
    pub project: Project,
    pub release: Release,
    #[serde(default)]
    pub security: Vec<Spanned<SecurityIssue>>,
    #[serde(default, rename = "fix")]
    pub fixes: Vec<Spanned<BugFix>>,
    /// How the release-history lines are worded (`[history]`); defaults as the book's release-file page says.
    #[serde(default)]
    pub history: HistorySettings,
}

/// The `[history]` table: how the release-history line of each version is worded.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistorySettings {
    /// The quantifier of the security clause for every version.
    #[serde(default)]
    pub security_quantifier: Option<Spanned<Quantifier>>,
    /// The quantifier of the bug-fix clause for every version.
    #[serde(default)]
    pub bug_quantifier: Option<Spanned<Quantifier>>,
    /// Settings of single versions, keyed by version (`[history.version."1.21.1"]`).
    #[serde(default)]
    pub version: BTreeMap<Spanned<String>, VersionHistory>,
}

/// `[history.version."X"]`: the history settings of one version.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionHistory {
    /// Overrides `[history] security_quantifier` for this version.
    #[serde(default)]
    pub security_quantifier: Option<Spanned<Quantifier>>,
    /// Overrides `[history] bug_quantifier` for this version.
    #[serde(default)]
    pub bug_quantifier: Option<Spanned<Quantifier>>,
    /// Replaces everything after "goX (released DATE)" in this version's line.
    #[serde(default)]
    pub summary: Option<NonEmpty>,
}

impl HistorySettings {
    /// The settings of `version`, if it has a `[history.version."X"]` table.
    pub fn of(&self, version: &Version) -> Option<&VersionHistory> {
        self.version
            .iter()
            .find(|(key, _)| key.get_ref() == version.as_str())
            .map(|(_, v)| v)
    }
}

/// How a history clause counts its fixes: "a security fix", "security fixes",
/// "two security fixes".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quantifier {
    /// "a security fix" for one fix, "security fixes" for more (the default).
    Auto,
    /// "security fixes", whatever the number (Go's usual wording).
    None,
    /// The number in words: "a security fix", "two security fixes", "twelve …", then digits.
    Words,
    /// This word, as written: "four security fixes"; "a" and "one" take "fix".
    Literal(String),
}

impl Quantifier {
    /// The words before "security fix(es)" for `count` fixes, and whether "fix" is singular.
    pub fn phrase(&self, count: usize) -> (String, bool) {
        const WORDS: [&str; 13] = [
            "no", "a", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            "eleven", "twelve",
        ];
        match self {
            Quantifier::Auto => (if count == 1 { "a" } else { "" }.to_string(), count == 1),
            Quantifier::None => (String::new(), false),
            Quantifier::Words => (
                WORDS
                    .get(count)
                    .map_or_else(|| count.to_string(), |w| w.to_string()),
                count == 1,
            ),
            Quantifier::Literal(word) => (word.clone(), word == "a" || word == "one"),
        }
    }
}

impl<'de> Deserialize<'de> for Quantifier {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        match text.as_str() {
            "auto" => Ok(Quantifier::Auto),
            "none" => Ok(Quantifier::None),
            "words" => Ok(Quantifier::Words),
            word if !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase()) => {
                Ok(Quantifier::Literal(word.to_string()))
            }
            _ => Err(serde::de::Error::custom(format!(
                "expected \"auto\", \"none\", \"words\" or one lower-case word such as \"two\", found {text:?}"
            ))),
        }
    }
}

/// A package is the toolchain's when it starts with one of `toolchain_prefixes`, or
/// is one without its final `/`. Matched by an anchored automaton: time linear in the
/// package, however many prefixes.
#[derive(Debug, Clone, Default)]
struct ToolchainMatcher {
    starts: Option<Automaton>,
    whole: std::collections::HashSet<String>,
}

/// The `[project]` table: names, URLs, the profile, and how packages are classified
/// and spoken.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Display name, as in "Go 1.16.1".
    pub name: NonEmpty,
    /// The wording of the messages; `go-2021` when absent.
    #[serde(default)]
    pub profile: Option<Spanned<Profile>>,
    /// Prefix of release tags, as in "go1.16.1".
    #[serde(default)]
    pub tag_prefix: String,
    pub policy_url: Spanned<NonEmpty>,
    /// Release-notes URL; `{tag}` and `{version}` are replaced.
    pub release_notes_url: Spanned<NonEmpty>,
    pub download_url: Spanned<NonEmpty>,
    /// Issue URL; `{id}` is replaced by the issue number.
    pub issue_url: Spanned<NonEmpty>,
    /// The parts a pre-announcement may name (`[[project.scope]]`); the profile's
    /// defaults when there are none.
    #[serde(default, rename = "scope")]
    pub scopes: Vec<Spanned<ScopeDecl>>,
    /// Packages under these prefixes belong to Go's toolchain (`["cmd/"]` when absent).
    #[serde(default)]
    pub toolchain_prefixes: Option<Spanned<Vec<String>>>,
    /// `toolchain_prefixes` made ready to match, on first use.
    #[serde(skip)]
    toolchain_matcher: OnceLock<ToolchainMatcher>,
    /// The scopes in effect, made ready to match, on first use.
    #[serde(skip)]
    scope_matcher: OnceLock<Scopes>,
    /// Optional time phrase, as in "during US business hours".
    #[serde(default)]
    pub release_window: Option<String>,
    /// List the CVE ids of embargoed fixes in the pre-announcement (always, under
    /// the `go` profile).
    #[serde(default)]
    pub pre_announce_cves: bool,
    /// The first line of every message; the profile's greeting when absent.
    #[serde(default)]
    pub greeting: Option<String>,
    /// Spoken names of packages and toolchain parts, added to the built-in table.
    #[serde(default)]
    pub spoken: BTreeMap<String, String>,
    /// What the pre-announcement calls Go's library ("the standard library").
    #[serde(default)]
    pub standard_library: Option<Spanned<String>>,
    /// What the pre-announcement calls Go's tools ("the toolchain").
    #[serde(default)]
    pub toolchain: Option<Spanned<String>>,
    /// Who signs: "Katie and Filippo for the Go team", "The Go team". Default: the
    /// project name and "team".
    #[serde(default)]
    pub team: Option<String>,
    /// Who signs a module's security announcement under the `go` profile. Default:
    /// the project name and "Security team".
    #[serde(default)]
    pub security_team: Option<String>,
    /// What the history line points to for details, after "See the Go 1.16.1"
    /// ("milestone on our issue tracker"); the profile's words when absent.
    #[serde(default)]
    pub milestone: Option<String>,
    /// How readers update, in Markdown, in place of the profile's paragraph (Go's
    /// `git checkout` one; none in the generic profile).
    #[serde(default)]
    pub update_instructions: Option<NonEmpty>,
    /// The module path of a module release (`golang.org/x/crypto`). When set, the
    /// release's versions are the module's tags (`v0.31.0`), the pre-announcement
    /// names the module, and the announcement says how to `go get` it.
    #[serde(default)]
    pub module: Option<Spanned<NonEmpty>>,
    /// The IANA time zone "today" is judged in (`"America/New_York"`); the machine's
    /// local zone when absent.
    #[serde(default)]
    pub timezone: Option<TimeZone>,
}

/// The spoken names herald knows for Go; `[project.spoken]` adds to and overrides them.
pub const BUILTIN_SPOKEN: &[(&str, &str)] = &[
    ("cmd/compile", "the compiler"),
    ("cmd/go", "the go command"),
    ("cmd/link", "the linker"),
    ("cmd/cgo", "cgo"),
    ("runtime", "the runtime"),
    ("cmd/asm", "the assembler"),
    ("cmd/vet", "the vet command"),
    ("cmd/cover", "the cover tool"),
    ("cmd/trace", "the trace command"),
    ("cmd/pprof", "the pprof command"),
    ("cmd/doc", "the go doc command"),
    ("cmd/gofmt", "gofmt"),
    ("cmd/fix", "the fix command"),
];

impl Project {
    /// The release tag of a version, as in "go1.16.1"; a module release's version is its tag.
    pub fn tag(&self, version: &Version) -> String {
        if self.module.is_some() {
            version.to_string()
        } else {
            format!("{}{}", self.tag_prefix, version)
        }
    }

    /// The profile: the wording of the messages and its defaults.
    pub fn profile(&self) -> Profile {
        self.profile
            .as_ref()
            .map_or_else(Profile::default, |p| *p.get_ref())
    }

    /// Whether the pre-announcement lists the embargoed fixes' CVE ids:
    /// `pre_announce_cves`, or always under the `go` profile.
    pub fn pre_announces_cves(&self) -> bool {
        self.pre_announce_cves || self.profile().always_lists_cves()
    }

    /// The first line of every message.
    pub fn greeting(&self) -> &str {
        self.greeting
            .as_deref()
            .unwrap_or_else(|| self.profile().default_greeting())
    }

    /// What a history line points to for details.
    pub fn milestone(&self) -> &str {
        self.milestone
            .as_deref()
            .unwrap_or_else(|| self.profile().default_details())
    }

    /// The team that signs a module's security announcement, as in "Go Security team".
    pub fn security_team(&self) -> String {
        match &self.security_team {
            Some(team) => team.clone(),
            None => format!("{} Security team", self.name),
        }
    }

    /// The scopes in effect: `[[project.scope]]`, else the profile's defaults (Go's
    /// standard library, holding every package its toolchain does not, and its
    /// toolchain; for any other project one scope named after it).
    pub fn scopes(&self) -> &Scopes {
        self.scope_matcher.get_or_init(|| {
            let declared: Vec<Scope> = self
                .scopes
                .iter()
                .map(|decl| {
                    let decl = decl.get_ref();
                    Scope {
                        name: decl.name.to_string(),
                        prefixes: decl
                            .prefixes
                            .iter()
                            .flatten()
                            .map(|p| p.to_string())
                            .collect(),
                    }
                })
                .collect();
            let named = |value: &Option<Spanned<String>>, default: &str| {
                value
                    .as_ref()
                    .map_or(default, |v| v.get_ref().as_str())
                    .to_string()
            };
            let scopes = if !declared.is_empty() {
                declared
            } else if self.profile().is_go() {
                vec![
                    Scope {
                        name: named(&self.standard_library, "the standard library"),
                        prefixes: Vec::new(),
                    },
                    Scope {
                        name: named(&self.toolchain, "the toolchain"),
                        prefixes: self.toolchain_prefix_list().to_vec(),
                    },
                ]
            } else {
                vec![Scope {
                    name: self.name.to_string(),
                    prefixes: Vec::new(),
                }]
            };
            Scopes::new(scopes)
        })
    }

    /// `toolchain_prefixes`, or Go's `cmd/`.
    fn toolchain_prefix_list(&self) -> &[String] {
        static GO_TOOLCHAIN: LazyLock<Vec<String>> = LazyLock::new(|| vec!["cmd/".to_string()]);
        self.toolchain_prefixes
            .as_ref()
            .map_or(&GO_TOOLCHAIN, |p| p.get_ref())
    }

    /// The team that signs, as in "the Go team".
    pub fn team(&self) -> String {
        match &self.team {
            Some(team) => team.clone(),
            None => format!("the {} team", self.name),
        }
    }

    /// The module path of a module release.
    pub fn module_path(&self) -> Option<&str> {
        self.module.as_ref().map(|m| &**m.get_ref())
    }

    /// The spoken name of a package or toolchain part, when it has one. Go's names of
    /// its commands count under the Go profiles only.
    pub fn spoken(&self, package: &str) -> Option<&str> {
        self.spoken.get(package).map(String::as_str).or_else(|| {
            BUILTIN_SPOKEN
                .iter()
                .filter(|_| self.profile().is_go())
                .find(|(path, _)| *path == package)
                .map(|(_, spoken)| *spoken)
        })
    }

    /// Whether a package belongs to Go's toolchain rather than its standard library;
    /// never under the generic profile, which knows no Go toolchain.
    pub fn is_toolchain(&self, package: &str) -> bool {
        if !self.profile().is_go() {
            return false;
        }
        let matcher = self.toolchain_matcher.get_or_init(|| ToolchainMatcher {
            starts: Automaton::new(
                AhoCorasick::builder().start_kind(StartKind::Anchored),
                self.toolchain_prefix_list().iter().map(String::as_str),
            )
            .ok(),
            whole: self
                .toolchain_prefix_list()
                .iter()
                .map(|p| p.trim_end_matches('/').to_string())
                .collect(),
        });
        matcher
            .starts
            .as_ref()
            .is_some_and(|starts| starts.has_prefix_of(package))
            || matcher.whole.contains(package)
    }

    /// The issue URL of an issue number.
    pub fn issue_link(&self, issue: IssueNumber) -> String {
        self.issue_url.get_ref().replace("{id}", &issue.to_string())
    }

    /// The release-notes URL of a version.
    pub fn release_notes_link(&self, version: &Version) -> String {
        self.release_notes_url
            .get_ref()
            .replace("{tag}", &self.tag(version))
            .replace("{version}", version.as_str())
    }
}

/// The `[release]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// One or more versions, newest line first.
    pub versions: Spanned<Vec<Spanned<Version>>>,
    /// Release day.
    pub date: Spanned<Date>,
    pub kind: Spanned<ReleaseKind>,
    /// The day the pre-announcement goes out, if one is planned.
    #[serde(default)]
    pub pre_announcement: Option<Spanned<Date>>,
    #[serde(default)]
    pub signers: Vec<NonEmpty>,
}

impl Release {
    /// The versions, newest first.
    pub fn version_list(&self) -> Vec<&Version> {
        self.versions
            .get_ref()
            .iter()
            .map(Spanned::get_ref)
            .collect()
    }
}

/// One `[[security]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityIssue {
    pub track: Spanned<Track>,
    pub packages: Spanned<Vec<NonEmpty>>,
    /// CVE ids; the policy requires at least one, checked by validation.
    #[serde(default)]
    pub cves: Option<Spanned<Vec<CveId>>>,
    /// The tracker issue, or several (`issue = 63713` or `issue = [63713, 64028]`);
    /// absent for a vulnerability known by its CVE alone.
    #[serde(default)]
    pub issue: Option<Spanned<Issues>>,
    /// The advisory's URL, named in the announcement.
    #[serde(default)]
    pub advisory: Option<Spanned<HttpUrl>>,
    pub title: NonEmpty,
    pub description: Markdown,
    /// Who reported it: "Thanks to CREDIT for reporting this issue."
    #[serde(default)]
    pub credit: Option<NonEmpty>,
    /// A free-form thanks sentence, printed as written instead of the `credit` form.
    #[serde(default)]
    pub thanks: Option<Spanned<NonEmpty>>,
    /// Names for the release-history line only, instead of `packages` (written as the
    /// history page writes them: a name with a space is a component, others packages).
    #[serde(default)]
    pub history_packages: Option<Spanned<Vec<NonEmpty>>>,
    /// Links to the fix (code review, commit). Never rendered; the embargo guard
    /// looks for them in pre-announcements.
    #[serde(default)]
    pub links: Vec<NonEmpty>,
    /// Why the security team chose this track, when it overrode the usual criteria.
    #[serde(default)]
    pub track_override: Option<Spanned<String>>,
    /// The subset of the release's versions this fix ships in (default: all).
    #[serde(default)]
    pub versions: Option<Spanned<Vec<Spanned<Version>>>>,
    /// `versions` as a set, made on first use (see [`ships_in`]).
    #[serde(skip)]
    version_set: OnceLock<std::collections::HashSet<Version>>,
}

impl SecurityIssue {
    /// The CVE ids, empty when none were given.
    pub fn cve_list(&self) -> &[CveId] {
        self.cves.as_ref().map_or(&[], |c| c.get_ref().as_slice())
    }

    /// Whether this fix ships in `version`.
    pub fn ships_in(&self, version: &Version) -> bool {
        ships_in(&self.versions, &self.version_set, version)
    }

    /// Every tracker issue of this entry, the first one first; none for an entry
    /// known by its CVE alone.
    pub fn issues(&self) -> &[IssueNumber] {
        self.issue.as_ref().map_or(&[], |i| i.get_ref().as_slice())
    }

    /// The first tracker issue, which names the entry in messages.
    pub fn first_issue(&self) -> Option<IssueNumber> {
        self.issues().first().copied()
    }

    /// How findings and notes name this entry: "issue 44913", else its first CVE id,
    /// else "entry N" (its place among the `[[security]]` entries, from 1).
    pub fn label(&self, index: usize) -> String {
        match (&self.issue, self.cve_list().first()) {
            (Some(issues), _) => format!("issue {}", issues.get_ref()),
            (None, Some(cve)) => cve.to_string(),
            (None, None) => format!("entry {}", index + 1),
        }
    }
}

/// One or more tracker issues of a `[[security]]` entry: an integer or a non-empty
/// list of integers in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issues(Vec<IssueNumber>);

impl Issues {
    /// The issues, in the order written.
    pub fn as_slice(&self) -> &[IssueNumber] {
        &self.0
    }
}

impl From<Vec<IssueNumber>> for Issues {
    fn from(value: Vec<IssueNumber>) -> Self {
        Issues(value)
    }
}

impl fmt::Display for Issues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list: Vec<String> = self.0.iter().map(IssueNumber::to_string).collect();
        f.write_str(&list.join(", "))
    }
}

impl<'de> Deserialize<'de> for Issues {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Input {
            One(IssueNumber),
            Many(Vec<IssueInput>),
            Other(toml::Value),
        }
        let expected = "expected a positive issue number or a non-empty list of them (issue = 63713 or issue = [63713, 64028])";
        match Input::deserialize(deserializer) {
            Ok(Input::One(n)) => Ok(Issues(vec![n])),
            Ok(Input::Many(list)) if !list.is_empty() => list
                .into_iter()
                .map(IssueNumber::try_from)
                .collect::<Result<Vec<_>, _>>()
                .map(Issues)
                .map_err(serde::de::Error::custom),
            Ok(Input::Many(_)) => Err(serde::de::Error::custom(format!("{expected}, found []"))),
            Ok(Input::Other(other)) => Err(serde::de::Error::custom(format!(
                "{expected}, found {other}"
            ))),
            Err(_) => Err(serde::de::Error::custom(expected)),
        }
    }
}

/// One `[[fix]]` entry: an ordinary bug fix.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BugFix {
    /// Import paths, or named parts such as "the compiler".
    pub packages: Spanned<Vec<NonEmpty>>,
    #[serde(default)]
    pub issue: Option<IssueNumber>,
    #[serde(default)]
    pub versions: Option<Spanned<Vec<Spanned<Version>>>>,
    /// `versions` as a set, made on first use (see [`ships_in`]).
    #[serde(skip)]
    version_set: OnceLock<std::collections::HashSet<Version>>,
    /// Names for the release-history line only, instead of `packages`.
    #[serde(default)]
    pub history_packages: Option<Spanned<Vec<NonEmpty>>>,
}

impl BugFix {
    /// Whether this fix ships in `version`.
    pub fn ships_in(&self, version: &Version) -> bool {
        ships_in(&self.versions, &self.version_set, version)
    }
}

/// Whether an entry with `versions` ships in `version`: a short list is read, a long
/// one looked up in `set` (a fix listed in 25,000 versions was read once for each).
fn ships_in(
    versions: &Option<Spanned<Vec<Spanned<Version>>>>,
    set: &OnceLock<std::collections::HashSet<Version>>,
    version: &Version,
) -> bool {
    let Some(versions) = versions else {
        return true;
    };
    let versions = versions.get_ref();
    if versions.len() <= 8 {
        return versions.iter().any(|v| v.get_ref() == version);
    }
    set.get_or_init(|| versions.iter().map(|v| v.get_ref().clone()).collect())
        .contains(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantifiers_read_like_the_history_page() {
        assert_eq!(Quantifier::Auto.phrase(1), ("a".to_string(), true));
        assert_eq!(Quantifier::Auto.phrase(3), (String::new(), false));
        assert_eq!(Quantifier::None.phrase(1), (String::new(), false));
        assert_eq!(Quantifier::Words.phrase(2), ("two".to_string(), false));
        assert_eq!(Quantifier::Words.phrase(20), ("20".to_string(), false));
        assert_eq!(
            Quantifier::Literal("one".into()).phrase(1),
            ("one".to_string(), true)
        );
    }
}
