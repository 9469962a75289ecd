//! One normalisation before matching, and the views a message is matched in.
//!
//! A part of a message is first read into *displayed characters* (see
//! [`super::read`]): what a mail reader shows, each character with the span of the
//! source text it came from. [`View::new`] then builds one normalised copy:
//!
//! * percent-escapes decoded (`%43VE` reads `CVE`, `issue%2F44913` reads `issue/44913`);
//! * text under a right-to-left override (U+202E, or `<bdo dir="rtl">` in HTML)
//!   reversed, the way it is displayed;
//! * every Default_Ignorable_Code_Point and bidi control dropped, and combining
//!   marks with them;
//! * NFKC compatibility forms folded (full-width `４４９１３`, `…`, ligatures), and
//!   other non-ASCII characters mapped to their UTS #39 confusable skeleton
//!   (Cyrillic `С`, the division slash `∕`, curly quotes);
//! * case folded, every kind of dash read as `-`, every run of white space one space.
//!
//! Every byte of the copy remembers the span of the source it came from, so a
//! finding points at the source line. On top of the normalised text, a view has two
//! derived forms in which every non-alphanumeric character is a boundary: the
//! *words* (alphanumeric runs joined by one space) and the *squeezed* text
//! (alphanumeric characters only), each mapping back to the normalised text.

use unicode_normalization::char::{
    canonical_combining_class, decompose_compatible, is_combining_mark,
};

/// A displayed character and the span `start..end` of the source text it came from.
pub(crate) type SourceChar = (char, usize, usize);

/// Right-to-left override: what follows is displayed reversed.
pub(crate) const RLO: char = '\u{202E}';
/// Pop directional formatting: ends an override.
pub(crate) const PDF: char = '\u{202C}';

/// A normalised copy of a part of a message, with its word and squeezed forms.
pub(crate) struct View {
    /// The normalised text.
    pub norm: String,
    starts: Vec<usize>,
    ends: Vec<usize>,
    /// Alphanumeric runs of `norm` joined by single spaces.
    pub words: String,
    /// For each byte of `words`, the byte of `norm` it stands for.
    words_at: Vec<u32>,
    /// The alphanumeric characters of `norm` alone.
    pub squeezed: String,
    /// For each byte of `squeezed`, the byte of `norm` it stands for.
    squeezed_at: Vec<u32>,
}

impl View {
    /// Builds the view of displayed characters.
    pub fn new(chars: &[SourceChar]) -> View {
        if chars.iter().all(|c| c.0.is_ascii() && c.0 != '%') {
            View::plain_ascii(chars)
        } else {
            View::any(chars)
        }
    }

    /// The view of ASCII without percent-escapes: nothing to decode, reorder, drop or
    /// fold but case, so no copy of `chars`. As [`View::any`] builds it.
    fn plain_ascii(chars: &[SourceChar]) -> View {
        let mut view = View::with_capacity(chars.len());
        for &(c, start, end) in chars {
            // `push_folded` for ASCII.
            let c = match c {
                c if c.is_whitespace() && view.norm.ends_with(' ') => continue,
                c if c.is_whitespace() => ' ',
                c => c.to_ascii_lowercase(),
            };
            view.norm.push(c);
            view.starts.push(start);
            view.ends.push(end);
        }
        view.derive();
        view
    }

    fn any(chars: &[SourceChar]) -> View {
        let chars = percent_decoded(chars);
        let chars = overrides_reversed(chars);
        // Under a right-to-left embedding or isolate, the guard reads the text both as
        // written and as displayed, one after the other: which one a reader sees
        // depends on the text around it.
        let chars = match chars.iter().any(|c| RTL_OPENERS.contains(&c.0)) {
            true => {
                let end = chars.last().map_or(0, |c| c.2);
                let mut both = chars.clone();
                both.push(('\n', end, end));
                both.extend(isolates_reordered(chars));
                both
            }
            false => chars,
        };
        let mut view = View::with_capacity(chars.len());
        // What each character other than ASCII becomes, worked out once per character:
        // a greeting of 350,000 U+FDFA (each 18 characters under NFKC) took 2 s.
        let mut seen: std::collections::HashMap<char, Vec<Folded>> = Default::default();
        for (c, start, end) in chars {
            if c.is_ascii() {
                view.push_folded(c, start, end);
                continue;
            }
            for folded in seen.entry(c).or_insert_with(|| folded(c)).iter() {
                match *folded {
                    Folded::Space if !view.norm.ends_with(' ') => view.push(' ', start, end),
                    Folded::Space => {}
                    Folded::Char(d) => view.push(d, start, end),
                }
            }
        }
        view.derive();
        view
    }

