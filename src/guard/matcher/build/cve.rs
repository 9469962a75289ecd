//! CVE ids: every issue's ids are known (a public issue's is reported without an
//! issue); an embargoed issue's are also looked for glued, with a two-digit year,
//! without the prefix, split by filler, and by their sequence number alone.

use super::super::{KnownCve, NumberDetail, Rule};
use super::{Builder, Entry};
use crate::guard::report::DetailKind;

impl Builder<'_> {
    pub(super) fn cves(&mut self, entry: &Entry<'_>, embargoed: bool) {
        for cve in entry.issue.cve_list() {
            let id = self.details.insert(&cve.to_string());
            let key = (
                cve.year().parse().unwrap_or(0),
                cve.sequence().parse().unwrap_or(0),
            );
            // An embargoed issue's claim on a CVE id wins over a public one's.
            if !self.cves.get(&key).is_some_and(|k| k.embargoed) {
                self.cves.insert(
                    key,
                    KnownCve {
                        id,
                        issue: entry.number,
                        embargoed,
                    },
                );
            }
            if !embargoed {
                continue;
            }
            self.embargoed_cves.insert(self.details.get(id));
            let name = |rule| entry.name(DetailKind::Cve, id, rule);
            let (year, seq) = (cve.year(), cve.sequence());
            let short = &year[year.len().saturating_sub(2)..];
            self.squeezed
                .add(&format!("cve{year}{seq}"), name(Rule::Word));
            self.squeezed
                .add(&format!("cve{short}{seq}"), name(Rule::Word));
            self.squeezed.add(&format!("{year}{seq}"), name(Rule::Word));
            for digits in [format!("{year}{seq}"), format!("{short}{seq}")] {
                // The last claim on the digits wins.
                let at = self.cve_digits.insert(&digits) as usize;
                if at == self.cve_details.len() {
                    self.cve_details.push((id, entry.number));
                } else {
                    self.cve_details[at] = (id, entry.number);
                }
            }
            // The sequence number on its own ("CVE number 27918 from 2021"),
            // unless the project lists its embargoed CVE ids openly.
            if !self.project.pre_announces_cves() {
                if let Ok(n) = seq.parse::<u64>() {
                    self.numbers.push(
                        n,
                        NumberDetail {
                            kind: DetailKind::Cve,
                            detail: id,
                            issue: entry.number,
                        },
                    );
                }
            }
        }
    }
}
