//! The analyst's outputs on a real run over the seeds: every total is the sum of the facts
//! that name it, in every period; offsets slice the text; no number carries float noise;
//! Parquet read by a second reader (pyarrow) equals the CSV; report.html works in a real
//! browser (headless Chromium). `.ci/run` installs pyarrow and Chromium.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use laborfacts::report::schema::{self, ColType};

mod common;
use common::{extract, facts, hundredths, period_of, root, stderr};

fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    laborfacts::report::output::read_rows(path).unwrap()
}

#[test]
fn every_total_is_the_sum_of_the_facts_that_name_it_in_every_period() {
    for period in ["year", "quarter", "month", "all"] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let run = extract(&[&root().join("data")], &out, &["--period", period]);
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
        // Independently: which facts count, the row and period each belongs to, their sums.
        let mut want: BTreeMap<String, (i64, i64, i64, i64, BTreeSet<String>)> = BTreeMap::new();
        let mut periods = BTreeSet::new();
        for f in facts(&out) {
            let counted = !f.dup && f.status == "actual" && !f.per_unit && f.metric != "other" && f.flag.is_empty();
            if !counted {
                assert_eq!(f.total_id, "", "{}: an uncounted fact feeds no total", f.fact_id);
                continue;
            }
            let code = match (f.province.as_str(), f.scope.as_str()) {
                ("", "national") => "national",
                ("", "region") => "region",
                ("", _) => "unplaced",
                _ => f.province_code.as_str(),
            };
            let label = period_of(&f.date_end, period);
            periods.insert(label.clone());
            let id = format!("{}:{code}:{}:{}", if label.is_empty() { "undated" } else { &label }, f.metric, f.unit);
            assert_eq!(f.total_id, id, "{}", f.fact_id);
            let e = want.entry(id).or_default();
            e.0 += hundredths(&f.value);
            e.1 += 1;
            e.2 += (f.qualifier == "at_least") as i64;
            e.3 += (f.qualifier == "approx") as i64;
            e.4.insert(f.event_id.clone());
        }
        let totals = rows(&out.join("totals.csv"));
        let got: BTreeMap<String, (i64, i64, i64, i64, usize)> = totals
            .iter()
            .map(|t| {
                let n = |c: &str| t[c].parse::<i64>().unwrap();
                (
                    t["total_id"].clone(),
                    (hundredths(&t["sum"]), n("facts"), n("facts_at_least"), n("facts_approx"), n("events") as usize),
                )
            })
            .collect();
        let want: BTreeMap<String, (i64, i64, i64, i64, usize)> =
            want.into_iter().map(|(k, (s, f, l, a, e))| (k, (s, f, l, a, e.len()))).collect();
        assert_eq!(got, want, "--period {period}");
        if period == "year" {
            assert!(periods.len() >= 3, "the seeds span several years: {periods:?}");
        }
        // The wide table holds the same sums, cell by cell.
        for w in rows(&out.join("province_summary.csv")) {
            for t in totals.iter().filter(|t| t["province"] == w["province"] && t["period"] == w["period"]) {
                let cell = format!("{}_{}", t["metric"], t["unit"]);
                if let Some(v) = w.get(&cell) {
                    assert_eq!(v, &t["sum"], "{} {cell}", t["total_id"]);
                }
            }
        }
    }
}

#[test]
fn character_offsets_slice_the_decoded_text_in_any_encoding() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    let text = std::fs::read_to_string(common::seed("003")).unwrap();
    std::fs::write(inputs.join("a.txt"), &text).unwrap();
    std::fs::write(inputs.join("b.txt"), encoding_rs::GB18030.encode(&text).0).unwrap();
    let out = tmp.path().join("out");
    let run = extract(&[&inputs], &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let chars: Vec<char> = text.chars().collect();
    let all = facts(&out);
    let (a, b): (Vec<_>, Vec<_>) = all.iter().partition(|f| f.doc == "a.txt");
    assert!(!a.is_empty() && a.len() == b.len());
    for (fa, fb) in a.iter().zip(&b) {
        assert_eq!((fa.char_start, fa.char_end), (fb.char_start, fb.char_end), "same characters in both encodings");
        let slice: String = chars[fa.char_start..fa.char_end].iter().collect();
        let normalised: String = laborfacts::normalize::normalize_fragment(&slice).split_whitespace().collect();
        assert_eq!(normalised, fa.text, "{}", fa.fact_id);
        assert_ne!((fb.start, fb.end), (fa.start, fa.end), "byte offsets differ: GB18030 has 2-byte characters");
    }
}

/// Decimals of a number's text.
fn decimals(v: &str) -> usize {
    v.split_once('.').map_or(0, |(_, f)| f.len())
}

