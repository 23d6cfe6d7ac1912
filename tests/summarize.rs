//! Summary tables: totals equal independent sums over facts.csv for every period, the wide
//! table leaves "not reported" empty, numbers are plain and exact, BOM on request, Parquet and
//! CSV read back (Parquet with polars' own reader).

use std::collections::BTreeMap;
use std::path::Path;

use laborfacts::report::summarize::{Period, ProvinceInfo, SummaryOptions, summarize};
use polars::prelude::*;

mod common;
use common::{hundredths, period_of};

const FACTS: &str = "\u{feff}fact_id,doc,event_id,text,value,value_max,unit,qualifier,metric,status,per_unit,province,prefecture,county,scope,date_start,date_end,date_kind,dup,start,end,evidence,rule,flag
a.0,a.txt,a#0,近1700万元,17000000,,yuan,approx,money_recovered,actual,false,上海市,,奉贤区,county,,2024-09-30,as_of,false,1,2,\"帮助职工执行到位工资款近1700万元。\",r,
a.1,a.txt,a#0,900余人,900,,person,at_least,workers_covered,actual,false,上海市,,奉贤区,county,,2024-09-30,as_of,false,3,4,e,r,
a.2,a.txt,a#0,900人,900,,person,exact,workers_covered,actual,false,上海市,,奉贤区,county,,2024-09-30,as_of,true,5,6,e,r,
a.3,a.txt,a#0,3000人次,3000,,person_time,exact,workers_covered,actual,false,上海市,,,province,,2024-10-25,approx,false,7,8,e,r,
a.4,a.txt,a#1,18.32万份,183200,,contract,exact,contracts_signed,actual,false,,,,national,2024-01-01,2024-10-25,since,false,9,10,e,r,
a.5,a.txt,a#1,1.2万亿元,1200000000000,,yuan,exact,money_disbursed,actual,false,,,,national,2024-01-01,2024-10-25,since,false,11,12,e,r,
a.6,a.txt,a#2,100万元,1000000,,yuan,exact,money_disbursed,planned,true,广东省,,,province,,2026-12-31,as_of,false,13,14,e,r,
a.7,a.txt,a#2,60家左右,60,,unit,approx,units_established,planned,false,广东省,,,province,,2026-12-31,as_of,false,15,16,e,r,
a.8,a.txt,a#2,2个,2,,unit,exact,other,actual,false,广东省,,,province,,2024-10-25,approx,false,17,18,e,r,
a.9,a.txt,a#3,近100人,100,,person,approx,participants,actual,false,,,,region,2024-10-24,2024-10-24,point,false,19,20,e,r,
a.10,a.txt,a#4,17800000元,17800000,,yuan,exact,money_recovered,actual,false,内蒙古自治区,,,province,2024-10-25,2024-10-25,approx,false,21,22,e,r,
a.11,a.txt,a#4,5万美元,50000,,USD,exact,money_disbursed,actual,false,内蒙古自治区,,,province,2024-10-25,2024-10-25,approx,false,23,24,e,r,
a.12,a.txt,a#5,20户,20,,household,exact,workers_covered,actual,false,,,,,,,,false,25,26,e,r,
";

const EVENTS: &str = "\u{feff}event_id,doc,index,lead,title,kind,event_type,province,prefecture,county,date_start,date_end,date_kind,dup,dup_of,byline,start,end,pub_date,pub_date_source
a#0,a.txt,0,l,t,news,wage_recovery,上海市,,奉贤区,2024-10-25,2024-10-25,approx,false,,,0,1,2024-10-25,cli
a#1,a.txt,1,l,t,news,collective_bargaining,河北省,,,2024-10-23,2024-10-24,range,false,,,0,1,2024-10-25,cli
a#2,a.txt,2,l,t,news,skills,广东省,,,2024-10-25,2024-10-25,approx,false,,,0,1,2024-10-25,cli
a#3,a.txt,3,l,t,news,skills,安徽省,,,2024-10-24,2024-10-24,point,false,,,0,1,2024-10-25,cli
a#4,a.txt,4,l,t,news,welfare,内蒙古自治区,,,2024-10-25,2024-10-25,approx,false,,,0,1,2024-10-25,cli
a#5,a.txt,5,l,t,news,welfare,,,,2024-10-25,2024-10-25,approx,false,,,0,1,2024-10-25,cli
b#0,b.txt,0,l,t,news,welfare,内蒙古自治区,,,2024-10-25,2024-10-25,approx,true,a#4,,0,1,2024-10-25,cli
";

