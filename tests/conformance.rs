//! Peer conformance: number, money and date cases of Recognizers-Text, Duckling and JioNLP
//! (tests/conformance/, in-scope cases only; README there lists what was left out and why).
//! Prints the pass rate per file and the failures; asserts ≥ 90% for numbers and money and
//! ≥ 85% for dates. `LABORFACTS_CONFORMANCE_DIR` points it at another copy (e.g. the full set).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use laborfacts::extract::dates::DateGrammar;
use laborfacts::extract::quantity::QuantityGrammar;
use laborfacts::normalize::normalize_fragment;
use serde_json::Value;

fn dir() -> PathBuf {
    std::env::var_os("LABORFACTS_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

fn check_number(q: &QuantityGrammar, case: &Value) -> bool {
    let input = normalize_fragment(case["input"].as_str().unwrap_or(""));
    let span = normalize_fragment(case["span"].as_str().unwrap_or(case["input"].as_str().unwrap_or("")));
    let want = case["expect"]["value"].as_f64().unwrap_or(f64::NAN);
    q.numbers.find_all(&input).iter().any(|n| !n.vague && close(n.value, want) && span.contains(&input[n.start..n.end]))
}

fn check_money(q: &QuantityGrammar, case: &Value) -> bool {
    let input = normalize_fragment(case["input"].as_str().unwrap_or(""));
    let want = case["expect"]["value"].as_f64().unwrap_or(f64::NAN);
    let currency = case["expect"]["currency"].as_str();
    q.find_all(&input)
        .iter()
        .any(|m| !m.currency.is_empty() && close(m.value, want) && currency.is_none_or(|c| c == m.currency))
}

fn check_date(g: &DateGrammar, case: &Value) -> bool {
    let input = normalize_fragment(case["input"].as_str().unwrap_or(""));
    let Some(reference) = case["ref"].as_str().and_then(|r| NaiveDate::parse_from_str(r, "%Y-%m-%d").ok()) else {
        return false;
    };
    let mut wanted = vec![&case["expect"]];
    if let Some(alt) = case["alt"].as_array() {
        wanted.extend(alt.iter());
    }
    g.find_all(&input, reference).iter().any(|m| {
        let start = m.date_start.map(|d| d.to_string()).unwrap_or_default();
        let end = m.date_end.map(|d| d.to_string()).unwrap_or_default();
        wanted.iter().any(|w| {
            w["end"].as_str() == Some(end.as_str()) && (w["start"].as_str() == Some(start.as_str()) || start.is_empty())
        })
    })
}

fn check_negative(q: &QuantityGrammar, g: &DateGrammar, case: &Value) -> bool {
    let input = normalize_fragment(case["input"].as_str().unwrap_or(""));
    match case["kind"].as_str() {
        Some("number") => q.numbers.find_all(&input).iter().all(|n| n.vague),
        Some("money") => q.find_all(&input).iter().all(|m| m.currency.is_empty()),
        Some("date") => {
            let reference = case["ref"].as_str().and_then(|r| NaiveDate::parse_from_str(r, "%Y-%m-%d").ok());
            reference.is_none_or(|r| g.find_all(&input, r).is_empty())
        }
        _ => true,
    }
}

#[test]
fn conformance() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let q = QuantityGrammar::from_dir(&rules).unwrap();
    let g = DateGrammar::from_dir(&rules).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl") && !p.ends_with("skipped.jsonl"))
        .collect();
    files.sort();
    let mut totals: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let group = if name.contains("date") {
            "date"
        } else if name.contains("percent") {
            "percent"
        } else {
            "number_money"
        };
        if group == "percent" {
            continue; // percentages are not facts (ANNOTATION.md "Not facts")
        }
        let (mut pass, mut total) = (0, 0);
        let mut failures = Vec::new();
        for line in std::fs::read_to_string(f).unwrap().lines().filter(|l| !l.trim().is_empty()) {
            let case: Value = serde_json::from_str(line).unwrap();
            let ok = if name.starts_with("negatives") {
                if case["kind"] == "percent" {
                    continue;
                }
                check_negative(&q, &g, &case)
            } else if name.contains("number") {
                check_number(&q, &case)
            } else if name.contains("money") {
                check_money(&q, &case)
            } else {
                check_date(&g, &case)
            };
            total += 1;
            if ok {
                pass += 1;
            } else {
                failures.push(format!("  {} {} → {}", case["input"], case["span"], case["expect"]));
            }
        }
        println!("{name}: {pass}/{total} = {:.1}%", 100.0 * pass as f64 / total.max(1) as f64);
        for fl in failures.iter().take(40) {
            println!("{fl}");
        }
        let group = if name.starts_with("negatives") { "number_money" } else { group };
        let t = totals.entry(group).or_default();
        t.0 += pass;
        t.1 += total;
    }
    for (group, (pass, total)) in &totals {
        let rate = *pass as f64 / (*total).max(1) as f64;
        println!("{group}: {pass}/{total} = {:.1}%", 100.0 * rate);
        let need = if *group == "date" { 0.85 } else { 0.90 };
        assert!(rate >= need, "{group} conformance {rate:.3} < {need}");
    }
}
