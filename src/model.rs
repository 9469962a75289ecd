//! The typed release model: what a release file says, after loading.
//!
//! Field formats (versions, dates, CVE ids, issue numbers) are checked while
//! deserializing, so a malformed value is reported at its own position.
//! Fields that later checks point at keep their source span ([`Spanned`]).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, StartKind};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::automaton::Automaton;

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
    /// How the release-history lines are worded (`[history]`); defaults as in SPEC 4.4.
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
/// package, however many prefixes (20,000 prefixes and 20,000 packages took 4.8 s
/// one prefix at a time).
#[derive(Debug, Clone, Default)]
struct ToolchainMatcher {
    starts: Option<Automaton>,
    whole: std::collections::HashSet<String>,
}

/// The `[project]` table: names, URLs and how packages are classified and spoken.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Display name, as in "Go 1.16.1".
    pub name: NonEmpty,
    /// Prefix of release tags, as in "go1.16.1".
    #[serde(default)]
    pub tag_prefix: String,
    pub policy_url: Spanned<NonEmpty>,
    /// Release-notes URL; `{tag}` and `{version}` are replaced.
    pub release_notes_url: Spanned<NonEmpty>,
    pub download_url: Spanned<NonEmpty>,
    /// Issue URL; `{id}` is replaced by the issue number.
    pub issue_url: Spanned<NonEmpty>,
    /// Packages under these prefixes belong to the toolchain.
    #[serde(default = "default_toolchain_prefixes")]
    pub toolchain_prefixes: Vec<String>,
    /// `toolchain_prefixes` made ready to match, on first use.
    #[serde(skip)]
    toolchain_matcher: OnceLock<ToolchainMatcher>,
    /// Optional time phrase, as in "during US business hours".
    #[serde(default)]
    pub release_window: Option<String>,
    /// List the CVE ids of embargoed fixes in the pre-announcement.
    #[serde(default)]
    pub pre_announce_cves: bool,
    /// The first line of every message.
    #[serde(default = "default_greeting")]
    pub greeting: String,
    /// Spoken names of packages and toolchain parts, added to the built-in table.
    #[serde(default)]
    pub spoken: BTreeMap<String, String>,
    /// What the pre-announcement calls the project's library ("the standard library").
    #[serde(default = "default_standard_library")]
    pub standard_library: String,
    /// What the pre-announcement calls the project's tools ("the toolchain").
    #[serde(default = "default_toolchain")]
    pub toolchain: String,
    /// Who signs: "Katie and Filippo for the Go team", "The Go team". Default: the
    /// project name and "team".
    #[serde(default)]
    pub team: Option<String>,
    /// What the history line points to for details, after "See the Go 1.16.1"
    /// ("milestone on our issue tracker").
    #[serde(default = "default_milestone")]
    pub milestone: String,
    /// The module path of a module release (`golang.org/x/crypto`). When set, the
    /// release's versions are the module's tags (`v0.31.0`), the pre-announcement
    /// names the module, and the announcement says how to `go get` it.
    #[serde(default)]
    pub module: Option<Spanned<NonEmpty>>,
}

fn default_standard_library() -> String {
    "the standard library".to_string()
}

fn default_toolchain() -> String {
    "the toolchain".to_string()
}

fn default_milestone() -> String {
    "milestone on our issue tracker".to_string()
}

fn default_greeting() -> String {
    "Hello gophers,".to_string()
}

