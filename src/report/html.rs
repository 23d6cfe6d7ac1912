//! `report.html`: one self-contained page (no network, no library) to look at a run: the
//! totals per place and period with bars, a monthly series per metric, and, on a click on a
//! total, the facts behind it with the evidence sentence and the number highlighted. Flagged
//! facts are listed apart. The data is the run's own totals.csv and facts.csv, embedded as JSON;
//! the page's code is `assets/report.js` and `assets/report.css`, written for this project.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::report::output::{csv_text, read_rows};

const SCRIPT: &str = include_str!("assets/report.js");
const STYLE: &str = include_str!("assets/report.css");

/// JSON safe inside a `<script>` element: no `</script>` or `<!--` can appear in it.
fn script_json<T: serde::Serialize>(v: &T) -> String {
    let text = serde_json::to_string(v).expect("plain data serialises");
    if text.contains('<') { text.replace('<', "\\u003c") } else { text }
}

/// A fact as the page shows it, borrowed from its facts.csv record.
#[derive(serde::Serialize)]
struct Item<'a> {
    id: &'a str,
    total: &'a str,
    value: &'a str,
    unit: &'a str,
    text: &'a str,
    metric: &'a str,
    qualifier: &'a str,
    province: &'a str,
    scope: &'a str,
    date: &'a str,
    doc: &'a str,
    path: &'a str,
    start: u64,
    end: u64,
    char_start: u64,
    char_end: u64,
    evidence: &'a str,
    event: &'a str,
    flag: &'a str,
}

/// The facts.csv columns an [`Item`] is made of, in its field order.
const ITEM_COLUMNS: [&str; 19] = [
    "fact_id",
    "total_id",
    "value",
    "unit",
    "text",
    "metric",
    "qualifier",
    "province",
    "scope",
    "date_end",
    "doc",
    "path",
    "start",
    "end",
    "char_start",
    "char_end",
    "evidence",
    "event_id",
    "flag",
];

impl<'a> Item<'a> {
    fn of(rec: &'a csv::ByteRecord, cols: &[usize; 19]) -> Result<Self> {
        let mut cells = [""; 19];
        for (cell, &c) in cells.iter_mut().zip(cols) {
            *cell = std::str::from_utf8(rec.get(c).unwrap_or(b"")).context("not UTF-8")?;
        }
        let offset = |s: &str| s.parse::<u64>().with_context(|| format!("offset {s:?}"));
        let [
            id,
            total,
            value,
            unit,
            text,
            metric,
            qualifier,
            province,
            scope,
            date,
            doc,
            path,
            start,
            end,
            cs,
            ce,
            evidence,
            event,
            flag,
        ] = cells;
        Ok(Item {
            id,
            total,
            value,
            unit,
            text,
            metric,
            qualifier,
            province,
            scope,
            date,
            doc,
            path,
            start: offset(start)?,
            end: offset(end)?,
            char_start: offset(cs)?,
            char_end: offset(ce)?,
            evidence,
            event,
            flag,
        })
    }
}

/// Facts listed per total, and flagged facts listed: the page stays a few MB for a run of
/// millions of facts; the rest of a total's facts are in facts.csv under its `total_id`.
const FACTS_PER_TOTAL: usize = 200;
const FLAGGED_LISTED: usize = 2000;

/// Whether the page lists a fact: it feeds a total, or it is a labour figure kept out of the
/// totals by its plausibility flag.
fn listed(total_id: &[u8], flag: &[u8], dup: &[u8], metric: &[u8]) -> bool {
    !total_id.is_empty() || (!flag.is_empty() && dup != b"true" && metric != b"other")
}

/// The records of facts.csv the page lists, with the columns of an [`Item`]; the others (most
/// of a run) are skipped on four cells, without being decoded.
#[allow(clippy::type_complexity)]
fn listed_facts(path: &Path) -> Result<([usize; 19], impl Iterator<Item = Result<csv::ByteRecord>>)> {
    let shown = path.display().to_string();
    let mut reader = csv::Reader::from_reader(csv_text(path)?);
    let headers = reader.headers().with_context(|| format!("{shown}: header"))?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name).with_context(|| format!("{shown}: no column {name}"));
    let cells = [col("total_id")?, col("flag")?, col("dup")?, col("metric")?];
    let mut item_cols = [0; 19];
    for (c, name) in item_cols.iter_mut().zip(ITEM_COLUMNS) {
        *c = col(name)?;
    }
    let records = reader.into_byte_records().enumerate().filter_map(move |(i, r)| {
        let rec = match r.with_context(|| format!("{shown}: row {}", i + 2)) {
            Ok(rec) => rec,
            Err(e) => return Some(Err(e)),
        };
        let [t, f, d, m] = cells.map(|c| rec.get(c).unwrap_or(b""));
        listed(t, f, d, m).then_some(Ok(rec))
    });
    Ok((item_cols, records))
}

