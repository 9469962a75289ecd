//! Credits and thanks: every credited person, handle and organisation, whole and by
//! each distinctive word, with an initial, as a handle or e-mail local part, glued,
//! transliterated ("Juergen Mueller" for "Jürgen Müller"), and a handle's stem
//! ("Ryota" of "RyotaK"). A word a credit uses besides names ("bug bounty program",
//! "GitHub user", "Head of Research", an `@github.com` address) counts only inside
//! the whole name; a host of the project's own links is no reporter's.

use super::super::{Name, Rule};
use super::{Builder, Entry};
use crate::guard::lexicon::is_english_word;
use crate::guard::names::{
    addresses, credit_names, handle_stem, is_handle_shaped, thanks_names, transliterations,
};
use crate::guard::report::DetailKind;
use crate::guard::words::{is_descriptor, is_stop_word, word_form, word_tokens};

/// The fewest words of a handle that counts only whole.
const HANDLE_PHRASE_WORDS: usize = 3;

impl Builder<'_> {
    pub(super) fn credit(&mut self, entry: &Entry<'_>) {
        let issue = entry.issue;
        let (text, is_thanks) = match (&issue.credit, &issue.thanks) {
            (Some(credit), _) => (credit.to_string(), false),
            (None, Some(thanks)) => (thanks.get_ref().to_string(), true),
            (None, None) => return,
        };
        let detail = self.details.insert(&text);
        let name = entry.name(DetailKind::Credit, detail, Rule::Word);
        let (rest, found) = addresses(&text);
        let mut people = if is_thanks {
            thanks_names(&rest)
        } else {
            credit_names(&rest)
        };
        for address in found {
            if let Some(handle) = &address.handle {
                people.push(handle.clone());
            }
            if !self.is_known_host(&address.domain) {
                // The reporter's own domain: whole, and its name ("oxeye" of oxeye.io).
                self.words.add(&word_form(&address.domain), name);
                let labels: Vec<&str> = address.domain.split('.').collect();
                if let [.., main, _tld] = labels.as_slice() {
                    people.push(main.to_string());
                }
            }
        }
        for person in people {
            let mut spellings = vec![person.clone()];
            spellings.extend(transliterations(&person));
            for spelling in spellings {
                self.person(&spelling, name);
            }
        }
    }

    /// Whether a mail or link host names nobody: the project's own, or a public
    /// mail or code host (`github.com`, `gmail.com`, `users.noreply.github.com`).
    fn is_known_host(&self, domain: &str) -> bool {
        let within = |host: &str| domain == host || domain.ends_with(&format!(".{host}"));
        self.own_hosts.iter().any(|h| within(h))
            || domain.split('.').rev().nth(1).is_some_and(is_descriptor)
    }

    /// Whether a credited word, lower case, is ordinary alone: a stop word, a word
    /// credits use besides names, or a label of the project's own hosts.
    fn is_ordinary(&self, token: &str) -> bool {
        is_stop_word(token)
            || is_descriptor(token)
            || self
                .own_hosts
                .iter()
                .any(|host| host.split('.').any(|label| label == token))
    }

    /// One credited name: whole, each distinctive word, initials, glued handles and a
    /// handle's stem.
    fn person(&mut self, person: &str, name: Name) {
        let tokens = word_tokens(person);
        // A handle of three or more words joined ("long-name-let-people-remember-you")
        // is one name: whole and glued, and by its words that are no everyday ones.
        let joined =
            tokens.len() >= HANDLE_PHRASE_WORDS && !person.trim().contains(char::is_whitespace);
        if joined {
            self.words.add(&tokens.join(" "), name);
            let glued = tokens.concat();
            if glued.chars().count() >= 8 {
                self.squeezed.add(&glued, name);
            }
        }
        // A word of the wording, of the project's name or of a signer's name counts
        // alone only when it is the whole name: the wording's sentences, the subject
        // and the sign-off say it anyway ("Katie" of "Katie Hockman" when Katie signs,
        // "Acme" of "the Acme bug bounty program"), but a credited "RyotaK" counts
        // whoever signs.
        let several = tokens.len() > 1;
        let distinctive: Vec<bool> = tokens
            .iter()
            .map(|t| {
                let shared = self.safe.contains(t) || self.signers.contains(t);
                !(self.is_ordinary(t) || (several && shared) || (joined && is_english_word(t)))
            })
            .collect();
        if !distinctive.contains(&true) {
            return;
        }
        // Whole, unless every word is a letter or two ("e g").
        if tokens.len() > 1 && tokens.iter().any(|t| t.chars().count() > 2) {
            self.words.add(&tokens.join(" "), name);
        }
        let as_written: Vec<&str> = person
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect();
        for ((token, written), &counts) in tokens.iter().zip(&as_written).zip(&distinctive) {
            if !counts {
                continue;
            }
            match token.chars().count() {
                0..=2 => {}
                3 => self.words.add(
                    token,
                    Name {
                        exact: self.details.insert(written),
                        ..name
                    },
                ),
                _ => {
                    self.words.add(token, name);
                    if token.chars().count() >= 5 {
                        // Broken up: "Whit-ed", "W-h-i-t-e-d".
                        self.squeezed.add(token, name);
                    }
                }
            }
        }
        // A handle's stem, which its owner also goes by: "Ryota" of "RyotaK".
        for raw in person.split_whitespace() {
            let raw = raw.trim_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '_');
            if !(is_handle_shaped(raw) || raw.chars().any(char::is_uppercase)) {
                continue;
            }
            if let Some(stem) = handle_stem(raw) {
                let form = word_form(&stem);
                if !form.contains(' ') && !self.is_ordinary(&form) {
                    self.words.add(&form, name);
                }
            }
        }
        if tokens.len() >= 2 {
            let first = &tokens[0];
            let last = &tokens[tokens.len() - 1];
            let initial = |w: &String| w.chars().next().map(String::from).unwrap_or_default();
            if distinctive[tokens.len() - 1] {
                self.words.add(&format!("{} {last}", initial(first)), name);
            }
            if first.chars().count() >= 3 && distinctive[0] {
                self.words.add(&format!("{first} {}", initial(last)), name);
            }
            let (first_counts, last_counts) = (distinctive[0], distinctive[tokens.len() - 1]);
            for (handle, counts) in [
                (tokens.concat(), true),
                (format!("{}{last}", initial(first)), last_counts),
                (format!("{last}{first}"), true),
                (format!("{last}{}", initial(first)), last_counts),
                (format!("{first}{}", initial(last)), first_counts),
            ] {
                if counts && handle.chars().count() >= 5 {
                    self.squeezed.add(&handle, name);
                }
            }
        }
    }
}
