//! Stage 8 — aggregate: the totals tables from facts.csv and events.csv, with polars' lazy
//! API. Only what ANNOTATION.md totals count is summed (`FactRow::is_counted`); sums are per
//! place, period, metric *and* unit (people, person-times and households are never added
//! together), in hundredths as integers, so every sum is exact.
//!
//! - `totals.csv`, the primary table: one row per place, period, metric and unit, with a
//!   stable `total_id` that facts.csv's `total_id` joins on;
//! - `province_summary.csv`, the same totals pivoted wide for spreadsheets (an empty cell is
//!   "not reported", never 0);
//! - `metric_by_event_type.csv`: the totals split by event type.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars::frame::PivotColumnNaming;
use polars::prelude::*;

use crate::report::output::{CsvOut, counted};
use crate::report::{parquet, schema};

pub struct ProvinceInfo {
    pub code: u32,
    pub name: String,
    pub english: String,
}

/// The time bucket of a total, from the facts' `date_end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Period {
    #[default]
    Year,
    Quarter,
    Month,
    All,
}

impl Period {
    /// The period of a `YYYY-MM-DD` date: `2020`, `2020-Q1`, `2020-03` or `all`; empty for no date.
    pub fn label(self, date: &str) -> String {
        let (Some(year), Some(month)) = (date.get(..4), date.get(5..7).and_then(|m| m.parse::<u32>().ok())) else {
            return if self == Period::All { "all".into() } else { String::new() };
        };
        match self {
            Period::Year => year.to_string(),
            Period::Quarter => format!("{year}-Q{}", month.div_ceil(3)),
            Period::Month => format!("{year}-{month:02}"),
            Period::All => "all".into(),
        }
    }
}

pub struct SummaryOptions {
    pub bom: bool,
    pub parquet: bool,
    pub period: Period,
}

#[derive(Debug, Default)]
pub struct SummaryReport {
    pub files: Vec<PathBuf>,
    pub provinces_with_facts: usize,
    pub counted_facts: usize,
}

/// Labels of the rows that are not one province, and their `code`.
pub const NATIONAL: &str = "全国";
pub const REGION: &str = "跨省区域";
pub const UNPLACED: &str = "未定位";
const EXTRA_ROWS: [(&str, &str); 3] = [(NATIONAL, "national"), (REGION, "region"), (UNPLACED, "unplaced")];

/// The (metric, unit) columns of the province summary, in ANNOTATION.md order.
pub const METRIC_UNITS: &[(&str, &str)] = &[
    ("money_recovered", "yuan"),
    ("money_owed", "yuan"),
    ("money_disbursed", "yuan"),
    ("money_raised", "yuan"),
    ("workers_covered", "person"),
    ("workers_covered", "person_time"),
    ("workers_covered", "household"),
    ("participants", "person"),
    ("participants", "person_time"),
    ("enterprises_covered", "enterprise"),
    ("contracts_signed", "contract"),
    ("cases_handled", "case"),
    ("units_established", "unit"),
    ("events_held", "event"),
];

/// The totals row of a fact: its place, by province name, or by scope when it has none.
pub fn place_row<'a>(province: &'a str, scope: &str) -> &'a str {
    match (province, scope) {
        ("", "national") => NATIONAL,
        ("", "region") => REGION,
        ("", _) => UNPLACED,
        (p, _) => p,
    }
}

/// `<period>:<code>:<metric>:<unit>`, e.g. `2020:440000:money_recovered:yuan`; the same
/// every run, so a saved query or link keeps pointing at the same total.
pub fn total_id(period: &str, code: &str, metric: &str, unit: &str) -> String {
    format!("{}:{code}:{metric}:{unit}", if period.is_empty() { "undated" } else { period })
}

/// The `code` of a totals row: the province's GB/T 2260 code, or the label of another row.
fn row_code<'a>(row: &str, province_code: &'a str) -> &'a str {
    EXTRA_ROWS.iter().find(|(name, _)| *name == row).map_or(province_code, |(_, code)| code)
}

/// The `total_id` a fact row feeds, or empty when it is not counted (facts.csv `total_id`).
pub fn fact_total_id(f: &crate::report::output::FactRow, period: Period) -> String {
    if !f.is_counted() {
        return String::new();
    }
    let row = place_row(&f.province, &f.scope);
    total_id(&period.label(&f.date_end), row_code(row, &f.province_code), &f.metric, &f.unit)
}

