//! Summary tables: totals equal sums computed here independently from the fixture rows, all 34
//! provinces are present in GB/T 2260 order, numbers are plain, the BOM follows the option, and
//! Parquet and CSV read back with polars' own readers give the same values.

use std::collections::BTreeMap;
use std::path::Path;

use laborfacts::summarize::{METRIC_UNITS, ProvinceInfo, SummaryOptions, SummaryReport, summarize};
use polars::prelude::*;

const FACTS_HEADER: &str = "fact_id,doc,event_id,text,value,value_max,unit,qualifier,metric,status,per_unit,province,prefecture,county,scope,date_start,date_end,date_kind,dup,start,end,evidence,rule";

/// Covers: duplicates, per-unit and planned rows, `other`, national/region/unplaced rows,
/// persons vs person-times vs households, a foreign currency, decimals that add up to float
/// noise, big sums (1.78e7, 1.2e12), a missing date, a quoted evidence with comma, quote and newline.
const FACTS: &str = "a.0,a.txt,a#0,近1700万元,17000000,,yuan,approx,money_recovered,actual,false,上海市,,奉贤区,county,,2024-09-30,as_of,false,10,22,\"截至9月底,帮助职工执行到位工资款近1700万元,\"\"惠及\"\"900余名职工。\n另讯\",money.recovered
a.1,a.txt,a#0,900余名,900,,person,at_least,workers_covered,actual,false,上海市,,奉贤区,county,,2024-09-30,as_of,false,30,39,惠及900余名职工,workers.benefit
a.2,a.txt,a#0,900名,900,,person,exact,workers_covered,actual,false,上海市,,奉贤区,county,,2024-09-30,as_of,true,50,56,这900名职工,workers.benefit
a.3,a.txt,a#0,3000人次,3000,,person_time,exact,workers_covered,actual,false,上海市,,,province,2024-10-25,2024-10-25,approx,false,60,70,服务职工3000人次,workers.serve
a.4,a.txt,a#0,150户,150,,household,exact,workers_covered,actual,false,上海市,,,province,2024-10-25,2024-10-25,approx,false,80,85,帮扶困难家庭150户,workers.household
a.5,a.txt,a#1,18.32万份,183200,,contract,exact,contracts_signed,actual,false,,,,national,2024-01-01,2024-10-25,since,false,90,100,全国签订集体合同18.32万份,contracts.sign
a.6,a.txt,a#1,1.2万亿元,1200000000000,,yuan,exact,money_disbursed,actual,false,,,,national,2024-01-01,2024-10-25,since,false,110,120,发放稳岗返还1.2万亿元,money.disburse
a.7,a.txt,a#2,每家100万元,1000000,,yuan,exact,money_disbursed,planned,true,广东省,,,province,,2026-12-31,as_of,false,130,140,每家奖励100万元,money.disburse
a.8,a.txt,a#2,60家左右,60,,unit,approx,units_established,planned,false,广东省,,,province,,2026-12-31,as_of,false,150,160,力争建成60家左右,units.build
a.9,a.txt,a#2,2个,2,,unit,exact,other,actual,false,广东省,,,province,,2024-10-25,approx,false,170,175,2个窗口,other
a.10,a.txt,a#3,近100人,100,,person,approx,participants,actual,false,,,,region,2024-10-24,2024-10-24,point,false,180,190,长三角近100人参赛,participants.contest
a.11,a.txt,a#4,17800000元,17800000,,yuan,exact,money_recovered,actual,false,内蒙古自治区,,,province,2024-10-25,2024-10-25,approx,false,200,215,追回17800000元,money.recovered
a.12,a.txt,a#4,5万美元,50000,,USD,exact,money_disbursed,actual,false,内蒙古自治区,,,province,2024-10-25,2024-10-25,approx,false,220,230,捐赠5万美元,money.disburse
a.13,a.txt,a#4,3.5万人次,35000,,person_time,exact,participants,actual,false,内蒙古自治区,呼和浩特市,,prefecture,,,,false,240,250,参训3.5万人次,participants.train
a.14,a.txt,a#5,20户,20,,household,exact,workers_covered,actual,false,,,,,,,,false,260,265,20户,workers.household
a.15,a.txt,a#7,0.1元,0.1,,yuan,exact,money_disbursed,actual,false,北京市,,东城区,county,2024-10-01,2024-10-01,point,false,270,275,补贴0.1元,money.disburse
a.16,a.txt,a#7,0.2元,0.2,,yuan,exact,money_disbursed,actual,false,北京市,,东城区,county,2024-10-01,2024-10-01,point,false,280,285,补贴0.2元,money.disburse
a.17,a.txt,a#7,12家,12,,enterprise,exact,enterprises_covered,actual,false,北京市,,,province,2024-11-01,2024-11-30,range,false,290,295,覆盖12家企业,enterprises.cover
a.18,a.txt,a#0,300至500人,300,500,person,exact,workers_covered,actual,false,上海市,,,province,,2024-09-30,as_of,false,300,310,惠及300至500人,workers.benefit
b.0,b.txt,b#0,17800000元,17800000,,yuan,exact,money_recovered,actual,false,内蒙古自治区,,,province,2024-10-25,2024-10-25,approx,true,200,215,追回17800000元,money.recovered
";