fn provinces() -> Vec<ProvinceInfo> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let places = laborfacts::extract::places::Places::load(&root.join("data/gazetteer"), &root.join("rules")).unwrap();
    places
        .provinces()
        .into_iter()
        .map(|d| ProvinceInfo { code: d.code, name: d.name.clone(), english: d.english.clone() })
        .collect()
}

fn read(path: &Path) -> (Vec<u8>, Vec<BTreeMap<String, String>>) {
    let bytes = std::fs::read(path).unwrap();
    let rows = laborfacts::report::output::read_rows(path).unwrap();
    (bytes, rows)
}

fn run_with(
    bom: bool,
    parquet: bool,
    period: Period,
) -> (tempfile::TempDir, laborfacts::report::summarize::SummaryReport) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("facts.csv"), FACTS).unwrap();
    std::fs::write(tmp.path().join("events.csv"), EVENTS).unwrap();
    let report = summarize(
        &tmp.path().join("facts.csv"),
        &tmp.path().join("events.csv"),
        &provinces(),
        tmp.path(),
        &SummaryOptions { bom, parquet, period },
    )
    .unwrap();
    (tmp, report)
}

fn run(bom: bool, parquet: bool) -> (tempfile::TempDir, laborfacts::report::summarize::SummaryReport) {
    run_with(bom, parquet, Period::Year)
}

#[test]
fn totals_equal_independent_sums_for_every_period() {
    for (period, name) in
        [(Period::Year, "year"), (Period::Quarter, "quarter"), (Period::Month, "month"), (Period::All, "all")]
    {
        let (tmp, _) = run_with(true, false, period);
        let facts: Vec<BTreeMap<String, String>> =
            laborfacts::report::output::read_rows(&tmp.path().join("facts.csv")).unwrap();
        // (place, period, metric, unit) → (sum, facts, at_least, approx)
        let mut want: BTreeMap<(String, String, String, String), (i64, i64, i64, i64)> = BTreeMap::new();
        for f in &facts {
            if f["dup"] == "true"
                || f["status"] != "actual"
                || f["per_unit"] == "true"
                || f["metric"] == "other"
                || !f["flag"].is_empty()
            {
                continue;
            }
            let place = match (f["province"].as_str(), f["scope"].as_str()) {
                ("", "national") => "全国",
                ("", "region") => "跨省区域",
                ("", _) => "未定位",
                (p, _) => p,
            };
            let key = (place.to_string(), period_of(&f["date_end"], name), f["metric"].clone(), f["unit"].clone());
            let e = want.entry(key).or_default();
            e.0 += hundredths(&f["value"]);
            e.1 += 1;
            e.2 += (f["qualifier"] == "at_least") as i64;
            e.3 += (f["qualifier"] == "approx") as i64;
        }
        let (_, rows) = read(&tmp.path().join("totals.csv"));
        let got: BTreeMap<(String, String, String, String), (i64, i64, i64, i64)> = rows
            .iter()
            .map(|r| {
                let key = (r["province"].clone(), r["period"].clone(), r["metric"].clone(), r["unit"].clone());
                let n = |c: &str| r[c].parse::<i64>().unwrap();
                (key, (hundredths(&r["sum"]), n("facts"), n("facts_at_least"), n("facts_approx")))
            })
            .collect();
        assert_eq!(got, want, "--period {name}");
        for r in &rows {
            let period = if r["period"].is_empty() { "undated" } else { r["period"].as_str() };
            assert_eq!(r["total_id"], format!("{period}:{}:{}:{}", r["code"], r["metric"], r["unit"]));
        }
    }
}

