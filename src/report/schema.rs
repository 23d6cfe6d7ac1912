//! The one schema of every output table: column names in their written order, each column's
//! type and what it means. The CSV headers, the Parquet types, the XLSX cell formats, the
//! workbook's README sheet and the README's glossary (checked by a test) all come from here,
//! so the formats cannot disagree.

use crate::report::summarize::METRIC_UNITS;

/// How a column's cells are typed in Parquet and XLSX (CSV cells are their plain text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// Text, also for identifiers that look numeric (a GB/T 2260 code, a period).
    Text,
    /// A whole number: a count or an offset. Int64 in Parquet, `#,##0` in XLSX.
    Int,
    /// A quantity: at most its own decimals (two for yuan sums). Float64 in Parquet,
    /// `#,##0.##` in XLSX.
    Decimal,
    /// `true`/`false`. Boolean in Parquet and XLSX.
    Bool,
    /// `YYYY-MM-DD`. Date in Parquet and XLSX.
    Date,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Col {
    pub name: String,
    pub ty: ColType,
    pub doc: String,
}

fn cols(spec: &[(&str, ColType, &str)]) -> Vec<Col> {
    spec.iter().map(|(n, t, d)| Col { name: n.to_string(), ty: *t, doc: d.to_string() }).collect()
}

use ColType::{Bool, Date, Decimal, Int, Text};

pub fn events() -> Vec<Col> {
    cols(&[
        ("event_id", Text, "`<path>#<index>`: unique in the run"),
        ("doc", Text, "file name of the input"),
        ("path", Text, "input path relative to the folder given on the command line"),
        ("index", Int, "position of the article in its file, from 0"),
        ("lead", Text, "the first 12 characters of the body after the lead marker, whitespace removed (ANNOTATION.md)"),
        ("title", Text, "headline"),
        ("kind", Text, "`news` or `photo`"),
        (
            "event_type",
            Text,
            "`wage_recovery`, `dispute_resolution`, `collective_bargaining`, `skills`, `welfare`, `union_building`, or `other` (not labour news)",
        ),
        ("province", Text, "province where it took place, full official name (empty: national, a region, or no place)"),
        ("prefecture", Text, "prefecture-level division of the venue"),
        ("county", Text, "county-level division of the venue"),
        ("province_code", Text, "GB/T 2260 code of `province` (codes are empty where the name is)"),
        ("prefecture_code", Text, "GB/T 2260 code of `prefecture` (a district of a municipality has none)"),
        ("county_code", Text, "GB/T 2260 code of `county`"),
        ("scope", Text, "`national`, `region` (several provinces), `province`, `prefecture`, `county`, or empty"),
        ("date_start", Date, "first day the event's date covers"),
        ("date_end", Date, "last day the event's date covers"),
        ("date_kind", Text, "`point`, `range`, `as_of`, `since`, or `approx` (the publication date)"),
        ("dup", Bool, "`true` for the second and later copies of an article"),
        ("dup_of", Text, "`event_id` of the article this one copies"),
        ("byline", Text, "reporter line"),
        ("start", Int, "byte offset of the article in the input file"),
        ("end", Int, "byte offset just after the article"),
        (
            "char_start",
            Int,
            "character offset of the article in the decoded text (`text[char_start:char_end]` in Python)",
        ),
        ("char_end", Int, "character offset just after the article"),
        ("pub_date", Date, "publication date"),
        ("pub_date_source", Text, "where `pub_date` came from: `cli`, `manifest`, `sidecar`, `file_name`, `inferred`"),
    ])
}

pub fn facts() -> Vec<Col> {
    cols(&[
        ("fact_id", Text, "`<event_id>.<n>`: unique in the run"),
        ("doc", Text, "file name of the input"),
        ("path", Text, "input path relative to the folder given on the command line"),
        ("event_id", Text, "the article the fact is in (events.csv)"),
        ("text", Text, "the quantity as written, qualifier included, whitespace removed (`近1700万元`)"),
        ("value", Decimal, "its value in `unit`, base units (yuan, people, items); the lower end of a range"),
        ("value_max", Decimal, "the upper end of a range"),
        (
            "unit",
            Text,
            "`yuan` (other currencies: ISO code), `person`, `person_time`, `enterprise`, `contract`, `case`, `unit`, `event`, `household`",
        ),
        ("qualifier", Text, "`exact`, `at_least` (多, 余, 以上), `approx` (约, 近) or `at_most`"),
        (
            "metric",
            Text,
            "`money_recovered`, `money_owed`, `money_disbursed`, `money_raised`, `workers_covered`, `participants`, `enterprises_covered`, `contracts_signed`, `cases_handled`, `units_established`, `events_held`, or `other` when the text links no labour measure to it",
        ),
        ("status", Text, "`actual` or `planned` (targets, plans, standards)"),
        ("per_unit", Bool, "`true` for a value per person, per item or per period: never summed"),
        ("province", Text, "province the figure belongs to"),
        ("prefecture", Text, "prefecture-level division"),
        ("county", Text, "county-level division"),
        ("province_code", Text, "GB/T 2260 code of `province` (codes are empty where the name is)"),
        ("prefecture_code", Text, "GB/T 2260 code of `prefecture` (a district of a municipality has none)"),
        ("county_code", Text, "GB/T 2260 code of `county`"),
        ("scope", Text, "`national`, `region`, `province`, `prefecture`, `county`, or empty"),
        ("date_start", Date, "first day the figure's date covers"),
        ("date_end", Date, "last day the figure's date covers; its period in the totals"),
        ("date_kind", Text, "`point`, `range`, `as_of`, `since` or `approx`"),
        (
            "dup",
            Bool,
            "`true` when counting it would count something twice (a copy, a restatement, a part of a stated total)",
        ),
        ("start", Int, "byte offset of the quantity in the input file (any encoding)"),
        ("end", Int, "byte offset just after the quantity"),
        (
            "char_start",
            Int,
            "character offset of the quantity in the decoded text (`text[char_start:char_end]` in Python)",
        ),
        ("char_end", Int, "character offset just after the quantity"),
        ("evidence", Text, "the sentence the quantity is in, normalised"),
        ("rule", Text, "ids of the rules that decided metric, status and place"),
        ("flag", Text, "`implausible` (beyond `rules/plausibility.toml`) or `fractional_count`: kept, never summed"),
        ("total_id", Text, "the `totals.csv` row this fact is added into; empty when it is not counted"),
    ])
}

