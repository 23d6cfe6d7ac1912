//! Dates: find date expressions (`rules/dates.toml`) and resolve them against the
//! publication date, and infer the publication date of a page that has no metadata.
//!
//! **Publication-date inference.** The year: the latest year the text proves has begun —
//! a dated month (`2023年10月`), a `…以来`/`自…` start, a half-year reported as done
//! (`2018年上半年,`), or one after a completed year (`2022年,` a full-year statistic,
//! `比2018年` a comparison base). Years in targets, plans and names prove nothing. The day:
//! the latest month-day of the text in that year that is not marked as upcoming
//! (`10月26日环卫工人节来临之际`), plus one day (a paper reports yesterday's events).

use std::collections::HashMap;
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate};
use regex::Regex;
use serde::Deserialize;
use serde_json::json;

use crate::rules::{IdSet, RuleError, RuleSource, Spanned};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    atom: Vec<AtomDef>,
    relative_years: HashMap<String, i32>,
    month_parts: HashMap<String, [u32; 2]>,
    year_parts: HashMap<String, [u32; 2]>,
    anchors: HashMap<String, Spanned<String>>,
    cues: Cues,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AtomDef {
    id: Spanned<String>,
    pattern: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cues {
    range_joiners: Vec<String>,
    as_of_before: Vec<String>,
    since_after: Vec<String>,
    since_before: Vec<String>,
    since_after_with_before: Vec<String>,
    target_before: Vec<String>,
    target_after: Vec<String>,
    future_before: Vec<String>,
    future_after: Vec<String>,
    future_window: usize,
    max_days_ahead: i64,
    background_days: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateKind {
    Point,
    Range,
    AsOf,
    Since,
    Approx,
}

impl DateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DateKind::Point => "point",
            DateKind::Range => "range",
            DateKind::AsOf => "as_of",
            DateKind::Since => "since",
            DateKind::Approx => "approx",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    Day,
    Month,
    Year,
}

impl Grain {
    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Month => "month",
            Grain::Year => "year",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DateMention {
    pub start: usize,
    pub end: usize,
    pub date_start: Option<NaiveDate>,
    pub date_end: Option<NaiveDate>,
    pub kind: DateKind,
    pub grain: Grain,
    /// A deadline of a planned figure (`到2026年`).
    pub target: bool,
    /// Refers ahead of the text's own time (`…来临之际`, `将于…`).
    pub future: bool,
    pub rule: String,
}

pub struct DateGrammar {
    atoms: Vec<String>,
    /// All atoms in one alternation (one pass per text); atom i's groups are renamed `<name>_i`
    /// inside an outer group `a_i`.
    combined: Regex,
    /// Per atom: (group name, index in `combined`).
    groups: Vec<Vec<(String, usize)>>,
    /// Per atom: the index of its outer group `a_i`.
    outer: Vec<usize>,
    relative_years: HashMap<String, i32>,
    month_parts: HashMap<String, [u32; 2]>,
    year_parts: HashMap<String, [u32; 2]>,
    anchors: HashMap<String, String>,
    cues: Cues,
}

/// A resolved atom before cue handling.
#[derive(Debug, Clone)]
struct Atom {
    start: usize,
    end: usize,
    first: NaiveDate,
    last: NaiveDate,
    grain: Grain,
    rule: String,
    /// Anchor meaning (approx, as_of, same_day…) for word atoms.
    anchor: Option<String>,
    /// A bare year (`2023年`): the year of a range end written as `2023年10月` is given.
    explicit_year: bool,
}

fn month_end(y: i32, m: u32) -> Option<NaiveDate> {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    NaiveDate::from_ymd_opt(ny, nm, 1).map(|d| d - Duration::days(1))
}

fn clamp_day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).or_else(|| month_end(y, m))
}

impl DateGrammar {
    pub fn from_dir(dir: &Path) -> Result<Self, RuleError> {
        Self::load(&RuleSource::read(&dir.join("dates.toml"))?)
    }