#[test]
fn periods_split_the_totals_by_date_end() {
    let shanghai_money = |period: Period| {
        let (tmp, _) = run_with(false, false, period);
        let (_, rows) = read(&tmp.path().join("totals.csv"));
        rows.iter()
            .find(|r| r["province"] == "上海市" && r["metric"] == "money_recovered")
            .map(|r| (r["period"].clone(), r["total_id"].clone()))
            .unwrap()
    };
    assert_eq!(shanghai_money(Period::Year), ("2024".into(), "2024:310000:money_recovered:yuan".into()));
    assert_eq!(shanghai_money(Period::Quarter).0, "2024-Q3");
    assert_eq!(shanghai_money(Period::Month).0, "2024-09");
    assert_eq!(shanghai_money(Period::All), ("all".into(), "all:310000:money_recovered:yuan".into()));
}

#[test]
fn province_summary_is_the_totals_pivoted_with_not_reported_empty() {
    let (tmp, report) = run(true, false);
    let (bytes, rows) = read(&tmp.path().join("province_summary.csv"));
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let by: BTreeMap<(&str, &str), &BTreeMap<String, String>> =
        rows.iter().map(|r| ((r["province"].as_str(), r["period"].as_str()), r)).collect();
    let keys: Vec<(&str, &str)> = rows.iter().map(|r| (r["province"].as_str(), r["period"].as_str())).collect();
    assert_eq!(
        keys,
        [
            ("河北省", "2024"),
            ("内蒙古自治区", "2024"),
            ("上海市", "2024"),
            ("安徽省", "2024"),
            ("广东省", "2024"),
            ("全国", "2024"),
            ("跨省区域", "2024"),
            ("未定位", "2024"),
            ("未定位", "")
        ],
        "places with something to report, in GB/T 2260 order, then 全国, 跨省区域, 未定位; undated last"
    );
    let sh = by[&("上海市", "2024")];
    assert_eq!(sh["code"], "310000");
    assert_eq!(sh["money_recovered_yuan"], "17000000");
    assert_eq!(sh["workers_covered_person"], "900", "the dup 900 is not added");
    assert_eq!(sh["workers_covered_person_facts"], "1");
    assert_eq!(sh["workers_covered_person_facts_at_least"], "1");
    assert_eq!(sh["workers_covered_person_time"], "3000", "person-times never added to persons");
    assert_eq!(sh["money_recovered_yuan_facts_approx"], "1");
    assert_eq!(sh["money_owed_yuan"], "", "not reported is empty, not 0");
    assert_eq!(sh["money_owed_yuan_facts"], "");
    assert_eq!((sh["articles"].as_str(), sh["events"].as_str(), sh["facts"].as_str()), ("1", "1", "3"));
    let national = by[&("全国", "2024")];
    assert_eq!(national["code"], "national");
    assert_eq!(national["money_disbursed_yuan"], "1200000000000", "no exponent");
    assert_eq!(
        (national["events"].as_str(), national["facts"].as_str()),
        ("1", "2"),
        "national figures count their own events"
    );
    let guangdong = by[&("广东省", "2024")];
    assert_eq!(guangdong["articles"], "1");
    assert_eq!(guangdong["units_established_unit"], "", "planned is not summed");
    assert_eq!(guangdong["money_disbursed_yuan"], "", "per-unit is not summed");
    let nm = by[&("内蒙古自治区", "2024")];
    assert_eq!(nm["money_recovered_yuan"], "17800000");
    assert_eq!(nm["foreign_currency_facts"], "1");
    assert_eq!(nm["articles"], "1", "the duplicate article is not counted");
    assert_eq!(by[&("跨省区域", "2024")]["participants_person"], "100");
    assert_eq!(by[&("未定位", "")]["workers_covered_household"], "20");
    assert_eq!(by[&("河北省", "2024")]["facts"], "0", "an article placed in 河北, its facts national");
    assert!(!String::from_utf8(bytes).unwrap().contains("e+"));
    assert_eq!(report.counted_facts, 9);
}

#[test]
fn long_tables_are_sorted_and_without_bom_on_request() {
    let (tmp, _) = run(false, false);
    let (bytes, rows) = read(&tmp.path().join("totals.csv"));
    assert!(!bytes.starts_with(b"\xEF\xBB\xBF"));
    // GB/T 2260 order: 内蒙古 (15) before 上海 (31).
    assert_eq!(rows[0]["province"], "内蒙古自治区");
    let sh = rows.iter().find(|r| r["province"] == "上海市" && r["metric"] == "money_recovered").unwrap();
    assert_eq!((sh["sum"].as_str(), sh["facts_approx"].as_str(), sh["events"].as_str()), ("17000000", "1", "1"));
    assert_eq!(rows.last().unwrap()["province"], "未定位");
    let (_, by_type) = read(&tmp.path().join("metric_by_event_type.csv"));
    let wage: Vec<_> = by_type.iter().filter(|r| r["event_type"] == "wage_recovery").collect();
    assert_eq!(wage.len(), 3, "money, persons, person-times of the 上海 article");
}

