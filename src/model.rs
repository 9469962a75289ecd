//! The typed release model: what a release file says, after loading.
//!
//! Field formats (versions, dates, CVE ids, issue numbers) are checked while
//! deserializing, so a malformed value is reported at its own position.
//! Fields that later checks point at keep their source span ([`Spanned`]).

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use toml::Spanned;

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
    /// The release tag of a version, as in "go1.16.1".
    pub fn tag(&self, version: &Version) -> String {
        format!("{}{}", self.tag_prefix, version)
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
        self.toolchain_prefixes.iter().any(|prefix| {
            package.starts_with(prefix.as_str()) || package == prefix.trim_end_matches('/')
        })
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
    pub issue: IssueNumber,
    pub title: NonEmpty,
    pub description: Markdown,
    #[serde(default)]
    pub credit: Option<NonEmpty>,
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
}

impl SecurityIssue {
    /// The CVE ids, empty when none were given.
    pub fn cve_list(&self) -> &[CveId] {
        self.cves.as_ref().map_or(&[], |c| c.get_ref().as_slice())
    }

    /// Whether this fix ships in `version`.
    pub fn ships_in(&self, version: &Version) -> bool {
        ships_in(&self.versions, version)
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
}

impl BugFix {
    /// Whether this fix ships in `version`.
    pub fn ships_in(&self, version: &Version) -> bool {
        ships_in(&self.versions, version)
    }
}

fn ships_in(versions: &Option<Spanned<Vec<Spanned<Version>>>>, version: &Version) -> bool {
    versions
        .as_ref()
        .is_none_or(|vs| vs.get_ref().iter().any(|v| v.get_ref() == version))
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

/// A release version such as `1.16.1` or `1.21.0`: two or three numbers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct Version {
    text: String,
    parts: Vec<u64>,
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
}

impl std::str::FromStr for Version {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let expected = || {
            format!("expected a version like \"1.16.1\" (two or three numbers separated by dots), found {text:?}")
        };
        let pieces: Vec<&str> = text.split('.').collect();
        if !(2..=3).contains(&pieces.len()) {
            return Err(expected());
        }
        let parts = pieces
            .iter()
            .map(|p| {
                let well_formed = !p.is_empty()
                    && p.bytes().all(|b| b.is_ascii_digit())
                    && (p.len() == 1 || !p.starts_with('0'));
                if well_formed {
                    p.parse::<u64>().map_err(|_| expected())
                } else {
                    Err(expected())
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Version {
            text: text.to_string(),
            parts,
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