const EVENTS: &str = "event_id,doc,index,lead,title,kind,event_type,province,prefecture,county,date_start,date_end,date_kind,dup,dup_of,byline,start,end,pub_date,pub_date_source
a#0,a.txt,0,奉贤区总工会多措并举,\"奉贤:讨薪,维权\",news,wage_recovery,上海市,,奉贤区,2024-10-25,2024-10-25,approx,false,,记者 张三,0,320,2024-10-25,cli
a#1,a.txt,1,全国总工会召开会议,,news,collective_bargaining,河北省,,,2024-10-23,2024-10-24,range,false,,,320,400,2024-10-25,cli
a#2,a.txt,2,广东省总工会印发,,news,skills,广东省,,,2024-10-25,2024-10-25,approx,false,,,400,500,2024-10-25,cli
a#3,a.txt,3,长三角职工技能大赛,,news,skills,安徽省,,,2024-10-24,2024-10-24,point,false,,,500,600,2024-10-25,cli
a#4,a.txt,4,内蒙古自治区总工会,,news,welfare,内蒙古自治区,,,2024-10-25,2024-10-25,approx,false,,,600,700,2024-10-25,cli
a#5,a.txt,5,困难职工家庭,,photo,welfare,,,,2024-10-25,2024-10-25,approx,false,,,700,720,2024-10-25,cli
a#7,a.txt,6,东城区总工会发放,,news,welfare,北京市,,东城区,2024-10-01,2024-10-01,point,false,,,720,800,2024-10-25,cli
b#0,b.txt,0,内蒙古自治区总工会,,news,welfare,内蒙古自治区,,,2024-10-25,2024-10-25,approx,true,a#4,,0,100,2024-10-25,cli
";

fn provinces() -> Vec<ProvinceInfo> {
    let tsv = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/gazetteer/province_abbrev.tsv"))
        .unwrap();
    tsv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            ProvinceInfo { code: f[0].parse::<u32>().unwrap() * 10000, name: f[1].into(), english: f[5].into() }
        })
        .collect()
}

fn write_inputs(dir: &Path, bom: bool) {
    let b = if bom { "\u{feff}" } else { "" };
    std::fs::write(dir.join("facts.csv"), format!("{b}{FACTS_HEADER}\n{FACTS}")).unwrap();
    std::fs::write(dir.join("events.csv"), format!("{b}{EVENTS}")).unwrap();
}

fn run(bom: bool, parquet: bool) -> (tempfile::TempDir, SummaryReport) {
    let tmp = tempfile::tempdir().unwrap();
    write_inputs(tmp.path(), bom);
    let out = tmp.path().join("out");
    let report = summarize(
        &tmp.path().join("facts.csv"),
        &tmp.path().join("events.csv"),
        &provinces(),
        &out,
        &SummaryOptions { bom, parquet },
    )
    .unwrap();
    (tmp, report)
}

type Row = BTreeMap<String, String>;

/// Rows of a CSV as header → value maps (BOM stripped), plus whether the file had a BOM.
fn read(path: &Path) -> (bool, Vec<Row>) {
    let bytes = std::fs::read(path).unwrap();
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let mut r = csv::Reader::from_reader(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes));
    let header = r.headers().unwrap().clone();
    let rows = r.records().map(|rec| header.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.into(), v.into())).collect());
    (bom, rows.collect())
}

