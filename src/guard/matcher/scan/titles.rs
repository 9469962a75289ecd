//! Titles: two significant words of one embargoed title near each other, in any
//! inflection.

use super::super::{Embargo, TEXT_WINDOW};
use crate::guard::normalize::View;
use crate::guard::report::{DetailKind, Hit};
use crate::guard::words::stemmer;

impl Embargo {
    pub(super) fn titles<'e>(&'e self, view: &View, hits: &mut Vec<Hit<'e>>) {
        if self.title_pairs.is_empty() {
            return;
        }
        let stemmer = stemmer();
        let mut memo = self.scanned.lock();
        // The last significant words: (stem id, start in the words view, index).
        let mut window: std::collections::VecDeque<(Option<u32>, usize, usize)> =
            std::collections::VecDeque::with_capacity(TEXT_WINDOW);
        let mut at = 0;
        let mut index = 0;
        for word in view.words.split(' ') {
            let (start, end) = (at, at + word.len());
            at = end + 1;
            if word.is_empty() {
                continue;
            }
            let Some(id) = memo.read(word, &self.title_stems, &stemmer) else {
                // A stop word.
                continue;
            };
            index += 1;
            if let Some(id) = id {
                for &(prev, prev_start, prev_index) in &window {
                    let Some(prev) = prev else { continue };
                    let Some(pair) = self.title_pairs.get(&(prev.min(id), prev.max(id))) else {
                        continue;
                    };
                    let as_written = index == prev_index + 1 && pair.adjacent_first == Some(prev);
                    if pair.strong || as_written {
                        let (ns, ne) = view.words_range(prev_start, end);
                        let (s, e) = view.span(ns, ne);
                        hits.push(Hit::new(
                            DetailKind::Title,
                            self.detail(pair.title),
                            self.issue(pair.issue),
                            s,
                            e,
                        ));
                    }
                }
            }
            if window.len() == TEXT_WINDOW {
                window.pop_front();
            }
            window.push_back((id, start, index));
        }
    }
}