    pub fn load(src: &RuleSource) -> Result<Self, RuleError> {
        let f: RuleFile = src.parse()?;
        let mut ids = IdSet::default();
        let mut atoms = Vec::new();
        let mut parts = Vec::new();
        static GROUP: std::sync::LazyLock<Regex> =
            std::sync::LazyLock::new(|| Regex::new(r"\(\?P<([a-z0-9]+)>").expect("valid regex"));
        for (i, a) in f.atom.iter().enumerate() {
            ids.insert(src, &a.id)?;
            let re = src.regex(&a.pattern)?;
            atoms.push(a.id.get_ref().clone());
            parts.push(format!(
                "(?P<a_{i}>{})",
                GROUP.replace_all(re.as_str(), |c: &regex::Captures| format!("(?P<{}_{i}>", &c[1]))
            ));
        }
        // Atoms are tried in file order at each position: more specific forms come first.
        let combined = Regex::new(&parts.join("|")).map_err(|e| src.error(0..0, format!("date atoms: {e}")))?;
        let names: Vec<Option<&str>> = combined.capture_names().collect();
        let outer = (0..atoms.len())
            .map(|i| names.iter().position(|n| *n == Some(format!("a_{i}").as_str())).unwrap_or(0))
            .collect();
        let groups = (0..atoms.len())
            .map(|i| {
                let suffix = format!("_{i}");
                names
                    .iter()
                    .enumerate()
                    .filter_map(|(gi, n)| {
                        n.and_then(|n| n.strip_suffix(suffix.as_str()))
                            .filter(|n| !n.starts_with("a_") && *n != "a")
                            .map(|n| (n.to_string(), gi))
                    })
                    .collect()
            })
            .collect();
        let mut anchors = HashMap::new();
        for (word, meaning) in &f.anchors {
            let m = meaning.get_ref();
            let offset_ok = m.strip_prefix("day:").is_some_and(|n| n.parse::<i64>().is_ok());
            if !offset_ok {
                src.one_of(meaning, &["approx", "as_of", "same_day"], "anchor meaning (or day:N)")?;
            }
            anchors.insert(word.clone(), meaning.get_ref().clone());
        }
        let c = &f.cues;
        for (key, words) in [
            ("range_joiners", &c.range_joiners),
            ("as_of_before", &c.as_of_before),
            ("since_after", &c.since_after),
            ("since_before", &c.since_before),
            ("since_after_with_before", &c.since_after_with_before),
            ("target_before", &c.target_before),
            ("target_after", &c.target_after),
            ("future_before", &c.future_before),
            ("future_after", &c.future_after),
        ] {
            src.nonempty_words(key, words)?;
        }
        src.in_range("background_days", c.background_days, 30..=3650)?;
        for (name, [a, b]) in f.month_parts.iter().chain(&f.year_parts) {
            if a > b || *a == 0 {
                return Err(src.error_at_text(name, format!("part {name:?}: bad range [{a}, {b}]")));
            }
        }
        Ok(Self {
            atoms,
            combined,
            groups,
            outer,
            relative_years: f.relative_years,
            month_parts: f.month_parts,
            year_parts: f.year_parts,
            anchors,
            cues: f.cues,
        })
    }

    /// Whether a mention is background rather than news: a month or year (no day) that ended
    /// more than `background_days` before the publication (经2015年底精准识别 in a 2020 article).
    pub fn is_background(&self, m: &DateMention, pub_date: Option<NaiveDate>) -> bool {
        match (m.date_end, pub_date) {
            (Some(end), Some(p)) => m.grain != Grain::Day && (p - end).num_days() > self.cues.background_days,
            _ => false,
        }
    }

