//! Searches for long lists of literal words in Chinese text (the gazetteer's ~10,000 names,
//! cue lists) with the matches the `aho_corasick` automata they replace give — leftmost-longest
//! and overlapping — about twice as fast alone and more inside the pipeline: a full DFA over
//! that many names does not stay in the cache, and most characters start no word at all.
//!
//! At each character the bytes of the pair it starts (this character and the next) are looked up
//! in a bit set of the pairs that begin a word of two or more characters; only on a hit is the
//! table of words behind that pair read and compared, longest first. One-character words have a
//! bit set and a table of their own. Text is valid UTF-8, so every match starts and ends on a
//! character boundary.
//!
//! [`SuffixWindows`] narrows where a rule regex needs to run, from the literals its matches end
//! with.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::ops::Range;

use aho_corasick::AhoCorasick;
use regex_syntax::hir::literal::{ExtractKind, Extractor};

use crate::hashing::Prehashed;

/// Bits of the pair filter: 2^18 bits (32 KB) hold the gazetteer's ~3,000 pairs at about 1%
/// false hits.
const FILTER_BITS: u32 = 18;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiteralMatch {
    pub start: usize,
    pub end: usize,
    /// Index of the word in the list the set was built from.
    pub pattern: usize,
}

pub struct LiteralSet {
    words: Vec<String>,
    /// Words of two or more characters by their first pair of characters.
    by_pair: Groups,
    /// Words of one character.
    singles: Groups,
}

/// Words grouped by a key (the bytes of their first one or two characters), longest first per
/// group, behind a bit set that turns most keys away before the table is read.
struct Groups {
    filter: Vec<u64>,
    table: HashMap<u64, Range<u32>, BuildHasherDefault<Prehashed>>,
    members: Vec<u32>,
}

impl Groups {
    fn new(groups: HashMap<u64, Vec<u32>>, words: &[String]) -> Self {
        let mut filter = vec![0u64; (1 << FILTER_BITS) / 64];
        let mut table = HashMap::default();
        let mut members = Vec::new();
        for (k, mut group) in groups {
            // Longest first; a stable sort keeps the first of a word listed twice in front.
            group.sort_by_key(|&i| std::cmp::Reverse(words[i as usize].len()));
            let start = members.len() as u32;
            members.extend(group);
            table.insert(k, start..members.len() as u32);
            set_bit(&mut filter, filter_bit(k));
        }
        Self { filter, table, members }
    }

    /// The bit test inline, where nearly every character ends; the table read out of line.
    #[inline(always)]
    fn get(&self, key: u64) -> &[u32] {
        if !has_bit(&self.filter, filter_bit(key)) {
            return &[];
        }
        self.read(key)
    }

    #[inline(never)]
    fn read(&self, key: u64) -> &[u32] {
        self.table.get(&key).map_or(&[], |r| &self.members[r.start as usize..r.end as usize])
    }
}

/// Bytes of a UTF-8 character from its first byte.
fn char_len(first: u8) -> usize {
    match first {
        0..0xc0 => 1,
        0xc0..0xe0 => 2,
        0xe0..0xf0 => 3,
        _ => 4,
    }
}

/// The first `n` (1..=8) bytes of `bytes` as a number, zero-padded: with UTF-8 (no character's
/// bytes begin another's) one or two whole characters give a distinct key. Multiplying by an odd
/// number and rotating are one-to-one and make every bit depend on every byte.
#[inline]
fn key(bytes: &[u8], n: usize) -> u64 {
    let raw = match bytes.first_chunk::<8>() {
        Some(chunk) => u64::from_le_bytes(*chunk) & (u64::MAX >> (64 - 8 * n)),
        None => {
            let mut buf = [0u8; 8];
            buf[..n].copy_from_slice(&bytes[..n]);
            u64::from_le_bytes(buf)
        }
    };
    raw.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(32)
}

/// The product's top bits (the key's low half after the rotation), which depend on all bytes.
fn filter_bit(key: u64) -> usize {
    (key as u32 >> (32 - FILTER_BITS)) as usize
}

fn has_bit(set: &[u64], bit: usize) -> bool {
    set[bit / 64] >> (bit % 64) & 1 == 1
}

fn set_bit(set: &mut [u64], bit: usize) {
    set[bit / 64] |= 1 << (bit % 64);
}

impl LiteralSet {
    /// Build from non-empty words (an empty one would match everywhere); of a word listed twice
    /// the first is reported, as `aho_corasick` does.
    pub fn new(words: &[String]) -> Result<Self, String> {
        let mut pairs: HashMap<u64, Vec<u32>> = HashMap::new();
        let mut singles: HashMap<u64, Vec<u32>> = HashMap::new();
        for (i, w) in words.iter().enumerate() {
            let bytes = w.as_bytes();
            let Some(&first) = bytes.first() else { return Err(format!("word {i} is empty")) };
            let a = char_len(first);
            if a < bytes.len() {
                pairs.entry(key(bytes, a + char_len(bytes[a]))).or_default().push(i as u32);
            } else {
                singles.entry(key(bytes, a)).or_default().push(i as u32);
            }
        }
        Ok(Self { by_pair: Groups::new(pairs, words), singles: Groups::new(singles, words), words: words.to_vec() })
    }

