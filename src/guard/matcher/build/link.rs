//! Fix and advisory links: the link with or without its scheme, its change number,
//! an advisory's id (`GO-2026-4440`), and any run of seven hex digits of a commit
//! hash in it.

use super::super::scan::hex_value;
use super::super::{NumberDetail, Rule, HEX_RUN};
use super::{Builder, Entry};
use crate::guard::report::DetailKind;
use crate::guard::words::{strip_scheme, word_form};

impl Builder<'_> {
    pub(super) fn links(&mut self, entry: &Entry<'_>) {
        let advisory = entry.issue.advisory.as_ref().map(|a| &**a.get_ref());
        for link in entry.issue.links.iter().map(|l| &**l).chain(advisory) {
            let link = link.trim();
            let detail = self.details.insert(link);
            let path = strip_scheme(link);
            self.words.add(
                &word_form(&path),
                entry.name(DetailKind::FixLink, detail, Rule::Word),
            );
            let last = path.rsplit('/').next().unwrap_or("");
            // An advisory's id names it without its host: "GO-2026-4440", "GHSA-…".
            if last.contains('-') && last.bytes().any(|b| b.is_ascii_digit()) && last.len() >= 6 {
                self.words.add(
                    &word_form(last),
                    entry.name(DetailKind::FixLink, detail, Rule::Word),
                );
            }
            let last = last.trim_start_matches('+');
            if last.len() >= 3 && last.bytes().all(|b| b.is_ascii_digit()) {
                if let Ok(n) = last.parse::<u64>() {
                    self.numbers.push(
                        n,
                        NumberDetail {
                            kind: DetailKind::FixLink,
                            detail,
                            issue: entry.number,
                        },
                    );
                }
            }
            for element in path.split(['/', '?', '#', '=', '&']) {
                let is_hash = element.len() >= 7
                    && element.bytes().all(|b| b.is_ascii_hexdigit())
                    && element.bytes().any(|b| b.is_ascii_alphabetic());
                if is_hash {
                    for window in element.as_bytes().windows(HEX_RUN) {
                        self.hex.push(hex_value(window), (detail, entry.number));
                    }
                }
            }
        }
    }
}