/// Distinct strings of a column, numbered in order of appearance: the frames hold small
/// integer ids instead of a million copies of 上海市.
#[derive(Debug, Default, Clone)]
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.ids.insert(s.to_string(), i);
        self.names.push(s.to_string());
        i
    }
}

/// Stream a CSV written by laborfacts or saved from a spreadsheet (any encoding
/// `output::csv_text` reads), handing each row's chosen columns to `row`. A name ending in `?`
/// is optional: empty when the file has no such column (a CSV from an older version).
fn stream_columns(path: &Path, names: &[&str], mut row: impl FnMut(&[&str]) -> Result<()>) -> Result<()> {
    let input = crate::report::output::csv_text(path)?;
    let mut csv = csv::Reader::from_reader(input);
    let headers = csv.headers().with_context(|| format!("{}: header", path.display()))?.clone();
    let idx: Vec<Option<usize>> = names
        .iter()
        .map(|n| match n.strip_suffix('?') {
            Some(optional) => Ok(headers.iter().position(|h| h == optional)),
            None => headers
                .iter()
                .position(|h| h == *n)
                .map(Some)
                .with_context(|| format!("{}: no column {n:?}", path.display())),
        })
        .collect::<Result<_>>()?;
    // Byte records: only the chosen cells are checked as UTF-8, not the evidence sentences.
    let mut rec = csv::ByteRecord::new();
    let mut line = 1;
    while csv.read_byte_record(&mut rec).with_context(|| format!("{}: row {}", path.display(), line + 1))? {
        line += 1;
        let fields: Vec<&str> = idx
            .iter()
            .map(|i| std::str::from_utf8(i.and_then(|i| rec.get(i)).unwrap_or(b"")))
            .collect::<std::result::Result<_, _>>()
            .with_context(|| format!("{}: row {line}: not UTF-8", path.display()))?;
        row(&fields).with_context(|| format!("{}: row {line}", path.display()))?;
    }
    Ok(())
}

fn u32s(df: &DataFrame, name: &str) -> Result<Vec<u32>> {
    let s = df.column(name)?.as_materialized_series().cast(&DataType::UInt32)?;
    let ca = s.u32()?;
    Ok((0..ca.len()).map(|i| ca.get(i).unwrap_or(0)).collect())
}

