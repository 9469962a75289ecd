//! The values templates see. Every name here is documented in the README.

use indexmap::IndexSet;
use serde::Serialize;

use crate::english::{count, join_list, spoken_versions, weekday_and_date};
use crate::load::LoadedRelease;
use crate::model::MessageKind;
use crate::model::{PreRelease, Profile, Project, ReleaseKind, Scope, SecurityIssue, Track};

/// Which of Go's two default scopes a release's security fixes touch.
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
}

/// The scopes a set of security fixes touches, in the order the project lists its
/// scopes. A package in no scope is left out: validation refuses such a release.
pub fn touched_scopes<'a>(
    input: &'a LoadedRelease,
    issues: impl IntoIterator<Item = &'a SecurityIssue>,
) -> Vec<&'a Scope> {
    let scopes = input.file.project.scopes();
    let mut touched = vec![false; scopes.all().len()];
    for issue in issues {
        for package in issue.packages.get_ref() {
            if let Some(index) = scopes.of(package) {
                touched[index] = true;
            }
        }
    }
    scopes
        .all()
        .iter()
        .zip(touched)
        .filter_map(|(scope, hit)| hit.then_some(scope))
        .collect()
}

/// What a pre-announcement may say of a release's embargoed (private and urgent)
/// fixes: which scopes they touch, how many there are, and on which tracks.
#[derive(Debug, Clone)]
pub struct Embargoed {
    /// The names of the scopes they touch, in the project's order.
    pub scopes: Vec<String>,
    /// Which of Go's default scopes they touch, when the project uses those.
    pub affects: Option<Affects>,
    /// How many fixes are embargoed.
    pub count: usize,
    /// Whether every one of them is on the private track.
    pub private_only: bool,
    /// Their packages, in order, each once.
    pub packages: Vec<String>,
    /// What the pre-announcement says they touch (see [`MessageContext::affects_text`]).
    pub affects_text: Option<String>,
}

impl Embargoed {
    /// The embargoed fixes of `input`.
    pub fn of(input: &LoadedRelease) -> Self {
        let project = &input.file.project;
        let embargoed = input
            .file
            .security
            .iter()
            .map(|s| s.get_ref())
            .filter(|s| s.track.get_ref().is_embargoed());
        let touched = touched_scopes(input, embargoed.clone());
        let affects = go_affects(project, &touched);
        let scopes: Vec<String> = touched.iter().map(|s| s.name.clone()).collect();
        let packages: Vec<String> = embargoed
            .clone()
            .flat_map(|s| s.packages.get_ref())
            .map(|p| p.to_string())
            .collect::<IndexSet<String>>()
            .into_iter()
            .collect();
        let count = embargoed.clone().count();
        let private_only = count > 0
            && embargoed
                .clone()
                .all(|s| *s.track.get_ref() == Track::Private);
        let affects_text = match project.module_path() {
            _ if count == 0 => None,
            Some(module) if project.profile() == Profile::Go => Some(format!(
                "the {} {} in the {module} module",
                if packages.len() == 1 {
                    "package"
                } else {
                    "packages"
                },
                join_list(&packages)
            )),
            Some(module) => Some(format!("the {module} module")),
            None => Some(join_list(&scopes)),
        };
        Embargoed {
            scopes,
            affects,
            count,
            private_only,
            packages,
            affects_text,
        }
    }
}

