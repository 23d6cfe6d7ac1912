//! `laborfacts eval`: score a run against gold files, exactly as ANNOTATION.md
//! "How predictions are scored" defines it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::report::output::{EventRow, FactRow, read_rows};

#[derive(Debug, Clone, Deserialize)]
pub struct GoldFact {
    pub doc: String,
    pub text: String,
    pub value: f64,
    pub unit: String,
    pub qualifier: String,
    pub metric: String,
    pub status: String,
    pub per_unit: bool,
    pub province: String,
    pub scope: String,
    pub date_end: String,
    pub dup: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GoldEvent {
    pub doc: String,
    pub lead: String,
    pub event_type: String,
    pub province: String,
    pub date_end: String,
    pub dup: bool,
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).with_context(|| format!("{}:{}", path.display(), i + 1)))
        .collect()
}

/// Lead key: first 8 letters, digits or CJK characters after NFKC.
pub fn lead_key(lead: &str) -> String {
    lead.nfkc().filter(|c| c.is_alphanumeric()).take(8).collect()
}

fn month(date: &str) -> &str {
    date.get(..7).unwrap_or("")
}

#[derive(Debug, Default, Serialize)]
pub struct Accuracy {
    pub correct: usize,
    pub total: usize,
}

impl Accuracy {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        self.correct += ok as usize;
    }
    pub fn rate(&self) -> f64 {
        if self.total == 0 { 1.0 } else { self.correct as f64 / self.total as f64 }
    }
}

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub gold_facts: usize,
    pub pred_facts: usize,
    pub matched_facts: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub metric: Accuracy,
    pub qualifier: Accuracy,
    pub status: Accuracy,
    pub province: Accuracy,
    pub scope: Accuracy,
    pub date_month: Accuracy,
    pub totals_exact: f64,
    pub totals_keys: usize,
    pub gold_events: usize,
    pub pred_events: usize,
    pub events_found: usize,
    pub event_recall: f64,
    pub event_precision: f64,
    pub event_type: Accuracy,
    pub event_province: Accuracy,
    pub event_month: Accuracy,
    pub event_dup: Accuracy,
    pub misses: Vec<String>,
    pub extras: Vec<String>,
    pub attribute_errors: Vec<String>,
    pub event_misses: Vec<String>,
    pub by_doc: BTreeMap<String, DocScore>,
}

/// Per-document counts, for finding where misses and extras come from.
#[derive(Debug, Default, Serialize)]
pub struct DocScore {
    pub gold_facts: usize,
    pub pred_facts: usize,
    pub matched_facts: usize,
    pub gold_events: usize,
    pub pred_events: usize,
    pub events_found: usize,
}

fn within(a: f64, b: f64) -> bool {
    (a - b).abs() <= 0.005 * b.abs().max(1e-9)
}

