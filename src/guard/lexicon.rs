//! Whether a lower-case word is an everyday English word: a binary search of
//! SCOWL's word list (`english-words.txt`, as Debian ships it in wamerican-small),
//! compiled into herald. Nothing is built at run time but where the words start:
//! a look-up reads about sixteen lines of the sorted text.

/// The word list: comment lines starting with `#`, then one word per line in byte
/// order.
const LIST: &str = include_str!("english-words.txt");

/// The words of [`LIST`], after its comment lines.
fn words() -> &'static str {
    let mut rest = LIST;
    while rest.starts_with('#') {
        rest = rest.split_once('\n').map_or("", |(_, after)| after);
    }
    rest
}

/// The words of [`LIST`], found once.
static WORDS: std::sync::LazyLock<&str> = std::sync::LazyLock::new(words);

/// Whether `word` (lower case) is in the word list.
pub(crate) fn is_english_word(word: &str) -> bool {
    let body: &str = &WORDS;
    let (mut low, mut high) = (0, body.len());
    while low < high {
        let middle = low + (high - low) / 2;
        let start = body[..middle].rfind('\n').map_or(0, |at| at + 1);
        let end = body[middle..]
            .find('\n')
            .map_or(body.len(), |at| middle + at);
        match body[start..end].cmp(word) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => low = end + 1,
            std::cmp::Ordering::Greater => high = start,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_lower_case_words_and_every_one_is_found() {
        let list: Vec<&str> = words().lines().collect();
        assert!(list.len() > 30_000);
        assert!(list.windows(2).all(|w| w[0] < w[1]));
        assert!(list
            .iter()
            .all(|w| w.bytes().all(|b| b.is_ascii_lowercase())));
        assert!(list.iter().all(|w| is_english_word(w)));
    }

    #[test]
    fn package_names_are_told_from_words() {
        for word in ["big", "user", "template", "signal", "format", "a", "zoo"] {
            assert!(is_english_word(word), "{word}");
        }
        for word in [
            "netip",
            "httputil",
            "knownhosts",
            "tlog",
            "",
            "aa",
            "zzzz",
            "Big",
        ] {
            assert!(!is_english_word(word), "{word}");
        }
    }
}
