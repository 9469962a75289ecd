//! Generates a valid herald release file of any size, and the input shapes that
//! once made herald's cost grow faster than its input, for herald's benchmarks and
//! tests. The output is deterministic: the same arguments always give the same text.

use std::fmt::Write;

/// Standard-library import paths and toolchain parts, as real advisories name them.
const PACKAGES: &[&str] = &[
    "net/http",
    "net/http/httputil",
    "net/textproto",
    "net/url",
    "net/netip",
    "net/mail",
    "mime/multipart",
    "crypto/tls",
    "crypto/x509",
    "crypto/elliptic",
    "crypto/rsa",
    "crypto/ecdsa",
    "encoding/xml",
    "encoding/gob",
    "encoding/json",
    "encoding/pem",
    "encoding/asn1",
    "archive/zip",
    "archive/tar",
    "compress/gzip",
    "compress/flate",
    "image/png",
    "image/jpeg",
    "html/template",
    "text/template",
    "text/template/parse",
    "go/parser",
    "go/build/constraint",
    "path/filepath",
    "regexp/syntax",
    "math/big",
    "os/exec",
    "io/fs",
    "debug/elf",
    "debug/macho",
    "internal/syscall/unix",
    "syscall",
    "runtime",
    "cmd/go",
    "cmd/compile",
    "cmd/link",
    "cmd/cgo",
    "cmd/vet",
    "cmd/cover",
];

const SUBJECTS: &[&str] = &[
    "excessive memory allocation",
    "infinite loop",
    "stack exhaustion",
    "panic",
    "incorrect handling",
    "unbounded resource consumption",
    "improper escaping",
    "request smuggling",
    "denial of service",
    "arbitrary code execution",
    "quadratic complexity",
    "incorrect validation",
];

const CONTEXTS: &[&str] = &[
    "when parsing deeply nested input",
    "when reading a crafted archive",
    "in the handling of trailing header fields",
    "when decoding untrusted certificates from a peer",
    "with many small chunks in a request body",
    "when following redirects across hosts",
    "while resolving symbolic links in build directories",
    "in the handling of multipart form boundaries",
    "when a template action contains JavaScript comments",
    "for malformed negative exponents in big numbers",
];

const IDENTIFIERS: &[&str] = &[
    "Reader.Open",
    "Decoder.Decode",
    "ParseMultipartForm",
    "ReverseProxy",
    "Conn.Handshake",
    "Certificate.Verify",
    "Template.Execute",
    "Regexp.MatchString",
    "Int.SetString",
    "filepath.Clean",
    "exec.Command",
    "NewTokenDecoder",
];

const WORDS: &[&str] = &[
    "a",
    "program",
    "that",
    "processes",
    "untrusted",
    "input",
    "can",
    "be",
    "made",
    "to",
    "consume",
    "memory",
    "or",
    "time",
    "without",
    "bound",
    "attacker",
    "controlled",
    "values",
    "reach",
    "this",
    "code",
    "path",
    "through",
    "the",
    "public",
    "API",
    "server",
    "client",
    "request",
    "response",
    "limits",
    "are",
    "now",
    "enforced",
    "before",
    "allocation",
    "and",
    "callers",
    "need",
    "not",
    "change",
    "anything",
    "default",
    "configuration",
    "is",
    "affected",
];

const REPORTERS: &[&str] = &[
    "Sam Whited",
    "Philippe Antoine (Catena cyber)",
    "Jakob Ackermann (@das7pad)",
    "Kenta Koyama",
    "Bartek Nowotarski",
    "Juho Nurminen of Mattermost",
    "the OSS-Fuzz project",
    "Marten Seemann",
];

/// A tiny deterministic generator (SplitMix64), so fixtures never change between runs;
/// the tests that pick random moments use it too.
pub struct Rng(u64);