fn default_toolchain_prefixes() -> Vec<String> {
    vec!["cmd/".to_string()]
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

    /// The spoken name of a package or toolchain part, when it has one.
    pub fn spoken(&self, package: &str) -> Option<&str> {
        self.spoken.get(package).map(String::as_str).or_else(|| {
            BUILTIN_SPOKEN
                .iter()
                .find(|(path, _)| *path == package)
                .map(|(_, spoken)| *spoken)
        })
    }

    /// Whether a package belongs to the toolchain rather than the standard library.
    pub fn is_toolchain(&self, package: &str) -> bool {
        let matcher = self.toolchain_matcher.get_or_init(|| ToolchainMatcher {
            starts: Automaton::new(
                AhoCorasick::builder().start_kind(StartKind::Anchored),
                self.toolchain_prefixes.iter().map(String::as_str),
            )
            .ok(),
            whole: self
                .toolchain_prefixes
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

/// A scheduled minor release or a dedicated security release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReleaseKind {
    /// A scheduled minor release.
    Minor,
    /// A dedicated security release outside the schedule.
    Security,
}

/// How a security fix is handled under the policy. Internal: never rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Track {
    /// Fixed in public, no pre-announcement.
    Public,
    /// Fixed in private, pre-announced 3 to 7 days before the next minor release.
    Private,
    /// Fixed in private in an immediate dedicated security release.
    Urgent,
}

impl Track {
    /// Whether details of issues on this track are under embargo until release.
    pub fn is_embargoed(self) -> bool {
        matches!(self, Track::Private | Track::Urgent)
    }

    /// The lower-case name, as written in release files.
    pub fn as_str(self) -> &'static str {
        match self {
            Track::Public => "public",
            Track::Private => "private",
            Track::Urgent => "urgent",
        }
    }
}

impl fmt::Display for Track {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
    /// The tracker issue, or several (`issue = 63713` or `issue = [63713, 64028]`).
    pub issue: Spanned<Issues>,
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

    /// Every tracker issue of this entry, the first one first.
    pub fn issues(&self) -> &[IssueNumber] {
        self.issue.get_ref().as_slice()
    }

    /// The first tracker issue, which names the entry in messages.
    pub fn first_issue(&self) -> IssueNumber {
        self.issues()[0]
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

/// One line of text: not empty or only white space, and without a line break (it
/// may end up in a mail header).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct NonEmpty(String);

impl TryFrom<String> for NonEmpty {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.trim().is_empty() {
            Err("expected a non-empty string".to_string())
        } else if value.contains(['\r', '\n']) {
            Err(format!(
                "expected a single line of text, found a line break in {value:?}"
            ))
        } else {
            Ok(NonEmpty(value))
        }
    }
}

/// Markdown text: not empty, line breaks allowed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct Markdown(String);

impl TryFrom<String> for Markdown {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.trim().is_empty() {
            Err("expected non-empty Markdown text".to_string())
        } else {
            Ok(Markdown(value))
        }
    }
}

impl From<Markdown> for String {
    fn from(value: Markdown) -> Self {
        value.0
    }
}

impl std::ops::Deref for Markdown {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<NonEmpty> for String {
    fn from(value: NonEmpty) -> Self {
        value.0
    }
}

impl std::ops::Deref for NonEmpty {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NonEmpty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A release version: Go's `1.16.1`, `1.20` (two or three numbers), a Go
/// pre-release `1.25rc2` or `1.26beta1`, or a module tag `v0.31.0`.
///
/// Versions order as Go releases do: `1.25beta1` < `1.25rc1` < `1.25rc2` < `1.25.0`
/// = `1.25` < `1.25.1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct Version {
    text: String,
    parts: Vec<u64>,
    pre: Option<PreRelease>,
    module_tag: bool,
}

/// The pre-release part of a Go version: `beta1`, `rc2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PreRelease {
    /// `betaN`.
    Beta(u64),
    /// `rcN`.
    Rc(u64),
}

impl Version {
    /// The version as written, as in "1.16.1".
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The numeric components, for ordering.
    pub fn parts(&self) -> &[u64] {
        &self.parts
    }

    /// The pre-release part of a Go pre-release version (`rc2` in `1.25rc2`).
    pub fn pre_release(&self) -> Option<PreRelease> {
        self.pre
    }

    /// Whether this is a Go pre-release (beta or release candidate).
    pub fn is_pre_release(&self) -> bool {
        self.pre.is_some()
    }

    /// Whether this is a module tag such as `v0.31.0`.
    pub fn is_module_tag(&self) -> bool {
        self.module_tag
    }

    /// The version in the semantic-version form the Go vulnerability database uses in
    /// OSV ranges: `1.21.1`, `1.20.0` for `1.20`, `1.25.0-rc.2` for `1.25rc2`, `0.31.0`
    /// for `v0.31.0`.
    pub fn semver(&self) -> String {
        let mut numbers: Vec<String> = self.parts.iter().map(u64::to_string).collect();
        while numbers.len() < 3 {
            numbers.push("0".to_string());
        }
        let mut text = numbers.join(".");
        match self.pre {
            Some(PreRelease::Beta(n)) => text.push_str(&format!("-beta.{n}")),
            Some(PreRelease::Rc(n)) => text.push_str(&format!("-rc.{n}")),
            None => {}
        }
        text
    }

    /// The key versions are ordered by: numbers (missing ones are 0), then
    /// pre-releases before the final version.
    fn order_key(&self) -> ([u64; 3], (u8, u64)) {
        let mut numbers = [0; 3];
        for (slot, part) in numbers.iter_mut().zip(&self.parts) {
            *slot = *part;
        }
        let stage = match self.pre {
            Some(PreRelease::Beta(n)) => (0, n),
            Some(PreRelease::Rc(n)) => (1, n),
            None => (2, 0),
        };
        (numbers, stage)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.order_key()
            .cmp(&other.order_key())
            .then_with(|| self.text.cmp(&other.text))
    }
}

impl std::str::FromStr for Version {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let expected = || {
            format!("expected a version like \"1.16.1\" (two or three numbers separated by dots), a Go pre-release like \"1.25rc2\" or \"1.26beta1\", or a module tag like \"v0.31.0\", found {text:?}")
        };
        let number = |p: &str| {
            let well_formed = !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'));
            if well_formed {
                p.parse::<u64>().map_err(|_| expected())
            } else {
                Err(expected())
            }
        };
        if let Some(tag) = text.strip_prefix('v') {
            let parts = tag.split('.').map(number).collect::<Result<Vec<_>, _>>()?;
            if parts.len() != 3 {
                return Err(expected());
            }
            return Ok(Version {
                text: text.to_string(),
                parts,
                pre: None,
                module_tag: true,
            });
        }
        let (numbers, pre) = match text.find(|c: char| c.is_ascii_alphabetic()) {
            None => (text, None),
            Some(at) => {
                let (numbers, suffix) = text.split_at(at);
                let pre = if let Some(n) = suffix.strip_prefix("rc") {
                    PreRelease::Rc(number(n)?)
                } else if let Some(n) = suffix.strip_prefix("beta") {
                    PreRelease::Beta(number(n)?)
                } else {
                    return Err(expected());
                };
                if matches!(pre, PreRelease::Rc(0) | PreRelease::Beta(0)) {
                    return Err(expected());
                }
                (numbers, Some(pre))
            }
        };
        let parts = numbers
            .split('.')
            .map(number)
            .collect::<Result<Vec<_>, _>>()?;
        // Go names pre-releases of a major version by two numbers: 1.25rc2.
        let allowed = if pre.is_some() { 2..=2 } else { 2..=3 };
        if !allowed.contains(&parts.len()) {
            return Err(expected());
        }
        Ok(Version {
            text: text.to_string(),
            parts,
            pre,
            module_tag: false,
        })
    }
}

