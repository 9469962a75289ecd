//! Writes a valid release file with N security issues and N bug fixes.
//!
//! Usage: `cargo run --release --example genfixture -- N OUT.toml`

#[path = "../benches/support/genfixture.rs"]
mod genfixture;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (n, out) = match args.as_slice() {
        [n, out] => match n.parse::<usize>() {
            Ok(n) => (n, out),
            Err(e) => {
                eprintln!("genfixture: N must be a whole number: {e}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("usage: genfixture N OUT.toml");
            return ExitCode::from(2);
        }
    };
    let text = genfixture::release_toml(n);
    if let Err(e) = std::fs::write(out, &text) {
        eprintln!("genfixture: {out}: {e}");
        return ExitCode::from(1);
    }
    eprintln!(
        "wrote {out}: {n} security issues, {n} fixes, {} bytes",
        text.len()
    );
    ExitCode::SUCCESS
}
