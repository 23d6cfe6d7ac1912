//! Runs every example of tests/corpus/metrics.toml through segmentation and fact extraction,
//! and checks that every metric rule of rules/metrics.toml has an example that fires it.

use std::collections::BTreeSet;
use std::path::PathBuf;

use laborfacts::extract::facts::FactExtractor;
use laborfacts::segment::Segmenter;
use serde::Deserialize;

#[derive(Deserialize)]
struct Corpus {
    example: Vec<Example>,
}

#[derive(Deserialize)]
struct Example {
    text: String,
    /// The article is labour news (its event type is not `other`); false for general news,
    /// where only sentences with a labour cue keep counted metrics.
    #[serde(default = "labour_news")]
    labour_news: bool,
    facts: Vec<Expected>,
}

fn labour_news() -> bool {
    true
}

#[derive(Deserialize)]
struct Expected {
    text: String,
    metric: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    dup: bool,
}

#[test]
fn metric_examples() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let rules = root.join("rules");
    let corpus: Corpus =
        toml::from_str(&std::fs::read_to_string(root.join("tests/corpus/metrics.toml")).unwrap()).unwrap();
    let seg = Segmenter::from_dir(&rules).unwrap();
    let ex = FactExtractor::from_dir(&rules).unwrap();
    let mut failures = Vec::new();
    let mut fired = BTreeSet::new();
    for e in &corpus.example {
        let doc = seg.normalizer().normalize(&e.text);
        let got: Vec<_> = seg.segment(&doc).iter().flat_map(|a| ex.extract(&doc.text, a, e.labour_news)).collect();
        for f in &got {
            fired.extend(f.rules.iter().cloned());
        }
        let summary: Vec<String> = got
            .iter()
            .map(|f| {
                format!(
                    "{} {} {} dup={}",
                    f.quantity.text,
                    f.metric,
                    if f.planned { "planned" } else { "actual" },
                    f.dup
                )
            })
            .collect();
        let mut cursor = 0;
        for want in &e.facts {
            let Some(pos) = got[cursor..].iter().position(|f| f.quantity.text == want.text) else {
                failures.push(format!("{}: missing {} (got {summary:?})", e.text, want.text));
                continue;
            };
            let f = &got[cursor + pos];
            cursor += pos + 1;
            let status = if f.planned { "planned" } else { "actual" };
            if f.metric != want.metric || want.status.as_deref().is_some_and(|s| s != status) || f.dup != want.dup {
                failures.push(format!(
                    "{}: {} want {} {:?} dup={} got {} {} dup={}",
                    e.text, want.text, want.metric, want.status, want.dup, f.metric, status, f.dup
                ));
            }
        }
    }
    let src = std::fs::read_to_string(rules.join("metrics.toml")).unwrap();
    let ids: Vec<&str> =
        src.lines().filter_map(|l| l.strip_prefix("id = \"").and_then(|r| r.strip_suffix('"'))).collect();
    for id in ids {
        if !fired.contains(id) {
            failures.push(format!("rule {id} has no example that fires it"));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
