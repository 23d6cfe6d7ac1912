//! Runs every example of tests/corpus/{quantity,places,dates}.toml, and checks that every rule
//! id of the matching rule files fires in at least one example (a rule without an example is
//! unfinished).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use laborfacts::extract::dates::DateGrammar;
use laborfacts::extract::places::Places;
use laborfacts::extract::quantity::QuantityGrammar;
use toml::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn examples(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(root().join("tests/corpus").join(name)).unwrap();
    let v: Value = toml::from_str(&text).unwrap();
    v["example"].as_array().unwrap().clone()
}

fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

/// `id = "…"` values of a rule file, in order.
fn rule_ids(file: &Path, sections: &[&str]) -> Vec<String> {
    let v: Value = toml::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    sections
        .iter()
        .flat_map(|s| v.get(*s).and_then(Value::as_array).cloned().unwrap_or_default())
        .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_string))
        .collect()
}

fn report(failures: Vec<String>) {
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn quantity_examples() {
    let rules = root().join("rules");
    let q = QuantityGrammar::from_dir(&rules).unwrap();
    let mut fired = BTreeSet::new();
    let mut failures = Vec::new();
    for e in examples("quantity.toml") {
        let text = str_of(&e, "text");
        let got = q.find_all(text);
        for g in &got {
            fired.extend(g.rules.iter().cloned());
        }
        let excluded: Vec<String> = q.exclusions(text).into_iter().map(|x| x.2).collect();
        fired.extend(excluded.iter().cloned());
        let summary: Vec<String> =
            got.iter().map(|g| format!("{} {} {} {}", g.text, g.value, g.unit, g.qualifier)).collect();
        if e.get("none").and_then(Value::as_bool) == Some(true) && !got.is_empty() {
            failures.push(format!("{text}: expected no quantity, got {summary:?}"));
        }
        for x in e.get("excluded").and_then(Value::as_array).into_iter().flatten() {
            let id = x.as_str().unwrap_or("");
            if !excluded.iter().any(|e| e == id) {
                failures.push(format!("{text}: exclusion {id} did not fire (fired {excluded:?})"));
            }
        }
        let mut cursor = 0;
        for want in e.get("expect").and_then(Value::as_array).into_iter().flatten() {
            let wt = str_of(want, "text");
            let Some(pos) = got[cursor..].iter().position(|g| g.text == wt) else {
                failures.push(format!("{text}: missing {wt} (got {summary:?})"));
                continue;
            };
            let g = &got[cursor + pos];
            cursor += pos + 1;
            let value_ok = want
                .get("value")
                .map(|v| v.as_float().or(v.as_integer().map(|i| i as f64)))
                .is_none_or(|v| v.is_some_and(|v| (v - g.value).abs() < 1e-6));
            let unit_ok = want.get("unit").is_none_or(|u| u.as_str() == Some(g.unit.as_str()));
            let qual_ok = g.qualifier == want.get("qualifier").and_then(Value::as_str).unwrap_or("exact");
            let per_ok = g.per_unit == want.get("per_unit").and_then(Value::as_bool).unwrap_or(false);
            let art_ok = g.article_like == want.get("article_like").and_then(Value::as_bool).unwrap_or(false);
            if !(value_ok && unit_ok && qual_ok && per_ok && art_ok) {
                failures.push(format!(
                    "{text}: {wt} want {want} got value={} unit={} qualifier={} per_unit={} article_like={}",
                    g.value, g.unit, g.qualifier, g.per_unit, g.article_like
                ));
            }
        }
    }
    for (file, sections) in [
        ("units.toml", &["currency", "count", "head"][..]),
        ("qualifiers.toml", &["qualifier"][..]),
        ("exclusions.toml", &["exclude"][..]),
    ] {
        for id in rule_ids(&rules.join(file), sections) {
            if !fired.contains(&id) {
                failures.push(format!("{file}: rule {id} has no example that fires it"));
            }
        }
    }
    report(failures);
}

#[test]
fn place_examples() {
    let places = Places::load(&root().join("data/gazetteer"), &root().join("rules")).unwrap();
    let mut failures = Vec::new();
    for e in examples("places.toml") {
        let (title, text) = (str_of(&e, "title"), str_of(&e, "text"));
        let a = places.analyse(title, text, 0);
        let (want, got) = if let Some(v) = e.get("venue") {
            (v.clone(), a.venue.clone())
        } else {
            let at = str_of(&e, "at");
            let s = text.find(at).unwrap_or_else(|| panic!("{at} not in {text}"));
            let sentence_start = text[..s].rfind('。').map_or(0, |i| i + '。'.len_utf8());
            let sentence_end = text[s..].find('。').map_or(text.len(), |i| s + i);
            let clause_start = text[..s].rfind([',', ';', '。']).map_or(0, |i| i + 1).max(sentence_start);
            let clause_end = text[s..].find([',', ';', '。']).map_or(text.len(), |i| s + i);
            let para_start = text[..s].rfind('\n').map_or(0, |i| i + 1);
            let para_end = text[s..].find('\n').map_or(text.len(), |i| s + i);
            let paragraph = para_start..para_end;
            (e["expect"].clone(), a.attribute(text, clause_start..clause_end, sentence_start..sentence_end, paragraph))
        };
        let got_fields = [&got.province, &got.prefecture, &got.county, &got.scope];
        for (k, g) in ["province", "prefecture", "county", "scope"].iter().zip(got_fields) {
            if str_of(&want, k) != g.as_str() {
                failures.push(format!("{title} | {text}: {k} want {:?} got {g:?}", str_of(&want, k)));
            }
        }
    }
    report(failures);
}

#[test]
fn date_examples() {
    let rules = root().join("rules");
    let g = DateGrammar::from_dir(&rules).unwrap();
    let mut fired = BTreeSet::new();
    let mut failures = Vec::new();
    for e in examples("dates.toml") {
        let text = str_of(&e, "text");
        let reference = NaiveDate::parse_from_str(str_of(&e, "ref"), "%Y-%m-%d").unwrap();
        let found = g.find_all(text, reference);
        for m in &found {
            fired.extend(m.rule.split('+').map(str::to_string));
        }
        let Some(m) = found.first() else {
            failures.push(format!("{text}: no date"));
            continue;
        };
        let got = (
            m.date_start.map(|d| d.to_string()).unwrap_or_default(),
            m.date_end.map(|d| d.to_string()).unwrap_or_default(),
            m.kind.as_str(),
        );
        let want = (str_of(&e, "start").to_string(), str_of(&e, "end").to_string(), str_of(&e, "kind"));
        if got != want {
            failures.push(format!("{text}: want {want:?} got {got:?}"));
        }
    }
    for id in rule_ids(&rules.join("dates.toml"), &["atom"]) {
        if !fired.contains(&id) {
            failures.push(format!("dates.toml: rule {id} has no example that fires it"));
        }
    }
    report(failures);
}