fn fixture_facts() -> Vec<Row> {
    let data = format!("{FACTS_HEADER}\n{FACTS}");
    let mut r = csv::Reader::from_reader(data.as_bytes());
    let header = r.headers().unwrap().clone();
    r.records().map(|rec| header.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.into(), v.into())).collect()).collect()
}

/// The summary row a fixture fact belongs to, decided here from ANNOTATION.md, not by the code under test.
fn place_of(f: &Row) -> String {
    match (f["province"].as_str(), f["scope"].as_str()) {
        ("", "national") => "全国".into(),
        ("", "region") => "跨省区域".into(),
        ("", _) => "未定位".into(),
        (p, _) => p.into(),
    }
}

fn is_counted(f: &Row) -> bool {
    f["dup"] == "false" && f["status"] == "actual" && f["per_unit"] == "false" && f["metric"] != "other"
}

#[test]
fn province_summary_totals_equal_independent_sums() {
    let (tmp, report) = run(true, false);
    let (bom, rows) = read(&tmp.path().join("out/province_summary.csv"));
    assert!(bom, "BOM by default");

    // All 34 provinces in GB/T 2260 order, then the three extra rows.
    let provinces = provinces();
    assert_eq!(provinces.len(), 34);
    assert_eq!(rows.len(), 34 + 3);
    for (row, p) in rows.iter().zip(&provinces) {
        assert_eq!((row["province"].as_str(), row["code"].parse::<u32>().unwrap()), (p.name.as_str(), p.code));
        assert_eq!(row["english"], p.english);
    }
    assert_eq!((rows[0]["province"].as_str(), rows[0]["code"].as_str()), ("北京市", "110000"));
    let extras: Vec<(&str, &str)> = rows[34..].iter().map(|r| (r["province"].as_str(), r["code"].as_str())).collect();
    assert_eq!(extras, [("全国", ""), ("跨省区域", ""), ("未定位", "")]);

    // Independent sums, counts and qualifier counts per place and `<metric>__<unit>`.
    let mut sums: BTreeMap<(String, String), f64> = BTreeMap::new();
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut facts_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut foreign_of: BTreeMap<String, usize> = BTreeMap::new();
    for f in fixture_facts().iter().filter(|f| is_counted(f)) {
        let (place, key) = (place_of(f), format!("{}__{}", f["metric"], f["unit"]));
        *sums.entry((place.clone(), key.clone())).or_default() += f["value"].parse::<f64>().unwrap();
        *counts.entry((place.clone(), format!("{key}__{}", f["qualifier"]))).or_default() += 1;
        *facts_of.entry(place.clone()).or_default() += 1;
        if f["unit"] == "USD" {
            *foreign_of.entry(place).or_default() += 1;
        }
    }
    for row in &rows {
        let place = row["province"].clone();
        assert_eq!(row["facts"], facts_of.get(&place).copied().unwrap_or(0).to_string(), "{place} facts");
        assert_eq!(row["foreign_currency_facts"], foreign_of.get(&place).copied().unwrap_or(0).to_string());
        for (m, u) in METRIC_UNITS {
            let key = format!("{m}__{u}");
            let want = sums.get(&(place.clone(), key.clone())).copied().unwrap_or(0.0);
            let got: f64 = row[&key].parse().unwrap();
            assert!((got - want).abs() < 0.005, "{place} {key}: {got} != {want}");
            for q in ["at_least", "approx"] {
                let want = counts.get(&(place.clone(), format!("{key}__{q}"))).copied().unwrap_or(0);
                assert_eq!(row[&format!("{key}__{q}")], want.to_string(), "{place} {key} {q}");
            }
        }
    }

    // The same totals, spelled out.
    let by: BTreeMap<&str, &Row> = rows.iter().map(|r| (r["province"].as_str(), r)).collect();
    let sh = by["上海市"];
    assert_eq!(sh["money_recovered__yuan"], "17000000");
    assert_eq!(sh["money_recovered__yuan__approx"], "1");
    assert_eq!(sh["workers_covered__person"], "1200", "900 + 300; the dup 900 is not added");
    assert_eq!(sh["workers_covered__person__at_least"], "1");
    assert_eq!(sh["workers_covered__person_time"], "3000", "person-times never added to persons");
    assert_eq!(sh["workers_covered__household"], "150", "households never added to persons");
    assert_eq!((sh["facts"].as_str(), sh["events"].as_str()), ("5", "1"));
    assert_eq!(by["全国"]["money_disbursed__yuan"], "1200000000000");
    assert_eq!(by["全国"]["contracts_signed__contract"], "183200");
    assert_eq!(by["全国"]["events"], "0", "events without a province are counted as 未定位");
    assert_eq!(by["广东省"]["facts"], "0", "planned, per-unit and other rows are not counted");
    assert_eq!(by["广东省"]["units_established__unit"], "0");
    assert_eq!(by["广东省"]["events"], "1");
    let nm = by["内蒙古自治区"];
    assert_eq!(nm["money_recovered__yuan"], "17800000", "the dup copy in b.txt is not added");
    assert_eq!(nm["money_disbursed__yuan"], "0", "USD is not added to yuan");
    assert_eq!(nm["foreign_currency_facts"], "1");
    assert_eq!(nm["participants__person_time"], "35000");
    assert_eq!(nm["events"], "1", "the duplicate article is not counted");
    assert_eq!(by["北京市"]["money_disbursed__yuan"], "0.3", "0.1 + 0.2 without float noise");
    assert_eq!(by["北京市"]["enterprises_covered__enterprise"], "12");
    assert_eq!(by["跨省区域"]["participants__person"], "100");
    assert_eq!(by["跨省区域"]["participants__person__approx"], "1");
    assert_eq!((by["未定位"]["workers_covered__household"].as_str(), by["未定位"]["events"].as_str()), ("20", "1"));
    assert_eq!(by["河北省"]["events"], "1");
    assert_eq!(report.counted_facts, 15);
    assert_eq!(report.provinces_with_facts, 3, "北京, 内蒙古, 上海");
    let names: Vec<String> =
        report.files.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["province_summary.csv", "province_month.csv", "metric_by_event_type.csv"]);
}