    /// The words that start at the head of `rest` (whose first character is `a` bytes), longest
    /// first.
    #[inline]
    fn starting(&self, rest: &[u8], a: usize) -> impl Iterator<Item = usize> {
        let longer = if a < rest.len() {
            let pair = a + char_len(rest[a]);
            self.by_pair.get(key(rest, pair.min(rest.len())))
        } else {
            &[]
        };
        let single = if self.singles.members.is_empty() { &[][..] } else { self.singles.get(key(rest, a)) };
        longer
            .iter()
            .filter(move |&&i| rest.starts_with(self.words[i as usize].as_bytes()))
            .chain(single)
            .map(|&i| i as usize)
    }

    /// Non-overlapping matches, left to right; at each start the longest word.
    pub fn find_iter<'a>(&'a self, text: &'a str) -> impl Iterator<Item = LiteralMatch> + 'a {
        let bytes = text.as_bytes();
        let mut at = 0;
        std::iter::from_fn(move || {
            while at < bytes.len() {
                let a = char_len(bytes[at]);
                if let Some(pattern) = self.starting(&bytes[at..], a).next() {
                    let start = at;
                    at += self.words[pattern].len();
                    return Some(LiteralMatch { start, end: at, pattern });
                }
                at += a;
            }
            None
        })
    }

    /// Every occurrence of every word, overlapping, in the order an `aho_corasick` automaton
    /// of `MatchKind::Standard` reports them: by end, then longest first, then as listed.
    pub fn find_overlapping(&self, text: &str) -> Vec<LiteralMatch> {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let a = char_len(bytes[at]);
            out.extend(self.starting(&bytes[at..], a).map(|pattern| LiteralMatch {
                start: at,
                end: at + self.words[pattern].len(),
                pattern,
            }));
            at += a;
        }
        out.sort_by_key(|m| (m.end, m.start, m.pattern));
        out
    }
}

/// Where in a text a rule pattern can match, from the literals every match of it ends with
/// (`regex_syntax`'s suffix extraction) and its longest match: a match ends where one of the
/// literals ends and starts at most that many bytes before, so the regex need only run over
/// those windows (merged where they overlap), and in most articles over none. Running it over
/// each window gives the matches a run over the whole text gives, as a pattern without
/// look-around (`^`, `\b` …) matches a substring the same wherever it stands, and every match
/// that starts in a window ends in it. Other patterns get one window, the whole text.
pub struct SuffixWindows {
    /// (the suffix literals, the longest match in bytes), when the pattern qualifies.
    suffixes: Option<(AhoCorasick, usize)>,
}

impl SuffixWindows {
    pub fn new(pattern: &str) -> Self {
        let Ok(hir) = regex_syntax::parse(pattern) else { return Self { suffixes: None } };
        let props = hir.properties();
        let literals = Extractor::new().kind(ExtractKind::Suffix).extract(&hir);
        let words: Option<Vec<&[u8]>> = literals
            .literals()
            .filter(|lits| !lits.is_empty() && lits.iter().all(|l| !l.is_empty()))
            .map(|lits| lits.iter().map(|l| l.as_bytes()).collect());
        let suffixes = match (words, props.maximum_len()) {
            (Some(words), Some(longest)) if props.look_set().is_empty() => AhoCorasick::builder()
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(words)
                .ok()
                .map(|ac| (ac, longest)),
            _ => None,
        };
        Self { suffixes }
    }

