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

/// Whether the page lists a fact: it feeds a total, or it is a labour figure kept out of the
/// totals by its plausibility flag.
fn listed(f: &FactRow) -> bool {
    !f.total_id.is_empty() || (!f.flag.is_empty() && !f.dup && f.metric != "other")
}

fn facts_of(path: &Path) -> Result<impl Iterator<Item = Result<FactRow>>> {
    let shown = path.display().to_string();
    let reader = csv::Reader::from_reader(csv_text(path)?);
    Ok(reader
        .into_deserialize::<FactRow>()
        .enumerate()
        .map(move |(i, r)| r.with_context(|| format!("{shown}: row {}", i + 2))))
}

/// Write `report.html` from the tables in `out_dir` (totals.csv) and the run's facts and
/// events. The facts are streamed into the page, twice over facts.csv, so a large run costs no
/// more memory than the events the listed facts belong to.
pub fn write(out_dir: &Path, facts_csv: &Path, events_csv: &Path, path: &Path) -> Result<()> {
    let totals: Vec<BTreeMap<String, String>> = read_rows(&out_dir.join("totals.csv"))?;
    let mut wanted: HashSet<String> = HashSet::new();
    for f in facts_of(facts_csv)? {
        let f = f?;
        if listed(&f) {
            wanted.insert(f.event_id);
        }
    }
    let mut events: HashMap<String, (String, String)> = HashMap::new();
    let mut reader = csv::Reader::from_reader(csv_text(events_csv)?);
    for (i, row) in reader.deserialize::<EventRow>().enumerate() {
        let e = row.with_context(|| format!("{}: row {}", events_csv.display(), i + 2))?;
        if wanted.contains(&e.event_id) {
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
    let context = || format!("cannot write {}", path.display());
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).with_context(context)?);
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
         <script id=\"data\" type=\"application/json\">{{\"totals\":{}",
        script_json(&serde_json::to_value(&totals)?)
    )
    .with_context(context)?;
    for (key, counted) in [("facts", true), ("flagged", false)] {
        write!(out, ",\"{key}\":[").with_context(context)?;
        let mut first = true;
        for f in facts_of(facts_csv)? {
            let f = f?;
            if listed(&f) && f.total_id.is_empty() != counted {
                write!(out, "{}{}", if first { "" } else { "," }, script_json(&item(&f))).with_context(context)?;
                first = false;
            }
        }
        write!(out, "]").with_context(context)?;
    }
    write!(out, "}}</script>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n")
        .and_then(|_| out.flush())
        .with_context(context)?;
    Ok(())
}
