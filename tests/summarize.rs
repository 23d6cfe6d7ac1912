//! Summary tables: totals equal independent sums over facts.csv, every province is present,
//! numbers are plain, BOM on request, Parquet and CSV read back with polars' own readers.

use std::collections::BTreeMap;
use std::path::Path;

use laborfacts::report::summarize::{METRIC_UNITS, ProvinceInfo, SummaryOptions, summarize};
use polars::prelude::*;

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

fn run(bom: bool, parquet: bool) -> (tempfile::TempDir, laborfacts::report::summarize::SummaryReport) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("facts.csv"), FACTS).unwrap();
    std::fs::write(tmp.path().join("events.csv"), EVENTS).unwrap();
    let report = summarize(
        &tmp.path().join("facts.csv"),
        &tmp.path().join("events.csv"),
        &provinces(),
        tmp.path(),
        &SummaryOptions { bom, parquet },
    )
    .unwrap();
    (tmp, report)
}

#[test]
fn province_summary_totals_equal_independent_sums() {
    let (tmp, report) = run(true, false);
    let (bytes, rows) = read(&tmp.path().join("province_summary.csv"));
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(rows.len(), 34 + 3, "34 provinces, 全国, 跨省区域, 未定位");
    assert_eq!(rows[0]["province"], "北京市");
    assert_eq!(rows[0]["code"], "110000");
    let codes: Vec<u32> = rows[..34].iter().map(|r| r["code"].parse().unwrap()).collect();
    assert!(codes.windows(2).all(|w| w[0] < w[1]), "GB/T 2260 order");
    let by: BTreeMap<&str, &BTreeMap<String, String>> = rows.iter().map(|r| (r["province"].as_str(), r)).collect();

    // Independent sums over the fixture: not dup, actual, not per_unit, not other; per metric and unit.
    let facts: Vec<BTreeMap<String, String>> =
        laborfacts::report::output::read_rows(&tmp.path().join("facts.csv")).unwrap();
    let mut want: BTreeMap<(String, String), f64> = BTreeMap::new();
    for f in &facts {
        if f["dup"] == "true" || f["status"] != "actual" || f["per_unit"] == "true" || f["metric"] == "other" {
            continue;
        }
        let place = match (f["province"].as_str(), f["scope"].as_str()) {
            ("", "national") => "全国",
            ("", "region") => "跨省区域",
            ("", _) => "未定位",
            (p, _) => p,
        };
        *want.entry((place.to_string(), format!("{}__{}", f["metric"], f["unit"]))).or_default() +=
            f["value"].parse::<f64>().unwrap();
    }
    for ((place, col), v) in &want {
        if !METRIC_UNITS.iter().any(|(m, u)| format!("{m}__{u}") == *col) {
            continue; // foreign currency: counted, not summed
        }
        assert_eq!(by[place.as_str()][col].parse::<f64>().unwrap(), *v, "{place} {col}");
    }
    let sh = by["上海市"];
    assert_eq!(sh["money_recovered__yuan"], "17000000");
    assert_eq!(sh["workers_covered__person"], "900", "the dup 900 is not added");
    assert_eq!(sh["workers_covered__person__at_least"], "1");
    assert_eq!(sh["workers_covered__person_time"], "3000", "person-times never added to persons");
    assert_eq!(sh["money_recovered__yuan__approx"], "1");
    assert_eq!(by["全国"]["money_disbursed__yuan"], "1200000000000", "no exponent");
    assert_eq!(by["广东省"]["units_established__unit"], "0", "planned is not summed");
    assert_eq!(by["广东省"]["money_disbursed__yuan"], "0", "per-unit is not summed");
    assert_eq!(by["内蒙古自治区"]["money_recovered__yuan"], "17800000");
    assert_eq!(by["内蒙古自治区"]["foreign_currency_facts"], "1");
    assert_eq!(by["内蒙古自治区"]["events"], "1", "the duplicate article is not counted");
    assert_eq!(by["跨省区域"]["participants__person"], "100");
    assert_eq!(by["未定位"]["workers_covered__household"], "20");
    assert_eq!(by["北京市"]["facts"], "0");
    assert!(!String::from_utf8(bytes).unwrap().contains("e+"));
    assert_eq!(report.counted_facts, 9);
}

#[test]
fn long_tables_are_sorted_and_without_bom_on_request() {
    let (tmp, _) = run(false, false);
    let (bytes, rows) = read(&tmp.path().join("province_month.csv"));
    assert!(!bytes.starts_with(b"\xEF\xBB\xBF"));
    // GB/T 2260 order: 内蒙古 (15) before 上海 (31).
    assert_eq!(rows[0]["province"], "内蒙古自治区");
    let sh = rows.iter().find(|r| r["province"] == "上海市" && r["metric"] == "money_recovered").unwrap();
    assert_eq!((sh["month"].as_str(), sh["sum"].as_str(), sh["events"].as_str()), ("2024-09", "17000000", "1"));
    assert_eq!(rows.last().unwrap()["province"], "未定位");
    let (_, by_type) = read(&tmp.path().join("metric_by_event_type.csv"));
    let wage: Vec<_> = by_type.iter().filter(|r| r["event_type"] == "wage_recovery").collect();
    assert_eq!(wage.len(), 3, "money, persons, person-times of the 上海 article");
}

#[test]
fn parquet_and_csv_read_back_with_polars() {
    let (tmp, _) = run(true, true);
    let pq =
        ParquetReader::new(std::fs::File::open(tmp.path().join("province_summary.parquet")).unwrap()).finish().unwrap();
    assert_eq!(pq.height(), 37);
    let names = pq.column("province").unwrap().as_materialized_series().str().unwrap().clone();
    let sums = pq.column("money_recovered__yuan").unwrap().as_materialized_series().f64().unwrap().clone();
    let row = (0..names.len()).find(|&i| names.get(i) == Some("上海市")).unwrap();
    assert_eq!(sums.get(row), Some(17_000_000.0));

    let csv = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(tmp.path().join("province_month.csv")))
        .unwrap()
        .finish()
        .unwrap();
    let header: Vec<String> = csv.get_column_names().iter().map(|c| c.to_string()).collect();
    assert!(header.iter().any(|h| h.ends_with("province")), "{header:?}");
    assert!(csv.height() >= 8);
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
    let opts = SummaryOptions { bom: false, parquet: false };
    summarize(&tmp.path().join("facts.csv"), &tmp.path().join("events.csv"), &provinces(), tmp.path(), &opts).unwrap();
    let (_, month) = read(&tmp.path().join("province_month.csv"));
    let shanghai: Vec<&BTreeMap<String, String>> = month.iter().filter(|r| r["province"] == "上海市").collect();
    assert_eq!(shanghai.len(), 1);
    assert_eq!(shanghai[0]["sum"], "15483321611.45");
    let (_, wide) = read(&tmp.path().join("province_summary.csv"));
    let row = wide.iter().find(|r| r["province"] == "上海市").unwrap();
    assert_eq!(row["money_recovered__yuan"], "15483321611.45");
}