    fn with_capacity(chars: usize) -> View {
        View {
            norm: String::with_capacity(chars),
            starts: Vec::with_capacity(chars),
            ends: Vec::with_capacity(chars),
            words: String::new(),
            words_at: Vec::new(),
            squeezed: String::new(),
            squeezed_at: Vec::new(),
        }
    }

    fn push_folded(&mut self, c: char, start: usize, end: usize) {
        if c.is_whitespace() {
            if !self.norm.ends_with(' ') {
                self.push(' ', start, end);
            }
        } else if c.is_ascii() {
            self.push(c.to_ascii_lowercase(), start, end);
        } else {
            for lower in c.to_lowercase() {
                self.push(lower, start, end);
            }
        }
    }

    fn push(&mut self, c: char, start: usize, end: usize) {
        self.norm.push(c);
        for _ in 0..c.len_utf8() {
            self.starts.push(start);
            self.ends.push(end);
        }
    }

    /// Builds the word and squeezed forms from `norm`.
    fn derive(&mut self) {
        let len = self.norm.len();
        self.words.reserve(len);
        self.words_at.reserve(len);
        self.squeezed.reserve(len);
        self.squeezed_at.reserve(len);
        let mut in_word = false;
        if self.norm.is_ascii() {
            // As below, a byte at a time.
            for (i, &b) in self.norm.as_bytes().iter().enumerate() {
                if b.is_ascii_alphanumeric() {
                    if !in_word && !self.words.is_empty() {
                        self.words.push(' ');
                        self.words_at.push(i as u32);
                    }
                    in_word = true;
                    self.words.push(char::from(b));
                    self.squeezed.push(char::from(b));
                    self.words_at.push(i as u32);
                    self.squeezed_at.push(i as u32);
                } else {
                    in_word = false;
                }
            }
            return;
        }
        // `char::is_alphanumeric` searches Unicode's tables for a letter outside ASCII;
        // a text of a few letters repeated (Arabic, say) asks about the same ones.
        let mut known: [(char, bool); 256] = [('\0', false); 256];
        let mut is_alphanumeric = |c: char| {
            let slot = &mut known[c as usize & 255];
            if slot.0 != c {
                *slot = (c, c.is_alphanumeric());
            }
            slot.1
        };
        for (i, c) in self.norm.char_indices() {
            if is_alphanumeric(c) {
                if !in_word && !self.words.is_empty() {
                    self.words.push(' ');
                    self.words_at.push(i as u32);
                }
                in_word = true;
                self.words.push(c);
                self.squeezed.push(c);
                for k in 0..c.len_utf8() {
                    self.words_at.push((i + k) as u32);
                    self.squeezed_at.push((i + k) as u32);
                }
            } else {
                in_word = false;
            }
        }
    }

    /// The source span of the normalised bytes `start..end`.
    pub fn span(&self, start: usize, end: usize) -> (usize, usize) {
        let last = end.max(start + 1) - 1;
        let (s, e) = (self.starts[start], self.ends[last]);
        if s < e {
            return (s, e);
        }
        // Reversed text (under a right-to-left override) runs backwards in the source.
        let s = self.starts[start..=last].iter().copied().min().unwrap_or(s);
        let e = self.ends[start..=last].iter().copied().max().unwrap_or(e);
        (s, e.max(s))
    }

