//! The values templates see. Every name here is documented in the README.

use serde::Serialize;

use crate::english::{count, join_list, spoken_versions, weekday_and_date};
use crate::load::LoadedRelease;
use crate::model::MessageKind;
use crate::model::{PreRelease, ReleaseKind, SecurityIssue};

/// Which parts of a release its security fixes touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Affects {
    StandardLibrary,
    Toolchain,
    Both,
}

impl Affects {
    /// "standard library", "toolchain" or "both".
    pub fn as_str(self) -> &'static str {
        match self {
            Affects::StandardLibrary => "standard library",
            Affects::Toolchain => "toolchain",
            Affects::Both => "both",
        }
    }

    /// "the standard library", "the toolchain", "the standard library and the
    /// toolchain", in the project's own words (`standard_library`, `toolchain`).
    pub fn phrase(self, project: &crate::model::Project) -> String {
        match self {
            Affects::StandardLibrary => project.standard_library.clone(),
            Affects::Toolchain => project.toolchain.clone(),
            Affects::Both => format!("{} and {}", project.standard_library, project.toolchain),
        }
    }
}

/// Derives what a set of security fixes touches from their packages and `toolchain_prefixes`.
pub fn affects<'a>(
    input: &LoadedRelease,
    issues: impl IntoIterator<Item = &'a SecurityIssue>,
) -> Option<Affects> {
    let project = &input.file.project;
    let (mut stdlib, mut toolchain) = (false, false);
    for issue in issues {
        for package in issue.packages.get_ref() {
            if project.is_toolchain(package) {
                toolchain = true;
            } else {
                stdlib = true;
            }
        }
    }
    match (stdlib, toolchain) {
        (true, true) => Some(Affects::Both),
        (true, false) => Some(Affects::StandardLibrary),
        (false, true) => Some(Affects::Toolchain),
        (false, false) => None,
    }
}

/// The template context of one mail message.
#[derive(Debug, Serialize)]
pub struct MessageContext {
    pub kind: MessageKind,
    pub project: ProjectView,
    pub release: ReleaseView,
    /// The security fixes with their details; empty in the pre-announcement.
    pub security: Vec<SecurityView>,
    /// The bug fixes; empty in the pre-announcement.
    pub fixes: Vec<FixView>,
    pub greeting: String,
    /// "Go 1.16.1 and Go 1.15.9"; "golang.org/x/crypto v0.31.0" in a module release.
    pub versions_spoken: String,
    /// "1.16.1 and 1.15.9".
    pub versions_numbers: String,
    pub single_version: bool,
    /// "minor release(s)" or "security release(s)", by count.
    pub release_noun: String,
    /// Tag of the newest version, as in "go1.16.1".
    pub newest_tag: String,
    /// Release-notes URL of the newest version.
    pub release_notes_link: String,
    /// "Wednesday, March 10".
    pub release_day: String,
    /// What the embargoed (private and urgent) fixes touch: "standard library", "toolchain", "both".
    pub affects: Option<&'static str>,
    /// "the standard library", "the toolchain", "the standard library and the toolchain";
    /// in a module release, "the golang.org/x/crypto module".
    pub affects_text: Option<String>,
    /// The module path of a module release, as in "golang.org/x/crypto".
    pub module: Option<String>,
    /// How to update in a module release: "go get golang.org/x/crypto@v0.31.0".
    pub go_get: Option<String>,
    /// Whether every version is a Go pre-release (beta or release candidate).
    pub pre_release: bool,
    /// The major version the newest version belongs to, as in "1.25" for "1.25rc2".
    pub pre_release_of: String,
    /// Number of security fixes listed.
    pub security_count: usize,
    /// "1 security fix", "3 security fixes".
    pub security_count_text: String,
    /// CVE ids the pre-announcement lists; empty unless `project.pre_announce_cves`.
    pub announced_cves: Vec<String>,
    /// "Katie and Filippo for the Go team", or "The Go team".
    pub sign_off: String,
}

