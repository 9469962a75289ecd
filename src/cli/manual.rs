//! The manual pages, from the command line's own definitions.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;

use super::Cli;

/// Every page: herald(1), then one per command and subcommand (herald-send(1),
/// herald-journal-settle(1), ...), each named as `man` looks it up.
fn pages() -> Vec<(String, clap::Command)> {
    fn add(prefix: &str, command: &clap::Command, out: &mut Vec<(String, clap::Command)>) {
        for sub in command.get_subcommands() {
            let name = format!("{prefix}-{}", sub.get_name());
            let page = sub
                .clone()
                .name(name.clone())
                .display_name(name.clone())
                .version(env!("CARGO_PKG_VERSION"));
            out.push((name.clone(), page));
            add(&name, sub, out);
        }
    }
    let root = Cli::command();
    let mut pages = vec![("herald".to_string(), root.clone())];
    add("herald", &root, &mut pages);
    pages
}

/// Every page in one roff stream, for `herald man | man -l -`.
pub fn write(out: &mut dyn Write) -> std::io::Result<()> {
    for (_, page) in pages() {
        clap_mangen::Man::new(page).render(out)?;
    }
    Ok(())
}

/// Every page as a file of its own, `NAME.1`, in `dir` (made if missing), so that
/// `man herald-send` finds it once `dir` is on the manual path. Returns the files.
pub fn write_pages(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?;
    let mut written = Vec::new();
    for (name, page) in pages() {
        let mut roff = Vec::new();
        clap_mangen::Man::new(page).render(&mut roff)?;
        let path = dir.join(format!("{name}.1"));
        crate::write_atomically(&path, &roff)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        written.push(path);
    }
    Ok(written)
}
