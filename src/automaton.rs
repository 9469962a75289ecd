//! Aho-Corasick automata over many patterns, built in time linear in the patterns.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, BuildError, Input, Match};

/// From how many patterns each pattern is followed by a decoy (see [`Automaton::new`]).
pub(crate) const DECOYS_FROM: usize = 4096;

/// An Aho-Corasick automaton whose matches are reported by the place of their
/// pattern among the patterns it was built from.
#[derive(Debug, Clone)]
pub(crate) struct Automaton {
    inner: AhoCorasick,
    /// Whether each pattern is followed by its decoy, which never matches.
    pub(crate) decoys: bool,
}

impl Automaton {
    /// An automaton over `patterns`, as `builder` builds them.
    ///
    /// Many patterns that end one after another without a state between them
    /// (`the part 1`, `the part 2`, …, `the part 10`, … or runs of issue numbers,
    /// where nearly every state ends a pattern) can take the aho-corasick crate time
    /// quadratic in their number to build: it moves the states that end a pattern in
    /// front of the others by swaps, then follows each swap cycle from each of its
    /// states, and when few states end no pattern they travel through all the others,
    /// in cycles as long as the automaton. So when [`is_dense`] says that most states
    /// of the set's trie end a pattern (from [`DECOYS_FROM`] patterns on), every
    /// pattern is followed by a decoy, the pattern and two NUL bytes: it adds a state
    /// that ends no pattern right after each pattern's end, so no cycle grows long.
    /// No text herald searches holds a NUL (control characters are refused in
    /// release files, templates and rendered mail), and a decoy's matches are
    /// dropped anyway. Decoys double the automaton, so a sparse set (100,000
    /// issues' phrases) goes without.
    pub(crate) fn new<'a>(
        builder: &AhoCorasickBuilder,
        patterns: impl Iterator<Item = &'a str> + Clone,
    ) -> Result<Automaton, BuildError> {
        let decoys = patterns.clone().nth(DECOYS_FROM - 1).is_some() && is_dense(patterns.clone());
        let inner = if decoys {
            builder.build(
                patterns.flat_map(|p| [p.as_bytes().to_vec(), [p.as_bytes(), b"\0\0"].concat()]),
            )
        } else {
            builder.build(patterns)
        }?;
        Ok(Automaton { inner, decoys })
    }

    /// The overlapping matches in `text` (the automaton must use
    /// `MatchKind::Standard`), each with the place of its pattern.
    pub(crate) fn matches<'a>(&'a self, text: &'a str) -> impl Iterator<Item = (u32, Match)> + 'a {
        let step = if self.decoys { 2 } else { 1 };
        self.inner.find_overlapping_iter(text).filter_map(move |m| {
            let id = m.pattern().as_u32();
            (id % step == 0).then_some((id / step, m))
        })
    }

    /// Whether a pattern is a prefix of `text` (the automaton must be built for
    /// anchored searches). A decoy can match only where its pattern does.
    pub(crate) fn has_prefix_of(&self, text: &str) -> bool {
        self.inner
            .find(Input::new(text).anchored(Anchored::Yes))
            .is_some()
    }

    /// The place of the pattern that is the longest prefix of `text` (the automaton
    /// must be built for anchored, leftmost-longest searches).
    pub(crate) fn longest_prefix_of(&self, text: &str) -> Option<u32> {
        let step = if self.decoys { 2 } else { 1 };
        self.inner
            .find(Input::new(text).anchored(Anchored::Yes))
            .map(|m| m.pattern().as_u32() / step)
    }
}

/// Whether at least half the states of the trie of `patterns` (its distinct
/// prefixes) end a pattern. A property of the set alone, whatever order the crate
/// makes or moves its states in: where as many states end no pattern as end one,
/// every run of pattern ends has states that end none before it to trade places
/// with, and the swap cycles stay short.
fn is_dense<'a>(patterns: impl Iterator<Item = &'a str>) -> bool {
    use std::collections::HashSet;
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    // Each prefix by a 64-bit hash of it, built byte by byte.
    let mut states: HashSet<u64, rustc_hash::FxBuildHasher> = HashSet::default();
    let mut ends: HashSet<u64, rustc_hash::FxBuildHasher> = HashSet::default();
    for pattern in patterns {
        let mut prefix = FNV_OFFSET;
        for &byte in pattern.as_bytes() {
            prefix = (prefix ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
            states.insert(prefix);
        }
        ends.insert(prefix);
    }
    ends.len() * 2 >= states.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{MatchKind, StartKind};

    #[test]
    fn decoys_keep_pattern_ids_and_never_match() {
        for count in [10, DECOYS_FROM, 3 * DECOYS_FROM] {
            let patterns: Vec<String> = (0..count).map(|n| format!("the part {n}")).collect();
            let mut builder = AhoCorasick::builder();
            builder
                .match_kind(MatchKind::Standard)
                .start_kind(StartKind::Both);
            let automaton = Automaton::new(&builder, patterns.iter().map(String::as_str)).unwrap();
            assert_eq!(automaton.decoys, count >= DECOYS_FROM);
            // Words of a title need none: most of their states end no pattern.
            let words: Vec<String> = (0..count).map(|n| format!("qword{n}x")).collect();
            let plain = Automaton::new(&builder, words.iter().map(String::as_str)).unwrap();
            assert!(!plain.decoys);
            // A decoy of `the part 7` is in the text: it is found, and dropped.
            let text = format!("x the part 7\0\0 y the part {} z", count - 1);
            let mut found: Vec<(u32, &str)> = automaton
                .matches(&text)
                .map(|(id, m)| (id, &text[m.range()]))
                .collect();
            let last_text = format!("the part {}", count - 1);
            let mut expected = vec![(7, "the part 7")];
            // `the part 1`, `the part 12` … end inside the last number too.
            for (id, pattern) in patterns.iter().enumerate() {
                if last_text.starts_with(pattern.as_str()) {
                    expected.push((id as u32, pattern.as_str()));
                }
            }
            found.sort();
            expected.sort();
            assert_eq!(found, expected, "{count} patterns");
            assert!(automaton.has_prefix_of("the part 99 and more"));
            assert!(!automaton.has_prefix_of("x the part 1"));
        }
    }
}
