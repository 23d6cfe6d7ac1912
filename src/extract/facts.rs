//! Facts: every quantity of an article with its metric, status and double-counting flag, as
//! driven by `rules/metrics.toml` (metrics, status cues, restatements, breakdowns).
//! Quantities themselves (number, unit, qualifier, per-unit) come from [`crate::extract::quantity`].

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use serde::Deserialize;

use crate::extract::literals::LiteralSet;
use crate::extract::quantity::{Quantity, QuantityGrammar};
use crate::rules::{IdSet, METRICS, RuleError, RuleSource, Spanned, UNITS};
use crate::segment::{Article, Role};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rule: Vec<MetricRuleDef>,
    relevance: RelevanceDef,
    status: StatusDef,
    restatement: RestatementDef,
    breakdown: BreakdownDef,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MetricRuleDef {
    id: Spanned<String>,
    metric: Spanned<String>,
    #[serde(default)]
    units: Vec<Spanned<String>>,
    #[serde(default)]
    cues: Vec<String>,
    #[serde(default)]
    heads: Vec<String>,
    #[serde(default)]
    scope: Option<Spanned<String>>,
    #[serde(default)]
    position: Option<Spanned<String>>,
    #[serde(default)]
    window: Option<usize>,
    priority: i32,
    /// Wins over every rule that is not a veto, whatever the level (macro statistics).
    #[serde(default)]
    veto: bool,
    /// Tried only when no other rule fires.
    #[serde(default)]
    fallback: bool,
    /// `heads` match near the quantity (as in a frame) rather than right after it.
    #[serde(default)]
    near: bool,
    /// The rule does not fire when the quantity's clause holds one of these words.
    #[serde(default)]
    unless: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RelevanceDef {
    labour_cues: Vec<String>,
    /// Phrases holding a labour cue that are not about labour (坚守岗位: staying at one's post).
    #[serde(default)]
    not_labour: Vec<String>,
    news_cues: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusDef {
    planned_clause: Vec<String>,
    planned_sentence: Vec<String>,
    planned_patterns: Vec<Spanned<String>>,
    actual_override: Vec<String>,
    per_unit_money_planned: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RestatementDef {
    demonstratives: Vec<String>,
    same_value_units: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BreakdownDef {
    total_cues: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Position {
    Before,
    After,
    Any,
}

struct MetricRule {
    id: String,
    metric: String,
    units: Vec<String>,
    heads: Vec<String>,
    /// Both `heads` and `cues`: a frame (cue + number + classifier + head noun); both must hold.
    frame: bool,
    veto: bool,
    fallback: bool,
    near: bool,
    sentence_scope: bool,
    position: Position,
    window: usize,
    priority: i32,
    unless: Vec<String>,
}

/// Compiled fact rules.
pub struct FactRules {
    rules: Vec<MetricRule>,
    /// Words that tie a sentence to labour; outside labour news a fact needs one to count.
    /// Labour cues, then the `not_labour` phrases that hide the cues inside them.
    labour_cues: LiteralSet,
    labour_cue_count: usize,
    /// Headline words that make an article labour news.
    news_cues: AhoCorasick,
    /// All cue words of all rules in one automaton; pattern index → rule index.
    cues: LiteralSet,
    cue_rule: Vec<usize>,
    planned_clause: AhoCorasick,
    planned_sentence: AhoCorasick,
    planned_pattern: Regex,
    actual_override: AhoCorasick,
    per_unit_money_planned: bool,
    demonstratives: Vec<String>,
    same_value_units: Vec<String>,
    total_cues: Vec<String>,
}

fn no_empty_word(src: &RuleSource, words: &[String]) -> Result<(), RuleError> {
    match words.iter().find(|w| w.trim().is_empty()) {
        Some(w) => Err(src.error_at_text(&format!("{w:?}"), format!("empty cue word {w:?}"))),
        None => Ok(()),
    }
}

fn automaton(src: &RuleSource, words: &[String]) -> Result<AhoCorasick, RuleError> {
    no_empty_word(src, words)?;
    AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(words)
        .map_err(|e| src.error(0..0, format!("cannot build cue automaton: {e}")))
}

/// Labour cues and `not_labour` phrases in one leftmost-longest automaton: where a phrase such
/// as 坚守岗位 starts, it is matched whole and the cue 岗位 inside it is not reported.
fn labour_automaton(src: &RuleSource, r: &RelevanceDef) -> Result<LiteralSet, RuleError> {
    let words: Vec<String> = r.labour_cues.iter().chain(&r.not_labour).cloned().collect();
    literal_set(src, &words, "labour cues")
}

fn literal_set(src: &RuleSource, words: &[String], what: &str) -> Result<LiteralSet, RuleError> {
    no_empty_word(src, words)?;
    LiteralSet::new(words).map_err(|e| src.error(0..0, format!("{what}: {e}")))
}

impl FactRules {
    pub fn from_dir(dir: &Path) -> Result<Self, RuleError> {
        Self::load(&RuleSource::read(&dir.join("metrics.toml"))?)
    }

    pub fn load(src: &RuleSource) -> Result<Self, RuleError> {
        let file: RuleFile = src.parse()?;
        let mut ids = IdSet::default();
        let mut rules = Vec::new();
        let mut words = Vec::new();
        let mut cue_rule = Vec::new();
        for (i, r) in file.rule.iter().enumerate() {
            ids.insert(src, &r.id)?;
            src.one_of(&r.metric, METRICS, "metric")?;
            for u in &r.units {
                src.one_of(u, UNITS, "unit")?;
            }
            if r.cues.is_empty() && r.heads.is_empty() {
                return Err(src.error(r.id.span(), "a metric rule needs `cues`, `heads` or both"));
            }
            let sentence_scope = match &r.scope {
                None => false,
                Some(s) => {
                    src.one_of(s, &["clause", "sentence"], "scope")?;
                    s.get_ref() == "sentence"
                }
            };
            let position = match &r.position {
                None => Position::Any,
                Some(p) => {
                    src.one_of(p, &["before", "after", "any"], "position")?;
                    match p.get_ref().as_str() {
                        "before" => Position::Before,
                        "after" => Position::After,
                        _ => Position::Any,
                    }
                }
            };
            if !r.cues.is_empty() && r.window.is_none() {
                return Err(src.error(r.id.span(), "a rule with `cues` needs a `window` (characters)"));
            }
            if let Some(w) = r.unless.iter().find(|w| w.trim().is_empty()) {
                return Err(src.error_at_text(&format!("{w:?}"), format!("empty `unless` word {w:?}")));
            }
            for c in &r.cues {
                words.push(c.clone());
                cue_rule.push(i);
            }
            rules.push(MetricRule {
                id: r.id.get_ref().clone(),
                metric: r.metric.get_ref().clone(),
                units: r.units.iter().map(|u| u.get_ref().clone()).collect(),
                heads: r.heads.clone(),
                frame: !r.heads.is_empty() && !r.cues.is_empty(),
                veto: r.veto,
                fallback: r.fallback,
                near: r.near || r.fallback,
                sentence_scope,
                position,
                window: r.window.unwrap_or(0),
                priority: r.priority,
                unless: r.unless.clone(),
            });
        }
        let patterns = file
            .status
            .planned_patterns
            .iter()
            .map(|p| src.regex(p).map(|r| format!("(?:{})", r.as_str())))
            .collect::<Result<Vec<_>, _>>()?;
        for u in &file.restatement.same_value_units {
            src.one_of(u, UNITS, "unit")?;
        }
        Ok(Self {
            labour_cues: labour_automaton(src, &file.relevance)?,
            labour_cue_count: file.relevance.labour_cues.len(),
            news_cues: automaton(src, &file.relevance.news_cues)?,
            rules,
            cues: literal_set(src, &words, "metric cues")?,
            cue_rule,
            planned_clause: automaton(src, &file.status.planned_clause)?,
            planned_sentence: automaton(src, &file.status.planned_sentence)?,
            planned_pattern: Regex::new(
                if patterns.is_empty() { "[^\\s\\S]".to_string() } else { patterns.join("|") }.as_str(),
            )
            .map_err(|e| src.error(0..0, e.to_string()))?,
            actual_override: automaton(src, &file.status.actual_override)?,
            per_unit_money_planned: file.status.per_unit_money_planned,
            demonstratives: file.restatement.demonstratives,
            same_value_units: file.restatement.same_value_units.into_iter().map(|u| u.into_inner()).collect(),
            total_cues: file.breakdown.total_cues,
        })
    }
}

/// One fact of an article, offsets into the normalised document text.
#[derive(Debug, Clone)]
pub struct Fact {
    /// Index into `article.paras`.
    pub para: usize,
    pub start: usize,
    pub end: usize,
    pub sentence: Range<usize>,
    pub clause: Range<usize>,
    pub quantity: Quantity,
    pub metric: String,
    pub planned: bool,
    pub dup: bool,
    pub rules: Vec<String>,
}

pub struct FactExtractor {
    pub quantities: QuantityGrammar,
    pub rules: FactRules,
}

/// Cue matches of one sentence, shared by all the quantities in it.
struct SentenceCues {
    range: Range<usize>,
    /// (start, end, rule index) of every metric cue, document offsets.
    metric: Vec<(usize, usize, usize)>,
    planned: bool,
    overridden: bool,
    /// Document offsets of the labour cues (`[relevance]`) of the sentence.
    labour: Vec<usize>,
}

/// Whether the fact's statement — its sentence, or the part of it between semicolons, which
/// join independent statements — holds a labour cue.
fn labour_statement(text: &str, cues: &SentenceCues, f: &Fact) -> bool {
    let from = text[f.sentence.start..f.start].rfind(';').map_or(f.sentence.start, |i| f.sentence.start + i + 1);
    let to = text[f.end..f.sentence.end.max(f.end)].find(';').map_or(f.sentence.end, |i| f.end + i);
    cues.labour.iter().any(|&at| at >= from && at < to)
}

/// A paragraph cut into sentences and into clauses.
type SentencesAndClauses = (Vec<Range<usize>>, Vec<Range<usize>>);

fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '!' | '?' | '…')
}

fn is_clause_end(c: char) -> bool {
    matches!(c, ',' | ';' | ':') || is_sentence_end(c)
}

/// Split `range` of `text` at characters accepted by `end`; each piece keeps its delimiter.
fn pieces(text: &str, range: Range<usize>, end: fn(char) -> bool) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = range.start;
    for (i, c) in text[range.clone()].char_indices() {
        if end(c) {
            let stop = range.start + i + c.len_utf8();
            if stop > start {
                out.push(start..stop);
            }
            start = stop;
        }
    }
    if start < range.end {
        out.push(start..range.end);
    }
    out
}

/// Longest context (bytes each side) a sentence or clause may give a quantity: run-on OCR
/// text with no sentence end must not make per-fact work grow with the paragraph.
const MAX_CONTEXT: usize = 600;

/// How far (characters) a frame's head noun may stand from its quantity.
const FRAME_HEAD_CHARS: usize = 10;

fn containing(text: &str, ranges: &[Range<usize>], at: usize) -> Range<usize> {
    let i = ranges.partition_point(|r| r.end <= at);
    let r = ranges.get(i).filter(|r| r.start <= at).cloned().unwrap_or(at..at);
    let start = text.ceil_char_boundary(r.start.max(at.saturating_sub(MAX_CONTEXT)));
    let end = text.floor_char_boundary(r.end.min(at + MAX_CONTEXT));
    start..end.max(start)
}

impl FactExtractor {
    pub fn from_dir(dir: &Path) -> Result<Self, RuleError> {
        Ok(Self { quantities: QuantityGrammar::from_dir(dir)?, rules: FactRules::from_dir(dir)? })
    }

    /// Whether a headline makes its article labour news (`[relevance].news_cues`).
    pub fn is_labour_headline(&self, title: &str) -> bool {
        self.rules.news_cues.is_match(title)
    }

    /// All facts of one article, in text order. Outside labour news (`labour_news` false: the
    /// article's event type is `other`) a fact keeps a counted metric only when its own
    /// sentence has a labour cue (ANNOTATION.md "Labour relevance").
    pub fn extract(&self, text: &str, article: &Article, labour_news: bool) -> Vec<Fact> {
        let mut facts = Vec::new();
        for (pi, para) in article.paras.iter().enumerate() {
            if matches!(para.role, Role::Byline | Role::Credit) {
                continue;
            }
            // Facts start after the lead marker (a reporter's name holds no figures).
            let from =
                if (para.start..para.end).contains(&article.body_start) { article.body_start } else { para.start };
            // Sentences and clauses are cut only in paragraphs that hold a quantity (most hold none).
            let mut bounds: Option<SentencesAndClauses> = None;
            let mut cues: Option<SentenceCues> = None;
            for q in self.quantities.find_all(&text[from..para.end]) {
                if q.unit.is_empty() || q.end <= q.start {
                    continue;
                }
                let (sentences, clauses) = bounds.get_or_insert_with(|| {
                    (pieces(text, from..para.end, is_sentence_end), pieces(text, from..para.end, is_clause_end))
                });
                let (start, end) = (from + q.start, from + q.end);
                let sentence = containing(text, sentences, start);
                let clause = containing(text, clauses, start);
                let mut fact = Fact {
                    para: pi,
                    start,
                    end,
                    sentence,
                    clause,
                    quantity: q,
                    metric: String::new(),
                    planned: false,
                    dup: false,
                    rules: Vec::new(),
                };
                if cues.as_ref().is_none_or(|c| c.range != fact.sentence) {
                    cues = Some(self.sentence_cues(text, fact.sentence.clone()));
                }
                if let Some(c) = &cues {
                    self.classify(text, c, labour_news, &mut fact);
                }
                facts.push(fact);
            }
        }
        self.mark_breakdowns(text, &mut facts);
        self.mark_restatements(text, article, &mut facts);
        facts
    }

    fn sentence_cues(&self, text: &str, range: Range<usize>) -> SentenceCues {
        let sentence = &text[range.clone()];
        let metric = self
            .rules
            .cues
            .find_overlapping(sentence)
            .into_iter()
            .map(|m| (range.start + m.start, range.start + m.end, self.rules.cue_rule[m.pattern]))
            .collect();
        SentenceCues {
            metric,
            planned: self.rules.planned_sentence.is_match(sentence) || self.rules.planned_pattern.is_match(sentence),
            overridden: self.rules.actual_override.is_match(sentence),
            labour: self
                .rules
                .labour_cues
                .find_iter(sentence)
                .filter(|m| m.pattern < self.rules.labour_cue_count)
                .map(|m| range.start + m.start)
                .collect(),
            range,
        }
    }

    fn classify(&self, text: &str, cues: &SentenceCues, labour_news: bool, f: &mut Fact) {
        let q = &f.quantity;
        f.rules.extend(q.rules.iter().cloned());
        let (metric, rule) = if q.article_like {
            ("other".to_string(), "metric.article_like".to_string())
        } else {
            match self.metric(text, cues, f) {
                (m, r) if m != "other" && !labour_news && !labour_statement(text, cues, f) => {
                    ("other".to_string(), format!("{r} relevance.no_labour_cue"))
                }
                found => found,
            }
        };
        f.metric = metric;
        f.rules.push(rule);
        let clause = &text[f.clause.clone()];
        let overridden = cues.overridden;
        let planned_cue = self.rules.planned_clause.is_match(clause) || cues.planned;
        let standard = self.rules.per_unit_money_planned && f.quantity.per_unit && f.quantity.unit == "yuan";
        f.planned = !overridden && (planned_cue || standard);
        if f.planned {
            f.rules
                .push(if standard && !planned_cue { "status.per_unit_standard" } else { "status.planned_cue" }.into());
        }
    }

    /// Choose the metric: the best firing rule (vetoes first; then head, clause, sentence;
    /// priority; distance). Positive evidence only: no rule fires → `other`.
    fn metric(&self, text: &str, cues: &SentenceCues, f: &Fact) -> (String, String) {
        let q = &f.quantity;
        let clause = &text[f.clause.clone()];
        let applies = |r: &MetricRule| {
            (r.units.is_empty() || r.units.contains(&q.unit)) && !r.unless.iter().any(|w| clause.contains(w.as_str()))
        };
        let after = &text[f.end..f.sentence.end.max(f.end)];
        // Head nouns are checked right after the quantity, and from its classifier on (箱, 项).
        let with_classifier: String = q.classifier.chars().chain(after.chars().take(12)).collect();
        let head_hit = |r: &MetricRule| {
            r.heads.iter().any(|h| {
                after.starts_with(h.as_str())
                    || with_classifier.starts_with(h.as_str())
                    || q.head.starts_with(h.as_str())
            })
        };
        // A frame's head noun may follow after a modifier (3个职工服务站点) or stand between the
        // cue and the number (建立服务站点46个), within the clause.
        let near_after: String = after.chars().take(FRAME_HEAD_CHARS).collect();
        let near_before: String = {
            let before = &text[f.clause.start.min(f.start)..f.start];
            let n = before.chars().count();
            before.chars().skip(n.saturating_sub(FRAME_HEAD_CHARS)).collect()
        };
        // `position` limits a near head to one side of the number.
        let frame_hit = |r: &MetricRule| {
            r.heads.iter().any(|h| {
                (r.position != Position::Before
                    && near_after.split(is_clause_end).next().is_some_and(|a| a.contains(h.as_str())))
                    || (r.position != Position::After && near_before.contains(h.as_str()))
                    || q.head.contains(h.as_str())
            })
        };
        // (veto first, level, -priority, distance, rule)
        let mut best: Option<(bool, u8, i32, usize, usize)> = None;
        let mut consider = |cand: (bool, u8, i32, usize, usize)| {
            if best.is_none_or(|b| (!cand.0, cand.1, cand.2, cand.3) < (!b.0, b.1, b.2, b.3)) {
                best = Some(cand);
            }
        };
        for (i, r) in self.rules.rules.iter().enumerate() {
            // Cheapest tests first: most rules have no heads of their own.
            if !r.heads.is_empty() && !r.frame && applies(r) && if r.near { frame_hit(r) } else { head_hit(r) } {
                consider((r.veto, if r.fallback { 3 } else { 0 }, -r.priority, 0, i));
            }
        }
        for &(ms, me, ri) in &cues.metric {
            let r = &self.rules.rules[ri];
            if !applies(r) || (r.frame && !frame_hit(r)) {
                continue;
            }
            let (side, gap) = if me <= f.start {
                (Position::Before, &text[me..f.start])
            } else if ms >= f.end {
                (Position::After, &text[f.end..ms])
            } else {
                continue;
            };
            if r.position != Position::Any && r.position != side {
                continue;
            }
            let distance = gap.chars().count();
            if distance > r.window {
                continue;
            }
            let in_clause = ms >= f.clause.start && me <= f.clause.end;
            if !in_clause && !r.sentence_scope {
                continue;
            }
            consider((r.veto, if in_clause { 1 } else { 2 }, -r.priority, distance, ri));
        }
        match best {
            Some((_, _, _, _, ri)) => (self.rules.rules[ri].metric.clone(), self.rules.rules[ri].id.clone()),
            None => ("other".into(), "metric.no_cue".into()),
        }
    }

    /// `A 46人、B 33人 … 共计374人`: listed parts that add up to the total are `dup`.
    fn mark_breakdowns(&self, text: &str, facts: &mut [Fact]) {
        for t in 0..facts.len() {
            let before = &text[facts[t].sentence.start..facts[t].start];
            if !self.rules.total_cues.iter().any(|c| before.ends_with(c.as_str())) {
                continue;
            }
            let total = facts[t].quantity.value;
            let mut sum = 0.0;
            let mut parts = Vec::new();
            for p in (0..t).rev() {
                if facts[p].sentence != facts[t].sentence || facts[p].quantity.unit != facts[t].quantity.unit {
                    break;
                }
                sum += facts[p].quantity.value;
                parts.push(p);
                if (sum - total).abs() <= 0.005 * total.abs() && parts.len() >= 2 {
                    for &p in &parts {
                        facts[p].dup = true;
                        facts[p].rules.push("dup.breakdown".into());
                    }
                    break;
                }
            }
        }
    }

    /// A figure said again in the same article (headline, box, `这10个站点`, the same 150
    /// workers) is `dup`; the body mention counts. Copies take the original's metric.
    fn mark_restatements(&self, text: &str, article: &Article, facts: &mut [Fact]) {
        let restating = |f: &Fact| matches!(article.paras[f.para].role, Role::Title | Role::Box);
        // Body facts first, in text order; then headline and box facts.
        let mut order: Vec<usize> = (0..facts.len()).filter(|&i| !restating(&facts[i])).collect();
        order.extend((0..facts.len()).filter(|&i| restating(&facts[i])));
        let head = |f: &Fact| -> String { text[f.end..].chars().take(4).collect() };
        let key = |f: &Fact| (f.quantity.unit.clone(), (f.quantity.value * 1000.0).round() as i64);
        let mut originals: HashMap<(String, i64), Vec<usize>> = HashMap::new();
        for i in order {
            let f = &facts[i];
            // A headline or box figure with no cue of its own still restates a body figure.
            if (f.metric == "other" && !restating(f)) || f.quantity.article_like {
                continue;
            }
            let before = &text[f.clause.start..f.start];
            let demonstrative = self.rules.demonstratives.iter().any(|d| before.ends_with(d.as_str()));
            let same_value_unit = self.rules.same_value_units.contains(&f.quantity.unit);
            let original = originals.get(&key(f)).and_then(|os| {
                os.iter()
                    .copied()
                    .find(|&o| restating(f) || demonstrative || same_value_unit || head(&facts[o]) == head(f))
            });
            match original {
                Some(o) => {
                    let (metric, planned) = (facts[o].metric.clone(), facts[o].planned);
                    let f = &mut facts[i];
                    f.dup = true;
                    f.metric = metric;
                    f.planned |= planned;
                    f.rules.push("dup.restated".into());
                }
                None if facts[i].metric != "other" => originals.entry(key(&facts[i])).or_default().push(i),
                None => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::Segmenter;

    fn engine() -> &'static (Segmenter, FactExtractor) {
        static E: std::sync::LazyLock<(Segmenter, FactExtractor)> = std::sync::LazyLock::new(|| {
            let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
            (Segmenter::from_dir(&rules).unwrap(), FactExtractor::from_dir(&rules).unwrap())
        });
        &E
    }

    #[test]
    fn facts_of_a_long_run_on_line_stay_linear() {
        let (seg, ex) = engine();
        let line = "职工工资款近1700万元,".repeat(20_000);
        let doc = seg.normalizer().normalize(&line);
        let facts: usize = seg.segment(&doc).iter().map(|a| ex.extract(&doc.text, a, true).len()).sum();
        assert_eq!(facts, 20_000);
    }

    proptest::proptest! {
        #[test]
        fn fuzz_fact_extractor_never_panics(s in "([0-9一二三四五六七八九十百千万亿余多近约超过名人家份件个元万元。,、\\n ]|\\PC){0,300}") {
            let (seg, ex) = engine();
            let doc = seg.normalizer().normalize(&s);
            for a in seg.segment(&doc) {
                for f in ex.extract(&doc.text, &a, false) {
                    proptest::prop_assert!(f.start <= f.end && f.end <= doc.text.len());
                }
            }
        }
    }
}