impl Rng {
    /// The sequence that starts from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next number of the sequence.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn packages(&mut self) -> Vec<&'static str> {
        let count = 1 + self.below(3);
        let mut chosen: Vec<&'static str> = Vec::new();
        while chosen.len() < count {
            let p = PACKAGES[self.below(PACKAGES.len())];
            if !chosen.contains(&p) {
                chosen.push(p);
            }
        }
        chosen
    }

    fn sentence(&mut self, words: usize) -> String {
        let mut s = String::new();
        for i in 0..words {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(self.pick(WORDS));
        }
        let mut chars = s.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().collect::<String>() + chars.as_str() + ".",
            None => s,
        }
    }
}

fn quoted_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// A title of 6 to 12 words.
fn title(rng: &mut Rng) -> String {
    loop {
        let mut title = format!("{} {}", rng.pick(SUBJECTS), rng.pick(CONTEXTS));
        if rng.below(2) == 0 {
            title.push_str(&format!(" in {}", rng.pick(IDENTIFIERS)));
        }
        let words = title.split(' ').count();
        if (6..=12).contains(&words) {
            return title;
        }
    }
}

/// Two or three Markdown paragraphs with inline code, hard-wrapped like hand-written TOML.
fn description(rng: &mut Rng) -> String {
    let paragraphs = 2 + rng.below(2);
    let mut out = String::new();
    for p in 0..paragraphs {
        if p > 0 {
            out.push_str("\n\n");
        }
        let mut text = String::new();
        if p == 0 {
            text.push_str(&format!("Calling `{}` ", rng.pick(IDENTIFIERS)));
            text.push_str(&format!("{} ", rng.pick(CONTEXTS)));
            text.push_str("can fail to check its limits. ");
        }
        for _ in 0..2 + rng.below(3) {
            let words = 8 + rng.below(10);
            text.push_str(&rng.sentence(words));
            text.push(' ');
        }
        if rng.below(2) == 0 {
            text.push_str(&format!(
                "Set `GODEBUG={}=0` to restore the old behavior.",
                rng.pick(&[
                    "multipartmaxparts",
                    "tarinsecurepath",
                    "zipinsecurepath",
                    "httpmuxgo121"
                ])
            ));
        }
        // Hard-wrap at about 76 columns, as a person would in a TOML file.
        let mut column = 0;
        for (i, word) in text.split_whitespace().enumerate() {
            if i > 0 {
                if column + 1 + word.len() > 76 {
                    out.push('\n');
                    column = 0;
                } else {
                    out.push(' ');
                    column += 1;
                }
            }
            out.push_str(word);
            column += word.len();
        }
    }
    out
}

/// The comment saying what was generated, and the `[project]` and `[release]` tables
/// every generated release shares.
fn header(what: &str) -> String {
    format!(
        r#"# Generated by herald's genfixture: {what}.

[project]
name = "Go"
tag_prefix = "go"
policy_url = "https://go.dev/security/policy"
release_notes_url = "https://go.dev/doc/devel/release#{{tag}}"
download_url = "https://go.dev/dl/"
issue_url = "https://go.dev/issue/{{id}}"
toolchain_prefixes = ["cmd/"]
release_window = "during US business hours"

[release]
versions = ["1.16.1", "1.15.9"]
date = 2021-03-10
kind = "minor"
pre_announcement = 2021-03-05
signers = ["Katie", "Filippo"]
"#
    )
}