    /// The normalised range of the word-form bytes `start..end`.
    pub fn words_range(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.words_at[start] as usize;
        let last = self.words_at[end.max(start + 1) - 1] as usize;
        (s, last + 1)
    }

    /// The normalised range of the squeezed bytes `start..end`.
    pub fn squeezed_range(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.squeezed_at[start] as usize;
        let last = self.squeezed_at[end.max(start + 1) - 1] as usize;
        (s, last + 1)
    }

    /// The character of `norm` before byte `at`, if any.
    pub fn before(&self, at: usize) -> Option<char> {
        self.norm[..at].chars().next_back()
    }

    /// The character of `norm` at byte `at`, if any.
    pub fn at(&self, at: usize) -> Option<char> {
        self.norm.get(at..).and_then(|rest| rest.chars().next())
    }

    /// Whether the normalised range `start..end` begins and ends at word boundaries.
    pub fn whole_words(&self, start: usize, end: usize) -> bool {
        !self.before(start).is_some_and(char::is_alphanumeric)
            && !self.at(end).is_some_and(char::is_alphanumeric)
    }
}

/// What a character other than ASCII becomes in the normalised view.
#[derive(Debug, Clone, Copy)]
enum Folded {
    /// White space: one space, unless the view already ends with one.
    Space,
    Char(char),
}

/// The [`Folded`] a character becomes, in order.
struct FoldedOut(Vec<Folded>);

impl FoldedOut {
    /// As `View::push_folded`: white space, or the character in lower case.
    fn folded(&mut self, c: char) {
        if c.is_whitespace() {
            self.0.push(Folded::Space);
        } else {
            self.0.extend(c.to_lowercase().map(Folded::Char));
        }
    }

    fn plain(&mut self, c: char) {
        self.0.push(Folded::Char(c));
    }
}

/// What the character `c`, not ASCII, becomes in the normalised view.
fn folded(c: char) -> Vec<Folded> {
    let mut out = FoldedOut(Vec::new());
    let mut buf = [0u8; 4];
    if let Some(ascii) = tag_ascii(c) {
        // A reader sees nothing, but any program that reads the mail can decode the
        // ASCII a run of tag characters spells (the "ASCII smuggling" of Unicode's
        // Tags block); the guard reads it as that ASCII.
        out.folded(ascii);
        return out.0;
    }
    if is_ignorable(c) || is_combining_mark(c) {
        // Invisible, or a mark drawn over the letter before it (U+20DD).
        return out.0;
    }
    if let Some(shown) = display_digits(c).or_else(|| display_letter(c)) {
        for d in shown.chars() {
            out.folded(d);
        }
        return out.0;
    }
    if is_dash(c) {
        out.plain('-');
        return out.0;
    }
    if !c.is_alphanumeric() && folds_to_word_char(c) {
        // Punctuation that merely looks like a letter (`¡`, `™`) stays a boundary.
        out.plain(c);
        return out.0;
    }
    decompose_compatible(c, |d| {
        if d.is_ascii() {
            out.folded(d);
        } else if canonical_combining_class(d) != 0 || is_ignorable(d) {
            // A combining mark or an ignorable produced by decomposition.
        } else if is_dash(d) {
            out.plain('-');
        } else if d.is_whitespace() {
            out.folded(' ');
        } else {
            for s in unicode_security::skeleton(d.encode_utf8(&mut buf)) {
                if canonical_combining_class(s) != 0 || is_ignorable(s) {
                    continue;
                }
                if is_dash(s) {
                    out.plain('-');
                } else {
                    out.folded(s);
                }
            }
        }
    });
    out.0
}

/// Whether compatibility folding or the confusable skeleton turns `c` into a letter or digit.
fn folds_to_word_char(c: char) -> bool {
    let mut buf = [0u8; 4];
    let mut word = false;
    decompose_compatible(c, |d| word |= d.is_alphanumeric());
    word || unicode_security::skeleton(c.encode_utf8(&mut buf)).any(char::is_alphanumeric)
}