/// Write `report.html` from the tables in `out_dir` (totals.csv) and the run's facts and
/// events. One pass over facts.csv streams the listed facts into the page (the flagged ones,
/// few, are held back for their own list); one pass over events.csv then adds the type and
/// headline of the articles they are in. A large run costs no more memory than those.
pub fn write(out_dir: &Path, facts_csv: &Path, events_csv: &Path, path: &Path) -> Result<()> {
    let totals: Vec<BTreeMap<String, String>> = read_rows(&out_dir.join("totals.csv"))?;
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
        script_json(&totals)
    )
    .with_context(context)?;
    let mut wanted: HashSet<String> = HashSet::new();
    let mut flagged = Vec::new();
    write!(out, ",\"facts\":[").with_context(context)?;
    let mut first = true;
    let mut per_total: HashMap<String, usize> = HashMap::new();
    let (cols, records) = listed_facts(facts_csv)?;
    for rec in records {
        let rec = rec?;
        let f =
            Item::of(&rec, &cols).with_context(|| format!("{}: fact {:?}", facts_csv.display(), rec.get(cols[0])))?;
        if f.total.is_empty() {
            if flagged.len() < FLAGGED_LISTED {
                wanted.insert(f.event.to_string());
                flagged.push(script_json(&f));
            }
            continue;
        }
        let n = per_total.entry(f.total.to_string()).or_default();
        *n += 1;
        if *n <= FACTS_PER_TOTAL {
            wanted.insert(f.event.to_string());
            write!(out, "{}{}", if first { "" } else { "," }, script_json(&f)).with_context(context)?;
            first = false;
        }
    }
    write!(out, "],\"flagged\":[{}]", flagged.join(",")).with_context(context)?;
    write!(out, ",\"per_total\":{FACTS_PER_TOTAL},\"flagged_listed\":{FLAGGED_LISTED}").with_context(context)?;
    // The articles of the listed facts: event id → [event type, headline].
    write!(out, ",\"events\":{{").with_context(context)?;
    let mut first = true;
    let mut reader = csv::Reader::from_reader(csv_text(events_csv)?);
    let headers = reader.headers().with_context(|| format!("{}: header", events_csv.display()))?.clone();
    let col = |name: &str| {
        headers.iter().position(|h| h == name).with_context(|| format!("{}: no column {name}", events_csv.display()))
    };
    let (id, event_type, title) = (col("event_id")?, col("event_type")?, col("title")?);
    for (i, row) in reader.records().enumerate() {
        let e = row.with_context(|| format!("{}: row {}", events_csv.display(), i + 2))?;
        let cell = |c: usize| e.get(c).unwrap_or("");
        if wanted.contains(cell(id)) {
            let entry = script_json(&[cell(event_type), cell(title)]);
            write!(out, "{}{}:{entry}", if first { "" } else { "," }, script_json(&cell(id))).with_context(context)?;
            first = false;
        }
    }
    write!(out, "}}").with_context(context)?;
    write!(out, "}}</script>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n")
        .and_then(|_| out.flush())
        .with_context(context)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::report::output::CsvOut;
    use crate::report::output::FactRow;
    use crate::report::schema;

    /// The JSON the page embeds.
    fn page_data(html: &str) -> Value {
        let start = html.find("type=\"application/json\">").unwrap() + "type=\"application/json\">".len();
        let end = start + html[start..].find("</script>").unwrap();
        serde_json::from_str(&html[start..end]).unwrap()
    }

    #[test]
    fn a_large_total_lists_its_first_facts_and_flagged_facts_apart() {
        let dir = tempfile::tempdir().unwrap();
        let mut facts = CsvOut::create(&dir.path().join("facts.csv"), true).unwrap();
        facts.header(&schema::names(&schema::facts())).unwrap();
        let fact = |n: usize, total: &str, flag: &str| FactRow {
            fact_id: format!("a#0.{n}"),
            event_id: "a#0".into(),
            value: "10".into(),
            metric: "workers_covered".into(),
            evidence: "帮助10名职工</script>".into(),
            total_id: total.into(),
            flag: flag.into(),
            ..FactRow::default()
        };
        for n in 0..FACTS_PER_TOTAL + 50 {
            facts.row(&fact(n, "2020:110000:workers_covered:person", "")).unwrap();
        }
        facts.row(&fact(999, "", "implausible")).unwrap();
        facts.row(&fact(1000, "", "")).unwrap();
        facts.finish().unwrap();
        std::fs::write(dir.path().join("events.csv"), "event_id,event_type,title\na#0,welfare,标题\n").unwrap();
        std::fs::write(
            dir.path().join("totals.csv"),
            "total_id,sum,facts\n2020:110000:workers_covered:person,2500,250\n",
        )
        .unwrap();
        let page = dir.path().join("report.html");
        write(dir.path(), &dir.path().join("facts.csv"), &dir.path().join("events.csv"), &page).unwrap();
        let html = std::fs::read_to_string(&page).unwrap();
        assert_eq!(html.matches("</script>").count(), 2, "evidence cannot close the data element");
        let data = page_data(&html);
        assert_eq!(data["facts"].as_array().unwrap().len(), FACTS_PER_TOTAL);
        let flagged = data["flagged"].as_array().unwrap();
        assert_eq!(flagged.len(), 1);
        assert_eq!(flagged[0]["id"], "a#0.999");
        assert_eq!(data["events"]["a#0"], json!(["welfare", "标题"]));
    }
}