/// A valid release file (exit 0 from `herald check` on its release day) with `n`
/// `[[security]]` issues and `n` `[[fix]]` entries.
pub fn release_toml(n: usize) -> String {
    let mut rng = Rng::new(0x5EED_0000 ^ n as u64);
    let mut out = String::with_capacity(1200 * n + 1024);
    out.push_str(&header(&format!("{n} security issues and {n} bug fixes")));
    for i in 0..n {
        // The first issue is private, so a pre-announcement is always due.
        let track = if i == 0 || rng.below(2) == 0 {
            "private"
        } else {
            "public"
        };
        let packages = rng.packages();
        let mut cves = vec![format!("CVE-2021-{}", 30000 + 2 * i)];
        if rng.below(8) == 0 {
            cves.push(format!("CVE-2021-{}", 30000 + 2 * i + 1));
        }
        let cves: Vec<&str> = cves.iter().map(String::as_str).collect();
        let _ = write!(
            out,
            "\n[[security]]\ntrack = \"{track}\"\npackages = {}\ncves = {}\nissue = {}\ntitle = {:?}\ndescription = \"\"\"\n{}\"\"\"\n",
            quoted_list(&packages),
            quoted_list(&cves),
            40000 + i,
            title(&mut rng),
            description(&mut rng),
        );
        if i % 2 == 0 {
            let _ = writeln!(out, "credit = {:?}", rng.pick(REPORTERS));
        }
        if rng.below(4) == 0 {
            out.push_str("versions = [\"1.16.1\"]\n");
        }
    }
    for i in 0..n {
        let packages = rng.packages();
        let _ = write!(
            out,
            "\n[[fix]]\npackages = {}\nissue = {}\n",
            quoted_list(&packages),
            40000 + n + i
        );
        if rng.below(5) == 0 {
            out.push_str("versions = [\"1.16.1\"]\n");
        }
    }
    out
}

/// The shapes of input that once took super-linear time, each generated
/// at a size `n`. See [`shape_toml`] and [`recipients_config`].
pub const SHAPES: &[(&str, &str)] = &[
    (
        "title",
        "one issue whose title is n bytes of distinct words",
    ),
    ("word", "one issue whose title is one word of n characters"),
    ("path", "one issue whose package path is n characters long"),
    ("credit", "one issue crediting n people"),
    (
        "issues",
        "n private issues with short titles sharing a word and a last path element",
    ),
    (
        "leaks",
        "one issue, and a greeting that names its package n times",
    ),
    (
        "recipients",
        "the sample release; herald.toml sends to n recipients",
    ),
    (
        "distinct",
        "one issue with n CVE ids, and a greeting that names each of them",
    ),
    (
        "parts",
        "one issue in n toolchain parts (`the part 0`, `the part 1`, …)",
    ),
];

/// A distinct lower-case word for each `i` ("qabc"), of letters only.
fn letters(mut i: usize) -> String {
    let mut word = String::from("q");
    loop {
        word.push(char::from(b'a' + (i % 26) as u8));
        i /= 26;
        if i == 0 {
            return word;
        }
    }
}

/// `first`, then distinct words after `separator` until it is `n` bytes or longer.
fn joined_words(first: &str, separator: char, n: usize) -> String {
    let mut out = String::from(first);
    let mut i = 0;
    while out.len() < n {
        out.push(separator);
        out.push_str(&letters(i));
        i += 1;
    }
    out
}

/// A capitalised name for each `i`: `Qabc`.
fn person_name(i: usize) -> String {
    let word = letters(i);
    let mut chars = word.chars();
    let first = chars.next().map(|c| c.to_ascii_uppercase()).unwrap_or('Q');
    std::iter::once(first).chain(chars).collect()
}

/// One private issue with the given title, packages and credit.
fn private_issue(out: &mut String, issue: usize, packages: &[&str], title: &str, credit: &str) {
    let _ = write!(
        out,
        "\n[[security]]\ntrack = \"private\"\npackages = {}\ncves = [\"CVE-2021-{}\"]\nissue = {issue}\ntitle = {title:?}\ndescription = \"\"\"\nA program that processes untrusted input can be made to hang.\"\"\"\n",
        quoted_list(packages),
        30000 + issue,
    );
    if !credit.is_empty() {
        let _ = writeln!(out, "credit = {credit:?}");
    }
}