pub fn evaluate(gold_dir: &Path, pred_dir: &Path) -> Result<Report> {
    let gold_facts: Vec<GoldFact> = read_jsonl(&gold_dir.join("facts.jsonl"))?;
    let gold_events: Vec<GoldEvent> = read_jsonl(&gold_dir.join("events.jsonl"))?;
    let pred_events: Vec<EventRow> = read_rows(&pred_dir.join("events.csv"))?;
    let facts_path = pred_dir.join("facts.csv");
    let pred_facts: Vec<FactRow> = if facts_path.exists() { read_rows(&facts_path)? } else { Vec::new() };
    let gold_docs: BTreeSet<&str> = gold_events.iter().map(|e| e.doc.as_str()).collect();
    let mut r = Report::default();

    // Facts: `other` rows are ignored on both sides; predictions only for docs the gold covers.
    let gold: Vec<&GoldFact> = gold_facts.iter().filter(|f| f.metric != "other").collect();
    let mut pred: Vec<&FactRow> =
        pred_facts.iter().filter(|f| f.metric != "other" && gold_docs.contains(f.doc.as_str())).collect();
    pred.sort_by(|a, b| a.doc.cmp(&b.doc).then(a.start.cmp(&b.start)));
    let pred_value = |f: &FactRow| f.value.parse::<f64>().unwrap_or(f64::NAN);
    for d in &gold_docs {
        r.by_doc.insert(d.to_string(), DocScore::default());
    }
    for g in &gold {
        r.by_doc.entry(g.doc.clone()).or_default().gold_facts += 1;
    }
    for p in &pred {
        r.by_doc.entry(p.doc.clone()).or_default().pred_facts += 1;
    }
    let mut used = vec![false; pred.len()];
    let mut last_in_doc: BTreeMap<&str, usize> = BTreeMap::new();
    for g in &gold {
        let candidates: Vec<usize> = (0..pred.len())
            .filter(|&i| {
                !used[i] && pred[i].doc == g.doc && pred[i].unit == g.unit && within(pred_value(pred[i]), g.value)
            })
            .collect();
        // Nearest in text order: the first candidate after the previous match, else the first one;
        // an identical surface form wins over order.
        let after = last_in_doc.get(g.doc.as_str()).copied().unwrap_or(0);
        let pick = candidates
            .iter()
            .copied()
            .find(|&i| i >= after && pred[i].text == g.text)
            .or_else(|| candidates.iter().copied().find(|&i| i >= after))
            .or_else(|| candidates.first().copied());
        match pick {
            Some(i) => {
                used[i] = true;
                last_in_doc.insert(g.doc.as_str(), i);
                r.matched_facts += 1;
                r.by_doc.entry(g.doc.clone()).or_default().matched_facts += 1;
                let p = pred[i];
                let mut check = |name: &str, acc: &mut Accuracy, want: &str, got: &str| {
                    acc.add(want == got);
                    if want != got {
                        r.attribute_errors.push(format!("{} {} {name}: gold {want:?} pred {got:?}", g.doc, g.text));
                    }
                };
                check("metric", &mut r.metric, &g.metric, &p.metric);
                check("qualifier", &mut r.qualifier, &g.qualifier, &p.qualifier);
                check("status", &mut r.status, &g.status, &p.status);
                check("province", &mut r.province, &g.province, &p.province);
                check("scope", &mut r.scope, &g.scope, &p.scope);
                check("month", &mut r.date_month, month(&g.date_end), month(&p.date_end));
            }
            None => r.misses.push(format!("{} {} {} {} ({})", g.doc, g.text, g.value, g.unit, g.metric)),
        }
    }
    for (i, p) in pred.iter().enumerate() {
        if !used[i] {
            r.extras.push(format!("{} {} {} {} ({}) «{}»", p.doc, p.text, p.value, p.unit, p.metric, p.evidence));
        }
    }
    r.gold_facts = gold.len();
    r.pred_facts = pred.len();
    r.precision = if pred.is_empty() { 0.0 } else { r.matched_facts as f64 / pred.len() as f64 };
    r.recall = if gold.is_empty() { 0.0 } else { r.matched_facts as f64 / gold.len() as f64 };
    r.f1 = if r.precision + r.recall == 0.0 { 0.0 } else { 2.0 * r.precision * r.recall / (r.precision + r.recall) };

    // Totals per province, metric and unit over countable facts.
    let mut totals: BTreeMap<(String, String, String), (f64, f64)> = BTreeMap::new();
    for g in gold.iter().filter(|f| !f.dup && f.status == "actual" && !f.per_unit) {
        totals.entry((g.province.clone(), g.metric.clone(), g.unit.clone())).or_default().0 += g.value;
    }
    for p in pred.iter().filter(|f| !f.dup && f.status == "actual" && !f.per_unit && f.flag.is_empty()) {
        totals.entry((p.province.clone(), p.metric.clone(), p.unit.clone())).or_default().1 += pred_value(p);
    }
    r.totals_keys = totals.len();
    let exact = totals.values().filter(|(g, p)| within(*p, *g)).count();
    r.totals_exact = if totals.is_empty() { 1.0 } else { exact as f64 / totals.len() as f64 };

    // Events: found by lead key within the same doc.
    let preds: Vec<&EventRow> = pred_events.iter().filter(|e| gold_docs.contains(e.doc.as_str())).collect();
    r.gold_events = gold_events.len();
    r.pred_events = preds.len();
    for e in &gold_events {
        r.by_doc.entry(e.doc.clone()).or_default().gold_events += 1;
    }
    for e in &preds {
        r.by_doc.entry(e.doc.clone()).or_default().pred_events += 1;
    }
    let mut taken = vec![false; preds.len()];
    for g in &gold_events {
        let key = lead_key(&g.lead);
        let hit = (0..preds.len()).find(|&i| !taken[i] && preds[i].doc == g.doc && lead_key(&preds[i].lead) == key);
        match hit {
            Some(i) => {
                taken[i] = true;
                r.events_found += 1;
                r.by_doc.entry(g.doc.clone()).or_default().events_found += 1;
                let p = preds[i];
                r.event_type.add(p.event_type == g.event_type);
                r.event_province.add(p.province == g.province);
                r.event_month.add(month(&p.date_end) == month(&g.date_end));
                r.event_dup.add(p.dup == g.dup);
                if p.event_type != g.event_type
                    || p.province != g.province
                    || month(&p.date_end) != month(&g.date_end)
                    || p.dup != g.dup
                {
                    r.attribute_errors.push(format!(
                        "{} event {}: type {}/{} province {}/{} month {}/{} dup {}/{}",
                        g.doc,
                        g.lead,
                        g.event_type,
                        p.event_type,
                        g.province,
                        p.province,
                        month(&g.date_end),
                        month(&p.date_end),
                        g.dup,
                        p.dup
                    ));
                }
            }
            None => r.event_misses.push(format!("{} {}", g.doc, g.lead)),
        }
    }
    r.event_recall = if gold_events.is_empty() { 1.0 } else { r.events_found as f64 / gold_events.len() as f64 };
    r.event_precision = if preds.is_empty() { 0.0 } else { r.events_found as f64 / preds.len() as f64 };
    Ok(r)
}