    /// Atoms of every rule, leftmost and non-overlapping, in one pass.
    fn scan(&self, text: &str, reference: NaiveDate, previous: &mut Option<NaiveDate>) -> Vec<Atom> {
        let mut out: Vec<Atom> = Vec::new();
        for caps in self.combined.captures_iter(text) {
            let Some(i) = (0..self.atoms.len()).find(|&i| caps.get(self.outer[i]).is_some()) else { continue };
            let whole = caps.get(0).expect("group 0 always matches");
            let (s, e) = (whole.start(), whole.end());
            // A number glued to more digits is not a date (12月份 fine, 2000人 never matches).
            if text[..s].ends_with(|c: char| c.is_ascii_digit() || c == '.') {
                continue;
            }
            let group = |name: &str| -> Option<&str> {
                self.groups[i].iter().find(|(n, _)| n == name).and_then(|(_, gi)| caps.get(*gi)).map(|m| m.as_str())
            };
            let just_before = out.last().filter(|a| a.end + 6 >= s);
            if let Some(atom) = self.resolve(&group, s, e, &self.atoms[i], reference, previous, just_before) {
                if atom.grain == Grain::Day && atom.anchor.is_none() {
                    *previous = Some(atom.first);
                }
                out.push(atom);
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn resolve<'t>(
        &self,
        group: &dyn Fn(&str) -> Option<&'t str>,
        start: usize,
        end: usize,
        rule: &str,
        reference: NaiveDate,
        previous: &Option<NaiveDate>,
        before: Option<&Atom>,
    ) -> Option<Atom> {
        let num = |k: &str| group(k).and_then(|m| m.parse::<u32>().ok());
        let rel = group("rel").and_then(|m| self.relative_years.get(m).copied());
        let explicit_year = group("y").is_some();
        let atom = |first: NaiveDate, last: NaiveDate, grain: Grain, anchor: Option<String>| {
            Some(Atom { start, end, first, last, grain, rule: rule.to_string(), anchor, explicit_year })
        };
        if let Some(word) = group("word") {
            let meaning = self.anchors.get(word)?.clone();
            let day = match meaning.as_str() {
                "same_day" => previous.unwrap_or(reference),
                m => match m.strip_prefix("day:").and_then(|n| n.parse::<i64>().ok()) {
                    Some(n) => reference + Duration::days(n),
                    None => reference,
                },
            };
            return atom(day, day, Grain::Day, Some(meaning));
        }
        let year_group = group("y").and_then(|m| m.trim_end_matches('年').parse::<i32>().ok());
        let year = |m: u32, d: Option<u32>| -> i32 {
            if let Some(y) = year_group {
                return y;
            }
            if let Some(r) = rel {
                return reference.year() + r;
            }
            // A day without a year: the reference year, unless that lands far after the
            // reference (a January paper's 12月28日 is last year's). Months keep the year.
            let y = reference.year();
            match d.and_then(|d| NaiveDate::from_ymd_opt(y, m, d)) {
                // (2月29日 exists only in some years: keep the reference year if the other lacks it.)
                Some(date)
                    if (date - reference).num_days() > self.cues.max_days_ahead
                        && NaiveDate::from_ymd_opt(y - 1, m, d.unwrap_or(1)).is_some() =>
                {
                    y - 1
                }
                _ => y,
            }
        };
        if let (Some(y), Some(y2)) = (year_group, num("y2")) {
            return atom(
                NaiveDate::from_ymd_opt(y, 1, 1)?,
                NaiveDate::from_ymd_opt(y2 as i32, 12, 31)?,
                Grain::Year,
                None,
            );
        }
        if let (Some(m), Some(d), Some(d2)) = (num("m"), num("d"), num("d2")) {
            let y = year(m, Some(d));
            return atom(NaiveDate::from_ymd_opt(y, m, d)?, clamp_day(y, m, d2.max(d))?, Grain::Day, None);
        }
        if let (Some(m), Some(m2)) = (num("m"), num("m2")) {
            let y = year(m, None);
            return atom(NaiveDate::from_ymd_opt(y, m, 1)?, month_end(y, m2.max(m))?, Grain::Month, None);
        }
        match (num("m"), num("d")) {
            (Some(m), Some(d)) => {
                let date = NaiveDate::from_ymd_opt(year(m, Some(d)), m, d)?;
                atom(date, date, Grain::Day, None)
            }
            (Some(m), None) => {
                let y = year(m, None);
                match group("part").and_then(|p| self.month_parts.get(p)) {
                    Some([a, b]) => atom(clamp_day(y, m, *a)?, clamp_day(y, m, *b)?, Grain::Month, None),
                    None => atom(NaiveDate::from_ymd_opt(y, m, 1)?, month_end(y, m)?, Grain::Month, None),
                }
            }
            (None, Some(d)) => {
                // A bare day continues the month of a date just before it (10月23日至24日);
                // alone it is in the reference month, or the month before if still to come.
                let base = match before.filter(|b| b.grain != Grain::Year && b.anchor.is_none()) {
                    Some(prev) => prev.last,
                    None if d > reference.day() => reference.with_day(1)? - Duration::days(1),
                    None => reference,
                };
                let date = clamp_day(base.year(), base.month(), d)?;
                atom(date, date, Grain::Day, None)
            }
            (None, None) => {
                // A year part alone (上半年) is of the reference year.
                let y = year_group.or(rel.map(|r| reference.year() + r)).or(group("ypart").map(|_| reference.year()))?;
                match group("ypart").and_then(|p| self.year_parts.get(p)) {
                    Some([a, b]) => atom(NaiveDate::from_ymd_opt(y, *a, 1)?, month_end(y, *b)?, Grain::Month, None),
                    None if rel == Some(0) => atom(NaiveDate::from_ymd_opt(y, 1, 1)?, reference, Grain::Year, None),
                    None => {
                        atom(NaiveDate::from_ymd_opt(y, 1, 1)?, NaiveDate::from_ymd_opt(y, 12, 31)?, Grain::Year, None)
                    }
                }
            }
        }
    }

    fn ends_with_any<'a>(text: &str, words: &'a [String]) -> Option<&'a String> {
        words.iter().filter(|w| text.ends_with(w.as_str())).max_by_key(|w| w.len())
    }