#[test]
fn numbers_are_plain_and_bom_is_optional() {
    let (tmp, _) = run(false, false);
    for file in ["province_summary.csv", "province_month.csv", "metric_by_event_type.csv"] {
        let path = tmp.path().join("out").join(file);
        let (bom, rows) = read(&path);
        assert!(!bom, "{file}: no BOM with bom=false");
        for row in &rows {
            for (col, v) in row {
                if v.starts_with(|c: char| c.is_ascii_digit()) && col != "month" {
                    assert!(v.chars().all(|c| c.is_ascii_digit() || c == '.'), "{file} {col}: {v:?} is not plain");
                }
            }
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("e+") && !text.contains("E+") && !text.contains("e1"), "{file}");
    }
    let text = std::fs::read_to_string(tmp.path().join("out/province_summary.csv")).unwrap();
    assert!(text.starts_with("province,code,english,events,facts,money_recovered__yuan,"));
    assert!(text.contains(",17800000,") && text.contains(",1200000000000,"));
}

#[test]
fn long_tables_are_sorted_by_code_month_metric_unit() {
    let (tmp, _) = run(true, false);
    let (_, rows) = read(&tmp.path().join("out/province_month.csv"));
    let rank = |p: &str| {
        let names: Vec<String> = provinces().into_iter().map(|p| p.name).collect();
        names.iter().position(|n| n == p).unwrap_or_else(|| 34 + ["全国", "跨省区域", "未定位"].iter().position(|x| *x == p).unwrap())
    };
    // Empty month sorts last within a place.
    let key = |r: &Row| (rank(&r["province"]), r["month"].is_empty(), r["month"].clone(), r["metric"].clone(), r["unit"].clone());
    let keys: Vec<_> = rows.iter().map(key).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let got: Vec<String> = rows
        .iter()
        .map(|r| {
            let cols = ["province", "code", "month", "metric", "unit", "sum", "facts", "at_least", "approx", "events"];
            cols.iter().map(|c| r[*c].as_str()).collect::<Vec<_>>().join(",")
        })
        .collect();
    assert_eq!(
        got,
        [
            "北京市,110000,2024-10,money_disbursed,yuan,0.3,2,0,0,1",
            "北京市,110000,2024-11,enterprises_covered,enterprise,12,1,0,0,1",
            "内蒙古自治区,150000,2024-10,money_disbursed,USD,50000,1,0,0,1",
            "内蒙古自治区,150000,2024-10,money_recovered,yuan,17800000,1,0,0,1",
            "内蒙古自治区,150000,,participants,person_time,35000,1,0,0,1",
            "上海市,310000,2024-09,money_recovered,yuan,17000000,1,0,1,1",
            "上海市,310000,2024-09,workers_covered,person,1200,2,1,0,1",
            "上海市,310000,2024-10,workers_covered,household,150,1,0,0,1",
            "上海市,310000,2024-10,workers_covered,person_time,3000,1,0,0,1",
            "全国,,2024-10,contracts_signed,contract,183200,1,0,0,1",
            "全国,,2024-10,money_disbursed,yuan,1200000000000,1,0,0,1",
            "跨省区域,,2024-10,participants,person,100,1,0,1,1",
            "未定位,,,workers_covered,household,20,1,0,0,1",
        ]
    );

    let (_, by_type) = read(&tmp.path().join("out/metric_by_event_type.csv"));
    assert_eq!(by_type[0].keys().cloned().collect::<Vec<_>>(), {
        let mut h = vec!["code", "event_type", "facts", "metric", "province", "sum", "unit"];
        h.sort();
        h
    });
    let sh: Vec<(&str, &str, &str, &str)> = by_type
        .iter()
        .filter(|r| r["province"] == "上海市")
        .map(|r| (r["event_type"].as_str(), r["metric"].as_str(), r["unit"].as_str(), r["sum"].as_str()))
        .collect();
    assert_eq!(
        sh,
        [
            ("wage_recovery", "money_recovered", "yuan", "17000000"),
            ("wage_recovery", "workers_covered", "household", "150"),
            ("wage_recovery", "workers_covered", "person", "1200"),
            ("wage_recovery", "workers_covered", "person_time", "3000"),
        ]
    );
    let national: Vec<&str> = by_type.iter().filter(|r| r["province"] == "全国").map(|r| r["event_type"].as_str()).collect();
    assert_eq!(national, ["collective_bargaining", "collective_bargaining"], "joined from events.csv by event_id");
}