    /// The windows of `text` to run the pattern over, in order, on character boundaries.
    pub fn windows(&self, text: &str) -> Vec<Range<usize>> {
        let Some((ac, longest)) = &self.suffixes else { return std::iter::once(0..text.len()).collect() };
        let mut out: Vec<Range<usize>> = Vec::new();
        // Overlapping: a literal inside or across another still ends a possible match.
        for m in ac.find_overlapping_iter(text) {
            let start = text.floor_char_boundary(m.end().saturating_sub(*longest));
            let end = text.ceil_char_boundary(m.end());
            match out.last_mut() {
                Some(last) if start <= last.end => last.end = last.end.max(end),
                _ => out.push(start..end),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::{AhoCorasick, MatchKind};
    use proptest::prelude::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn found(set: &LiteralSet, text: &str) -> Vec<(usize, usize, usize)> {
        set.find_iter(text).map(|m| (m.start, m.end, m.pattern)).collect()
    }

    #[test]
    fn longest_word_at_the_leftmost_start() {
        let list = words(&["北京", "北京市", "京", "市长", "长沙", "长沙县", "沙"]);
        let set = LiteralSet::new(&list).unwrap();
        // 北京市 wins over 北京 at 0; 长沙县 over 长沙; 京 alone after 南.
        assert_eq!(found(&set, "北京市长沙县南京"), vec![(0, 9, 1), (9, 18, 5), (21, 24, 2)]);
        assert_eq!(found(&set, "沙"), vec![(0, 3, 6)]);
        assert_eq!(found(&set, "上海 abc"), vec![]);
    }

    #[test]
    fn an_empty_word_is_refused_and_a_repeated_one_reports_its_first_listing() {
        assert!(LiteralSet::new(&words(&["北京", ""])).is_err());
        let set = LiteralSet::new(&words(&["京", "北京", "京", "北京"])).unwrap();
        assert_eq!(found(&set, "北京京"), vec![(0, 6, 1), (6, 9, 0)]);
    }

    fn windowed(pattern: &str, text: &str) -> Vec<(usize, usize)> {
        let re = regex::Regex::new(pattern).unwrap();
        SuffixWindows::new(pattern)
            .windows(text)
            .into_iter()
            .flat_map(|w| re.find_iter(&text[w.clone()]).map(move |m| (w.start + m.start(), w.start + m.end())))
            .collect()
    }

    #[test]
    fn windows_cover_the_matches_and_skip_the_rest() {
        let pattern = "[京津冀沪苏浙]{2,6}(?:三省一市|两省|等地|地区)";
        let windows = SuffixWindows::new(pattern);
        assert!(windows.windows("京津冀协同发展").is_empty());
        let text = "推动京津冀协同发展,京津冀地区和苏浙沪两省一市";
        // Up to 30 bytes (the longest match) before each suffix word's end, on a character
        // boundary (13 is inside 冀), the two windows overlapping into one.
        assert_eq!(windows.windows(text), vec![12..61]);
        // 京津冀地区 at bytes 28..43, 苏浙沪两省 at 46..61.
        assert_eq!(windowed(pattern, text), vec![(28, 43), (46, 61)]);
        // Look-around, a match of any length or the empty match: the whole text.
        for p in [r"\b京津", "[京津].*", "地区|"] {
            assert_eq!(SuffixWindows::new(p).windows("协同发展"), vec![0..12], "{p}");
        }
    }

    proptest! {
        /// Over windows, the matches of a run over the whole text, for patterns with
        /// alternatives of different lengths, repeats and suffixes inside other suffixes.
        #[test]
        fn windows_give_the_whole_text_matches(text in "[京津冀市区地两省等1日月年号 ]{0,60}") {
            for pattern in [
                "[京津冀]{2,3}(?:两省|等地|地区)",
                "(?:[12][0-9]|[1-9])[日号]|(?:1[0-2]|[1-9])月|[12][0-9]{3}年(?:[1-9]月)?",
                "市区?|地区|两地",
            ] {
                let re = regex::Regex::new(pattern).unwrap();
                let whole: Vec<(usize, usize)> = re.find_iter(&text).map(|m| (m.start(), m.end())).collect();
                prop_assert_eq!(windowed(pattern, &text), whole, "{}", pattern);
            }
        }

        /// The same matches as the aho-corasick automaton it replaces, on texts built from
        /// pieces of the words (so that prefixes, overlaps and near misses are common).
        #[test]
        fn same_matches_as_aho_corasick(
            list in prop::collection::vec("[京北市长沙县a1]{1,4}", 1..12),
            text in "[京北市长沙县南a1 ]{0,40}",
        ) {
            let set = LiteralSet::new(&list).unwrap();
            let ac = AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(&list).unwrap();
            let expected: Vec<(usize, usize, usize)> =
                ac.find_iter(&text).map(|m| (m.start(), m.end(), m.pattern().as_usize())).collect();
            prop_assert_eq!(found(&set, &text), expected);
        }

        #[test]
        fn same_overlapping_matches_as_aho_corasick(
            list in prop::collection::vec("[京北市长沙县a1]{1,4}", 1..12),
            text in "[京北市长沙县南a1 ]{0,40}",
        ) {
            let set = LiteralSet::new(&list).unwrap();
            let ac = AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(&list)
                .unwrap();
            let expected: Vec<(usize, usize, usize)> =
                ac.find_overlapping_iter(&text).map(|m| (m.start(), m.end(), m.pattern().as_usize())).collect();
            let got: Vec<(usize, usize, usize)> =
                set.find_overlapping(&text).into_iter().map(|m| (m.start, m.end, m.pattern)).collect();
            prop_assert_eq!(got, expected);
        }
    }
}
