//! A real import: LibreOffice (headless) opens the CSV with BOM and the XLSX that laborfacts
//! writes and converts them back to CSV; province names, sums, dates and Chinese text must come
//! back unchanged, and in the workbook numbers must be numbers and dates dates.
//!
//! CI installs LibreOffice (.ci/run: `apt-get install -y --no-install-recommends
//! libreoffice-calc-nogui`). Without `soffice` on PATH the test fails unless
//! LABORFACTS_SKIP_SOFFICE=1 is set.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use laborfacts::summarize::{ProvinceInfo, SummaryOptions, summarize};

const FACTS: &str = "\u{feff}fact_id,doc,event_id,text,value,value_max,unit,qualifier,metric,status,per_unit,province,prefecture,county,scope,date_start,date_end,date_kind,dup,start,end,evidence,rule
a.0,a.txt,a#0,近1700万元,17000000,,yuan,approx,money_recovered,actual,false,上海市,,奉贤区,county,,2024-09-30,as_of,false,10,22,\"截至9月底,执行到位工资款近1700万元,\"\"惠及\"\"职工。\n另讯\",money.recovered
a.1,a.txt,a#0,900余名,900,,person,at_least,workers_covered,actual,false,上海市,,奉贤区,county,,2024-09-30,as_of,false,30,39,惠及900余名职工,workers.benefit
a.2,a.txt,a#0,900名,900,,person,exact,workers_covered,actual,false,上海市,,奉贤区,county,,2024-09-30,as_of,true,50,56,这900名职工,workers.benefit
a.3,a.txt,a#1,1.2万亿元,1200000000000,,yuan,exact,money_disbursed,actual,false,,,,national,2024-01-01,2024-10-25,since,false,60,70,发放1.2万亿元,money.disburse
a.4,a.txt,a#2,17800000元,17800000,,yuan,exact,money_recovered,actual,false,内蒙古自治区,,,province,2024-10-25,2024-10-25,approx,false,80,95,追回17800000元,money.recovered
a.5,a.txt,a#2,3.5万人次,35000,,person_time,exact,workers_covered,actual,false,内蒙古自治区,,,province,2024-10-25,2024-10-25,approx,false,100,110,服务3.5万人次,workers.serve
a.6,a.txt,a#3,0.1元,0.1,,yuan,exact,money_disbursed,actual,false,北京市,,,province,2024-10-01,2024-10-01,point,false,120,125,补贴0.1元,money.disburse
a.7,a.txt,a#3,0.2元,0.2,,yuan,exact,money_disbursed,actual,false,北京市,,,province,2024-10-01,2024-10-01,point,false,130,135,补贴0.2元,money.disburse
";

const EVENTS: &str = "\u{feff}event_id,doc,index,lead,title,kind,event_type,province,prefecture,county,date_start,date_end,date_kind,dup,dup_of,byline,start,end,pub_date,pub_date_source
a#0,a.txt,0,奉贤区总工会多措并举,\"奉贤:讨薪,维权\",news,wage_recovery,上海市,,奉贤区,2024-10-25,2024-10-25,approx,false,,记者 张三,0,60,2024-10-25,cli
a#1,a.txt,1,全国总工会召开会议,,news,collective_bargaining,,,,2024-10-23,2024-10-24,range,false,,,60,80,2024-10-25,cli
a#2,a.txt,2,内蒙古自治区总工会,,news,welfare,内蒙古自治区,,,2024-10-25,2024-10-25,approx,false,,,80,115,2024-10-25,cli
a#3,a.txt,3,北京市总工会发放,,news,welfare,北京市,,,2024-10-01,2024-10-01,point,false,,,115,140,2024-10-25,cli
";

fn soffice() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("soffice")).find(|p| p.is_file())
}

/// Run LibreOffice headless with its own throw-away profile (concurrent runs must not share one),
/// killing it if it hangs.
fn convert(soffice: &Path, args: &[&str], input: &Path, outdir: &Path) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", profile.path().display()))
        .arg("--headless")
        .args(args)
        .arg("--outdir")
        .arg(outdir)
        .arg(input)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(180) {
            child.kill().unwrap();
            panic!("soffice hung converting {}", input.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "soffice failed on {}", input.display());
}

/// CSV export: comma, double quote, UTF-8 (76), cells as shown (token 9, so date and number
/// formats are checked too). The test appends token 12 = -1 to write every sheet to its own
/// `<stem>-<sheet>.csv` (LibreOffice >= 7.2).
const CSV_OUT: &str = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false";

fn without_bom(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text)
}

fn cells(text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    r.records().map(|x| x.unwrap().iter().map(str::to_string).collect()).collect()
}

/// The summary row of `province`, as column → value.
fn row_of<'a>(rows: &'a [Vec<String>], province: &str, column: &str) -> &'a str {
    let c = rows[0].iter().position(|h| h == column).unwrap();
    &rows.iter().find(|r| r[0] == province).unwrap()[c]
}