/// Leading columns shared by the long totals tables.
const TOTAL_KEYS: &[(&str, ColType, &str)] = &[
    ("province", Text, "province, or `全国` (national figures), `跨省区域` (several provinces), `未定位` (no place)"),
    ("code", Text, "GB/T 2260 code of the province; `national`, `region`, `unplaced` for the other rows"),
    (
        "period",
        Text,
        "period of the facts' `date_end` (`--period`): `2020`, `2020-Q1`, `2020-03` or `all`; empty when undated",
    ),
];

const TOTAL_VALUES: &[(&str, ColType, &str)] = &[
    ("metric", Text, "ANNOTATION.md metric"),
    ("unit", Text, "unit of the sum: people, person-times and households are never added together"),
    ("sum", Decimal, "sum of the counted facts' values (exact; yuan to the fen)"),
    ("facts", Int, "how many counted facts are in the sum"),
    ("facts_at_least", Int, "how many of them are lower bounds (多, 余, 以上): the true total may be higher"),
    ("facts_approx", Int, "how many of them are approximate (约, 近)"),
    ("events", Int, "how many articles the facts come from"),
];

/// The primary table: one row per place, period, metric and unit.
pub fn totals() -> Vec<Col> {
    let mut c =
        cols(&[("total_id", Text, "`<period>:<code>:<metric>:<unit>`: stable; facts.csv `total_id` joins on it")]);
    c.extend(cols(TOTAL_KEYS));
    c.extend(cols(TOTAL_VALUES));
    c
}

pub fn by_event_type() -> Vec<Col> {
    let mut c = cols(TOTAL_KEYS);
    c.extend(cols(&[("event_type", Text, "event type of the articles the facts are in")]));
    c.extend(cols(TOTAL_VALUES));
    c
}

/// The wide table for spreadsheets: one row per place and period, four columns per metric
/// and unit. An empty cell is "not reported"; 0 is never written for it.
pub fn province_summary() -> Vec<Col> {
    let mut c = cols(&TOTAL_KEYS[..2]);
    c.extend(cols(&[
        ("english", Text, "English name of the province"),
        TOTAL_KEYS[2],
        ("articles", Int, "labour-news articles (event type not `other`, not duplicates) placed here, by their date"),
        ("events", Int, "articles with at least one counted fact in this row"),
        ("facts", Int, "counted facts in this row"),
    ]));
    for (m, u) in METRIC_UNITS {
        c.push(Col {
            name: format!("{m}_{u}"),
            ty: Decimal,
            doc: format!("sum of `{m}` in `{u}` (totals.csv `sum`); empty when no fact reported it"),
        });
        c.push(Col { name: format!("{m}_{u}_facts"), ty: Int, doc: format!("facts in the `{m}_{u}` sum") });
        c.push(Col {
            name: format!("{m}_{u}_facts_at_least"),
            ty: Int,
            doc: format!("of them, lower bounds (the `{m}_{u}` sum may be higher)"),
        });
        c.push(Col { name: format!("{m}_{u}_facts_approx"), ty: Int, doc: "of them, approximate".into() });
    }
    c.push(Col {
        name: "foreign_currency_facts".into(),
        ty: Int,
        doc: "counted facts in a foreign currency (summed in totals.csv under their ISO code, not in yuan)".into(),
    });
    c
}

pub fn skipped() -> Vec<Col> {
    cols(&[
        ("path", Text, "input path"),
        ("doc", Text, "file name"),
        (
            "reason",
            Text,
            "`empty`, `binary`, `undecodable`, `too_large`, `unreadable`, `not_found`, `bad_glob` or `manifest_unmatched` (a manifest row naming no input)",
        ),
        ("detail", Text, "what was found"),
    ])
}

pub fn repaired() -> Vec<Col> {
    cols(&[
        ("path", Text, "input path"),
        ("doc", Text, "file name"),
        ("encoding", Text, "encoding it was read in"),
        ("replaced", Int, "invalid byte sequences replaced by U+FFFD"),
        ("first_offset", Int, "byte offset of the first"),
    ])
}

/// The schema of an output file by its name (`facts.csv`, `totals.parquet` …).
pub fn of_file(file: &str) -> Option<Vec<Col>> {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    Some(match stem {
        "events" => events(),
        "facts" => facts(),
        "totals" => totals(),
        "metric_by_event_type" => by_event_type(),
        "province_summary" => province_summary(),
        "skipped" => skipped(),
        "repaired" => repaired(),
        _ => return None,
    })
}

pub fn names(cols: &[Col]) -> Vec<&str> {
    cols.iter().map(|c| c.name.as_str()).collect()
}
