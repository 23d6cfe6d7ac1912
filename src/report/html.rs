//! `report.html`: one self-contained page (no network, no library) to look at a run: the
//! totals per place and period with bars, a monthly series per metric, and, on a click on a
//! total, the facts behind it with the evidence sentence and the number highlighted. Flagged
//! facts are listed apart. The data is the run's own totals.csv and facts.csv, embedded as JSON;
//! the page's code is `assets/report.js` and `assets/report.css`, written for this project.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{Value, json};

use crate::report::output::{EventRow, FactRow, csv_text, read_rows};

const SCRIPT: &str = include_str!("assets/report.js");
const STYLE: &str = include_str!("assets/report.css");

/// JSON safe inside a `<script>` element: no `</script>` or `<!--` can appear in it.
fn script_json(v: &Value) -> String {
    v.to_string().replace('<', "\\u003c")
}

/// Write `report.html` from the tables in `out_dir` (totals.csv, facts.csv, events.csv).
pub fn write(out_dir: &Path, facts_csv: &Path, events_csv: &Path, path: &Path) -> Result<()> {
    let totals: Vec<BTreeMap<String, String>> = read_rows(&out_dir.join("totals.csv"))?;
    // Counted and flagged facts only: the page lists what feeds or was kept out of a total.
    let (mut facts, mut flagged) = (Vec::new(), Vec::new());
    let mut reader = csv::Reader::from_reader(csv_text(facts_csv)?);
    for (i, row) in reader.deserialize::<FactRow>().enumerate() {
        let f = row.with_context(|| format!("{}: row {}", facts_csv.display(), i + 2))?;
        if !f.total_id.is_empty() {
            facts.push(f);
        } else if !f.flag.is_empty() && !f.dup && f.metric != "other" {
            flagged.push(f);
        }
    }
    let wanted: HashSet<&str> = facts.iter().chain(&flagged).map(|f| f.event_id.as_str()).collect();
    let mut events: HashMap<String, (String, String)> = HashMap::new();
    let mut reader = csv::Reader::from_reader(csv_text(events_csv)?);
    for (i, row) in reader.deserialize::<EventRow>().enumerate() {
        let e = row.with_context(|| format!("{}: row {}", events_csv.display(), i + 2))?;
        if wanted.contains(e.event_id.as_str()) {
            events.insert(e.event_id, (e.event_type, e.title));
        }
    }
    let item = |f: &FactRow| {
        let (event_type, title) = events.get(&f.event_id).cloned().unwrap_or_default();
        json!({
            "id": f.fact_id, "total": f.total_id, "value": f.value, "unit": f.unit, "text": f.text,
            "metric": f.metric, "qualifier": f.qualifier, "province": f.province, "scope": f.scope,
            "date": f.date_end, "doc": f.doc, "path": f.path, "start": f.start, "end": f.end,
            "char_start": f.char_start, "char_end": f.char_end, "evidence": f.evidence,
            "event_type": event_type, "title": title, "flag": f.flag,
        })
    };
    let facts: Vec<Value> = facts.iter().map(item).collect();
    let flagged: Vec<Value> = flagged.iter().map(item).collect();
    let data = json!({ "totals": totals, "facts": facts, "flagged": flagged });
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
    );
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>laborfacts report</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <header><h1>laborfacts report</h1><p id=\"overview\"></p></header>\n\
         <section id=\"filters\"></section>\n\
         <div id=\"main\"><section><h2>Totals</h2><p class=\"hint\">Click a total to list the facts behind it.</p>\
         <table id=\"totals\"></table></section>\n\
         <section id=\"facts\"><h2>Facts behind the total</h2><p class=\"hint\">No total chosen.</p></section></div>\n\
         <section><h2>Monthly series</h2><div id=\"series\"></div></section>\n\
         <section id=\"flagged\"><h2>Flagged facts (never summed)</h2></section>\n\
         <script id=\"data\" type=\"application/json\">{}</script>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        script_json(&data)
    )
    .and_then(|_| out.flush())
    .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