/// `project` in the template context.
#[derive(Debug, Serialize)]
pub struct ProjectView {
    pub name: String,
    pub tag_prefix: String,
    pub policy_url: String,
    pub download_url: String,
    pub release_window: Option<String>,
    /// "the Go team".
    pub team: String,
    /// "milestone on our issue tracker".
    pub milestone: String,
}

impl ProjectView {
    /// The template view of a project.
    pub fn new(project: &crate::model::Project) -> Self {
        ProjectView {
            name: project.name.to_string(),
            tag_prefix: project.tag_prefix.clone(),
            policy_url: project.policy_url.get_ref().to_string(),
            download_url: project.download_url.get_ref().to_string(),
            release_window: project.release_window.clone(),
            team: project.team(),
            milestone: project.milestone.clone(),
        }
    }
}

/// `release` in the template context.
#[derive(Debug, Serialize)]
pub struct ReleaseView {
    pub versions: Vec<String>,
    /// "2021-03-10".
    pub date: String,
    pub kind: ReleaseKind,
    pub pre_announcement: Option<String>,
    pub signers: Vec<String>,
}

/// One entry of `security` in the template context.
#[derive(Debug, Serialize)]
pub struct SecurityView {
    pub packages: Vec<String>,
    /// "net/textproto, mime/multipart".
    pub packages_text: String,
    pub title: String,
    /// Markdown.
    pub description: String,
    pub credit: Option<String>,
    pub cves: Vec<String>,
    /// "CVE-2021-1 and CVE-2021-2".
    pub cves_text: String,
    /// The first tracker issue.
    pub issue: u64,
    /// The first tracker issue's URL.
    pub issue_link: String,
    /// Every tracker issue, the first one first.
    pub issues: Vec<u64>,
    /// Every tracker issue's URL, in the order of `issues`.
    pub issue_links: Vec<String>,
    /// The issue URLs as Markdown autolinks, joined: "<https://go.dev/issue/1> and <https://go.dev/issue/2>".
    pub issue_links_text: String,
    /// A free-form thanks sentence, printed instead of the `credit` form.
    pub thanks: Option<String>,
    /// The versions it ships in.
    pub versions: Vec<String>,
    /// "Go 1.16.1" when it ships in only some of the release's versions.
    pub only_in: Option<String>,
}

/// One entry of `fixes` in the template context.
#[derive(Debug, Serialize)]
pub struct FixView {
    pub packages: Vec<String>,
    pub issue: Option<u64>,
    pub issue_link: Option<String>,
    pub versions: Vec<String>,
}

