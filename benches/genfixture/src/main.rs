//! Writes a valid release file with N security issues and N bug fixes, or one of the
//! input shapes at size N.
//!
//! Usage:
//! * `cargo run --release -p herald-genfixture -- N OUT.toml`
//! * `cargo run --release -p herald-genfixture -- --shape SHAPE N OUT.toml`, where
//!   SHAPE is one of `title`, `word`, `path`, `credit`, `issues`, `recipients`;
//!   `recipients` also writes `herald.toml` with N recipients next to OUT.toml.

use std::path::Path;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!("usage: genfixture [--shape SHAPE] N OUT.toml");
    for (name, what) in genfixture::SHAPES {
        eprintln!("  --shape {name}: {what}");
    }
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (shape, n, out) = match args.as_slice() {
        [n, out] => (None, n, out),
        [flag, shape, n, out] if flag == "--shape" => (Some(shape.as_str()), n, out),
        _ => return usage(),
    };
    let n = match n.parse::<usize>() {
        Ok(n) => n,
        Err(e) => {
            eprintln!("genfixture: N must be a whole number: {e}");
            return ExitCode::from(2);
        }
    };
    let text = match shape {
        None => genfixture::release_toml(n),
        Some(shape) => match genfixture::shape_toml(shape, n) {
            Some(text) => text,
            None => return usage(),
        },
    };
    let mut written = vec![(out.to_string(), text)];
    if shape == Some("recipients") {
        let dir = Path::new(out).parent().unwrap_or(Path::new("."));
        let config = dir.join("herald.toml").display().to_string();
        written.push((config, genfixture::recipients_config(n)));
    }
    for (path, text) in &written {
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("genfixture: {path}: {e}");
            return ExitCode::from(1);
        }
        eprintln!("wrote {path}: {} bytes", text.len());
    }
    ExitCode::SUCCESS
}
