//! A real import: LibreOffice (headless) opens the CSV with BOM and the XLSX that laborfacts
//! writes, converts them back to CSV, and province names and sums must come back unchanged.
//! CI installs LibreOffice (.ci/run); set LABORFACTS_SKIP_SOFFICE=1 to skip on a machine
//! without it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn soffice() -> Option<PathBuf> {
    ["soffice", "libreoffice"].iter().find_map(|b| {
        Command::new("which")
            .arg(b)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
    })
}

/// Convert with LibreOffice into the empty folder `outdir`; CSV input is read as UTF-8,
/// comma-separated (the import a user gets by choosing "Unicode (UTF-8)" in the Text Import
/// dialog). Returns the one file written (a sheet's export is named `<file>-<sheet>.csv`).
fn convert(soffice: &Path, input: &Path, outdir: &Path, filter: &str) -> PathBuf {
    std::fs::create_dir_all(outdir).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(soffice);
    cmd.arg(format!("-env:UserInstallation=file://{}", profile.path().display()));
    if input.extension().is_some_and(|e| e == "csv") {
        cmd.arg("--infilter=CSV:44,34,76,1");
    }
    let status = cmd.args(["--headless", "--convert-to", filter, "--outdir"]).arg(outdir).arg(input).status().unwrap();
    assert!(status.success(), "soffice failed on {}", input.display());
    let written: Vec<PathBuf> = std::fs::read_dir(outdir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(written.len(), 1, "{written:?}");
    written.into_iter().next().unwrap()
}

fn rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    r.records().map(|x| x.unwrap().iter().map(str::to_string).collect()).collect()
}

#[test]
fn libreoffice_reads_csv_and_xlsx_unchanged() {
    let Some(soffice) = soffice() else {
        if std::env::var_os("LABORFACTS_SKIP_SOFFICE").is_some() {
            eprintln!("skipped: LABORFACTS_SKIP_SOFFICE is set and soffice is not installed");
            return;
        }
        panic!(
            "LibreOffice (soffice) is not installed: run .ci/run, or apt-get install libreoffice-calc-nogui, or set LABORFACTS_SKIP_SOFFICE=1"
        );
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_laborfacts"))
        .current_dir(&root)
        .args(["extract", "--quiet", "--xlsx", "--out"])
        .arg(&out)
        .arg(root.join("data"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let ours = rows(&out.join("province_summary.csv"));

    // CSV with BOM → LibreOffice → CSV (UTF-8, comma).
    let back_dir = tmp.path().join("back");
    let from_csv = rows(&convert(
        &soffice,
        &out.join("province_summary.csv"),
        &back_dir,
        "csv:Text - txt - csv (StarCalc):44,34,76",
    ));
    assert_eq!(from_csv[0], ours[0], "header");
    let names: Vec<&str> = from_csv.iter().skip(1).map(|r| r[0].as_str()).collect();
    assert!(names.contains(&"上海市") && names.contains(&"内蒙古自治区") && names.contains(&"全国"), "{names:?}");
    let col = ours[0].iter().position(|h| h == "workers_covered_person").unwrap();
    // An empty cell ("not reported") must stay empty, a sum must keep its value.
    let same = |a: &str, b: &str| a == b || a.parse::<f64>().ok().is_some_and(|x| b.parse::<f64>().ok() == Some(x));
    assert!(ours.iter().skip(1).any(|r| r[col].is_empty()) && ours.iter().skip(1).any(|r| !r[col].is_empty()));
    for (a, b) in ours.iter().zip(&from_csv).skip(1) {
        assert_eq!(a[0], b[0]);
        assert!(same(&a[col], &b[col]), "{} workers_covered: {:?} vs {:?}", a[0], a[col], b[col]);
    }

    // XLSX → LibreOffice → CSV of sheet 2 (summary; sheet 1 is the README), values as stored
    // (token 9 false: not as shown with `#,##0` separators).
    let sheet = |n: u32| format!("csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{n}");
    let from_xlsx = rows(&convert(&soffice, &out.join("laborfacts.xlsx"), &tmp.path().join("summary"), &sheet(2)));
    assert_eq!(from_xlsx[0], ours[0], "header");
    for (a, b) in ours.iter().zip(&from_xlsx).skip(1) {
        assert_eq!(a[0], b[0], "province names survive the workbook");
        assert!(same(&a[col], &b[col]), "{} workers_covered in xlsx: {:?} vs {:?}", a[0], a[col], b[col]);
    }
    let readme = rows(&convert(&soffice, &out.join("laborfacts.xlsx"), &tmp.path().join("readme"), &sheet(1)));
    assert_eq!(readme[0], ["sheet", "column", "type", "meaning"]);
    assert!(readme.iter().any(|r| r[0] == "facts" && r[1] == "total_id"), "the README sheet explains every column");
}