#[test]
fn parquet_has_the_csv_columns_with_integer_counts() {
    let (tmp, _) = run(true, true);
    for table in ["totals", "province_summary", "metric_by_event_type"] {
        let pq = ParquetReader::new(std::fs::File::open(tmp.path().join(format!("{table}.parquet"))).unwrap())
            .finish()
            .unwrap();
        let (_, csv) = read(&tmp.path().join(format!("{table}.csv")));
        let header = std::fs::read_to_string(tmp.path().join(format!("{table}.csv"))).unwrap();
        let header: Vec<&str> = header.trim_start_matches('\u{feff}').lines().next().unwrap().split(',').collect();
        let names: Vec<String> = pq.get_column_names().iter().map(|c| c.to_string()).collect();
        assert_eq!(names, header, "{table}: same columns in the same order");
        assert_eq!(pq.height(), csv.len(), "{table}");
        assert_eq!(pq.column("code").unwrap().dtype(), &DataType::String, "{table}: codes are text");
        assert_eq!(pq.column("events").unwrap().dtype(), &DataType::Int64, "{table}: counts are integers");
    }
    let pq =
        ParquetReader::new(std::fs::File::open(tmp.path().join("province_summary.parquet")).unwrap()).finish().unwrap();
    let names = pq.column("province").unwrap().as_materialized_series().str().unwrap().clone();
    let sums = pq.column("money_recovered_yuan").unwrap().as_materialized_series().f64().unwrap().clone();
    let owed = pq.column("money_owed_yuan").unwrap().as_materialized_series().f64().unwrap().clone();
    let row = (0..names.len()).find(|&i| names.get(i) == Some("上海市")).unwrap();
    assert_eq!(sums.get(row), Some(17_000_000.0));
    assert_eq!(owed.get(row), None, "not reported is null, as the CSV cell is empty");
}

#[test]
fn sums_are_exact_decimals_without_binary_float_noise() {
    // In binary floating point these yuan amounts add up to 15483321611.450001; the sums are
    // kept in hundredths and come out exact.
    let header = FACTS.lines().next().unwrap();
    let row = |n: usize, value: &str| {
        format!(
            "x.{n},x.txt,x#0,{value}元,{value},,yuan,exact,money_recovered,actual,false,上海市,,,province,,2024-09-30,as_of,false,1,2,e,r,"
        )
    };
    let facts = [header.to_string(), row(0, "15483321566.7"), row(1, "0.21"), row(2, "44.54")].join("\n") + "\n";
    let events = "event_id,doc,index,lead,title,kind,event_type,province,prefecture,county,date_start,date_end,date_kind,dup,dup_of,byline,start,end,pub_date,pub_date_source\nx#0,x.txt,0,l,t,news,wage_recovery,上海市,,,2024-09-30,2024-09-30,as_of,false,,,0,1,2024-10-01,cli\n";
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("facts.csv"), facts).unwrap();
    std::fs::write(tmp.path().join("events.csv"), events).unwrap();
    let opts = SummaryOptions { bom: false, parquet: false, period: Period::Year };
    summarize(&tmp.path().join("facts.csv"), &tmp.path().join("events.csv"), &provinces(), tmp.path(), &opts).unwrap();
    let (_, totals) = read(&tmp.path().join("totals.csv"));
    let shanghai: Vec<&BTreeMap<String, String>> = totals.iter().filter(|r| r["province"] == "上海市").collect();
    assert_eq!(shanghai.len(), 1);
    assert_eq!(shanghai[0]["sum"], "15483321611.45");
    let (_, wide) = read(&tmp.path().join("province_summary.csv"));
    let row = wide.iter().find(|r| r["province"] == "上海市").unwrap();
    assert_eq!(row["money_recovered_yuan"], "15483321611.45");
}