    fn starts_with_any<'a>(text: &str, words: &'a [String]) -> Option<&'a String> {
        words.iter().filter(|w| text.starts_with(w.as_str())).max_by_key(|w| w.len())
    }

    /// All date expressions in normalised text, resolved against `reference`.
    pub fn find_all(&self, text: &str, reference: NaiveDate) -> Vec<DateMention> {
        let mut previous = None;
        let atoms = self.scan(text, reference, &mut previous);
        let c = &self.cues;
        let mut out: Vec<DateMention> = Vec::new();
        let mut i = 0;
        while i < atoms.len() {
            let a = &atoms[i];
            let mut start = a.start;
            let mut end = a.end;
            let (first, mut last) = (a.first, a.last);
            let mut grain = a.grain;
            let mut kind = match a.anchor.as_deref() {
                Some("as_of") => DateKind::AsOf,
                Some("approx") => DateKind::Approx,
                Some(_) => DateKind::Point,
                None if a.first == a.last
                    || grain == Grain::Month
                        && a.first.day() == 1
                        && month_end(a.first.year(), a.first.month()) == Some(a.last) =>
                {
                    DateKind::Point
                }
                None => DateKind::Range,
            };
            let mut rule = a.rule.clone();
            let mut joined = false;
            // Range: atom, joiner, atom (the second one inherits a missing year).
            if let Some(b) = atoms.get(i + 1) {
                let between = &text[a.end..b.start];
                if a.anchor.is_none() && b.anchor.is_none() && c.range_joiners.iter().any(|j| j == between) {
                    let mut b_last = b.last;
                    if !b.explicit_year && a.explicit_year && b.rule != "date.rel_ym" && b.rule != "date.rel_md" {
                        b_last = b.last.with_year(a.first.year()).unwrap_or(b.last);
                    }
                    // 8月至2月: a range that runs past December ends the next year.
                    if b_last < first && !b.explicit_year && b.rule != "date.rel_ym" && b.rule != "date.rel_md" {
                        b_last = b_last.with_year(b_last.year() + 1).unwrap_or(b_last);
                    }
                    if b_last >= first {
                        last = b_last;
                        end = b.end;
                        kind = DateKind::Range;
                        grain = if grain == Grain::Day && b.grain == Grain::Day {
                            Grain::Day
                        } else {
                            Grain::Month.min_grain(b.grain)
                        };
                        rule = format!("{rule}+range");
                        joined = true;
                        i += 1;
                    }
                }
            }
            let before = &text[..start];
            let after = &text[end..];
            // The next few characters, where the words after a date are looked for.
            let after_chars = |n: usize| &after[..after.char_indices().nth(n).map_or(after.len(), |(i, _)| i)];
            let mut target = false;
            let mut date_start = Some(first);
            if let Some(w) = Self::ends_with_any(before, &c.as_of_before) {
                start -= w.len();
                kind = DateKind::AsOf;
                date_start = None;
            } else if let (Some(wb), Some(pos)) = (
                Self::ends_with_any(before, &c.since_before),
                c.since_after.iter().filter_map(|w| after_chars(8).find(w.as_str()).map(|p| p + w.len())).min(),
            ) {
                // 自2018年创办以来: a start and 以来 within 8 characters.
                start -= wb.len();
                end += pos;
                kind = DateKind::Since;
                last = reference;
            } else if let Some(w) = Self::starts_with_any(after, &c.since_after) {
                end += w.len();
                kind = DateKind::Since;
                last = reference;
                if let Some(w) = Self::ends_with_any(before, &c.since_before) {
                    start -= w.len();
                }
            } else if let (Some(wb), Some(wa)) =
                (Self::ends_with_any(before, &c.since_before), Self::starts_with_any(after, &c.since_after_with_before))
            {
                start -= wb.len();
                end += wa.len();
                kind = DateKind::Since;
                last = reference;
            } else if !joined && a.anchor.is_none() && grain != Grain::Day && a.explicit_year && a.last > reference {
                // A deadline: an explicit future year (到2026年, 2025年底前).
                if let Some(w) = Self::ends_with_any(before, &c.target_before) {
                    // 到2026年: the figure is due by the end of that period.
                    start -= w.len();
                    target = true;
                    kind = DateKind::AsOf;
                    date_start = None;
                } else if let Some(w) = Self::starts_with_any(after, &c.target_after) {
                    end += w.len();
                    target = true;
                    kind = DateKind::AsOf;
                    date_start = None;
                }
            }
            if kind == DateKind::AsOf && a.anchor.is_some() {
                date_start = None;
            }
            let window = after_chars(c.future_window + 4);
            let future = Self::ends_with_any(before, &c.future_before).is_some()
                || c.future_after
                    .iter()
                    .any(|w| window.find(w.as_str()).is_some_and(|p| window[..p].chars().count() <= c.future_window));
            out.push(DateMention { start, end, date_start, date_end: Some(last), kind, grain, target, future, rule });
            i += 1;
        }
        out
    }

    /// The publication date of a page, inferred from its text (see the module docs).
    pub fn infer_pub_date(&self, text: &str) -> Option<NaiveDate> {
        static EVIDENCE: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
            Regex::new(r"(?P<since>自|从)?(?P<cmp>比|较)?(?P<y>(?:19|20)\d{2})年(?:(?P<m>1[0-2]|0?[1-9])月|(?P<half>上半年|一季度|第一季度)(?P<halfc>,)?|(?P<bare>,)|(?P<since2>以来))?")
                .expect("valid regex")
        });
        let mut year: Option<i32> = None;
        let mut raise = |y: i32| year = Some(year.map_or(y, |c| c.max(y)));
        for c in EVIDENCE.captures_iter(text) {
            let y: i32 = c["y"].parse().ok()?;
            if c.name("m").is_some()
                || c.name("since").is_some()
                || c.name("since2").is_some()
                || c.name("halfc").is_some()
            {
                raise(y);
            } else if c.name("bare").is_some() || c.name("cmp").is_some() {
                raise(y + 1);
            }
        }
        let year = year?;
        let reference = NaiveDate::from_ymd_opt(year, 12, 31)?;
        let latest = self
            .find_all(text, reference)
            .into_iter()
            // Words such as 当天/目前 stand for the reference itself: no evidence.
            // A bare day (23日) is resolved against the reference itself: no evidence either.
            .filter(|m| {
                m.grain == Grain::Day
                    && !m.future
                    && !m.rule.starts_with("date.anchor")
                    && !m.rule.starts_with("date.day")
                    && m.kind != DateKind::Since
            })
            .filter_map(|m| m.date_start.or(m.date_end))
            .filter(|d| d.year() == year)
            .max()?;
        Some(latest + Duration::days(1))
    }

    pub fn parse_json(&self, text: &str, reference: NaiveDate) -> serde_json::Value {
        let found: Vec<serde_json::Value> = self
            .find_all(text, reference)
            .into_iter()
            .map(|m| {
                json!({
                    "text": &text[m.start..m.end], "span": [m.start, m.end],
                    "date_start": m.date_start.map(|d| d.to_string()), "date_end": m.date_end.map(|d| d.to_string()),
                    "date_kind": m.kind.as_str(), "grain": m.grain.as_str(), "target": m.target, "future": m.future, "rule": m.rule,
                })
            })
            .collect();
        json!({"reference": reference.to_string(), "dates": found})
    }
}

