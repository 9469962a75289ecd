//! The values of a release file that have a format of their own: one-line text,
//! Markdown, versions, CVE ids, issue numbers and dates. Each is checked while it is
//! deserialized, so a malformed value is reported at its own position.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

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

/// An http or https URL with a host, as an advisory link must be.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct HttpUrl(String);

impl TryFrom<String> for HttpUrl {
    type Error = String;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        let expected =
            "expected an http or https URL such as \"https://example.org/advisories/2025-17\"";
        if text.contains(char::is_whitespace) {
            return Err(format!("{expected}, found {text:?}, which holds a space"));
        }
        match url::Url::parse(&text) {
            Ok(parsed)
                if matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some() =>
            {
                Ok(HttpUrl(text))
            }
            Ok(parsed) => Err(format!(
                "{expected}, found {text:?} (scheme {:?})",
                parsed.scheme()
            )),
            Err(error) => Err(format!("{expected}, found {text:?} ({error})")),
        }
    }
}

impl From<HttpUrl> for String {
    fn from(value: HttpUrl) -> Self {
        value.0
    }
}

impl std::ops::Deref for HttpUrl {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for HttpUrl {
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
pub(crate) enum IssueInput {
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

/// An IANA time zone name, such as `America/New_York`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(pub chrono_tz::Tz);

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse::<chrono_tz::Tz>().map(TimeZone).map_err(|_| {
            serde::de::Error::custom(format!(
                "expected an IANA time zone name such as \"America/New_York\" or \"UTC\", found {name:?}"
            ))
        })
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
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
}