fn column<'a>(df: &'a DataFrame, name: &str) -> &'a Series {
    df.column(name).unwrap().as_materialized_series()
}

#[test]
fn parquet_and_csv_read_back_with_polars() {
    let (tmp, report) = run(true, true);
    let out = tmp.path().join("out");
    assert_eq!(report.files.len(), 3 + 5);
    let parquet = |name: &str| ParquetReader::new(std::fs::File::open(out.join(name)).unwrap()).finish().unwrap();
    let csv = |name: &str| {
        CsvReadOptions::default()
            .with_has_header(true)
            .try_into_reader_with_file_path(Some(out.join(name)))
            .unwrap()
            .finish()
            .unwrap()
    };

    // The summary: same shape, names and numbers through both readers.
    let (pq, cs) = (parquet("province_summary.parquet"), csv("province_summary.csv"));
    assert_eq!(pq.shape(), cs.shape());
    assert_eq!(pq.get_column_names(), cs.get_column_names(), "polars strips the BOM from the header");
    assert_eq!(pq.height(), 37);
    let names: Vec<Option<&str>> = column(&pq, "province").str().unwrap().iter().collect();
    assert_eq!(names, column(&cs, "province").str().unwrap().iter().collect::<Vec<_>>());
    assert_eq!((names[4], names[8], names[34]), (Some("内蒙古自治区"), Some("上海市"), Some("全国")));
    assert_eq!(column(&pq, "code").u32().unwrap().get(8), Some(310000));
    assert_eq!(column(&pq, "code").u32().unwrap().get(34), None, "全国 has no code");
    for (m, u) in METRIC_UNITS {
        let key = format!("{m}__{u}");
        let a: Vec<f64> = column(&pq, &key).f64().unwrap().iter().map(|v| v.unwrap()).collect();
        let b: Vec<f64> = column(&cs, &key).cast(&DataType::Float64).unwrap().f64().unwrap().iter().map(|v| v.unwrap()).collect();
        assert_eq!(a, b, "{key}");
    }
    let money = column(&pq, "money_recovered__yuan").f64().unwrap();
    assert_eq!((money.get(8), money.get(4)), (Some(17_000_000.0), Some(17_800_000.0)));
    assert_eq!(column(&pq, "money_disbursed__yuan").f64().unwrap().get(34), Some(1.2e12));
    assert_eq!(column(&pq, "facts").i64().unwrap().sum(), Some(15));

    // The long table: identical rows through both readers.
    let (pq, cs) = (parquet("province_month.parquet"), csv("province_month.csv"));
    assert_eq!(pq.shape(), (13, 10));
    assert_eq!(column(&pq, "sum").f64().unwrap().sum(), column(&cs, "sum").cast(&DataType::Float64).unwrap().f64().unwrap().sum());
    let months: Vec<Option<&str>> = column(&pq, "month").str().unwrap().iter().collect();
    assert_eq!(months[4], None, "a fact without date_end has no month");
    assert_eq!(months[5], Some("2024-09"));
    assert_eq!(parquet("metric_by_event_type.parquet").height(), csv("metric_by_event_type.csv").height());

    // facts and events keep their types: numbers, booleans, dates, and Chinese text intact.
    let facts = parquet("facts.parquet");
    assert_eq!(facts.height(), 20);
    assert_eq!(column(&facts, "value").f64().unwrap().get(6), Some(1.2e12));
    assert_eq!(column(&facts, "dup").bool().unwrap().get(2), Some(true));
    assert_eq!(column(&facts, "date_end").dtype(), &DataType::Date);
    assert_eq!(column(&facts, "start").i64().unwrap().get(1), Some(30));
    let evidence = column(&facts, "evidence").str().unwrap().get(0).unwrap().to_string();
    assert_eq!(evidence, "截至9月底,帮助职工执行到位工资款近1700万元,\"惠及\"900余名职工。\n另讯");
    let events = parquet("events.parquet");
    assert_eq!(events.height(), 8);
    assert_eq!(column(&events, "title").str().unwrap().get(0), Some("奉贤:讨薪,维权"));
    assert_eq!(column(&events, "pub_date").dtype(), &DataType::Date);
}

