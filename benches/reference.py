#!/usr/bin/env python3
"""A Python reference pipeline, to compare herald with: renders a release's announcement with
jinja2 (herald's own templates), Markdown -> HTML with python-markdown, and composes
a multipart/alternative mail with the standard email package.

Usage: python3 bench/reference.py RELEASE.toml OUT.eml

It is a yardstick for bench/run, not product code: it builds only the template
context the built-in announcement of a minor release uses, without validation and
without the embargo guard.
"""
import datetime
import email.message
import email.policy
import email.utils
import sys
import tomllib
from pathlib import Path

import jinja2
import markdown


def spoken(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def context(release_file):
    project, release = release_file["project"], release_file["release"]
    versions = release["versions"]
    tags = [project["tag_prefix"] + v for v in versions]
    issue_url = project["issue_url"]
    security = []
    for entry in release_file.get("security", []):
        issues = [entry["issue"]] if "issue" in entry else entry.get("issues", [])
        links = [issue_url.replace("{id}", str(i)) for i in issues]
        only = entry.get("versions")
        security.append({
            "packages_text": spoken(entry["packages"]),
            "title": entry["title"],
            "description": entry["description"].strip(),
            "credit": entry.get("credit"),
            "thanks": entry.get("thanks"),
            "cves_text": spoken(entry.get("cves", [])),
            "issues": issues,
            "issue_links_text": spoken(["<%s>" % l for l in links]),
            "only_in": spoken(["%s %s" % (project["name"], v) for v in only]) if only and len(only) < len(versions) else None,
        })
    signers = release.get("signers", [])
    count = len(security)
    return {
        "project": dict(project, team="the %s team" % project["name"]),
        "release": release,
        "security": security,
        "greeting": "Hello gophers,",
        "versions_spoken": spoken(["%s %s" % (project["name"], v) for v in versions]),
        "versions_numbers": spoken(versions),
        "single_version": len(versions) == 1,
        "release_noun": "minor release" if len(versions) == 1 else "minor releases",
        "newest_tag": tags[0],
        "release_notes_link": project["release_notes_url"].replace("{tag}", tags[0]),
        "module": None,
        "pre_release": False,
        "security_count": count,
        "security_count_text": "%s security %s" % ({1: "one", 2: "two", 3: "three"}.get(count, str(count)), "fix" if count == 1 else "fixes"),
        "sign_off": "%s for the %s team" % (spoken(signers), project["name"]),
    }


def main():
    source, out = sys.argv[1], sys.argv[2]
    with open(source, "rb") as f:
        release_file = tomllib.load(f)
    templates = Path(__file__).resolve().parent.parent / "templates"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)), keep_trailing_newline=True)
    # herald's indent filter: every non-empty line, the first one too.
    env.filters["indent"] = lambda s, width=2: "\n".join(
        " " * width + line if line.strip() else "" for line in s.rstrip().split("\n"))
    rendered = env.get_template("announcement.md").render(context(release_file))
    subject_line, _, body = rendered.partition("\n")
    text = body.strip() + "\n"
    html = markdown.markdown(text)
    message = email.message.EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = subject_line.removeprefix("Subject: ")
    message["From"] = "Go release team <releases@example.invalid>"
    message["To"] = "golang-announce@example.invalid"
    message["Date"] = email.utils.format_datetime(datetime.datetime(2021, 3, 10, 12, tzinfo=datetime.timezone.utc))
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    Path(out).write_bytes(message.as_bytes())


if __name__ == "__main__":
    main()
