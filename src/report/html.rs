//! `report.html`: one self-contained page (no network, no library) to look at a run: the
//! totals per place and period with bars, a monthly series per metric, and, on a click on a
//! total, the facts behind it with the evidence sentence and the number highlighted. Flagged
//! facts are listed apart. The data is the run's own totals.csv and facts.csv, embedded as JSON;
//! the page's code is `assets/report.js` and `assets/report.css`, written for this project.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::report::output::{FactRow, csv_text, read_rows};

const SCRIPT: &str = include_str!("assets/report.js");
const STYLE: &str = include_str!("assets/report.css");

/// JSON safe inside a `<script>` element: no `</script>` or `<!--` can appear in it.
fn script_json<T: serde::Serialize>(v: &T) -> String {
    let text = serde_json::to_string(v).expect("plain data serialises");
    if text.contains('<') { text.replace('<', "\\u003c") } else { text }
}

/// A fact as the page shows it, borrowed from its facts.csv record.
#[derive(serde::Serialize)]
pub struct Item<'a> {
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
    #[serde(skip)]
    dup: bool,
}

/// The facts.csv columns an [`Item`] is made of, in its field order.
const ITEM_COLUMNS: [&str; 20] = [
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
    "dup",
];

impl<'a> Item<'a> {
    fn of(rec: &'a csv::ByteRecord, cols: &[usize; ITEM_COLUMNS.len()]) -> Result<Self> {
        let mut cells = [""; ITEM_COLUMNS.len()];
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
            dup,
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
            dup: dup == "true",
        })
    }

    pub fn of_row(f: &'a FactRow) -> Self {
        Item {
            id: &f.fact_id,
            total: &f.total_id,
            value: &f.value,
            unit: &f.unit,
            text: &f.text,
            metric: &f.metric,
            qualifier: &f.qualifier,
            province: &f.province,
            scope: &f.scope,
            date: &f.date_end,
            doc: &f.doc,
            path: &f.path,
            start: f.start as u64,
            end: f.end as u64,
            char_start: f.char_start as u64,
            char_end: f.char_end as u64,
            evidence: &f.evidence,
            event: &f.event_id,
            flag: &f.flag,
            dup: f.dup,
        }
    }
}

/// Facts listed per total, and flagged facts listed: the page stays a few MB for a run of
/// millions of facts; the rest of a total's facts are in facts.csv under its `total_id`.
const FACTS_PER_TOTAL: usize = 200;
const FLAGGED_LISTED: usize = 2000;

/// Whether the page lists a fact: it feeds a total, or it is a labour figure kept out of the
/// totals by its plausibility flag.
fn listed(total_id: &str, flag: &str, dup: bool, metric: &str) -> bool {
    !total_id.is_empty() || (!flag.is_empty() && !dup && metric != "other")
}

/// What the page lists, gathered as the run writes its rows (or as `summarize` reads the
/// CSVs): the first facts of each total and the first flagged facts, as page JSON, and the
/// type and headline of the articles they are in. Bounded by the number of totals.
#[derive(Debug, Default, Clone)]
pub struct Listing {
    facts: Vec<String>,
    flagged: Vec<String>,
    per_total: HashMap<String, usize>,
    wanted: HashSet<String>,
    /// event id, type, headline: in the order first listed, so the page is the same every run.
    events: Vec<(String, String, String)>,
}

impl Listing {
    /// A fact, if the page lists it and its total (or the flagged list) has room.
    pub fn add_fact(&mut self, f: &Item) {
        if !listed(f.total, f.flag, f.dup, f.metric) {
            return;
        }
        if f.total.is_empty() {
            if self.flagged.len() < FLAGGED_LISTED {
                self.flagged.push(script_json(f));
                self.wanted.insert(f.event.to_string());
            }
            return;
        }
        // Looked up before inserting: most facts of a large run belong to a total already seen.
        let n = match self.per_total.get_mut(f.total) {
            Some(n) => n,
            None => self.per_total.entry(f.total.to_string()).or_default(),
        };
        *n += 1;
        if *n <= FACTS_PER_TOTAL {
            self.facts.push(script_json(f));
            self.wanted.insert(f.event.to_string());
        }
    }