/// A release of the shape `shape` (one of [`SHAPES`]) at size `n`, or `None` for an
/// unknown shape. Every one checks clean on its pre-announcement day.
pub fn shape_toml(shape: &str, n: usize) -> Option<String> {
    let mut out = header(&format!("shape {shape}, n = {n}"));
    match shape {
        "title" => {
            let title = joined_words("panic", ' ', n);
            private_issue(&mut out, 44913, &["encoding/xml"], &title, "Sam Whited");
        }
        "word" => {
            let word: String = (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            private_issue(&mut out, 44913, &["encoding/xml"], &word, "Sam Whited");
        }
        "path" => {
            let path = joined_words("example.com/mod", '/', n);
            private_issue(
                &mut out,
                44913,
                &[&path],
                "panic in the parser",
                "Sam Whited",
            );
        }
        "credit" => {
            let names: Vec<String> = (0..n)
                .map(|i| format!("{} {}", person_name(i), person_name(i + n)))
                .collect();
            let credit = names.join(", ");
            private_issue(
                &mut out,
                44913,
                &["encoding/xml"],
                "panic in the parser",
                &credit,
            );
        }
        "issues" => {
            for i in 0..n {
                let package = format!("example.com/{}/xml", letters(i));
                let title = format!("panic in {}", letters(i));
                private_issue(&mut out, 40000 + i, &[&package], &title, "");
            }
        }
        "leaks" | "recipients" => {
            private_issue(
                &mut out,
                44913,
                &["encoding/xml"],
                "panic in the parser",
                "Sam Whited",
            );
            if shape == "leaks" {
                // A greeting that names the embargoed package n times: a
                // pre-announcement the guard blocks with n leaks, each marked and
                // traced on the preview page.
                let greeting = "Hello, encoding/xml users. ".repeat(n);
                out = out.replacen(
                    "name = \"Go\"\n",
                    &format!("name = \"Go\"\ngreeting = \"{greeting}\"\n"),
                    1,
                );
            }
        }
        "distinct" => {
            // n distinct leaks, each traced to the release file on the preview page;
            // CVE ids one after another are also patterns that end one after another.
            let cves: Vec<String> = (0..n)
                .map(|i| format!("CVE-2099-{}", 100_000 + i))
                .collect();
            let _ = write!(
                out,
                "\n[[security]]\ntrack = \"private\"\npackages = [\"encoding/xml\"]\ncves = {}\nissue = 44913\ntitle = \"panic in the parser\"\ndescription = \"x\"\n",
                quoted_list(&cves.iter().map(String::as_str).collect::<Vec<_>>()),
            );
            let greeting = format!("Hello gophers, {}.", cves.join(", "));
            out = out.replacen(
                "name = \"Go\"\n",
                &format!("name = \"Go\"\ngreeting = \"{greeting}\"\n"),
                1,
            );
        }
        "parts" => {
            let parts: Vec<String> = (0..n).map(|i| format!("the part {i}")).collect();
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            private_issue(&mut out, 44913, &parts, "panic in the parser", "Sam Whited");
        }
        _ => return None,
    }
    let _ = write!(out, "\n[[fix]]\npackages = [\"cmd/go\"]\nissue = 44586\n");
    Some(out)
}

/// `n` distinct addresses.
pub fn recipient_addresses(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{}@example.invalid", letters(i)))
        .collect()
}

/// A `herald.toml` whose pre-announcement and announcement go to `n` recipients.
#[allow(dead_code)] // used by examples/genfixture.rs, not by the benchmarks
pub fn recipients_config(n: usize) -> String {
    let list: Vec<String> = recipient_addresses(n)
        .iter()
        .map(|a| format!("{a:?}"))
        .collect();
    let list = list.join(", ");
    format!(
        "[mail]\nfrom = \"Go release team <releases@example.invalid>\"\n\n[smtp]\nhost = \"localhost\"\ntls = \"none\"\n\n[recipients.pre-announcement]\nto = [{list}]\n\n[recipients.announcement]\nto = [{list}]\n"
    )
}