#[test]
fn libreoffice_reads_csv_and_xlsx_unchanged() {
    let Some(soffice) = soffice() else {
        if std::env::var("LABORFACTS_SKIP_SOFFICE").is_ok_and(|v| v == "1") {
            eprintln!("skipped: soffice is not installed and LABORFACTS_SKIP_SOFFICE=1");
            return;
        }
        panic!(
            "LibreOffice (soffice) is not on PATH. CI installs it (.ci/run); install it with \
             `apt-get install -y --no-install-recommends libreoffice-calc-nogui`, or set \
             LABORFACTS_SKIP_SOFFICE=1 to skip this test"
        );
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("facts.csv"), FACTS).unwrap();
    std::fs::write(out.join("events.csv"), EVENTS).unwrap();
    let tsv = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/gazetteer/province_abbrev.tsv"))
        .unwrap();
    let provinces: Vec<ProvinceInfo> = tsv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            ProvinceInfo { code: f[0].parse::<u32>().unwrap() * 10000, name: f[1].into(), english: f[5].into() }
        })
        .collect();
    let opts = SummaryOptions { bom: true, parquet: false };
    summarize(&out.join("facts.csv"), &out.join("events.csv"), &provinces, &out, &opts).unwrap();
    laborfacts::export::write_xlsx(&out, &out.join("laborfacts.xlsx")).unwrap();
    let ours = without_bom(&out.join("province_summary.csv"));
    let rows = cells(&ours);
    assert_eq!(row_of(&rows, "上海市", "workers_covered__person"), "900");
    assert_eq!(row_of(&rows, "内蒙古自治区", "money_recovered__yuan"), "17800000");
    assert_eq!(row_of(&rows, "全国", "money_disbursed__yuan"), "1200000000000");
    assert_eq!(row_of(&rows, "北京市", "money_disbursed__yuan"), "0.3");

    // CSV with BOM → LibreOffice → CSV. The import is pinned to UTF-8 (76) and en-US numbers
    // (1033): LibreOffice 7.4 headless ignores the BOM and would otherwise use the locale.
    let back = tmp.path().join("csv");
    std::fs::create_dir(&back).unwrap();
    convert(
        &soffice,
        &["--infilter=CSV:44,34,76,1,,1033", "--convert-to", CSV_OUT],
        &out.join("province_summary.csv"),
        &back,
    );
    let from_csv = without_bom(&back.join("province_summary.csv"));
    let back_rows = cells(&from_csv);
    assert_eq!(row_of(&back_rows, "上海市", "code"), "310000");
    assert_eq!(row_of(&back_rows, "内蒙古自治区", "money_recovered__yuan"), "17800000");
    assert_eq!(row_of(&back_rows, "全国", "money_disbursed__yuan"), "1200000000000");
    assert_eq!(row_of(&back_rows, "北京市", "money_disbursed__yuan"), "0.3");
    assert_eq!(from_csv, ours, "the whole table survives the CSV import");

    // XLSX → LibreOffice → one CSV per sheet: every sheet equals its source CSV.
    let back = tmp.path().join("xlsx");
    std::fs::create_dir(&back).unwrap();
    convert(&soffice, &["--convert-to", &format!("{CSV_OUT},-1")], &out.join("laborfacts.xlsx"), &back);
    let sheet1 = without_bom(&back.join("laborfacts-summary.csv"));
    let sheet_rows = cells(&sheet1);
    assert_eq!(row_of(&sheet_rows, "上海市", "workers_covered__person"), "900");
    assert_eq!(row_of(&sheet_rows, "内蒙古自治区", "english"), "Inner Mongolia");
    assert_eq!(row_of(&sheet_rows, "全国", "money_disbursed__yuan"), "1200000000000");
    assert_eq!(sheet1, ours, "sheet 1 (summary) equals province_summary.csv");
    for (sheet, file) in [
        ("by_month", "province_month.csv"),
        ("by_event_type", "metric_by_event_type.csv"),
        ("events", "events.csv"),
        ("facts", "facts.csv"),
    ] {
        let got = without_bom(&back.join(format!("laborfacts-{sheet}.csv")));
        assert_eq!(got, without_bom(&out.join(file)), "sheet {sheet}");
    }
    assert_eq!(without_bom(&back.join("laborfacts-skipped.csv")), "path,doc,reason,detail\n", "header only");

    // XLSX → flat ODS: cell types as LibreOffice sees them, and the autofilters.
    let fods = tmp.path().join("fods");
    std::fs::create_dir(&fods).unwrap();
    convert(&soffice, &["--convert-to", "fods"], &out.join("laborfacts.xlsx"), &fods);
    let xml = std::fs::read_to_string(fods.join("laborfacts.fods")).unwrap();
    for cell in [
        r#"office:value-type="float" office:value="17800000""#,
        r#"office:value-type="float" office:value="1200000000000""#,
        r#"office:value-type="float" office:value="0.3""#,
        r#"office:value-type="date" office:date-value="2024-09-30""#,
    ] {
        assert!(xml.contains(cell), "no cell {cell}");
    }
    assert!(!xml.contains(r#"office:value-type="string" calcext:value-type="string"><text:p>17800000<"#));
    assert!(xml.contains("<text:p>内蒙古自治区</text:p>") && xml.contains("<text:p>跨省区域</text:p>"));
    for range in ["summary.A1:summary.AV38", "facts.A1:facts.W9", "skipped.A1:skipped.D1"] {
        assert!(xml.contains(&format!(r#"table:target-range-address="{range}" table:display-filter-buttons="true""#)), "{range}");
    }
}
