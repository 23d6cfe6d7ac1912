//! Number grammar: Arabic numbers (thousands separators, decimals), Chinese numerals
//! (including financial forms and 两), mixed forms (`18.32万`, `1.02亿`, `3万`), ranges
//! (`2至3万`, `两三`) and vague quantities (`数十`, `几百`, `十几`). The words are in
//! `rules/numbers.toml`; this module is the grammar over them.

use std::collections::HashMap;
use std::path::Path;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use serde::Deserialize;

use crate::rules::{RuleError, RuleSource, Spanned};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    not_numbers: Vec<String>,
    vague_prefixes: Vec<String>,
    vague_suffixes: Vec<String>,
    range_joiners: Vec<String>,
    max_digits: usize,
    max_value: Spanned<f64>,
    financial_chars: Vec<String>,
    decimal_points: Vec<String>,
    negative_prefixes: Vec<String>,
    scale_infixes: Vec<String>,
    #[serde(default)]
    bare_big_unit_prefixes: Vec<String>,
    digits: HashMap<String, u32>,
    small_units: HashMap<String, u32>,
    big_units: HashMap<String, f64>,
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
    /// `十余万`, `一千多万`: a lower bound (余/多 before the big unit).
    pub at_least: bool,
}

pub struct NumberGrammar {
    digits: HashMap<char, u32>,
    small: HashMap<char, u32>,
    big: HashMap<char, f64>,
    points: Vec<char>,
    financial: Vec<char>,
    scanner: Regex,
    blocked: AhoCorasick,
    vague_prefixes: Vec<String>,
    vague_suffixes: Vec<String>,
    range_joiners: Vec<String>,
    negative_prefixes: Vec<String>,
    scale_infixes: Vec<String>,
    bare_big_unit_prefixes: Vec<String>,
    max_digits: usize,
    max_value: f64,
}

fn one_char(src: &RuleSource, k: &str, table: &str) -> Result<char, RuleError> {
    let mut it = k.chars();
    match (it.next(), it.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(src.error_at_text(k, format!("[{table}] entry {k:?} must be one character"))),
    }
}

/// A token of a numeral run.
enum Tok {
    Value(f64, bool),
    Small(f64),
    Big(f64),
    Point,
}

impl NumberGrammar {
    pub fn from_dir(dir: &Path) -> Result<Self, RuleError> {
        Self::load(&RuleSource::read(&dir.join("numbers.toml"))?)
    }

    /// The largest value any figure may have (`max_value`): beyond it a reading such as
    /// 陆七亿亿元 is malformed, not a quantity.
    pub fn max_value(&self) -> f64 {
        self.max_value
    }