/// Decodes percent-escapes (`%43` → `C`, a run of escapes as UTF-8 when it is valid);
/// each decoded character spans its escapes.
fn percent_decoded(chars: &[SourceChar]) -> Vec<SourceChar> {
    let hex = |i: usize| -> Option<u8> {
        let h = chars.get(i)?.0.to_digit(16)?;
        let l = chars.get(i + 1)?.0.to_digit(16)?;
        Some((h * 16 + l) as u8)
    };
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].0 != '%' || hex(i + 1).is_none() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut bytes = Vec::new();
        let mut j = i;
        while chars.get(j).is_some_and(|c| c.0 == '%') {
            let Some(b) = hex(j + 1) else { break };
            bytes.push(b);
            j += 3;
        }
        match std::str::from_utf8(&bytes) {
            Ok(text) => {
                let (start, end) = (chars[i].1, chars[j - 1].2);
                out.extend(text.chars().map(|c| (c, start, end)));
            }
            Err(_) => {
                // Decode the ASCII escapes one by one; keep the others as written.
                for (k, b) in bytes.iter().enumerate() {
                    let at = i + 3 * k;
                    if b.is_ascii() {
                        out.push((char::from(*b), chars[at].1, chars[at + 2].2));
                    } else {
                        out.extend_from_slice(&chars[at..at + 3]);
                    }
                }
            }
        }
        i = j;
    }
    out
}

/// Reverses the text under a right-to-left override, up to the end of the override
/// or of the line, the way it is displayed.
fn overrides_reversed(chars: Vec<SourceChar>) -> Vec<SourceChar> {
    if !chars.iter().any(|c| c.0 == RLO) {
        return chars;
    }
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].0 != RLO {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while end < chars.len() && !matches!(chars[end].0, PDF | '\n' | RLO) {
            end += 1;
        }
        out.extend(chars[start..end].iter().rev().copied());
        i = if chars.get(end).is_some_and(|c| c.0 == PDF) {
            end + 1
        } else {
            end
        };
    }
    out
}

/// Right-to-left embedding and isolate openers, whose runs a reader sees in reverse
/// order (each run's own digits and Latin letters keep theirs).
const RTL_OPENERS: [char; 2] = ['\u{202B}', '\u{2067}'];

/// Reorders the whitespace-separated runs under a right-to-left embedding or isolate
/// (U+202B, U+2067), up to its end (U+202C, U+2069) or the line's, the way they are
/// displayed: `RLI 913 44 PDI` reads "44 913".
fn isolates_reordered(chars: Vec<SourceChar>) -> Vec<SourceChar> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if !RTL_OPENERS.contains(&chars[i].0) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while end < chars.len() && !matches!(chars[end].0, PDF | '\u{2069}' | '\n') {
            end += 1;
        }
        let inner = &chars[start..end];
        let runs: Vec<&[SourceChar]> = inner
            .split(|c| c.0.is_whitespace())
            .filter(|run| !run.is_empty())
            .collect();
        for (n, run) in runs.iter().rev().enumerate() {
            if n > 0 {
                // A space where the reader sees one, mapped to the run it follows.
                let at = run[0];
                out.push((' ', at.1, at.1));
            }
            out.extend_from_slice(run);
        }
        i = if end < chars.len() && chars[end].0 != '\n' {
            end + 1
        } else {
            end
        };
    }
    out
}

