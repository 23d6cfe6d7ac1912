//! Stage 8 — aggregate: per-province summary tables from facts.csv and events.csv, with
//! polars' lazy API. Only what ANNOTATION.md totals count is summed: not `dup`, `actual`,
//! not `per_unit`, not `other`; sums are per metric *and* unit (people, person-times and
//! households are never added together). Numbers are written as plain decimals.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars::prelude::*;

use crate::report::output::CsvOut;

pub struct ProvinceInfo {
    pub code: u32,
    pub name: String,
    pub english: String,
}

pub struct SummaryOptions {
    pub bom: bool,
    pub parquet: bool,
}

#[derive(Debug, Default)]
pub struct SummaryReport {
    pub files: Vec<PathBuf>,
    pub provinces_with_facts: usize,
    pub counted_facts: usize,
}

/// Labels of the rows that are not one province.
pub const NATIONAL: &str = "全国";
pub const REGION: &str = "跨省区域";
pub const UNPLACED: &str = "未定位";

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

/// Distinct strings of a column, numbered in order of appearance: the frames hold small
/// integer ids instead of a million copies of 上海市.
#[derive(Default)]
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
/// `output::csv_text` reads), handing each row's chosen columns to `row`.
fn stream_columns(path: &Path, names: &[&str], mut row: impl FnMut(&[&str]) -> Result<()>) -> Result<()> {
    let input = crate::report::output::csv_text(path)?;
    let mut csv = csv::Reader::from_reader(input);
    let headers = csv.headers().with_context(|| format!("{}: header", path.display()))?.clone();
    let idx: Vec<usize> = names
        .iter()
        .map(|n| headers.iter().position(|h| h == *n).with_context(|| format!("{}: no column {n:?}", path.display())))
        .collect::<Result<_>>()?;
    let mut rec = csv::StringRecord::new();
    let mut line = 1;
    while csv.read_record(&mut rec).with_context(|| format!("{}: row {}", path.display(), line + 1))? {
        line += 1;
        let fields: Vec<&str> = idx.iter().map(|&i| rec.get(i).unwrap_or("")).collect();
        row(&fields).with_context(|| format!("{}: row {line}", path.display()))?;
    }
    Ok(())
}

fn place_key(province: &str, scope: &str) -> String {
    match (province, scope) {
        ("", "national") => NATIONAL.into(),
        ("", "region") => REGION.into(),
        ("", _) => UNPLACED.into(),
        (p, _) => p.into(),
    }
}

fn u32s(df: &DataFrame, name: &str) -> Result<Vec<u32>> {
    let s = df.column(name)?.as_materialized_series().cast(&DataType::UInt32)?;
    let ca = s.u32()?;
    Ok((0..ca.len()).map(|i| ca.get(i).unwrap_or(0)).collect())
}

/// A sum in hundredths as a plain decimal: integer when whole, else with its one or two decimals.
fn hundredths(h: i64) -> String {
    let (whole, frac) = (h / 100, (h % 100).unsigned_abs());
    let sign = if h < 0 && whole == 0 { "-" } else { "" };
    match frac {
        0 => format!("{whole}"),
        f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
        f => format!("{sign}{whole}.{f:02}"),
    }
}

fn i64s(df: &DataFrame, name: &str) -> Result<Vec<i64>> {
    let s = df.column(name)?.as_materialized_series().cast(&DataType::Int64)?;
    let ca = s.i64()?;
    Ok((0..ca.len()).map(|i| ca.get(i).unwrap_or(0)).collect())
}