    pub fn load(src: &RuleSource) -> Result<Self, RuleError> {
        let f: RuleFile = src.parse()?;
        let max_value = *f.max_value.get_ref();
        if !(max_value.is_finite() && max_value >= 1.0) {
            return Err(src.error(f.max_value.span(), format!("max_value = {max_value} must be at least 1")));
        }
        // f64 holds 15 significant digits exactly; a longer digit string is not a figure.
        src.in_range("max_digits", f.max_digits, 1..=15)?;
        for (key, words) in [
            ("vague_prefixes", &f.vague_prefixes),
            ("vague_suffixes", &f.vague_suffixes),
            ("range_joiners", &f.range_joiners),
            ("negative_prefixes", &f.negative_prefixes),
            ("scale_infixes", &f.scale_infixes),
            ("bare_big_unit_prefixes", &f.bare_big_unit_prefixes),
            ("not_numbers", &f.not_numbers),
        ] {
            src.nonempty_words(key, words)?;
        }
        let mut digits = HashMap::new();
        for (k, v) in &f.digits {
            if *v > 9 {
                return Err(src.error_at_text(k, format!("[digits] {k:?} = {v}: values must be 0..=9")));
            }
            digits.insert(one_char(src, k, "digits")?, *v);
        }
        let small = f
            .small_units
            .iter()
            .map(|(k, v)| Ok((one_char(src, k, "small_units")?, *v)))
            .collect::<Result<HashMap<_, _>, RuleError>>()?;
        let big = f
            .big_units
            .iter()
            .map(|(k, v)| Ok((one_char(src, k, "big_units")?, *v)))
            .collect::<Result<HashMap<_, _>, RuleError>>()?;
        let points =
            f.decimal_points.iter().map(|k| one_char(src, k, "decimal_points")).collect::<Result<Vec<_>, _>>()?;
        let financial =
            f.financial_chars.iter().map(|k| one_char(src, k, "financial_chars")).collect::<Result<Vec<_>, _>>()?;
        let class =
            |cs: &mut dyn Iterator<Item = &char>| -> String { cs.map(|c| regex::escape(&c.to_string())).collect() };
        let digit_class = class(&mut digits.keys());
        let unit_class = class(&mut small.keys().chain(big.keys()));
        let point_class = class(&mut points.iter());
        // A run of Arabic numbers, Chinese digits and units, with decimal points between digits.
        let arabic = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?";
        let atom = format!("(?:{arabic}|[{digit_class}{unit_class}])");
        let pattern = format!("{atom}+(?:[{point_class}](?:{arabic}|[{digit_class}])+[{unit_class}]*)?");
        let scanner = Regex::new(&pattern).map_err(|e| src.error(0..0, format!("number scanner: {e}")))?;
        let blocked = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&f.not_numbers)
            .map_err(|e| src.error(0..0, e.to_string()))?;
        Ok(Self {
            digits,
            small,
            big,
            points,
            financial,
            scanner,
            blocked,
            vague_prefixes: f.vague_prefixes,
            vague_suffixes: f.vague_suffixes,
            range_joiners: f.range_joiners,
            negative_prefixes: f.negative_prefixes,
            scale_infixes: f.scale_infixes,
            bare_big_unit_prefixes: f.bare_big_unit_prefixes,
            max_digits: f.max_digits,
            max_value,
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

    fn tokens(&self, raw: &str) -> Option<Vec<Tok>> {
        let mut out = Vec::new();
        let mut rest = raw;
        while let Some(c) = rest.chars().next() {
            if c.is_ascii_digit() {
                let end = rest.find(|x: char| !(x.is_ascii_digit() || x == ',' || x == '.')).unwrap_or(rest.len());
                let num = &rest[..end];
                if num.chars().filter(|c| c.is_ascii_digit()).count() > self.max_digits {
                    return None;
                }
                out.push(Tok::Value(num.replace(',', "").parse().ok()?, false));
                rest = &rest[end..];
                continue;
            }
            if let Some(&d) = self.digits.get(&c) {
                out.push(Tok::Value(d as f64, true));
            } else if let Some(&u) = self.small.get(&c) {
                out.push(Tok::Small(u as f64));
            } else if let Some(&b) = self.big.get(&c) {
                out.push(Tok::Big(b));
            } else if self.points.contains(&c) {
                out.push(Tok::Point);
            } else {
                return None;
            }
            rest = &rest[c.len_utf8()..];
        }
        Some(out)
    }

    /// The value of a numeral run: sections of digit × small unit, scaled by big units
    /// (smaller big units add into the last larger one: 四亿五千万 = 4.5e8); digit strings
    /// (`二〇二四`); a trailing digit one place below the last unit (`两万五`, `三百五`);
    /// decimals after 点.
    fn value(&self, raw: &str) -> Option<(f64, bool)> {
        let toks = self.tokens(raw)?;
        if toks.iter().all(|t| matches!(t, Tok::Value(_, true))) && toks.len() > 1 {
            let v = toks
                .iter()
                .try_fold(0f64, |acc, t| if let Tok::Value(d, _) = t { Some(acc * 10.0 + d) } else { None })?;
            return Some((v, false));
        }
        let (mut total, mut section) = (0f64, 0f64);
        let mut number: Option<f64> = None;
        let (mut last_unit, mut largest_big) = (1f64, 0f64);
        let (mut zero_gap, mut scaled, mut after_unit) = (false, false, false);
        let mut previous_big = false;
        // 两万五 = 25000, 百二 = 120: a lone Chinese digit right after a unit counts one place
        // below it (Arabic digits are always literal: 5亿1万 is 500010000).
        let mut chinese_digit = false;
        let colloquial = |d: f64, after_unit: bool, last_unit: f64, zero_gap: bool, chinese: bool| {
            if chinese && after_unit && last_unit >= 10.0 && !zero_gap && d < 10.0 && d.fract() == 0.0 {
                d * last_unit / 10.0
            } else {
                d
            }
        };
        let mut i = 0;
        while i < toks.len() {
            match toks[i] {
                Tok::Value(v, chinese) => {
                    previous_big = false;
                    if number.is_some() && chinese {
                        if v != 0.0 {
                            return None; // 二三百: two digits in a row before a unit
                        }
                    } else {
                        zero_gap |= chinese && v == 0.0;
                        number = Some(v);
                        chinese_digit = chinese;
                    }
                    if chinese && v == 0.0 {
                        number = None;
                        zero_gap = true;
                    }
                }
                Tok::Small(u) => {
                    section += number.take().unwrap_or(1.0) * u;
                    last_unit = u;
                    zero_gap = false;
                    after_unit = true;
                    previous_big = false;
                }
                Tok::Big(b) => {
                    section +=
                        number.take().map_or(0.0, |d| colloquial(d, after_unit, last_unit, zero_gap, chinese_digit));
                    if section == 0.0 && total == 0.0 {
                        section = 1.0; // 万九 = 19000; a bare 万 never gets here (not a number)
                    }
                    if previous_big && section == 0.0 {
                        total *= b; // 四万万 = 4e8
                    } else if b > largest_big {
                        total = (total + section) * b;
                        largest_big = b;
                    } else {
                        total += section * b;
                    }
                    section = 0.0;
                    last_unit = b;
                    zero_gap = false;
                    scaled = true;
                    after_unit = true;
                    previous_big = true;
                }
                Tok::Point => {
                    // Fraction digits after 点 belong to the number before it.
                    let mut frac = 0f64;
                    let mut scale = 0.1;
                    while let Some(Tok::Value(d, _)) = toks.get(i + 1) {
                        if *d >= 10.0 {
                            let digits = d.to_string();
                            for ch in digits.chars().filter_map(|c| c.to_digit(10)) {
                                frac += ch as f64 * scale;
                                scale /= 10.0;
                            }
                        } else {
                            frac += d * scale;
                            scale /= 10.0;
                        }
                        i += 1;
                    }
                    number = Some(
                        number.map_or(0.0, |d| colloquial(d, after_unit, last_unit, zero_gap, chinese_digit)) + frac,
                    );
                    after_unit = false;
                    previous_big = false;
                }
            }
            i += 1;
        }
        if let Some(d) = number {
            section += colloquial(d, after_unit, last_unit, zero_gap, chinese_digit);
        }
        Some((total + section, scaled))
    }

    /// Every number expression in `text`, left to right, non-overlapping.
    pub fn find_all(&self, text: &str) -> Vec<NumberSpan> {
        // A run inside a word that is not a number (进一步); 一百零一万一千 contains 万一 but is
        // longer. Only the few characters around a Chinese run are searched.
        let is_blocked = |s: usize, e: usize| {
            let from = text.ceil_char_boundary(s.saturating_sub(12));
            let to = text.floor_char_boundary(e + 12);
            self.blocked.find_overlapping_iter(&text[from..to]).any(|m| from + m.start() <= s && e <= from + m.end())
        };
        let mut out: Vec<NumberSpan> = Vec::new();
        for m in self.scanner.find_iter(text) {
            let (mut s, mut e) = (m.start(), m.end());
            let mut raw = m.as_str();
            // The previous number may have taken the big unit after 余/多 (一余万1858): what it
            // took is not read again.
            if let Some(prev) = out.last()
                && s < prev.end
            {
                if e <= prev.end {
                    continue;
                }
                raw = &raw[prev.end - s..];
                s = prev.end;
            }
            // A Chinese digit glued to an Arabic one (队伍12支) is a word before a number: mixed
            // forms always put a unit between the two (5万4千).
            while let Some(c) = raw.chars().next() {
                if self.digits.contains_key(&c) && raw[c.len_utf8()..].starts_with(|d: char| d.is_ascii_digit()) {
                    s += c.len_utf8();
                    raw = &raw[c.len_utf8()..];
                } else {
                    break;
                }
            }
            let chinese = !raw.starts_with(|c: char| c.is_ascii_digit());
            let only_units = raw.chars().all(|c| self.small.contains_key(&c) || self.big.contains_key(&c));
            if chinese && is_blocked(s, e) {
                continue;
            }
            let chars: Vec<char> = raw.chars().collect();
            // 肆, 陆, 伍 alone are words (放肆, 陆地, 入伍), not numbers.
            if chars.len() == 1 && self.financial.contains(&chars[0]) {
                continue;
            }
            // 数十, 几百 are vague; before digits 数 ends a word (求职人数2208人).
            let vague_before = chinese && self.vague_prefixes.iter().any(|p| text[..s].ends_with(p.as_str()));
            // 十几 is vague, but 二十几万 is "at least 20万".
            let vague_after = self.vague_suffixes.iter().any(|p| {
                text[e..]
                    .strip_prefix(p.as_str())
                    .is_some_and(|rest| !rest.starts_with(|c: char| self.big.contains_key(&c)))
            });
            // 万 alone is not a number; 百, 千 alone read as one hundred / one thousand (千场,
            // 百余支); 十 alone as ten (十几 is vague, handled below).
            let bare_after_qualifier =
                chars.len() == 1 && self.bare_big_unit_prefixes.iter().any(|p| text[..s].ends_with(p.as_str()));
            if only_units && !self.small.contains_key(&chars[0]) && !bare_after_qualifier {
                continue;
            }
            // 两三个月: adjacent single digits form a range.
            let digits: Vec<u32> = chars.iter().filter_map(|c| self.digits.get(c).copied()).collect();
            if chinese && digits.len() == 2 && chars.len() == 2 && digits[1] == digits[0] + 1 {
                out.push(NumberSpan {
                    start: s,
                    end: e,
                    value: digits[0] as f64,
                    value_max: Some(digits[1] as f64),
                    vague: false,
                    chinese,
                    scaled: false,
                    at_least: false,
                });
                continue;
            }
            // 两三百名: two adjacent digits before a unit give a range (200..300).
            if chinese
                && digits.len() >= 2
                && chars.len() > 2
                && self.digits.contains_key(&chars[0])
                && self.digits.contains_key(&chars[1])
                && digits[1] == digits[0] + 1
            {
                let rest: String = chars[2..].iter().collect();
                if let (Some((lo, sc)), Some((hi, _))) =
                    (self.value(&format!("{}{rest}", chars[0])), self.value(&format!("{}{rest}", chars[1])))
                {
                    out.push(NumberSpan {
                        start: s,
                        end: e,
                        value: lo,
                        value_max: Some(hi),
                        vague: false,
                        chinese,
                        scaled: sc,
                        at_least: false,
                    });
                    continue;
                }
            }
            let Some((mut value, mut scaled)) = self.value(raw) else { continue };
            // 十余万, 500余万: the big unit after 余/多/几 scales the number.
            let mut at_least = false;
            if let Some(inf) = self.scale_infixes.iter().find(|x| text[e..].starts_with(x.as_str())) {
                let after = e + inf.len();
                let scale: f64 = text[after..].chars().map_while(|c| self.big.get(&c).copied()).product();
                let len: usize =
                    text[after..].chars().take_while(|c| self.big.contains_key(c)).map(char::len_utf8).sum();
                if len > 0 {
                    value *= scale;
                    scaled = true;
                    at_least = true;
                    e = after + len;
                }
            }
            // A sign stands alone: inside a word (减负, 胜负, 欠薪-5万) it is no minus.
            let sign_alone =
                |before: &str| !before.ends_with(|c: char| c.is_alphanumeric() || self.digits.contains_key(&c));
            if let Some(neg) = self
                .negative_prefixes
                .iter()
                .find(|p| text[..s].ends_with(p.as_str()) && sign_alone(&text[..s - p.len()]))
            {
                value = -value;
                s -= neg.len();
            } else if text[..s].ends_with('-') && sign_alone(&text[..s - 1]) {
                value = -value;
                s -= 1;
            }
            // A range: previous number, a joiner, this number (2至3万 → the unit applies to both).
            if let Some(prev) = out.last_mut() {
                let between = &text[prev.end..s];
                if self.range_joiners.iter().any(|j| j == between)
                    && prev.value_max.is_none()
                    && !prev.vague
                    && value >= 0.0
                {
                    let scale = if !prev.scaled && scaled { self.scale_of(raw) } else { 1.0 };
                    if prev.value >= 0.0 && prev.value * scale <= value {
                        prev.value *= scale;
                        prev.value_max = Some(value);
                        prev.end = e;
                        prev.scaled |= scaled;
                        continue;
                    }
                }
            }
            out.push(NumberSpan {
                start: s,
                end: e,
                value,
                value_max: None,
                vague: vague_before || vague_after,
                chinese,
                scaled,
                at_least,
            });
        }
        out
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
        static G: std::sync::LazyLock<NumberGrammar> = std::sync::LazyLock::new(|| {
            NumberGrammar::from_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")).unwrap()
        });
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
            ("四亿五千六百四十二万零一十五", 456_420_015.0),
            ("5万4千6百", 54_600.0),
            ("3千万亿", 3e15),
            ("百三", 130.0),
            ("一点五", 1.5),
            ("參萬肆仟伍佰陸拾柒", 34_567.0),
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
        let r = g.find_all("十余万");
        assert_eq!((r[0].value, r[0].at_least), (100_000.0, true));
        assert!(g.find_all("放肆,陆地,入伍").is_empty());
        assert_eq!(g.find_all("负三十二")[0].value, -32.0);
    }

    #[test]
    fn a_big_unit_taken_after_yu_is_not_read_again() {
        let r = g().find_all("一余万1858人");
        let spans: Vec<(usize, usize, f64)> = r.iter().map(|n| (n.start, n.end, n.value)).collect();
        assert_eq!(spans, [(0, 9, 10_000.0), (9, 13, 1858.0)]);
    }

    proptest::proptest! {
        #[test]
        fn fuzz_find_all_never_panics(s in "\\PC{0,200}") {
            let spans = g().find_all(&s);
            for w in spans.windows(2) {
                proptest::prop_assert!(w[0].end <= w[1].start, "overlapping numbers in {s:?}");
            }
        }
    }

    #[test]
    fn a_max_value_below_one_is_rejected_with_its_line() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/numbers.toml");
        let text = std::fs::read_to_string(&path).unwrap().replace("max_value = 1e16", "max_value = 0");
        let line = text.lines().position(|l| l.starts_with("max_value")).unwrap() + 1;
        let err = NumberGrammar::load(&RuleSource::inline("numbers.toml", &text)).err().unwrap();
        assert_eq!(err.line, line, "{}", err.msg);
    }
}