fn i64s(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>> {
    let s = df.column(name)?.as_materialized_series().cast(&DataType::Int64)?;
    let ca = s.i64()?;
    Ok((0..ca.len()).map(|i| ca.get(i)).collect())
}

fn strs(df: &DataFrame, name: &str) -> Result<Vec<String>> {
    let s = df.column(name)?.as_materialized_series().cast(&DataType::String)?;
    let ca = s.str()?;
    Ok((0..ca.len()).map(|i| ca.get(i).unwrap_or("").to_string()).collect())
}

/// A sum in hundredths as a plain decimal: integer when whole, else with its one or two decimals.
pub fn hundredths(h: i64) -> String {
    let (whole, frac) = (h / 100, (h % 100).unsigned_abs());
    let sign = if h < 0 && whole == 0 { "-" } else { "" };
    match frac {
        0 => format!("{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

/// Write one table as CSV (and Parquet when asked), in the columns of its schema.
fn write_table(
    out_dir: &Path,
    file: &str,
    cols: &[schema::Col],
    rows: &[Vec<String>],
    opts: &SummaryOptions,
    report: &mut SummaryReport,
) -> Result<()> {
    let path = out_dir.join(format!("{file}.csv"));
    let mut out = CsvOut::create(&path, opts.bom)?;
    out.header(&schema::names(cols))?;
    for r in rows {
        out.row(r)?;
    }
    out.finish()?;
    report.files.push(path);
    if opts.parquet {
        let path = out_dir.join(format!("{file}.parquet"));
        parquet::write(&path, cols, rows.iter().map(|r| Ok(r.clone())))?;
        report.files.push(path);
    }
    Ok(())
}

/// The cells of a fact that the totals need, borrowed from a facts.csv record or a FactRow.
pub struct FactCells<'a> {
    pub event_id: &'a str,
    pub event_type: &'a str,
    pub value: &'a str,
    pub unit: &'a str,
    pub qualifier: &'a str,
    pub metric: &'a str,
    pub status: &'a str,
    pub per_unit: bool,
    pub province: &'a str,
    pub scope: &'a str,
    pub date_end: &'a str,
    pub dup: bool,
    pub flag: &'a str,
}

impl<'a> FactCells<'a> {
    pub fn of(f: &'a crate::report::output::FactRow, event_type: &'a str) -> Self {
        FactCells {
            event_id: &f.event_id,
            event_type,
            value: &f.value,
            unit: &f.unit,
            qualifier: &f.qualifier,
            metric: &f.metric,
            status: &f.status,
            per_unit: f.per_unit,
            province: &f.province,
            scope: &f.scope,
            date_end: &f.date_end,
            dup: f.dup,
            flag: &f.flag,
        }
    }
}

/// The totals' input, gathered as the run writes its rows (or as `summarize` reads the CSVs):
/// the labour-news articles per place and period, and one compact row per counted fact
/// (interned ids and the value in hundredths), for polars to group.
#[derive(Debug, Default, Clone)]
pub struct Totals {
    period: Period,
    articles: BTreeMap<(String, String), i64>,
    places: Interner,
    periods: Interner,
    metrics: Interner,
    units: Interner,
    types: Interner,
    events: Interner,
    c_place: Vec<u32>,
    c_period: Vec<u32>,
    c_metric: Vec<u32>,
    c_unit: Vec<u32>,
    c_type: Vec<u32>,
    c_event: Vec<u32>,
    c_value: Vec<i64>,
    c_least: Vec<i64>,
    c_approx: Vec<i64>,
}

impl Totals {
    pub fn new(period: Period) -> Self {
        Totals { period, ..Totals::default() }
    }

    /// The period the totals are bucketed by (facts.csv `total_id` names it too).
    pub fn period(&self) -> Period {
        self.period
    }

    /// One article: counted among its place's labour-news articles unless a copy or not labour news.
    pub fn add_event(&mut self, event_type: &str, province: &str, scope: &str, dup: bool, date_end: &str) {
        if !dup && event_type != "other" {
            *self.articles.entry((place_row(province, scope).to_string(), self.period.label(date_end))).or_default() +=
                1;
        }
    }

    /// One fact; only counted facts are kept. A value that is not a finite, non-negative number
    /// (a hand-edited facts.csv) is an error.
    pub fn add_fact(&mut self, f: &FactCells) -> Result<()> {
        let value = match f.value.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => v,
            _ => anyhow::bail!("value {:?} is not a finite, non-negative number", f.value),
        };
        if !counted(f.dup, f.status, f.per_unit, f.metric, f.flag) {
            return Ok(());
        }
        self.c_place.push(self.places.id(place_row(f.province, f.scope)));
        self.c_period.push(self.periods.id(&self.period.label(f.date_end)));
        self.c_metric.push(self.metrics.id(f.metric));
        self.c_unit.push(self.units.id(f.unit));
        self.c_type.push(self.types.id(f.event_type));
        self.c_event.push(self.events.id(f.event_id));
        // Hundredths (fen, for yuan): every counted value has at most two decimals, so the
        // integer sums are exact — no binary-float noise such as 16108718045.999998.
        self.c_value.push((value * 100.0).round() as i64);
        self.c_least.push((f.qualifier == "at_least") as i64);
        self.c_approx.push((f.qualifier == "approx") as i64);
        Ok(())
    }

    /// The totals of facts.csv and events.csv as written by a run or saved from a spreadsheet.
    pub fn from_csv(facts_csv: &Path, events_csv: &Path, period: Period) -> Result<Self> {
        let mut totals = Totals::new(period);
        let mut event_type_of: HashMap<String, String> = HashMap::new();
        stream_columns(events_csv, &["event_id", "event_type", "province", "scope?", "dup", "date_end"], |r| {
            event_type_of.insert(r[0].to_string(), r[1].to_string());
            totals.add_event(r[1], r[2], r[3], r[4] == "true", r[5]);
            Ok(())
        })?;
        let columns = [
            "event_id",
            "value",
            "unit",
            "qualifier",
            "metric",
            "status",
            "per_unit",
            "province",
            "scope",
            "date_end",
            "dup",
            "flag",
        ];
        stream_columns(facts_csv, &columns, |r| {
            totals.add_fact(&FactCells {
                event_id: r[0],
                event_type: event_type_of.get(r[0]).map_or("", String::as_str),
                value: r[1],
                unit: r[2],
                qualifier: r[3],
                metric: r[4],
                status: r[5],
                per_unit: r[6] == "true",
                province: r[7],
                scope: r[8],
                date_end: r[9],
                dup: r[10] == "true",
                flag: r[11],
            })
        })?;
        Ok(totals)
    }
}

/// The summary tables of facts.csv and events.csv (`laborfacts summarize`).
pub fn summarize(
    facts_csv: &Path,
    events_csv: &Path,
    provinces: &[ProvinceInfo],
    out_dir: &Path,
    opts: &SummaryOptions,
) -> Result<SummaryReport> {
    write_totals(Totals::from_csv(facts_csv, events_csv, opts.period)?, provinces, out_dir, opts)
}

/// Write totals.csv, metric_by_event_type.csv and province_summary.csv (and their Parquet).
pub fn write_totals(
    totals: Totals,
    provinces: &[ProvinceInfo],
    out_dir: &Path,
    opts: &SummaryOptions,
) -> Result<SummaryReport> {
    // Row order: provinces in GB/T 2260 code order, then the national, region and unplaced rows.
    let mut order: Vec<(String, String, String)> =
        provinces.iter().map(|p| (p.name.clone(), p.code.to_string(), p.english.clone())).collect();
    for (name, code) in EXTRA_ROWS {
        order.push((name.to_string(), code.to_string(), String::new()));
    }
    let rank: HashMap<&str, usize> = order.iter().enumerate().map(|(i, o)| (o.0.as_str(), i)).collect();
    let code_of: HashMap<&str, &str> = order.iter().map(|o| (o.0.as_str(), o.1.as_str())).collect();
    let english_of: HashMap<&str, &str> = order.iter().map(|o| (o.0.as_str(), o.2.as_str())).collect();
    let rank_of = |p: &str| rank.get(p).copied().unwrap_or(usize::MAX);
    let code = |p: &str| code_of.get(p).copied().unwrap_or("").to_string();
    let Totals {
        articles,
        places,
        periods,
        metrics,
        units,
        types,
        c_place,
        c_period,
        c_metric,
        c_unit,
        c_type,
        c_event,
        c_value,
        c_least,
        c_approx,
        ..
    } = totals;
    let facts = DataFrame::new_infer_height(vec![
        Column::new("place".into(), c_place),
        Column::new("period".into(), c_period),
        Column::new("metric".into(), c_metric),
        Column::new("unit".into(), c_unit),
        Column::new("value".into(), c_value),
        Column::new("at_least".into(), c_least),
        Column::new("approx".into(), c_approx),
        Column::new("event_id".into(), c_event),
        Column::new("event_type".into(), c_type),
    ])?;
    let sums = |keys: &[&str]| -> Result<DataFrame> {
        Ok(facts
            .clone()
            .lazy()
            .group_by(keys.iter().map(|k| col(*k)).collect::<Vec<_>>())
            .agg([
                col("value").sum().alias("sum"),
                len().cast(DataType::Int64).alias("facts"),
                col("at_least").sum().alias("facts_at_least"),
                col("approx").sum().alias("facts_approx"),
                col("event_id").n_unique().cast(DataType::Int64).alias("events"),
            ])
            .collect()?)
    };
    let metric_rank = |m: &str, u: &str| METRIC_UNITS.iter().position(|x| *x == (m, u)).unwrap_or(usize::MAX);
    let name = |interner: &Interner, ids: Vec<u32>| -> Vec<String> {
        ids.into_iter().map(|i| interner.names[i as usize].clone()).collect()
    };
    let period_key = |p: &str| (p.is_empty(), p.to_string());

    std::fs::create_dir_all(out_dir)?;
    let mut report = SummaryReport::default();

    // totals and metric_by_event_type: long, keys then values.
    // Each row with its sum in hundredths, for the pivot.
    let long = |df: &DataFrame, by_type: bool| -> Result<(Vec<Vec<String>>, Vec<i64>)> {
        let (p, per, m, u) = (
            name(&places, u32s(df, "place")?),
            name(&periods, u32s(df, "period")?),
            name(&metrics, u32s(df, "metric")?),
            name(&units, u32s(df, "unit")?),
        );
        let t = if by_type { name(&types, u32s(df, "event_type")?) } else { vec![String::new(); p.len()] };
        let values: Vec<Vec<Option<i64>>> = ["sum", "facts", "facts_at_least", "facts_approx", "events"]
            .iter()
            .map(|c| i64s(df, c))
            .collect::<Result<_>>()?;
        let mut idx: Vec<usize> = (0..p.len()).collect();
        idx.sort_by_cached_key(|&i| {
            (
                rank_of(&p[i]),
                p[i].clone(),
                period_key(&per[i]),
                t[i].clone(),
                metric_rank(&m[i], &u[i]),
                m[i].clone(),
                u[i].clone(),
            )
        });
        let sums = idx.iter().map(|&i| values[0][i].unwrap_or(0)).collect();
        let rows = idx
            .into_iter()
            .map(|i| {
                let code = code(&p[i]);
                let mut row = Vec::with_capacity(12);
                if !by_type {
                    row.push(total_id(&per[i], &code, &m[i], &u[i]));
                }
                row.extend([p[i].clone(), code, per[i].clone()]);
                if by_type {
                    row.push(t[i].clone());
                }
                row.extend([m[i].clone(), u[i].clone(), hundredths(values[0][i].unwrap_or(0))]);
                row.extend(values[1..].iter().map(|v| v[i].unwrap_or(0).to_string()));
                row
            })
            .collect();
        Ok((rows, sums))
    };
    let (totals, totals_h) = long(&sums(&["place", "period", "metric", "unit"])?, false)?;
    write_table(out_dir, "totals", &schema::totals(), &totals, opts, &mut report)?;
    let (by_type, _) = long(&sums(&["place", "period", "event_type", "metric", "unit"])?, true)?;
    write_table(out_dir, "metric_by_event_type", &schema::by_event_type(), &by_type, opts, &mut report)?;

    // province_summary: the totals pivoted on metric and unit, one frame per value column.
    let column = |c: usize| totals.iter().map(|r| r[c].clone()).collect::<Vec<_>>();
    let count = |c: usize| totals.iter().map(|r| r[c].parse::<i64>().unwrap_or(0)).collect::<Vec<_>>();
    let tidy = DataFrame::new_infer_height(vec![
        Column::new("place".into(), column(1)),
        Column::new("period".into(), column(3)),
        Column::new("measure".into(), totals.iter().map(|r| format!("{}_{}", r[4], r[5])).collect::<Vec<_>>()),
        Column::new("sum".into(), totals_h),
        Column::new("facts".into(), count(7)),
        Column::new("facts_at_least".into(), count(8)),
        Column::new("facts_approx".into(), count(9)),
    ])?;
    let on_values =
        Arc::new(tidy.clone().lazy().select([col("measure").unique().sort(SortOptions::default())]).collect()?);
    // (place, period) → measure → [sum, facts, facts_at_least, facts_approx]
    let mut wide: HashMap<(String, String), HashMap<String, [Option<i64>; 4]>> = HashMap::new();
    for (v, value) in ["sum", "facts", "facts_at_least", "facts_approx"].iter().enumerate() {
        let pivoted = tidy
            .clone()
            .lazy()
            .pivot(
                cols(["measure"]),
                on_values.clone(),
                cols(["place", "period"]),
                cols([*value]),
                element().sum(),
                true,
                "_".into(),
                PivotColumnNaming::Auto,
            )
            .collect()?;
        let (p, per) = (strs(&pivoted, "place")?, strs(&pivoted, "period")?);
        for measure in strs(&on_values, "measure")? {
            for (i, cell) in i64s(&pivoted, &measure)?.into_iter().enumerate() {
                let cells = wide.entry((p[i].clone(), per[i].clone())).or_default();
                cells.entry(measure.clone()).or_insert([None; 4])[v] = cell;
            }
        }
    }
    // Facts and contributing events per place and period (any metric).
    let per_row = facts
        .clone()
        .lazy()
        .group_by([col("place"), col("period")])
        .agg([
            len().cast(DataType::Int64).alias("facts"),
            col("event_id").n_unique().cast(DataType::Int64).alias("events"),
        ])
        .collect()?;
    let mut row_counts: HashMap<(String, String), (i64, i64)> = HashMap::new();
    for ((p, per), (f, e)) in name(&places, u32s(&per_row, "place")?)
        .into_iter()
        .zip(name(&periods, u32s(&per_row, "period")?))
        .zip(i64s(&per_row, "facts")?.into_iter().zip(i64s(&per_row, "events")?))
    {
        row_counts.insert((p, per), (f.unwrap_or(0), e.unwrap_or(0)));
    }
    let mut foreign: HashMap<(String, String), i64> = HashMap::new();
    for r in &totals {
        if r[5].len() == 3 && r[5].chars().all(|c| c.is_ascii_uppercase()) {
            *foreign.entry((r[1].clone(), r[3].clone())).or_default() += r[7].parse::<i64>().unwrap_or(0);
        }
    }
    let mut keys: Vec<(String, String)> = row_counts.keys().chain(articles.keys()).cloned().collect();
    keys.sort_by_cached_key(|(p, per)| (rank_of(p), p.clone(), period_key(per)));
    keys.dedup();
    let mut summary_rows = Vec::with_capacity(keys.len());
    for key in keys {
        let (p, per) = &key;
        let (n_facts, n_events) = row_counts.get(&key).copied().unwrap_or((0, 0));
        report.counted_facts += n_facts as usize;
        let mut row = vec![
            p.clone(),
            code(p),
            english_of.get(p.as_str()).copied().unwrap_or("").to_string(),
            per.clone(),
            articles.get(&key).copied().unwrap_or(0).to_string(),
            n_events.to_string(),
            n_facts.to_string(),
        ];
        let cells = wide.get(&key);
        for (m, u) in METRIC_UNITS {
            // An empty cell is "not reported"; the pivot leaves null where no fact is.
            match cells.and_then(|c| c.get(&format!("{m}_{u}"))).filter(|c| c[1].is_some_and(|n| n > 0)) {
                Some([s, f, l, a]) => row.extend([
                    hundredths(s.unwrap_or(0)),
                    f.unwrap_or(0).to_string(),
                    l.unwrap_or(0).to_string(),
                    a.unwrap_or(0).to_string(),
                ]),
                None => row.extend([String::new(), String::new(), String::new(), String::new()]),
            }
        }
        row.push(foreign.get(&key).copied().unwrap_or(0).to_string());
        summary_rows.push(row);
    }
    report.provinces_with_facts = row_counts
        .keys()
        .map(|(p, _)| p)
        .filter(|p| provinces.iter().any(|x| x.name == **p))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    write_table(out_dir, "province_summary", &schema::province_summary(), &summary_rows, opts, &mut report)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_of_a_date() {
        assert_eq!(Period::Year.label("2020-03-31"), "2020");
        assert_eq!(Period::Quarter.label("2020-03-31"), "2020-Q1");
        assert_eq!(Period::Quarter.label("2020-10-01"), "2020-Q4");
        assert_eq!(Period::Month.label("2020-03-31"), "2020-03");
        assert_eq!(Period::All.label("2020-03-31"), "all");
        assert_eq!(Period::Year.label(""), "", "undated");
        assert_eq!(Period::All.label(""), "all");
    }

    #[test]
    fn total_ids_name_period_place_metric_and_unit() {
        assert_eq!(total_id("2020", "440000", "money_recovered", "yuan"), "2020:440000:money_recovered:yuan");
        assert_eq!(total_id("", "national", "participants", "person"), "undated:national:participants:person");
        assert_eq!(row_code(place_row("", "region"), ""), "region");
        assert_eq!(row_code(place_row("广东省", "province"), "440000"), "440000");
    }

    #[test]
    fn hundredths_are_plain_decimals() {
        assert_eq!(hundredths(1548332161145), "15483321611.45");
        assert_eq!(hundredths(150), "1.5");
        assert_eq!(hundredths(100_000_000), "1000000");
    }
}
