fn main() { match herald::load::load_release(std::path::Path::new(&std::env::args().nth(1).unwrap())) { Ok(r) => println!("ok {:?}", r.file.release.date), Err(e) => println!("{e}") } }
