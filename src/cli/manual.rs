//! The manual pages, from the command line's own definitions.

use std::io::Write;

use clap::CommandFactory;

use super::Cli;

/// The manual: herald(1), then a page for each command (herald-send(1), ...), in one
/// roff stream that `man -l -` reads.
pub fn write(out: &mut dyn Write) -> std::io::Result<()> {
    let command = Cli::command();
    clap_mangen::Man::new(command.clone()).render(out)?;
    for sub in command.get_subcommands() {
        let name = format!("herald-{}", sub.get_name());
        let page = sub
            .clone()
            .name(name.clone())
            .display_name(name)
            .version(env!("CARGO_PKG_VERSION"));
        clap_mangen::Man::new(page).render(out)?;
    }
    Ok(())
}