impl MessageContext {
    /// Builds the context of a message of `kind` for `input`.
    pub fn new(input: &LoadedRelease, kind: MessageKind) -> Self {
        let file = &input.file;
        let project = &file.project;
        let release = &file.release;
        let versions = release.version_list();
        let version_names: Vec<String> = versions.iter().map(|v| v.to_string()).collect();
        let single_version = versions.len() == 1;
        let embargoed = file
            .security
            .iter()
            .map(|s| s.get_ref())
            .filter(|s| s.track.get_ref().is_embargoed());
        let affects = affects(input, embargoed.clone());
        let pre = kind == MessageKind::PreAnnouncement;
        let module = project.module_path();
        // Versions are spoken with the module path in a module release: "golang.org/x/crypto v0.31.0".
        let display_name: &str = module.unwrap_or(&project.name);
        let pre_release = versions.iter().all(|v| v.is_pre_release());
        let affects_text = match module {
            Some(module) => affects.map(|_| format!("the {module} module")),
            None => affects.map(|a| a.phrase(project)),
        };

        let security: Vec<SecurityView> = if pre {
            Vec::new()
        } else {
            file.security
                .iter()
                .map(|entry| {
                    let issue = entry.get_ref();
                    let shipped: Vec<String> = versions
                        .iter()
                        .filter(|v| issue.ships_in(v))
                        .map(|v| v.to_string())
                        .collect();
                    let only_in = (shipped.len() < versions.len())
                        .then(|| spoken_versions(display_name, &shipped));
                    let cves: Vec<String> =
                        issue.cve_list().iter().map(|c| c.to_string()).collect();
                    let packages: Vec<String> = issue
                        .packages
                        .get_ref()
                        .iter()
                        .map(|p| p.to_string())
                        .collect();
                    let autolinks: Vec<String> = issue
                        .issues()
                        .iter()
                        .map(|n| format!("<{}>", project.issue_link(*n)))
                        .collect();
                    SecurityView {
                        issue_links_text: join_list(&autolinks),
                        issues: issue.issues().iter().map(|n| n.get()).collect(),
                        issue_links: issue
                            .issues()
                            .iter()
                            .map(|n| project.issue_link(*n))
                            .collect(),
                        thanks: issue.thanks.as_ref().map(|t| t.get_ref().to_string()),
                        packages_text: packages.join(", "),
                        packages,
                        title: issue.title.to_string(),
                        description: issue.description.trim().to_string(),
                        credit: issue.credit.as_ref().map(|c| c.to_string()),
                        cves_text: join_list(&cves),
                        cves,
                        issue: issue.first_issue().get(),
                        issue_link: project.issue_link(issue.first_issue()),
                        versions: shipped,
                        only_in,
                    }
                })
                .collect()
        };
        let fixes = if pre {
            Vec::new()
        } else {
            file.fixes
                .iter()
                .map(|entry| {
                    let fix = entry.get_ref();
                    FixView {
                        packages: fix
                            .packages
                            .get_ref()
                            .iter()
                            .map(|p| p.to_string())
                            .collect(),
                        issue: fix.issue.map(|i| i.get()),
                        issue_link: fix.issue.map(|i| project.issue_link(i)),
                        versions: versions
                            .iter()
                            .filter(|v| fix.ships_in(v))
                            .map(|v| v.to_string())
                            .collect(),
                    }
                })
                .collect()
        };
        let announced_cves = if pre && project.pre_announce_cves {
            embargoed
                .flat_map(|s| s.cve_list().iter().map(|c| c.to_string()))
                .collect()
        } else {
            Vec::new()
        };
        let noun = if pre_release {
            if versions
                .iter()
                .all(|v| matches!(v.pre_release(), Some(PreRelease::Rc(_))))
            {
                "release candidate"
            } else if versions
                .iter()
                .all(|v| matches!(v.pre_release(), Some(PreRelease::Beta(_))))
            {
                "beta release"
            } else {
                "pre-release"
            }
        } else if module.is_some() {
            match *release.kind.get_ref() {
                ReleaseKind::Minor => "release",
                ReleaseKind::Security => "security release",
            }
        } else {
            match *release.kind.get_ref() {
                ReleaseKind::Minor => "minor release",
                ReleaseKind::Security => "security release",
            }
        };
        let signers: Vec<String> = release.signers.iter().map(|s| s.to_string()).collect();
        let team = project.team();
        let sign_off = if signers.is_empty() {
            capitalized(&team)
        } else {
            format!("{} for {team}", join_list(&signers))
        };
        MessageContext {
            kind,
            project: ProjectView::new(project),
            release: ReleaseView {
                versions: version_names.clone(),
                date: release.date.get_ref().to_string(),
                kind: *release.kind.get_ref(),
                pre_announcement: release
                    .pre_announcement
                    .as_ref()
                    .map(|d| d.get_ref().to_string()),
                signers,
            },
            greeting: project.greeting.clone(),
            versions_spoken: spoken_versions(display_name, &version_names),
            module: module.map(str::to_string),
            go_get: module.map(|m| format!("go get {m}@{}", versions[0])),
            pre_release,
            pre_release_of: versions[0]
                .parts()
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join("."),
            versions_numbers: join_list(&version_names),
            single_version,
            release_noun: if single_version {
                noun.to_string()
            } else {
                format!("{noun}s")
            },
            newest_tag: project.tag(versions[0]),
            release_notes_link: project.release_notes_link(versions[0]),
            release_day: weekday_and_date(release.date.get_ref().get()),
            affects: affects.map(Affects::as_str),
            affects_text,
            security_count: security.len(),
            security_count_text: count(security.len(), "security fix", "security fixes"),
            security,
            fixes,
            announced_cves,
            sign_off,
        }
    }
}

/// `text` with its first letter in upper case: "the Go team" -> "The Go team".
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