/// The ASCII digits a reader reads in a digit of another script (Arabic-Indic,
/// Devanagari, Bengali, Thai, …: every decimal digit block of Unicode) or an enclosed
/// or dingbat digit NFKC leaves alone (❹, ⓸, ➍, ⓿, ❿).
fn display_digits(c: char) -> Option<&'static str> {
    const DIGITS: [&str; 21] = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
        "17", "18", "19", "20",
    ];
    /// The zero of every Unicode block of ten decimal digits outside ASCII that NFKC
    /// does not fold (Unicode 15, General_Category Nd).
    const ZEROS: [u32; 47] = [
        0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
        0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0,
        0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0,
        0xAA50, 0xABF0, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450,
        0x114D0, 0x11650, 0x116C0, 0x1E950,
    ];
    let code = c as u32;
    let digit = |n: u32| DIGITS.get(n as usize).copied();
    if let Some(zero) = ZEROS.iter().find(|&&z| (z..z + 10).contains(&code)) {
        return digit(code - zero);
    }
    match code {
        0x2776..=0x277F => digit(code - 0x2776 + 1),     // ❶ … ❿
        0x2780..=0x2789 => digit(code - 0x2780 + 1),     // ➀ … ➉
        0x278A..=0x2793 => digit(code - 0x278A + 1),     // ➊ … ➓
        0x24F5..=0x24FE => digit(code - 0x24F5 + 1),     // ⓵ … ⓾
        0x24EB..=0x24F4 => digit(code - 0x24EB + 11),    // ⓫ … ⓴
        0x24FF | 0x24EA | 0x1F10B | 0x1F10C => digit(0), // ⓿ ⓪ 🄋 🄌
        0x1F101..=0x1F10A => digit(code - 0x1F101),      // 🄁 … 🄊 (digit comma)
        _ => None,
    }
}

/// The ASCII letter a reader reads in a letter NFKC and the confusable skeleton leave
/// alone: small capitals (ᴀ), negative squared and circled letters (🆂, 🅐),
/// parenthesised letters (⒮).
fn display_letter(c: char) -> Option<&'static str> {
    const LETTERS: [&str; 26] = [
        "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r",
        "s", "t", "u", "v", "w", "x", "y", "z",
    ];
    let letter = |n: u32| LETTERS.get(n as usize).copied();
    let code = c as u32;
    match code {
        0x1F130..=0x1F149 => letter(code - 0x1F130), // 🄰 squared
        0x1F150..=0x1F169 => letter(code - 0x1F150), // 🅐 negative circled
        0x1F170..=0x1F189 => letter(code - 0x1F170), // 🅰 negative squared
        0x249C..=0x24B5 => letter(code - 0x249C),    // ⒜ parenthesised
        _ => match c {
            'ᴀ' => letter(0),
            'ʙ' => letter(1),
            'ᴄ' => letter(2),
            'ᴅ' => letter(3),
            'ᴇ' => letter(4),
            'ꜰ' => letter(5),
            'ɢ' => letter(6),
            'ʜ' => letter(7),
            'ɪ' => letter(8),
            'ᴊ' => letter(9),
            'ᴋ' => letter(10),
            'ʟ' => letter(11),
            'ᴍ' => letter(12),
            'ɴ' => letter(13),
            'ᴏ' => letter(14),
            'ᴘ' => letter(15),
            'ǫ' => letter(16),
            'ʀ' => letter(17),
            'ꜱ' => letter(18),
            'ᴛ' => letter(19),
            'ᴜ' => letter(20),
            'ᴠ' => letter(21),
            'ᴡ' => letter(22),
            'ʏ' => letter(24),
            'ᴢ' => letter(25),
            _ => None,
        },
    }
}

/// The printable ASCII character a tag character (U+E0020 to U+E007E) stands for.
fn tag_ascii(c: char) -> Option<char> {
    match c {
        '\u{E0020}'..='\u{E007E}' => char::from_u32(c as u32 - 0xE0000),
        _ => None,
    }
}

/// Whether a character is invisible to a reader: a Default_Ignorable_Code_Point
/// (which includes every bidi control and the soft hyphen) of Unicode 15.
pub(crate) fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Whether a character is a dash or hyphen of some kind.
fn is_dash(c: char) -> bool {
    matches!(
        c,
        '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{2E3A}'
                | '\u{2E3B}'
                | '\u{FE58}'
                | '\u{FE63}'
                | '\u{FF0D}'
                | '\u{058A}'
                | '\u{05BE}'
                | '\u{2043}'
                | '\u{2796}'
    )
}

/// The characters of plain text, each with its own span.
pub(crate) fn plain_chars(text: &str) -> Vec<SourceChar> {
    text.char_indices()
        .map(|(i, c)| (c, i, i + c.len_utf8()))
        .collect()
}