/// Which of Go's default scopes the fixes touch, when the project uses them (a Go
/// profile and no `[[project.scope]]`).
fn go_affects(project: &Project, touched: &[&Scope]) -> Option<Affects> {
    if !project.profile().is_go() || !project.scopes.is_empty() {
        return None;
    }
    let all = project.scopes().all();
    let has = |n: usize| touched.iter().any(|s| std::ptr::eq(*s, &all[n]));
    match (has(0), has(1)) {
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
    /// The wording in use: "go-2021", "go" or "generic".
    pub profile: Profile,
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
    /// What the embargoed (private and urgent) fixes touch, when the project uses Go's
    /// default scopes: "standard library", "toolchain", "both".
    pub affects: Option<&'static str>,
    /// The names of the scopes the embargoed fixes touch, in the project's order.
    pub scopes: Vec<String>,
    /// Those names joined: "the standard library and the toolchain"; in a module
    /// release "the golang.org/x/crypto module", and under the `go` profile "the
    /// package golang.org/x/crypto/ssh in the golang.org/x/crypto module".
    pub affects_text: Option<String>,
    /// How many fixes are embargoed (private and urgent): what a pre-announcement
    /// announces.
    pub embargoed_count: usize,
    /// Whether every embargoed fix is on the private track; the `go` profile's
    /// pre-announcement then says so, as Go does ("PRIVATE security fixes").
    pub private_only: bool,
    /// The packages of the embargoed fixes, in order, each once.
    pub embargoed_packages: Vec<String>,
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
    /// Who signs a module's security announcement under the `go` profile: "Go
    /// Security team".
    pub security_team: String,
    /// `project.update_instructions`, Markdown: how readers update.
    pub update_instructions: Option<String>,
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
            milestone: project.milestone().to_string(),
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
    /// The first tracker issue; none for an entry known by its CVE alone.
    pub issue: Option<u64>,
    /// The first tracker issue's URL.
    pub issue_link: Option<String>,
    /// The advisory's URL, if the entry gives one.
    pub advisory: Option<String>,
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
    /// "Go 1.26" when it ships in only some of the release's versions: the minor
    /// lines it affects, as the `go` profile says it ("This issue only affects Go 1.26.").
    pub only_affects: Option<String>,
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
        let embargoed = Embargoed::of(input);
        let pre = kind == MessageKind::PreAnnouncement;
        let module = project.module_path();
        // Versions are spoken with the module path in a module release: "golang.org/x/crypto v0.31.0".
        let display_name: &str = module.unwrap_or(&project.name);
        let pre_release = versions.iter().all(|v| v.is_pre_release());

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
                    let partial = shipped.len() < versions.len();
                    let only_in = partial.then(|| spoken_versions(display_name, &shipped));
                    let only_affects = partial.then(|| {
                        let mut lines: Vec<String> = Vec::new();
                        for version in versions.iter().filter(|v| issue.ships_in(v)) {
                            let line = minor_line(display_name, version, module.is_some());
                            if !lines.contains(&line) {
                                lines.push(line);
                            }
                        }
                        join_list(&lines)
                    });
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
                        issue: issue.first_issue().map(|n| n.get()),
                        issue_link: issue.first_issue().map(|n| project.issue_link(n)),
                        advisory: issue.advisory.as_ref().map(|a| a.get_ref().to_string()),
                        versions: shipped,
                        only_in,
                        only_affects,
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
        let announced_cves = if pre && project.pre_announces_cves() {
            file.security
                .iter()
                .map(|s| s.get_ref())
                .filter(|s| s.track.get_ref().is_embargoed())
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
            profile: project.profile(),
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
            greeting: project.greeting().to_string(),
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
            affects: embargoed.affects.map(Affects::as_str),
            scopes: embargoed.scopes,
            affects_text: embargoed.affects_text,
            embargoed_count: embargoed.count,
            private_only: embargoed.private_only,
            embargoed_packages: embargoed.packages,
            security_count: security.len(),
            security_count_text: count(security.len(), "security fix", "security fixes"),
            security,
            fixes,
            announced_cves,
            sign_off,
            security_team: capitalized(&project.security_team()),
            update_instructions: project.update_instructions.as_ref().map(|u| u.to_string()),
        }
    }
}

/// The minor line a version belongs to, as the `go` profile names it: "Go 1.26" for
/// 1.26.1; a module's version itself ("golang.org/x/net v0.45.0").
fn minor_line(name: &str, version: &crate::model::Version, module: bool) -> String {
    if module {
        return format!("{name} {version}");
    }
    let parts = version.parts();
    let line: Vec<String> = parts.iter().take(2).map(u64::to_string).collect();
    format!("{name} {}", line.join("."))
}

/// `text` with its first letter in upper case: "the Go team" -> "The Go team".
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
