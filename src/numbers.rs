//! Number grammar: Arabic numbers (thousands separators, decimals), Chinese numerals
//! (including financial forms and 两), mixed forms (`18.32万`, `1.02亿`, `3万`), ranges
//! (`2至3万`, `两三`) and vague quantities (`数十`, `几百`, `十几`). The words are in
//! `rules/numbers.toml`; this module is the grammar over them.

use std::collections::HashMap;
use std::path::Path;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use serde::Deserialize;

use crate::rules::{RuleError, RuleSource};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    digits: HashMap<String, u32>,
    small_units: HashMap<String, u32>,
    big_units: HashMap<String, f64>,
    not_numbers: Vec<String>,
    vague_prefixes: Vec<String>,
    vague_suffixes: Vec<String>,
    range_joiners: Vec<String>,
    max_digits: usize,
}

/// One number expression found in text (byte offsets).
#[derive(Debug, Clone, PartialEq)]
pub struct NumberSpan {
    pub start: usize,
    pub end: usize,
    pub value: f64,
    /// Upper end of a range (`2至3万` → 20000..30000).
    pub value_max: Option<f64>,
    /// `数十`, `几百`, `十几`: no definite value, never a fact.
    pub vague: bool,
    /// Written with Chinese numerals.
    pub chinese: bool,
    /// Ended with a big unit (万, 亿): `20余万职工` can stand without a classifier.
    pub scaled: bool,
}

pub struct NumberGrammar {
    digits: HashMap<char, u32>,
    small: HashMap<char, u32>,
    big: HashMap<char, f64>,
    scanner: Regex,
    blocked: AhoCorasick,
    vague_prefixes: Vec<String>,
    vague_suffixes: Vec<String>,
    range_joiners: Vec<String>,
    max_digits: usize,
}

fn single_chars(src: &RuleSource, keys: impl Iterator<Item = String>, table: &str) -> Result<Vec<char>, RuleError> {
    keys.map(|k| {
        let mut it = k.chars();
        match (it.next(), it.next()) {
            (Some(c), None) => Ok(c),
            _ => Err(src.error(0..0, format!("[{table}] key {k:?} must be one character"))),
        }
    })
    .collect()
}

impl NumberGrammar {
    pub fn from_dir(dir: &Path) -> Result<Self, RuleError> {
        Self::load(&RuleSource::read(&dir.join("numbers.toml"))?)
    }

