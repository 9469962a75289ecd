//! Issue numbers: every number an embargoed entry cites, as the digit scan reads
//! numbers (`#44913`, `issue 44,913`, `4 4 9 1 3`), and its issue URL.

use super::super::{Name, NumberDetail, Rule};
use super::{Builder, Entry};
use crate::guard::report::DetailKind;
use crate::guard::words::{strip_scheme, word_form};

impl Builder<'_> {
    /// Issue numbers, in every form the digit scan recognizes, and the issue URLs.
    pub(super) fn issue_numbers(&mut self, entry: &Entry<'_>) {
        for cited in entry.issue.issues() {
            let number = cited.get();
            let detail = self.details.insert(&number.to_string());
            let issue = self.issues.id(number);
            self.numbers.push(
                number,
                NumberDetail {
                    kind: DetailKind::IssueNumber,
                    detail,
                    issue,
                },
            );
            let name = |rule| Name {
                issue,
                ..entry.name(DetailKind::IssueNumber, detail, rule)
            };
            if number >= 10_000 {
                self.squeezed.add(&number.to_string(), name(Rule::Digits));
            }
            let link = strip_scheme(&self.project.issue_link(*cited));
            self.words.add(&word_form(&link), name(Rule::Word));
        }
    }
}