impl AsRef<str> for Version {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

impl TryFrom<String> for Version {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Version> for String {
    fn from(value: Version) -> Self {
        value.text
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A CVE id: `CVE-YYYY-NNNN`, with four or more digits in the sequence number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct CveId(String);

impl CveId {
    /// The id as written, as in "CVE-2021-27918".
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The year part.
    pub fn year(&self) -> &str {
        &self.0[4..8]
    }

    /// The sequence number part.
    pub fn sequence(&self) -> &str {
        &self.0[9..]
    }
}

impl TryFrom<String> for CveId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        let bytes = value.as_bytes();
        let well_formed = value.len() >= 13
            && value.starts_with("CVE-")
            && bytes[4..8].iter().all(u8::is_ascii_digit)
            && bytes[8] == b'-'
            && bytes[9..].iter().all(u8::is_ascii_digit);
        if well_formed {
            Ok(CveId(value))
        } else {
            Err(format!(
                "expected a CVE id like \"CVE-2021-27918\" (CVE-, a four-digit year, -, four or more digits), found {value:?}"
            ))
        }
    }
}

impl From<CveId> for String {
    fn from(value: CveId) -> Self {
        value.0
    }
}

impl fmt::Display for CveId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An issue number in the project's tracker: a positive integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(try_from = "IssueInput", into = "u64")]
pub struct IssueNumber(u64);

/// What an issue-number field may hold before it is checked.
#[derive(Deserialize)]
#[serde(untagged)]
enum IssueInput {
    Integer(i64),
    Other(toml::Value),
}

impl TryFrom<IssueInput> for IssueNumber {
    type Error = String;
    fn try_from(value: IssueInput) -> Result<Self, Self::Error> {
        match value {
            IssueInput::Integer(n) => IssueNumber::try_from(n),
            IssueInput::Other(other) => Err(format!(
                "expected a positive issue number (an unquoted integer), found {other}"
            )),
        }
    }
}

impl IssueNumber {
    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl TryFrom<i64> for IssueNumber {
    type Error = String;
    fn try_from(value: i64) -> Result<Self, Self::Error> {
        u64::try_from(value)
            .ok()
            .filter(|n| *n > 0)
            .map(IssueNumber)
            .ok_or_else(|| format!("expected a positive issue number, found {value}"))
    }
}

impl From<IssueNumber> for u64 {
    fn from(value: IssueNumber) -> Self {
        value.0
    }
}

impl fmt::Display for IssueNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A calendar day, written in release files as an unquoted TOML local date (`2021-03-10`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(try_from = "DateInput", into = "NaiveDate")]
pub struct Date(NaiveDate);

impl Date {
    /// The chrono date.
    pub fn get(self) -> NaiveDate {
        self.0
    }
}

impl From<NaiveDate> for Date {
    fn from(value: NaiveDate) -> Self {
        Date(value)
    }
}

impl From<Date> for NaiveDate {
    fn from(value: Date) -> Self {
        value.0
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            self.0.month(),
            self.0.day()
        )
    }
}

/// What a date field may hold before it is checked.
#[derive(Deserialize)]
#[serde(untagged)]
enum DateInput {
    Datetime(toml::value::Datetime),
    Text(String),
    Other(toml::Value),
}

impl TryFrom<DateInput> for Date {
    type Error = String;
    fn try_from(value: DateInput) -> Result<Self, Self::Error> {
        let expected = |found: &dyn fmt::Display| {
            format!("expected an unquoted TOML local date like 2021-03-10, found {found}")
        };
        match value {
            DateInput::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
                (Some(d), None, None) => {
                    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                        .map(Date)
                        .ok_or_else(|| expected(&dt))
                }
                _ => Err(expected(&dt)),
            },
            DateInput::Text(text) => Err(expected(&format_args!("the string {text:?}"))),
            DateInput::Other(other) => Err(expected(&other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        text.parse().unwrap()
    }

    #[test]
    fn go_pre_releases_order_before_their_final_release() {
        let mut list = [
            v("1.25.1"),
            v("1.25rc2"),
            v("1.25"),
            v("1.25beta1"),
            v("1.25rc1"),
            v("1.24.7"),
        ];
        list.sort();
        let names: Vec<&str> = list.iter().map(Version::as_str).collect();
        assert_eq!(
            names,
            [
                "1.24.7",
                "1.25beta1",
                "1.25rc1",
                "1.25rc2",
                "1.25",
                "1.25.1"
            ]
        );
        assert_eq!(v("1.25rc2").semver(), "1.25.0-rc.2");
        assert_eq!(v("1.20").semver(), "1.20.0");
        assert_eq!(v("v0.31.0").semver(), "0.31.0");
        for bad in ["1.25rc0", "1.25.1rc1", "1.25rc", "1.25alpha1", "v1.2", "1"] {
            assert!(bad.parse::<Version>().is_err(), "{bad}");
        }
    }

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
