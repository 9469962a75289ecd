//! The README's quick start runs as written, with `herald` on the PATH as
//! `cargo install` leaves it.

use std::path::Path;
use std::process::Command;

/// The commands of the first `sh` block after `heading` in the README.
fn block_after(heading: &str) -> Vec<String> {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let section = &readme[readme.find(heading).expect("the heading")..];
    let start = section.find("```sh\n").expect("an sh block") + "```sh\n".len();
    let end = start + section[start..].find("```").expect("the block's end");
    section[start..end]
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_quick_start_runs_verbatim() {
    let commands = block_after("## Quick start");
    assert!(commands.len() >= 3, "{commands:?}");
    let dir = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_herald")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for command in &commands {
        let output = Command::new("bash")
            .args(["-euo", "pipefail", "-c", command])
            .current_dir(dir.path())
            .env("PATH", &path)
            .env_remove("HERALD_TODAY")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{command}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(dir.path().join("my-release/drafts/index.html").is_file());
}