    pub fn load(src: &RuleSource) -> Result<Self, RuleError> {
        let f: RuleFile = src.parse()?;
        let digit_chars = single_chars(src, f.digits.keys().cloned(), "digits")?;
        let small_chars = single_chars(src, f.small_units.keys().cloned(), "small_units")?;
        let big_chars = single_chars(src, f.big_units.keys().cloned(), "big_units")?;
        if f.digits.values().any(|&v| v > 9) {
            return Err(src.error(0..0, "[digits] values must be 0..=9"));
        }
        let class: String = digit_chars.iter().chain(&small_chars).chain(&big_chars).map(|c| regex::escape(&c.to_string())).collect();
        let bigs: String = big_chars.iter().map(|c| regex::escape(&c.to_string())).collect();
        // Arabic (with optional thousands separators and a trailing big unit, 万亿 included)
        // or a run of Chinese numeral characters.
        let pattern = format!(r"(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?(?:[{bigs}]{{1,2}})?|[{class}]+");
        let scanner = Regex::new(&pattern).map_err(|e| src.error(0..0, format!("number scanner: {e}")))?;
        let blocked = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&f.not_numbers)
            .map_err(|e| src.error(0..0, e.to_string()))?;
        Ok(Self {
            digits: digit_chars.into_iter().zip(f.digits.keys().map(|k| f.digits[k])).collect(),
            small: small_chars.into_iter().zip(f.small_units.keys().map(|k| f.small_units[k])).collect(),
            big: big_chars.into_iter().zip(f.big_units.keys().map(|k| f.big_units[k])).collect(),
            scanner,
            blocked,
            vague_prefixes: f.vague_prefixes,
            vague_suffixes: f.vague_suffixes,
            range_joiners: f.range_joiners,
            max_digits: f.max_digits,
        })
    }

    /// Parse a whole string as one number.
    pub fn parse(&self, s: &str) -> Option<f64> {
        let s = s.trim();
        let spans = self.find_all(s);
        match spans.as_slice() {
            [one] if one.start == 0 && one.end == s.len() && !one.vague => Some(one.value),
            _ => None,
        }
    }

    /// Value of an Arabic number with an optional big-unit suffix: `18.32万`, `1,284`.
    fn arabic(&self, s: &str) -> Option<(f64, bool)> {
        let digits_end = s.find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.')).unwrap_or(s.len());
        let (num, suffix) = s.split_at(digits_end);
        if num.chars().filter(|c| c.is_ascii_digit()).count() > self.max_digits {
            return None;
        }
        let mut value: f64 = num.replace(',', "").parse().ok()?;
        let mut scaled = false;
        for c in suffix.chars() {
            value *= self.big.get(&c)?;
            scaled = true;
        }
        Some((value, scaled))
    }

    /// Value of a Chinese numeral: sections of digit × small unit, scaled by big units.
    /// Also reads digit strings (`二〇二四`) and a trailing bare digit after a unit (`两万五`).
    fn chinese(&self, s: &str) -> Option<(f64, bool)> {
        let chars: Vec<char> = s.chars().collect();
        if chars.iter().all(|c| self.digits.contains_key(c)) {
            if chars.len() == 1 {
                return Some((self.digits[&chars[0]] as f64, false));
            }
            // 二〇二四 style: positional digits; 两三 is a range handled by the caller.
            let v = chars.iter().try_fold(0f64, |acc, c| Some(acc * 10.0 + *self.digits.get(c)? as f64))?;
            return Some((v, false));
        }
        let mut total = 0f64;
        let mut section = 0f64;
        let mut digit: Option<f64> = None;
        let mut last_small = 1f64;
        let mut scaled = false;
        // 一千零五: after a 零 the trailing digit is units, not one place below the last unit.
        let mut zero_gap = false;
        for &c in &chars {
            if let Some(&d) = self.digits.get(&c) {
                zero_gap |= d == 0;
                digit = Some(digit.unwrap_or(0.0) * 10.0 + d as f64);
                if digit.unwrap_or(0.0) > 9.0 && d != 0 {
                    return None; // 二三百: two digits in a row before a unit
                }
            } else if let Some(&u) = self.small.get(&c) {
                section += digit.unwrap_or(1.0) * u as f64;
                last_small = u as f64;
                digit = None;
                zero_gap = false;
            } else if let Some(&b) = self.big.get(&c) {
                section += digit.take().unwrap_or(0.0);
                if section == 0.0 && total == 0.0 {
                    return None; // a bare 万 is not a number
                }
                total = (total + section) * b;
                section = 0.0;
                last_small = b;
                zero_gap = false;
                scaled = true;
            } else {
                return None;
            }
        }
        if let Some(d) = digit {
            // 两万五 = 25000, 三百五 = 350: a trailing digit counts one place below the last unit.
            section += if last_small >= 10.0 && chars.len() >= 3 && !zero_gap { d * last_small / 10.0 } else { d };
        }
        let v = total + section;
        (v > 0.0 || chars.iter().all(|c| self.digits.get(c) == Some(&0))).then_some((v, scaled))
    }

    fn value_of(&self, s: &str) -> Option<(f64, bool, bool)> {
        if s.starts_with(|c: char| c.is_ascii_digit()) {
            self.arabic(s).map(|(v, sc)| (v, sc, false))
        } else {
            self.chinese(s).map(|(v, sc)| (v, sc, true))
        }
    }

    /// Every number expression in `text`, left to right, non-overlapping.
    pub fn find_all(&self, text: &str) -> Vec<NumberSpan> {
        let blocked: Vec<(usize, usize)> = self.blocked.find_iter(text).map(|m| (m.start(), m.end())).collect();
        let is_blocked = |s: usize, e: usize| blocked.iter().any(|&(bs, be)| s < be && bs < e);
        let mut out: Vec<NumberSpan> = Vec::new();
        for m in self.scanner.find_iter(text) {
            let (s, e) = (m.start(), m.end());
            let raw = m.as_str();
            let chinese = !raw.starts_with(|c: char| c.is_ascii_digit());
            if chinese && is_blocked(s, e) {
                continue;
            }
            let vague_before = self.vague_prefixes.iter().any(|p| text[..s].ends_with(p.as_str()));
            let vague_after = self.vague_suffixes.iter().any(|p| text[e..].starts_with(p.as_str()));
            // 十几 / 几十: the vague digit is outside the numeral class, so the run stops there.
            if chinese && (raw.chars().all(|c| self.small.contains_key(&c) || self.big.contains_key(&c)) && !raw.starts_with(['十', '拾']))
            {
                // 百, 千 alone (千场, 百余支) read as one hundred / one thousand.
                if !(raw.chars().count() == 1 && self.small.contains_key(&raw.chars().next().unwrap_or(' '))) {
                    continue;
                }
            }
            // 两三个月: adjacent single digits form a range.
            let digits: Vec<u32> = raw.chars().filter_map(|c| self.digits.get(&c).copied()).collect();
            if chinese && digits.len() == 2 && raw.chars().count() == 2 && digits[1] == digits[0] + 1 {
                out.push(NumberSpan {
                    start: s,
                    end: e,
                    value: digits[0] as f64,
                    value_max: Some(digits[1] as f64),
                    vague: false,
                    chinese,
                    scaled: false,
                });
                continue;
            }
            let Some((value, scaled, chinese)) = self.value_of(raw) else { continue };
            // A range: previous number, a joiner, this number (2至3万 → the unit applies to both).
            if let Some(prev) = out.last_mut() {
                let between = &text[prev.end..s];
                if self.range_joiners.iter().any(|j| j == between) && prev.value_max.is_none() && !prev.vague {
                    let scale = if !prev.scaled && scaled { self.scale_of(raw) } else { 1.0 };
                    if prev.value * scale <= value {
                        prev.value *= scale;
                        prev.value_max = Some(value);
                        prev.end = e;
                        prev.scaled |= scaled;
                        continue;
                    }
                }
            }
            out.push(NumberSpan { start: s, end: e, value, value_max: None, vague: vague_before || vague_after, chinese, scaled });
        }
        out
    }

    /// A big unit (万, 亿) starting at byte `at`: its multiplier and byte length.
    pub fn big_unit_at(&self, text: &str, at: usize) -> Option<(f64, usize)> {
        let c = text.get(at..)?.chars().next()?;
        self.big.get(&c).map(|&m| (m, c.len_utf8()))
    }

    /// The product of the big units at the end of `raw` (`3万` → 10000).
    fn scale_of(&self, raw: &str) -> f64 {
        raw.chars().rev().map_while(|c| self.big.get(&c).copied()).product()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g() -> &'static NumberGrammar {
        static G: std::sync::LazyLock<NumberGrammar> =
            std::sync::LazyLock::new(|| NumberGrammar::from_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")).unwrap());
        &G
    }

    #[test]
    fn whole_numbers() {
        let g = g();
        for (s, v) in [
            ("1.02亿", 1.02e8),
            ("18.32万", 183_200.0),
            ("两万", 20_000.0),
            ("一千二百三十四", 1234.0),
            ("1,284", 1284.0),
            ("壹佰贰拾", 120.0),
            ("十五", 15.0),
            ("两万五", 25_000.0),
            ("三百五", 350.0),
            ("2.5万亿", 2.5e12),
            ("一千零五", 1005.0),
            ("十万", 100_000.0),
            ("千", 1000.0),
        ] {
            let got = g.parse(s).unwrap_or(f64::NAN);
            assert!((got - v).abs() < 1e-6 * v.max(1.0), "{s}: {got} != {v}");
        }
        assert_eq!(g.parse("万"), None);
        assert_eq!(g.parse("abc"), None);
    }

    #[test]
    fn ranges_vague_and_words_that_are_not_numbers() {
        let g = g();
        let r = g.find_all("增加2至3万人");
        assert_eq!((r[0].value, r[0].value_max), (20_000.0, Some(30_000.0)));
        let r = g.find_all("两三个月");
        assert_eq!((r[0].value, r[0].value_max), (2.0, Some(3.0)));
        assert!(g.find_all("数十家企业")[0].vague);
        assert!(g.find_all("几百名职工")[0].vague);
        assert!(g.find_all("进一步加强,统一部署,一站式服务,五一劳动奖章").is_empty());
        assert_eq!(g.find_all("一起欠薪案")[0].value, 1.0);
    }

    proptest::proptest! {
        #[test]
        fn fuzz_find_all_never_panics(s in "\\PC{0,200}") {
            let _ = g().find_all(&s);
        }
    }
}