pub fn summarize(
    facts_csv: &Path,
    events_csv: &Path,
    provinces: &[ProvinceInfo],
    out_dir: &Path,
    opts: &SummaryOptions,
) -> Result<SummaryReport> {
    // Events: their type by id, and how many non-duplicate articles each place has.
    let mut event_type_of: HashMap<String, String> = HashMap::new();
    let mut events_of: HashMap<String, i64> = HashMap::new();
    stream_columns(events_csv, &["event_id", "event_type", "province", "dup"], |r| {
        event_type_of.insert(r[0].to_string(), r[1].to_string());
        if r[3] != "true" {
            *events_of.entry(if r[2].is_empty() { UNPLACED.to_string() } else { r[2].to_string() }).or_default() += 1;
        }
        Ok(())
    })?;
    let (mut places, mut months, mut metrics, mut units, mut types, mut events) = (
        Interner::default(),
        Interner::default(),
        Interner::default(),
        Interner::default(),
        Interner::default(),
        Interner::default(),
    );
    let (mut c_place, mut c_month, mut c_metric, mut c_unit, mut c_type, mut c_event) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut c_value, mut c_least, mut c_approx, mut c_counted) = (vec![], vec![], vec![], vec![]);
    stream_columns(
        facts_csv,
        &[
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
        ],
        |r| {
            let value = match r[1].parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => v,
                _ => anyhow::bail!("value {:?} is not a finite, non-negative number", r[1]),
            };
            c_place.push(places.id(&place_key(r[7], r[8])));
            c_month.push(months.id(r[9].get(..7).unwrap_or("")));
            c_metric.push(metrics.id(r[4]));
            c_unit.push(units.id(r[2]));
            c_type.push(types.id(event_type_of.get(r[0]).map_or("", String::as_str)));
            c_event.push(events.id(r[0]));
            // Hundredths (fen, for yuan): every counted value has at most two decimals, so the
            // integer sums are exact — no binary-float noise such as 16108718045.999998.
            c_value.push((value * 100.0).round() as i64);
            c_least.push((r[3] == "at_least") as i64);
            c_approx.push((r[3] == "approx") as i64);
            c_counted
                .push(r[10] != "true" && r[5] == "actual" && r[6] != "true" && r[4] != "other" && r[11].is_empty());
            Ok(())
        },
    )?;
    let facts = DataFrame::new_infer_height(vec![
        Column::new("province".into(), c_place),
        Column::new("month".into(), c_month),
        Column::new("metric".into(), c_metric),
        Column::new("unit".into(), c_unit),
        Column::new("value".into(), c_value),
        Column::new("at_least".into(), c_least),
        Column::new("approx".into(), c_approx),
        Column::new("event_id".into(), c_event),
        Column::new("event_type".into(), c_type),
        Column::new("counted".into(), c_counted),
    ])?;
    let base = facts.clone().lazy().filter(col("counted"));
    let sums = |keys: &[&str]| -> Result<DataFrame> {
        Ok(base
            .clone()
            .group_by(keys.iter().map(|k| col(*k)).collect::<Vec<_>>())
            .agg([
                col("value").sum().alias("sum"),
                len().cast(DataType::Int64).alias("facts"),
                col("at_least").sum().alias("at_least"),
                col("approx").sum().alias("approx"),
                col("event_id").n_unique().cast(DataType::Int64).alias("events"),
            ])
            .collect()?)
    };
    let by_province = sums(&["province", "metric", "unit"])?;
    let by_month = sums(&["province", "month", "metric", "unit"])?;
    let by_type = sums(&["province", "event_type", "metric", "unit"])?;

    // Row order: provinces in GB/T 2260 code order, then the national, region and unplaced rows.
    let mut order: Vec<(String, String, String)> =
        provinces.iter().map(|p| (p.name.clone(), p.code.to_string(), p.english.clone())).collect();
    for extra in [NATIONAL, REGION, UNPLACED] {
        order.push((extra.to_string(), String::new(), String::new()));
    }
    let rank: HashMap<&str, usize> = order.iter().enumerate().map(|(i, o)| (o.0.as_str(), i)).collect();
    let code_of: HashMap<&str, &str> = order.iter().map(|o| (o.0.as_str(), o.1.as_str())).collect();
    let rank_of = |p: &str| rank.get(p).copied().unwrap_or(usize::MAX);

    std::fs::create_dir_all(out_dir)?;
    let mut report = SummaryReport::default();

    // province_summary.csv (wide).
    let name = |interner: &Interner, ids: Vec<u32>| -> Vec<String> {
        ids.into_iter().map(|i| interner.names[i as usize].clone()).collect()
    };
    let (pp, pm, pu) = (
        name(&places, u32s(&by_province, "province")?),
        name(&metrics, u32s(&by_province, "metric")?),
        name(&units, u32s(&by_province, "unit")?),
    );
    let (ps, pf, pl, pa) = (
        i64s(&by_province, "sum")?,
        i64s(&by_province, "facts")?,
        i64s(&by_province, "at_least")?,
        i64s(&by_province, "approx")?,
    );
    let mut cells: HashMap<(&str, &str, &str), (i64, i64, i64)> = HashMap::new();
    let mut facts_of: HashMap<&str, i64> = HashMap::new();
    let mut foreign_of: HashMap<&str, i64> = HashMap::new();
    for i in 0..pp.len() {
        *facts_of.entry(pp[i].as_str()).or_default() += pf[i];
        if pu[i].len() == 3 && pu[i].chars().all(|c| c.is_ascii_uppercase()) {
            *foreign_of.entry(pp[i].as_str()).or_default() += pf[i];
        }
        cells.insert((pp[i].as_str(), pm[i].as_str(), pu[i].as_str()), (ps[i], pl[i], pa[i]));
        report.counted_facts += pf[i] as usize;
    }
    report.provinces_with_facts = facts_of.keys().filter(|p| provinces.iter().any(|x| x.name == **p)).count();
    let path = out_dir.join("province_summary.csv");
    let mut out = CsvOut::create(&path, opts.bom)?;
    let mut header: Vec<String> = ["province", "code", "english", "events", "facts"].map(String::from).to_vec();
    for (m, u) in METRIC_UNITS {
        header.extend([format!("{m}__{u}"), format!("{m}__{u}__at_least"), format!("{m}__{u}__approx")]);
    }
    header.push("foreign_currency_facts".into());
    out.header(&header.iter().map(String::as_str).collect::<Vec<_>>())?;
    let mut summary_rows = Vec::new();
    for (name, code, english) in &order {
        let mut row = vec![
            name.clone(),
            code.clone(),
            english.clone(),
            events_of.get(name).copied().unwrap_or(0).to_string(),
            facts_of.get(name.as_str()).copied().unwrap_or(0).to_string(),
        ];
        for (m, u) in METRIC_UNITS {
            let (s, l, a) = cells.get(&(name.as_str(), *m, *u)).copied().unwrap_or((0, 0, 0));
            row.extend([hundredths(s), l.to_string(), a.to_string()]);
        }
        row.push(foreign_of.get(name.as_str()).copied().unwrap_or(0).to_string());
        out.row(&row)?;
        summary_rows.push(row);
    }
    out.finish()?;
    report.files.push(path);

    // province_month.csv and metric_by_event_type.csv (long).
    let long = |df: &DataFrame, key: &str, keys: &Interner, file: &str, with_quals: bool| -> Result<PathBuf> {
        let (p, k, m, u) = (
            name(&places, u32s(df, "province")?),
            name(keys, u32s(df, key)?),
            name(&metrics, u32s(df, "metric")?),
            name(&units, u32s(df, "unit")?),
        );
        let (s, fc, l, a, ev) =
            (i64s(df, "sum")?, i64s(df, "facts")?, i64s(df, "at_least")?, i64s(df, "approx")?, i64s(df, "events")?);
        let mut idx: Vec<usize> = (0..p.len()).collect();
        idx.sort_by(|&x, &y| {
            (rank_of(&p[x]), &p[x], &k[x], &m[x], &u[x]).cmp(&(rank_of(&p[y]), &p[y], &k[y], &m[y], &u[y]))
        });
        let path = out_dir.join(file);
        let mut out = CsvOut::create(&path, opts.bom)?;
        if with_quals {
            out.header(&["province", "code", key, "metric", "unit", "sum", "facts", "at_least", "approx", "events"])?;
        } else {
            out.header(&["province", "code", key, "metric", "unit", "sum", "facts"])?;
        }
        for i in idx {
            let code = code_of.get(p[i].as_str()).copied().unwrap_or("");
            let mut row = vec![
                p[i].clone(),
                code.to_string(),
                k[i].clone(),
                m[i].clone(),
                u[i].clone(),
                hundredths(s[i]),
                fc[i].to_string(),
            ];
            if with_quals {
                row.extend([l[i].to_string(), a[i].to_string(), ev[i].to_string()]);
            }
            out.row(&row)?;
        }
        out.finish()?;
        Ok(path)
    };
    report.files.push(long(&by_month, "month", &months, "province_month.csv", true)?);
    report.files.push(long(&by_type, "event_type", &types, "metric_by_event_type.csv", false)?);

    if opts.parquet {
        let summary_cols: Vec<Column> = header
            .iter()
            .enumerate()
            .map(|(c, h)| {
                let vals: Vec<&str> = summary_rows.iter().map(|r| r[c].as_str()).collect();
                if c < 3 {
                    Column::new(h.as_str().into(), vals)
                } else {
                    Column::new(
                        h.as_str().into(),
                        vals.iter().map(|v| v.parse::<f64>().unwrap_or(0.0)).collect::<Vec<f64>>(),
                    )
                }
            })
            .collect();
        let mut tables: BTreeMap<&str, DataFrame> = BTreeMap::new();
        tables.insert("province_summary", DataFrame::new_infer_height(summary_cols)?);
        for (table, df, key, keys) in
            [("province_month", &by_month, "month", &months), ("metric_by_event_type", &by_type, "event_type", &types)]
        {
            let mut cols = vec![
                Column::new("province".into(), name(&places, u32s(df, "province")?)),
                Column::new(key.into(), name(keys, u32s(df, key)?)),
                Column::new("metric".into(), name(&metrics, u32s(df, "metric")?)),
                Column::new("unit".into(), name(&units, u32s(df, "unit")?)),
            ];
            let sums: Vec<f64> = i64s(df, "sum")?.into_iter().map(|c| c as f64 / 100.0).collect();
            cols.push(Column::new("sum".into(), sums));
            for c in ["facts", "at_least", "approx", "events"] {
                cols.push(df.column(c)?.clone());
            }
            tables.insert(
                table,
                DataFrame::new_infer_height(cols)?
                    .sort(["province", key, "metric", "unit"], SortMultipleOptions::default())?,
            );
        }
        for (name, mut df) in tables {
            let path = out_dir.join(format!("{name}.parquet"));
            ParquetWriter::new(File::create(&path).with_context(|| format!("cannot write {}", path.display()))?)
                .finish(&mut df)?;
            report.files.push(path);
        }
    }
    Ok(report)
}