    /// An article: kept when a listed fact is in it.
    pub fn add_event(&mut self, id: &str, event_type: &str, title: &str) {
        if self.wanted.remove(id) {
            self.events.push((id.to_string(), event_type.to_string(), title.to_string()));
        }
    }

    /// The listing of facts.csv and events.csv: the facts the page lists are decoded, the others
    /// (most of a run) skipped on four cells.
    pub fn from_csv(facts_csv: &Path, events_csv: &Path) -> Result<Self> {
        let mut listing = Listing::default();
        let shown = facts_csv.display().to_string();
        let mut reader = csv::Reader::from_reader(csv_text(facts_csv)?);
        let headers = reader.headers().with_context(|| format!("{shown}: header"))?.clone();
        let col =
            |name: &str| headers.iter().position(|h| h == name).with_context(|| format!("{shown}: no column {name}"));
        let mut cols = [0; ITEM_COLUMNS.len()];
        for (c, name) in cols.iter_mut().zip(ITEM_COLUMNS) {
            *c = col(name)?;
        }
        let [total, flag, dup, metric] = [col("total_id")?, col("flag")?, col("dup")?, col("metric")?];
        let mut rec = csv::ByteRecord::new();
        let mut line = 1;
        while reader.read_byte_record(&mut rec).with_context(|| format!("{shown}: row {}", line + 1))? {
            line += 1;
            // Four cells decide; the others (most of a run) are not decoded.
            let cell = |c: usize| {
                std::str::from_utf8(rec.get(c).unwrap_or(b""))
                    .with_context(|| format!("{shown}: row {line}: not UTF-8"))
            };
            if !listed(cell(total)?, cell(flag)?, cell(dup)? == "true", cell(metric)?) {
                continue;
            }
            listing.add_fact(&Item::of(&rec, &cols).with_context(|| format!("{shown}: row {line}"))?);
        }
        let mut reader = csv::Reader::from_reader(csv_text(events_csv)?);
        let headers = reader.headers().with_context(|| format!("{}: header", events_csv.display()))?.clone();
        let col = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .with_context(|| format!("{}: no column {name}", events_csv.display()))
        };
        let (id, event_type, title) = (col("event_id")?, col("event_type")?, col("title")?);
        for (i, row) in reader.records().enumerate() {
            let e = row.with_context(|| format!("{}: row {}", events_csv.display(), i + 2))?;
            let cell = |c: usize| e.get(c).unwrap_or("");
            listing.add_event(cell(id), cell(event_type), cell(title));
        }
        Ok(listing)
    }

    /// Write the page: the totals of `totals_csv` and the listed facts.
    pub fn write(&self, totals_csv: &Path, path: &Path) -> Result<()> {
        let totals: Vec<BTreeMap<String, String>> = read_rows(totals_csv)?;
        let events: BTreeMap<&str, [&str; 2]> =
            self.events.iter().map(|(id, t, title)| (id.as_str(), [t.as_str(), title.as_str()])).collect();
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
             <script id=\"data\" type=\"application/json\">{{\"totals\":{},\"facts\":[{}],\"flagged\":[{}],\"events\":{},\
             \"per_total\":{FACTS_PER_TOTAL},\"flagged_listed\":{FLAGGED_LISTED}}}</script>\n<script>\n{SCRIPT}</script>\n\
             </body>\n</html>\n",
            script_json(&totals),
            self.facts.join(","),
            self.flagged.join(","),
            script_json(&events),
        )
        .and_then(|_| out.flush())
        .with_context(context)
    }
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
        let listing = Listing::from_csv(&dir.path().join("facts.csv"), &dir.path().join("events.csv")).unwrap();
        listing.write(&dir.path().join("totals.csv"), &page).unwrap();
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