#[test]
fn inputs_without_bom_give_the_same_tables() {
    let (with, _) = run(true, false);
    let (without, _) = run(false, false);
    for file in ["province_summary.csv", "province_month.csv", "metric_by_event_type.csv"] {
        assert_eq!(read(&with.path().join("out").join(file)).1, read(&without.path().join("out").join(file)).1, "{file}");
    }
}

#[test]
fn a_reordered_or_foreign_input_is_an_error_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    write_inputs(tmp.path(), true);
    std::fs::write(tmp.path().join("events.csv"), "event_id,doc,province\n").unwrap();
    let err = summarize(
        &tmp.path().join("facts.csv"),
        &tmp.path().join("events.csv"),
        &provinces(),
        &tmp.path().join("out"),
        &SummaryOptions { bom: true, parquet: false },
    )
    .unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("events.csv") && msg.contains("expected"), "{msg}");
}

#[test]
fn empty_inputs_give_zero_rows_for_every_province() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("facts.csv"), format!("{FACTS_HEADER}\n")).unwrap();
    std::fs::write(tmp.path().join("events.csv"), EVENTS.lines().next().unwrap()).unwrap();
    let out = tmp.path().join("out");
    let report = summarize(
        &tmp.path().join("facts.csv"),
        &tmp.path().join("events.csv"),
        &provinces(),
        &out,
        &SummaryOptions { bom: true, parquet: true },
    )
    .unwrap();
    assert_eq!((report.counted_facts, report.provinces_with_facts), (0, 0));
    let (_, rows) = read(&out.join("province_summary.csv"));
    assert_eq!(rows.len(), 37);
    assert!(rows.iter().all(|r| r["facts"] == "0" && r["money_recovered__yuan"] == "0"));
    assert!(read(&out.join("province_month.csv")).1.is_empty());
}

#[test]
fn xlsx_is_written_with_a_missing_skipped_csv_but_not_a_missing_summary() {
    let (tmp, _) = run(true, false);
    let out = tmp.path().join("out");
    std::fs::copy(tmp.path().join("facts.csv"), out.join("facts.csv")).unwrap();
    std::fs::copy(tmp.path().join("events.csv"), out.join("events.csv")).unwrap();
    let xlsx = out.join("laborfacts.xlsx");
    laborfacts::export::write_xlsx(&out, &xlsx).unwrap();
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"), "an xlsx is a zip file");
    std::fs::remove_file(out.join("province_month.csv")).unwrap();
    let err = laborfacts::export::write_xlsx(&out, &xlsx).unwrap_err();
    assert!(format!("{err:#}").contains("province_month.csv"), "{err:#}");
}