/// The displayed characters of `display`, a decoded form of `source` (which starts
/// at byte `base` of the scanned text): the common prefix and suffix map one to one,
/// the differing middle maps to the differing middle of the source.
pub(crate) fn aligned(source: &str, base: usize, display: &str, out: &mut Vec<SourceChar>) {
    if source == display {
        out.extend(
            display
                .char_indices()
                .map(|(i, c)| (c, base + i, base + i + c.len_utf8())),
        );
        return;
    }
    let prefix: usize = source
        .chars()
        .zip(display.chars())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    let suffix: usize = source[prefix..]
        .chars()
        .rev()
        .zip(display[prefix..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum();
    let (src_mid_end, disp_mid_end) = (source.len() - suffix, display.len() - suffix);
    let (mid_start, mid_end) = (base + prefix, base + src_mid_end.max(prefix));
    for (i, c) in display.char_indices() {
        let span = if i < prefix {
            (base + i, base + i + c.len_utf8())
        } else if i < disp_mid_end {
            (mid_start, mid_end)
        } else {
            let j = src_mid_end + (i - disp_mid_end);
            (base + j, base + j + c.len_utf8())
        };
        out.push((c, span.0, span.1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(text: &str) -> String {
        View::new(&plain_chars(text)).norm
    }

    #[test]
    fn compatibility_forms_confusables_and_invisibles_fold() {
        assert_eq!(norm("ＣＶＥ－２０２１"), "cve-2021");
        assert_eq!(norm("CVE\u{2060}-20\u{200E}21"), "cve-2021");
        assert_eq!(norm("encoding\u{2215}xml"), "encoding/xml");
        assert_eq!(norm("\u{0421}VE 44913\u{2026}"), "cve 44913...");
        assert_eq!(norm("%43VE-2021%2D1"), "cve-2021-1");
        assert_eq!(norm("go.dev/issue/%34%34913"), "go.dev/issue/44913");
        assert_eq!(
            norm("x \u{202E}81972-1202-EVC\u{202C} y"),
            "x cve-2021-27918 y"
        );
    }

    #[test]
    fn words_and_squeezed_forms_map_back() {
        let view = View::new(&plain_chars("Sam.Whited, CVE–2021"));
        assert_eq!(view.words, "sam whited cve 2021");
        assert_eq!(view.squeezed, "samwhitedcve2021");
        let at = view.words.find("whited").unwrap();
        let (s, e) = view.words_range(at, at + 6);
        assert_eq!(view.span(s, e), (4, 10));
        let at = view.squeezed.find("cve2021").unwrap();
        let (s, e) = view.squeezed_range(at, at + 7);
        assert_eq!(&view.norm[s..e], "cve-2021");
    }

    #[test]
    fn the_plain_ascii_view_is_the_general_one() {
        for text in [
            "Sam.Whited, CVE-2021-27918\n\n  issue #44913\tx\r\n",
            "\u{b}\u{c} A_b::C  ",
            "",
            " ",
        ] {
            let chars = plain_chars(text);
            let (fast, any) = (View::plain_ascii(&chars), View::any(&chars));
            assert_eq!(fast.norm, any.norm, "{text:?}");
            assert_eq!((&fast.starts, &fast.ends), (&any.starts, &any.ends));
            assert_eq!((&fast.words, &fast.words_at), (&any.words, &any.words_at));
            assert_eq!(
                (&fast.squeezed, &fast.squeezed_at),
                (&any.squeezed, &any.squeezed_at)
            );
        }
    }

    #[test]
    fn alignment_keeps_prefix_and_suffix() {
        let mut out = Vec::new();
        aligned("a =?x?= b", 10, "a CVE b", &mut out);
        let spans: Vec<(usize, usize)> = out.iter().map(|c| (c.1, c.2)).collect();
        assert_eq!(spans[0], (10, 11));
        assert_eq!(spans[2], (12, 17));
        assert_eq!(spans[6], (18, 19));
    }
}