#[test]
fn no_output_carries_more_decimals_than_its_value() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = extract(&[&root().join("data")], &out, &["--xlsx"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let mut checked = 0;
    for file in ["totals.csv", "province_summary.csv", "metric_by_event_type.csv", "facts.csv", "events.csv"] {
        let cols = schema::of_file(file).unwrap();
        for r in rows(&out.join(file)) {
            for c in cols.iter().filter(|c| matches!(c.ty, ColType::Int | ColType::Decimal)) {
                let v = &r[&c.name];
                if v.is_empty() {
                    continue;
                }
                checked += 1;
                match (c.ty, file, c.name.as_str()) {
                    (ColType::Int, ..) => assert!(v.parse::<u64>().is_ok(), "{file} {}: {v} is not an integer", c.name),
                    // A fact's value has no more decimals than the number written in its text
                    // (1.5万 → 15000; 2.5 → 2.5).
                    (_, "facts.csv", _) => {
                        let written =
                            r["text"].chars().filter(|ch| ch.is_ascii_digit() || *ch == '.').collect::<String>();
                        assert!(decimals(v) <= decimals(&written), "{file} {}: {v} from {:?}", c.name, r["text"]);
                    }
                    _ => assert!(decimals(v) <= 2, "{file} {}: {v}", c.name),
                }
            }
        }
    }
    assert!(checked > 500, "{checked} numbers checked");
    // The workbook stores the same numbers: every numeric cell of every sheet.
    let unzip =
        Command::new("unzip").arg("-p").arg(out.join("laborfacts.xlsx")).arg("xl/worksheets/*.xml").output().unwrap();
    let xml = String::from_utf8(unzip.stdout).unwrap();
    let values: Vec<&str> = xml.split("<v>").skip(1).map(|s| s.split('<').next().unwrap()).collect();
    assert!(values.len() > 500);
    for v in values {
        assert!(decimals(v) <= 2 && !v.contains('e') && !v.contains('E'), "xlsx cell {v}");
    }
}

fn python(script: &str, args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new("python3").arg(root().join(script)).args(args).output().unwrap()
}

#[test]
fn parquet_read_by_pyarrow_equals_the_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = extract(&[&root().join("data")], &out, &["--format", "parquet"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    // The schema as the library declares it, for the second reader to check the types against.
    let tables: BTreeMap<&str, Vec<(String, &str)>> =
        ["totals", "province_summary", "metric_by_event_type", "facts", "events"]
            .into_iter()
            .map(|t| {
                let cols = schema::of_file(&format!("{t}.csv")).unwrap();
                let typed = cols
                    .into_iter()
                    .map(|c| {
                        let ty = match c.ty {
                            ColType::Text => "text",
                            ColType::Int => "int",
                            ColType::Decimal => "decimal",
                            ColType::Bool => "bool",
                            ColType::Date => "date",
                        };
                        (c.name, ty)
                    })
                    .collect();
                (t, typed)
            })
            .collect();
    let schema_path = tmp.path().join("schema.json");
    std::fs::write(&schema_path, serde_json::to_string(&tables).unwrap()).unwrap();
    let check = python("tests/parquet/compare.py", &[out.as_os_str(), schema_path.as_os_str()]);
    assert!(
        check.status.success(),
        "{}{}\n(pip install pyarrow; .ci/run does)",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let said = String::from_utf8_lossy(&check.stdout);
    assert_eq!(said.matches(": same columns, types and values").count(), 5, "{said}");
}

/// A run over data/ for the report tests: (temp dir, out dir).
fn report_run() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = extract(&[&root().join("data")], &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    (tmp, out)
}

#[test]
fn report_html_lists_the_facts_behind_a_clicked_total_in_chromium() {
    let (_tmp, out) = report_run();
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "nothing fetched from the network");
    assert!(!html.contains("<script src") && !html.contains("<link"), "self-contained");
    let check = python("tests/browser/report_check.py", &[out.as_os_str()]);
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{said}{}", String::from_utf8_lossy(&check.stderr));
    assert!(said.matches("facts sum to").count() >= 4 && said.contains("report_check: ok"), "{said}");
}

/// The screenshot in the README (docs/report.png is a copy of the file this test writes).
#[test]
fn report_html_screenshot_after_a_click() {
    let (_tmp, out) = report_run();
    let shot = root().join("target/report-screenshot.png");
    let _ = std::fs::remove_file(&shot);
    let check = python("tests/browser/report_check.py", &[out.as_os_str(), shot.as_os_str()]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000, "a real screenshot");
    // PNG IHDR: the page at the window's width, 1280 pixels.
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 1280);
}