impl Grain {
    /// The coarser of two grains.
    fn min_grain(self, other: Grain) -> Grain {
        match (self, other) {
            (Grain::Year, _) | (_, Grain::Year) => Grain::Year,
            (Grain::Month, _) | (_, Grain::Month) => Grain::Month,
            _ => Grain::Day,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g() -> &'static DateGrammar {
        static G: std::sync::LazyLock<DateGrammar> = std::sync::LazyLock::new(|| {
            DateGrammar::from_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")).unwrap()
        });
        &G
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn an_old_month_in_a_lead_is_background_an_old_day_is_not() {
        let published = Some(d("2020-05-24"));
        let first = |text: &str| g().find_all(text, d("2020-05-24")).into_iter().next().unwrap();
        assert!(g().is_background(&first("经2015年底精准识别,共有贫困村97个。"), published));
        assert!(!g().is_background(&first("2012年7月21日,北京遭遇特大暴雨。"), published), "a day is news");
        assert!(!g().is_background(&first("今年4月,县总工会为职工送去慰问金。"), published), "a recent month");
        assert!(!g().is_background(&first("经2015年底精准识别,共有贫困村97个。"), None), "no publication date");
    }

    fn one(text: &str, reference: &str) -> (String, String, &'static str) {
        let m = g().find_all(text, d(reference)).into_iter().next().unwrap_or_else(|| panic!("no date in {text}"));
        (
            m.date_start.map(|x| x.to_string()).unwrap_or_default(),
            m.date_end.map(|x| x.to_string()).unwrap_or_default(),
            m.kind.as_str(),
        )
    }

    #[test]
    fn forms() {
        let r = "2024-10-25";
        assert_eq!(one("10月23日至24日,会议召开", r), ("2024-10-23".into(), "2024-10-24".into(), "range"));
        assert_eq!(one("截至今年9月,共帮助", r), ("".into(), "2024-09-30".into(), "as_of"));
        assert_eq!(one("2024年以来,各地工会", r), ("2024-01-01".into(), "2024-10-25".into(), "since"));
        assert_eq!(one("今年1月~7月,全区调解", "2023-11-26"), ("2023-01-01".into(), "2023-07-31".into(), "range"));
        assert_eq!(one("拖欠今年4、5月的工资", "2018-08-03"), ("2018-04-01".into(), "2018-05-31".into(), "range"));
        assert_eq!(one("从2022年3月至2023年10月", r), ("2022-03-01".into(), "2023-10-31".into(), "range"));
        assert_eq!(one("11月初,五方联动", "2023-11-26"), ("2023-11-01".into(), "2023-11-10".into(), "range"));
        assert_eq!(one("7月底至明年2月初", "2018-08-03"), ("2018-07-25".into(), "2019-02-10".into(), "range"));
        assert_eq!(one("明确到2026年基本形成", r), ("".into(), "2026-12-31".into(), "as_of"));
        assert_eq!(one("近日,工会开展", r), ("2024-10-25".into(), "2024-10-25".into(), "approx"));
        assert_eq!(one("12月28日,工会", "2025-01-05"), ("2024-12-28".into(), "2024-12-28".into(), "point"));
        assert!(g().find_all("服务2000人,1704名职工", d(r)).is_empty());
        let m = &g().find_all("在10月26日环卫工人节来临之际", d(r))[0];
        assert!(m.future);
    }

    #[test]
    fn publication_date_of_the_seeds() {
        let seg = crate::segment::Segmenter::from_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")).unwrap();
        let gold =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/gold/documents.jsonl")).unwrap();
        for line in gold.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let doc = v["doc"].as_str().unwrap();
            let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join(doc)).unwrap();
            let norm = seg.normalizer().normalize(&text);
            let got = g().infer_pub_date(&norm.text).map(|d| d.format("%Y-%m").to_string());
            assert_eq!(got.as_deref(), v["pub_month"].as_str(), "{doc}");
        }
    }

    proptest::proptest! {
        #[test]
        fn fuzz_find_all_never_panics(s in "[0-9年月日至今去明以来截至近前后初底旬,、~-]{0,60}|\\PC{0,80}") {
            let _ = g().find_all(&s, d("2024-10-25"));
            let _ = g().infer_pub_date(&s);
        }
    }
}
