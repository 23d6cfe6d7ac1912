//! Quantities: a number ([`crate::extract::numbers`]) with its qualifier words, its currency or
//! classifier, the head noun that fixes the unit, and per-unit cues — or an exclusion
//! (dates, durations, percentages… are not facts). Tables: `rules/units.toml`,
//! `rules/qualifiers.toml`, `rules/exclusions.toml`.

use std::path::Path;

use aho_corasick::{AhoCorasick, Anchored, Input, MatchKind, StartKind};
use regex::RegexSet;
use serde::Deserialize;
use serde_json::json;

use crate::extract::numbers::{NumberGrammar, NumberSpan};
use crate::rules::{IdSet, QUALIFIERS, RuleError, RuleSource, Spanned, UNITS};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitsFile {
    currency: Vec<CurrencyDef>,
    count: Vec<CountDef>,
    head: Vec<HeadDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CurrencyDef {
    id: Spanned<String>,
    words: Vec<String>,
    #[serde(default)]
    prefixes: Vec<String>,
    code: String,
    #[serde(default)]
    subunits: Vec<(String, f64)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CountDef {
    id: Spanned<String>,
    classifiers: Vec<String>,
    unit: Spanned<String>,
    #[serde(default)]
    needs_scale: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeadDef {
    id: Spanned<String>,
    classifiers: Vec<String>,
    heads: Vec<String>,
    unit: Spanned<String>,
    window: usize,
    #[serde(default)]
    heads_before: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QualifiersFile {
    qualifier: Vec<QualifierDef>,
    per_unit_cues: Vec<String>,
    per_unit_window: usize,
    per_unit_list_joints: Vec<String>,
    not_prefixes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QualifierDef {
    id: Spanned<String>,
    qualifier: Spanned<String>,
    prefixes: Vec<String>,
    scale_prefixes: Vec<String>,
    infixes: Vec<String>,
    suffixes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExclusionsFile {
    exclude: Vec<ExcludeDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExcludeDef {
    id: Spanned<String>,
    #[serde(default)]
    before: Option<Spanned<String>>,
    #[serde(default)]
    after: Option<Spanned<String>>,
}

/// A quantity found in text.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    /// Byte span including qualifier words and the unit (`近1700万元`, `900余人`, `60家左右`).
    pub start: usize,
    pub end: usize,
    /// `text[start..end]` without whitespace.
    pub text: String,
    /// In base units: yuan (or the currency's own unit), people, items.
    pub value: f64,
    pub value_max: Option<f64>,
    /// yuan | ISO code | person | person_time | enterprise | contract | case | unit | event |
    /// household | "" (a classifier that makes no countable fact).
    pub unit: String,
    /// ISO code for money, else empty.
    pub currency: String,
    /// The currency word or classifier as written.
    pub classifier: String,
    /// The head noun that decided the unit, if any.
    pub head: String,
    pub qualifier: &'static str,
    pub per_unit: bool,
    /// The numeral 一 meaning "a" (一起欠薪案, 一名联络员).
    pub article_like: bool,
    pub rules: Vec<String>,
}

struct HeadRule {
    id: String,
    classifiers: Vec<String>,
    heads: Vec<String>,
    unit: String,
    window: usize,
    before: bool,
}

struct Word {
    rule: usize,
    text: String,
}

struct Affixes {
    /// Pattern → (qualifier, rule id).
    words: Vec<(&'static str, String)>,
    automaton: AhoCorasick,
}

fn anchored(words: &[String]) -> Result<AhoCorasick, aho_corasick::BuildError> {
    AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).start_kind(StartKind::Anchored).build(words)
}

fn qualifier_name(q: &str) -> &'static str {
    QUALIFIERS.iter().copied().find(|&x| x == q).unwrap_or("exact")
}

pub struct QuantityGrammar {
    pub numbers: NumberGrammar,
    currencies: Vec<(String, String)>,
    currency_words: Vec<Word>,
    currency_ac: AhoCorasick,
    /// Currency words written before the number, reversed for an anchored match backwards.
    currency_prefix_rev: Vec<Word>,
    currency_prefix_ac: AhoCorasick,
    /// Per currency rule: (subunit word, value).
    subunits: Vec<Vec<(String, f64)>>,
    counts: Vec<(String, String, bool)>,
    count_words: Vec<Word>,
    count_ac: AhoCorasick,
    heads: Vec<HeadRule>,
    infix: Affixes,
    suffix: Affixes,
    /// Reversed prefixes, matched anchored on the reversed text before the number.
    prefix_rev: Affixes,
    scale_prefix_rev: Affixes,
    per_unit_cues: Vec<String>,
    per_unit_window: usize,
    /// What joins the amounts of a list (18万元(5年)、5.4万元), so that they share a per-unit cue.
    per_unit_list_joints: Vec<String>,
    not_prefixes: Vec<String>,
    /// Exclusion patterns as sets: one search per number instead of one per rule.
    excl_before: (Vec<String>, RegexSet),
    excl_after: (Vec<String>, RegexSet),
}

fn reversed(s: &str) -> String {
    s.chars().rev().collect()
}

/// At most `n` characters of `text` before byte `at`, on char boundaries.
fn tail(text: &str, at: usize, n: usize) -> &str {
    let before = &text[..at];
    let start = before.char_indices().rev().nth(n.saturating_sub(1)).map_or(0, |(i, _)| i);
    &before[start..]
}

/// At most `n` characters of `text` from byte `at`.
fn head_of(text: &str, at: usize, n: usize) -> &str {
    let after = &text[at..];
    let end = after.char_indices().nth(n).map_or(after.len(), |(i, _)| i);
    &after[..end]
}

fn clause_stop(c: char) -> bool {
    matches!(c, ',' | '、' | '。' | ';' | ':' | '!' | '?' | '\n')
}

impl QuantityGrammar {
    pub fn from_dir(dir: &Path) -> Result<Self, RuleError> {
        let numbers = NumberGrammar::from_dir(dir)?;
        let units_src = RuleSource::read(&dir.join("units.toml"))?;
        let quals_src = RuleSource::read(&dir.join("qualifiers.toml"))?;
        let excl_src = RuleSource::read(&dir.join("exclusions.toml"))?;
        Self::load(numbers, &units_src, &quals_src, &excl_src)
    }

    pub fn load(numbers: NumberGrammar, us: &RuleSource, qs: &RuleSource, es: &RuleSource) -> Result<Self, RuleError> {
        let units: UnitsFile = us.parse()?;
        let mut ids = IdSet::default();
        let build = |src: &RuleSource, words: &[String]| anchored(words).map_err(|e| src.error(0..0, e.to_string()));

        let mut currencies = Vec::new();
        let mut currency_words = Vec::new();
        let mut currency_prefix_rev = Vec::new();
        let mut subunits = Vec::new();
        for (i, c) in units.currency.iter().enumerate() {
            currency_prefix_rev.extend(c.prefixes.iter().map(|w| Word { rule: i, text: reversed(w) }));
            subunits.push(c.subunits.clone());
            ids.insert(us, &c.id)?;
            if c.code.len() != 3 || !c.code.chars().all(|x| x.is_ascii_uppercase()) {
                return Err(us.error(c.id.span(), format!("currency code {:?} is not an ISO 4217 code", c.code)));
            }
            currencies.push((c.id.get_ref().clone(), c.code.clone()));
            currency_words.extend(c.words.iter().map(|w| Word { rule: i, text: w.clone() }));
        }
        let mut counts = Vec::new();
        let mut count_words = Vec::new();
        for (i, c) in units.count.iter().enumerate() {
            ids.insert(us, &c.id)?;
            if !c.unit.get_ref().is_empty() {
                us.one_of(&c.unit, UNITS, "unit")?;
            }
            counts.push((c.id.get_ref().clone(), c.unit.get_ref().clone(), c.needs_scale));
            count_words.extend(c.classifiers.iter().map(|w| Word { rule: i, text: w.clone() }));
        }
        let mut heads = Vec::new();
        for h in &units.head {
            ids.insert(us, &h.id)?;
            us.one_of(&h.unit, UNITS, "unit")?;
            heads.push(HeadRule {
                id: h.id.get_ref().clone(),
                classifiers: h.classifiers.clone(),
                heads: h.heads.clone(),
                unit: h.unit.get_ref().clone(),
                window: h.window,
                before: h.heads_before,
            });
        }
        let currency_ac = build(us, &currency_words.iter().map(|w| w.text.clone()).collect::<Vec<_>>())?;
        let currency_prefix_ac = build(us, &currency_prefix_rev.iter().map(|w| w.text.clone()).collect::<Vec<_>>())?;
        let count_ac = build(us, &count_words.iter().map(|w| w.text.clone()).collect::<Vec<_>>())?;

        let quals: QualifiersFile = qs.parse()?;
        qs.nonempty_words("per_unit_cues", &quals.per_unit_cues)?;
        qs.nonempty_words("per_unit_list_joints", &quals.per_unit_list_joints)?;
        let mut infix = Vec::new();
        let mut suffix = Vec::new();
        let mut prefix = Vec::new();
        let mut scale_prefix = Vec::new();
        for q in &quals.qualifier {
            ids.insert(qs, &q.id)?;
            qs.one_of(&q.qualifier, QUALIFIERS, "qualifier")?;
            let name = qualifier_name(q.qualifier.get_ref());
            let id = q.id.get_ref().clone();
            infix.extend(q.infixes.iter().map(|w| (w.clone(), name, id.clone())));
            suffix.extend(q.suffixes.iter().map(|w| (w.clone(), name, id.clone())));
            prefix.extend(q.prefixes.iter().map(|w| (reversed(w), name, id.clone())));
            scale_prefix.extend(q.scale_prefixes.iter().map(|w| (reversed(w), name, id.clone())));
        }
        let affixes = |src: &RuleSource, list: Vec<(String, &'static str, String)>| -> Result<Affixes, RuleError> {
            let automaton = anchored(&list.iter().map(|x| x.0.clone()).collect::<Vec<_>>())
                .map_err(|e| src.error(0..0, e.to_string()))?;
            Ok(Affixes { words: list.into_iter().map(|(_, q, id)| (q, id)).collect(), automaton })
        };

        let excl: ExclusionsFile = es.parse()?;
        let mut excl_before: (Vec<String>, Vec<String>) = Default::default();
        let mut excl_after: (Vec<String>, Vec<String>) = Default::default();
        for x in &excl.exclude {
            ids.insert(es, &x.id)?;
            if x.before.is_none() && x.after.is_none() {
                return Err(es.error(x.id.span(), "an exclusion needs `before` or `after`"));
            }
            if let Some(b) = &x.before {
                excl_before.0.push(x.id.get_ref().clone());
                excl_before.1.push(es.regex(b)?.as_str().to_string());
            }
            if let Some(a) = &x.after {
                excl_after.0.push(x.id.get_ref().clone());
                excl_after.1.push(es.regex(a)?.as_str().to_string());
            }
        }
        let set = |(ids, pats): (Vec<String>, Vec<String>)| {
            RegexSet::new(&pats).map(|s| (ids, s)).map_err(|e| es.error(0..0, e.to_string()))
        };
        let (excl_before, excl_after) = (set(excl_before)?, set(excl_after)?);
        Ok(Self {
            numbers,
            currencies,
            currency_words,
            currency_ac,
            currency_prefix_rev,
            currency_prefix_ac,
            subunits,
            counts,
            count_words,
            count_ac,
            heads,
            infix: affixes(qs, infix)?,
            suffix: affixes(qs, suffix)?,
            prefix_rev: affixes(qs, prefix)?,
            scale_prefix_rev: affixes(qs, scale_prefix)?,
            per_unit_cues: quals.per_unit_cues,
            per_unit_window: quals.per_unit_window,
            per_unit_list_joints: quals.per_unit_list_joints,
            not_prefixes: quals.not_prefixes,
            excl_before,
            excl_after,
        })
    }

    fn anchored_at<'a>(ac: &AhoCorasick, text: &'a str, at: usize) -> Option<(usize, &'a str)> {
        let m = ac.find(Input::new(&text[at..]).anchored(Anchored::Yes))?;
        Some((m.pattern().as_usize(), &text[at..at + m.end()]))
    }

    /// Every quantity in `text` (a paragraph or sentence of normalised text), left to right.
    pub fn find_all(&self, text: &str) -> Vec<Quantity> {
        let mut out: Vec<Quantity> =
            self.numbers.find_all(text).into_iter().filter_map(|n| self.quantity(text, &n)).collect();
        // 分别给予18万元(5年)、5.4万元(3年)、6000元: the amounts listed after a per-unit amount
        // are per unit too, though their cue stands further back.
        for i in 1..out.len() {
            let (a, b) = (&out[i - 1], &out[i]);
            if a.per_unit && !b.per_unit && a.unit == b.unit && self.joins_list(&text[a.end..b.start.max(a.end)]) {
                out[i].per_unit = true;
                out[i].rules.push("per_unit.list".into());
            }
        }
        out
    }

    /// Whether `between` two amounts is a list joint, after an aside in brackets (18万元(5年)、).
    fn joins_list(&self, between: &str) -> bool {
        let joint = match between.strip_prefix('(').and_then(|rest| rest.split_once(')')) {
            Some((_, after)) => after,
            None => between,
        };
        self.per_unit_list_joints.iter().any(|j| j == joint)
    }

    /// The text an exclusion looks at: before the number, after it, and whether money follows
    /// (money is never a date or a measure: 5日元 is not the 5th).
    fn exclusion_context<'t>(&self, text: &'t str, n: &NumberSpan) -> (&'t str, &'t str, bool) {
        let money = Self::anchored_at(&self.currency_ac, text, n.end).is_some();
        (tail(text, n.start, 12), head_of(text, n.end, 16), money)
    }

    /// The exclusion rule that makes this number not a fact, if any.
    fn exclusion(&self, text: &str, n: &NumberSpan) -> Option<&str> {
        let (before, after, money) = self.exclusion_context(text, n);
        fn first<'a>((ids, set): &'a (Vec<String>, RegexSet), s: &str) -> Option<&'a str> {
            set.matches(s).iter().next().map(|i| ids[i].as_str())
        }
        first(&self.excl_before, before).or_else(|| if money { None } else { first(&self.excl_after, after) })
    }

    /// Whether an exclusion applies, without finding which (a set stops at its first match).
    fn is_excluded(&self, text: &str, n: &NumberSpan) -> bool {
        let (before, after, money) = self.exclusion_context(text, n);
        self.excl_before.1.is_match(before) || !money && self.excl_after.1.is_match(after)
    }

    /// Numbers of `text` that are not facts, with the id of the exclusion rule for each.
    pub fn exclusions(&self, text: &str) -> Vec<(usize, usize, String)> {
        self.numbers
            .find_all(text)
            .into_iter()
            .filter_map(|n| self.exclusion(text, &n).map(|id| (n.start, n.end, id.to_string())))
            .collect()
    }

    fn quantity(&self, text: &str, n: &NumberSpan) -> Option<Quantity> {
        // A figure an analyst adds up is positive: zero (零件) and signed numbers are no facts.
        let max = self.numbers.max_value();
        let out_of_range = n.value <= 0.0
            || !n.value.is_finite()
            || n.value > max
            || n.value_max.is_some_and(|high| !(high.is_finite() && high <= max));
        if n.vague || out_of_range {
            return None;
        }
        let mut rules = Vec::new();
        let mut qualifier = "exact";
        let mut end = n.end;
        let value = n.value;
        let scaled = n.scaled;
        if n.at_least {
            qualifier = "at_least";
            rules.push("qual.at_least".into());
        }
        if let Some((i, w)) = Self::anchored_at(&self.infix.automaton, text, end) {
            // 900余人: only when a unit follows, else 多 may be an adverb (10多).
            let after = end + w.len();
            if Self::anchored_at(&self.count_ac, text, after).is_some()
                || Self::anchored_at(&self.currency_ac, text, after).is_some()
            {
                qualifier = self.infix.words[i].0;
                rules.push(self.infix.words[i].1.clone());
                end = after;
            }
        }
        let mut value = value;
        let mut prefix_currency_start = None;
        let prefix = Self::anchored_at(&self.currency_prefix_ac, &reversed(tail(text, n.start, 6)), 0)
            .map(|(i, w)| (self.currency_prefix_rev[i].rule, w.len()));
        let suffix = Self::anchored_at(&self.currency_ac, text, end).map(|(i, w)| {
            // 三万元欧元, 9000元日币: a specific currency right after 元 wins.
            match Self::anchored_at(&self.currency_ac, text, end + w.len()) {
                Some((j, w2)) if self.currencies[self.currency_words[j].rule].1 != "CNY" => (j, w.len() + w2.len()),
                _ => (i, w.len()),
            }
        });
        // 新台币177.1亿元, 港币2960元: a foreign currency named before overrides a generic 元.
        let foreign_prefix = prefix.filter(|(rule, _)| self.currencies[*rule].1 != "CNY");
        let (unit, currency, classifier, head, unit_rule) = if let Some((i, len)) = suffix {
            let rule = foreign_prefix.map_or(self.currency_words[i].rule, |(r, _)| r);
            let w = &text[end..end + len];
            let (id, code) = &self.currencies[rule];
            end += len;
            if let Some((_, plen)) = foreign_prefix {
                prefix_currency_start = Some(n.start - plen);
            }
            // 123元1角1分: subunits after the amount.
            for (word, worth) in &self.subunits[rule] {
                let Some(n2) = self
                    .numbers
                    .find_all(head_of(text, end, 6))
                    .into_iter()
                    .next()
                    .filter(|n2| n2.start == 0 && !n2.vague)
                else {
                    break;
                };
                if text[end + n2.end..].starts_with(word.as_str()) {
                    value += n2.value * worth;
                    end += n2.end + word.len();
                }
            }
            let unit = if code == "CNY" { "yuan".to_string() } else { code.clone() };
            (unit, code.clone(), w.to_string(), String::new(), id.clone())
        } else if let Some((rule, plen)) = prefix {
            // 人民币3.14, 港币500, ￥300: the currency stands before the number.
            let (id, code) = &self.currencies[rule];
            prefix_currency_start = Some(n.start - plen);
            let unit = if code == "CNY" { "yuan".to_string() } else { code.clone() };
            (unit, code.clone(), text[n.start - plen..n.start].to_string(), String::new(), id.clone())
        } else if let Some((i, w)) = Self::anchored_at(&self.count_ac, text, end) {
            let (id, unit, needs_scale) = &self.counts[self.count_words[i].rule];
            if *needs_scale && !scaled {
                return None;
            }
            end += w.len();
            let (unit, head, rule) = self.head_unit(text, n.start, end, w, unit, id);
            (unit, String::new(), w.to_string(), head, rule)
        } else {
            return None;
        };
        // Checked once a unit is found (most numbers have none): the exclusions look at the
        // number's own surroundings only, so the order does not change the outcome.
        if self.is_excluded(text, n) {
            return None;
        }
        rules.push(unit_rule);
        if let Some((i, w)) = Self::anchored_at(&self.suffix.automaton, text, end) {
            if qualifier == "exact" {
                qualifier = self.suffix.words[i].0;
                rules.push(self.suffix.words[i].1.clone());
            }
            end += w.len();
        }
        let mut start = prefix_currency_start.unwrap_or(n.start);
        let blocked_prefix = self.not_prefixes.iter().any(|w| text[..start].ends_with(w.as_str()));
        let before_rev = if blocked_prefix { String::new() } else { reversed(tail(text, start, 6)) };
        let scale_number = n.chinese && text[n.start..n.end].starts_with(['百', '千', '万']);
        let prefix = Self::anchored_at(&self.prefix_rev.automaton, &before_rev, 0)
            .map(|(i, w)| (&self.prefix_rev.words[i], w.len()))
            .or_else(|| {
                scale_number
                    .then(|| Self::anchored_at(&self.scale_prefix_rev.automaton, &before_rev, 0))
                    .flatten()
                    .map(|(i, w)| (&self.scale_prefix_rev.words[i], w.len()))
            });
        if let Some(((q, id), len)) = prefix {
            if qualifier == "exact" || *q == qualifier {
                qualifier = q;
            }
            rules.push(id.clone());
            start -= len;
        }
        let window = tail(text, start, self.per_unit_window + 2);
        let window = window.rsplit(clause_stop).next().unwrap_or("");
        let per_unit = self.per_unit_cues.iter().any(|c| window.contains(c.as_str()));
        if per_unit {
            rules.push("per_unit.cue".into());
        }
        let raw = &text[n.start..n.end];
        let article_like = raw == "一" && currency.is_empty();
        // Subunits (元角分) added to the value keep it within the bound and below a range's top.
        if value > max || n.value_max.is_some_and(|high| high < value) {
            return None;
        }
        Some(Quantity {
            start,
            end,
            text: text[start..end].chars().filter(|c| !c.is_whitespace()).collect(),
            value,
            value_max: n.value_max,
            unit,
            currency,
            classifier,
            head,
            qualifier,
            per_unit,
            article_like,
            rules,
        })
    }

    /// Unit from the head noun near the classifier, else the classifier's own unit.
    fn head_unit(
        &self,
        text: &str,
        num_start: usize,
        after: usize,
        classifier: &str,
        unit: &str,
        rule: &str,
    ) -> (String, String, String) {
        for h in &self.heads {
            if !h.classifiers.iter().any(|c| c == classifier) {
                continue;
            }
            let region = if h.before {
                tail(text, num_start, h.window).rsplit(clause_stop).next().unwrap_or("")
            } else {
                head_of(text, after, h.window).split(clause_stop).next().unwrap_or("")
            };
            if let Some(word) = h.heads.iter().find(|w| region.contains(w.as_str())) {
                return (h.unit.clone(), word.clone(), h.id.clone());
            }
        }
        (unit.to_string(), String::new(), rule.to_string())
    }

    /// The first expression of `kind` (number | money | count) in `text`, as JSON.
    pub fn parse_json(&self, kind: &str, text: &str) -> serde_json::Value {
        match kind {
            "number" => match self.numbers.find_all(text).into_iter().find(|n| !n.vague) {
                Some(n) => {
                    json!({"value": n.value, "value_max": n.value_max, "span": [n.start, n.end], "text": &text[n.start..n.end]})
                }
                None => json!({"match": null}),
            },
            _ => {
                let money = kind == "money";
                match self.find_all(text).into_iter().find(|q| !q.unit.is_empty() && money != q.currency.is_empty()) {
                    Some(q) => json!({
                        "text": q.text, "value": q.value, "value_max": q.value_max, "unit": q.unit,
                        "currency": if q.currency.is_empty() { serde_json::Value::Null } else { json!(q.currency) },
                        "classifier": q.classifier, "head": q.head, "qualifier": q.qualifier, "per_unit": q.per_unit,
                        "article_like": q.article_like, "span": [q.start, q.end], "rules": q.rules,
                    }),
                    None => {
                        json!({"match": null, "not_facts": self.exclusions(text).into_iter().map(|(s, e, id)| json!({"span": [s, e], "rule": id})).collect::<Vec<_>>()})
                    }
                }
            }
        }
    }
}