impl Report {
    /// The report; with `by_doc`, first a table of every document whose facts or events differ.
    pub fn render(&self, by_doc: bool) -> String {
        let mut s = String::new();
        let line = |s: &mut String, k: &str, v: String| s.push_str(&format!("{k:<24}{v}\n"));
        let acc = |a: &Accuracy| format!("{:.3}  ({}/{})", a.rate(), a.correct, a.total);
        line(
            &mut s,
            "facts gold/pred/match",
            format!("{}/{}/{}", self.gold_facts, self.pred_facts, self.matched_facts),
        );
        line(&mut s, "precision", format!("{:.3}", self.precision));
        line(&mut s, "recall", format!("{:.3}", self.recall));
        line(&mut s, "f1", format!("{:.3}", self.f1));
        line(&mut s, "metric", acc(&self.metric));
        line(&mut s, "qualifier", acc(&self.qualifier));
        line(&mut s, "status", acc(&self.status));
        line(&mut s, "province", acc(&self.province));
        line(&mut s, "scope", acc(&self.scope));
        line(&mut s, "date month", acc(&self.date_month));
        line(&mut s, "totals_exact", format!("{:.3}  ({} keys)", self.totals_exact, self.totals_keys));
        line(
            &mut s,
            "events gold/pred/found",
            format!("{}/{}/{}", self.gold_events, self.pred_events, self.events_found),
        );
        line(&mut s, "event recall", format!("{:.3}", self.event_recall));
        line(&mut s, "event precision", format!("{:.3}", self.event_precision));
        line(&mut s, "event type", acc(&self.event_type));
        line(&mut s, "event province", acc(&self.event_province));
        line(&mut s, "event month", acc(&self.event_month));
        line(&mut s, "event dup", acc(&self.event_dup));
        if by_doc {
            s.push_str(&format!(
                "\n{:<16}{:>6}{:>6}{:>6}{:>8}{:>8}{:>9}{:>9}{:>9}\n",
                "document", "gold", "pred", "match", "missed", "extra", "ev.gold", "ev.pred", "ev.found"
            ));
            for (doc, d) in &self.by_doc {
                let clean = d.matched_facts == d.gold_facts
                    && d.matched_facts == d.pred_facts
                    && d.events_found == d.gold_events
                    && d.events_found == d.pred_events;
                if !clean {
                    s.push_str(&format!(
                        "{doc:<16}{:>6}{:>6}{:>6}{:>8}{:>8}{:>9}{:>9}{:>9}\n",
                        d.gold_facts,
                        d.pred_facts,
                        d.matched_facts,
                        d.gold_facts - d.matched_facts,
                        d.pred_facts - d.matched_facts,
                        d.gold_events,
                        d.pred_events,
                        d.events_found
                    ));
                }
            }
        }
        for (title, items) in [
            ("missed facts", &self.misses),
            ("extra facts", &self.extras),
            ("attribute errors", &self.attribute_errors),
            ("missed events", &self.event_misses),
        ] {
            if !items.is_empty() {
                s.push_str(&format!("\n{title} ({}):\n", items.len()));
                for i in items {
                    s.push_str(&format!("  {i}\n"));
                }
            }
        }
        s.push_str(&format!(
            "\nsummary: fact_f1={:.3} metric={:.3} qualifier={:.3} status={:.3} province={:.3} scope={:.3} month={:.3} totals_exact={:.3} event_recall={:.3} event_precision={:.3} event_type={:.3} event_province={:.3} event_month={:.3}\n",
            self.f1,
            self.metric.rate(),
            self.qualifier.rate(),
            self.status.rate(),
            self.province.rate(),
            self.scope.rate(),
            self.date_month.rate(),
            self.totals_exact,
            self.event_recall,
            self.event_precision,
            self.event_type.rate(),
            self.event_province.rate(),
            self.event_month.rate()
        ));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_keys_ignore_punctuation_and_width() {
        assert_eq!(lead_key("不久前，因发生交通事故，"), lead_key("不久前,因发生交通事故,"));
        assert_eq!(lead_key("10月23日至24日,全"), "10月23日至2");
    }
}
