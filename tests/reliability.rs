//! Hostile input and faults, end to end: nothing lost, nothing invented, no partial output.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use laborfacts::report::output::{FactRow, read_rows};

mod common;
use common::{BIN, command, events, extract, facts, root, seed, stderr};

fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    read_rows(path).unwrap()
}

/// Every file in `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap_or_default())
        })
        .collect()
}

fn brief(city: &str, workers: &str, yuan: &str) -> String {
    format!(
        "{city}总工会根治欠薪\n\n本报讯 近日,{city}总工会联合人社部门开展根治欠薪专项行动,深入建筑工地和中小企业走访排查,\
         为{workers}名农民工追回被拖欠的工资{yuan}万元,有力维护了职工合法权益。\n"
    )
}

#[test]
fn briefs_from_one_template_are_distinct_articles_and_a_real_copy_is_still_a_duplicate() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    std::fs::write(inputs.join("a.txt"), brief("广西南宁市", "1200", "3500")).unwrap();
    std::fs::write(inputs.join("b.txt"), brief("江苏苏州市", "800", "2100")).unwrap();
    std::fs::write(inputs.join("c.txt"), brief("广西南宁市", "800", "2100")).unwrap();
    std::fs::copy(seed("000"), inputs.join("d_000.txt")).unwrap();
    std::fs::copy(seed("001"), inputs.join("e_001.txt")).unwrap();
    let out = tmp.path().join("out");
    let run = extract(&[&inputs], &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let events = events(&out);
    for doc in ["a.txt", "b.txt", "c.txt"] {
        let e: Vec<_> = events.iter().filter(|e| e.doc == doc).collect();
        assert_eq!(e.len(), 1, "{doc}");
        assert!(!e[0].dup, "{doc} marked as a copy of {}", e[0].dup_of);
    }
    let counted: Vec<(String, String)> = facts(&out)
        .into_iter()
        .filter(|f| f.doc.len() == 5 && !f.dup && f.metric == "money_recovered")
        .map(|f| (f.doc, f.value))
        .collect();
    assert_eq!(
        counted,
        [("a.txt", "35000000"), ("b.txt", "21000000"), ("c.txt", "21000000")].map(|(d, v)| (d.into(), v.into()))
    );
    // The second rendering of the seed page is still a copy of the first.
    let second: Vec<_> = events.iter().filter(|e| e.doc == "e_001.txt").collect();
    assert!(second.len() >= 8);
    assert!(second.iter().all(|e| e.dup && e.dup_of.starts_with("d_000.txt#")), "{second:?}");
}

#[test]
fn files_of_the_same_name_in_two_folders_get_distinct_ids_and_their_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("in");
    for (folder, prefix) in [("a", "003"), ("b", "004")] {
        std::fs::create_dir_all(inputs.join(folder)).unwrap();
        std::fs::copy(seed(prefix), inputs.join(folder).join("page.txt")).unwrap();
    }
    let out = tmp.path().join("out");
    let run = extract(&[&inputs], &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let events = events(&out);
    let paths: BTreeSet<&str> = events.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, BTreeSet::from(["a/page.txt", "b/page.txt"]));
    let ids: BTreeSet<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids.len(), events.len());
    assert!(events.iter().all(|e| e.event_id.starts_with(&format!("{}#", e.path))));
    let facts = facts(&out);
    let fact_ids: BTreeSet<&str> = facts.iter().map(|f| f.fact_id.as_str()).collect();
    assert_eq!(fact_ids.len(), facts.len());
    assert!(facts.iter().any(|f| f.path == "a/page.txt") && facts.iter().any(|f| f.path == "b/page.txt"));
}

#[test]
fn a_symlink_loop_ends_and_every_file_is_read_once() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("in");
    std::fs::create_dir_all(inputs.join("sub")).unwrap();
    std::fs::copy(seed("003"), inputs.join("one.txt")).unwrap();
    std::fs::copy(seed("004"), inputs.join("sub/two.txt")).unwrap();
    std::os::unix::fs::symlink(".", inputs.join("l")).unwrap();
    std::os::unix::fs::symlink("..", inputs.join("sub/up")).unwrap();
    std::os::unix::fs::symlink("one.txt", inputs.join("again.txt")).unwrap();
    let out = tmp.path().join("out");
    let mut child = command(&[&inputs], &out, &[]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("extract did not finish over a symlink loop");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    let events = events(&out);
    let paths: BTreeSet<&str> = events.iter().map(|e| e.path.as_str()).collect();
    // One path per file: of the links to one file, the first in sorted order.
    assert_eq!(paths, BTreeSet::from(["again.txt", "sub/two.txt"]));
    let leads: Vec<&str> = events.iter().map(|e| e.lead.as_str()).collect();
    let unique: BTreeSet<&str> = leads.iter().copied().collect();
    assert_eq!(unique.len(), leads.len(), "an article was read twice");
}

#[test]
fn a_stray_byte_keeps_the_document_and_is_reported_with_its_offset() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    let text = std::fs::read(seed("004")).unwrap();
    let at = text.len() / 2;
    // Just after a character boundary, so only the inserted byte is invalid.
    let at = (at..).find(|&i| (text[i] & 0xC0) != 0x80).unwrap();
    let mut bad = text.clone();
    bad.insert(at, 0x80);
    std::fs::write(inputs.join("clean.txt"), &text).unwrap();
    std::fs::write(inputs.join("stray.txt"), &bad).unwrap();
    // Cut inside the last character: its first two bytes stay.
    let mut cut = text.clone();
    while cut.last().is_some_and(|b| b.is_ascii()) {
        cut.pop();
    }
    cut.pop();
    let cut_at = cut.len() - 2;
    std::fs::write(inputs.join("truncated.txt"), &cut).unwrap();
    let out = tmp.path().join("out");
    let run = extract(&[&inputs], &out, &[]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let repaired = rows(&out.join("repaired.csv"));
    let by_doc: BTreeMap<&str, (&str, &str)> =
        repaired.iter().map(|r| (r["doc"].as_str(), (r["replaced"].as_str(), r["first_offset"].as_str()))).collect();
    assert_eq!(by_doc.get("stray.txt"), Some(&("1", at.to_string().as_str())));
    assert_eq!(by_doc.get("truncated.txt"), Some(&("1", cut_at.to_string().as_str())));
    assert_eq!(by_doc.len(), 2);
    assert!(rows(&out.join("skipped.csv")).is_empty());
    // The repaired document has the clean one's articles and facts, offsets into its own bytes.
    let events = events(&out);
    let leads = |doc: &str| events.iter().filter(|e| e.doc == doc).map(|e| e.lead.clone()).collect::<Vec<_>>();
    assert!(leads("clean.txt").len() >= 5);
    assert_eq!(leads("stray.txt"), leads("clean.txt"));
    let facts = facts(&out);
    let values = |doc: &str| facts.iter().filter(|f| f.doc == doc).map(|f| f.value.clone()).collect::<Vec<_>>();
    assert_eq!(values("stray.txt"), values("clean.txt"));
    for f in facts.iter().filter(|f| f.doc == "stray.txt") {
        let slice = std::str::from_utf8(&bad[f.start..f.end]).unwrap();
        assert_eq!(laborfacts::normalize::normalize_fragment(slice), f.text);
    }
}

fn copy_rules(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(root().join("rules")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
}

#[test]
fn rule_values_that_make_no_sense_are_refused_at_their_line() {
    let cases: &[(&str, &str, &str, &str)] = &[
        ("numbers.toml", "max_digits = 15", "max_digits = 0", "max_digits = 0 must be within 1..=15"),
        ("numbers.toml", "max_digits = 15", "max_digits = 99", "max_digits = 99 must be within 1..=15"),
        ("numbers.toml", "range_joiners = [\"至\"", "range_joiners = [\"\", \"至\"", "range_joiners: word 1 is empty"),
        ("dedup.toml", "sample_modulus = 4", "sample_modulus = 0", "sample_modulus = 0 must be within 1..=64"),
        ("dates.toml", "background_days = 180", "background_days = 0", "background_days = 0 must be within 30..=3650"),
        ("dedup.toml", "article_containment = 0.6", "article_containment = 7", "must be within 0.05..=1"),
        ("dedup.toml", "max_fingerprints = 16777216", "max_fingerprints = 0", "max_fingerprints = 0 must be within"),
        ("dedup.toml", "max_articles = 200000", "max_articles = 0", "max_articles = 0 must be within 1..=100000000"),
        ("segment.toml", "pattern = '^本报讯", "pattern = '(?:x)?|^本报讯", "matches the empty string"),
        ("metrics.toml", "labour_cues = [", "labour_cues = [\"\", ", "empty cue word \"\""),
        ("metrics.toml", "unless = [\"解决\"", "unless = [\"\", \"解决\"", "empty `unless` word"),
    ];
    for (file, from, to, message) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let rules = tmp.path().join("rules");
        copy_rules(&rules);
        let text = std::fs::read_to_string(rules.join(file)).unwrap();
        assert!(text.contains(from), "{file} no longer holds {from:?}");
        let broken = text.replacen(from, to, 1);
        let line = broken.lines().position(|l| l.contains(to)).unwrap() + 1;
        std::fs::write(rules.join(file), broken).unwrap();
        let out = tmp.path().join("out");
        let run = extract(&[&seed("003")], &out, &["--rules", rules.to_str().unwrap()]);
        assert_eq!(run.status.code(), Some(1), "{file}: {to}");
        let err = stderr(&run);
        assert!(err.contains(&format!("{file}:{line}: ")) && err.contains(message), "{to}: {err}");
        assert!(!out.exists(), "output written despite {to}");
    }
    // A missing rule file is named, with no made-up line.
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules");
    copy_rules(&rules);
    std::fs::remove_file(rules.join("units.toml")).unwrap();
    let run = extract(&[&seed("003")], &tmp.path().join("out"), &["--rules", rules.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1));
    assert!(stderr(&run).contains("units.toml: cannot read rule file"), "{}", stderr(&run));
}

#[test]
fn bad_numbers_give_no_fact_or_a_positive_bounded_value() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    let text = "某市总工会维权工作\n\n本报讯 某市总工会今年以来帮助职工追回欠薪-5万元,为企业减负900亿元,\
                职工篮球赛胜负2场,为职工追回工资陆七亿亿元,追回欠薪99999百万亿元,慰问困难职工约47.4人。\n";
    std::fs::write(inputs.join("bad_numbers.txt"), text).unwrap();
    let out = tmp.path().join("out");
    let run = extract(&[&inputs], &out, &["--pub-date", "2024-05-01"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let facts = facts(&out);
    for f in &facts {
        let value: f64 = f.value.parse().unwrap();
        assert!(value.is_finite() && value > 0.0 && value <= 1e16, "{f:?}");
        if !f.value_max.is_empty() {
            assert!(f.value_max.parse::<f64>().unwrap() >= value, "{f:?}");
        }
    }
    let texts: BTreeMap<&str, (&str, &str)> =
        facts.iter().map(|f| (f.text.as_str(), (f.value.as_str(), f.flag.as_str()))).collect();
    // The minus sign of -5万 is a dash, not a sign; 负 inside 减负 and 胜负 is no sign either.
    assert_eq!(texts.get("5万元").map(|v| v.0), Some("50000"));
    assert!(texts.keys().all(|t| !t.starts_with('-') && !t.starts_with('负')), "{texts:?}");
    // Malformed and absurd magnitudes are no figure; fractional people are flagged, never summed.
    assert!(!texts.keys().any(|t| t.contains("亿亿") || t.contains("99999")), "{texts:?}");
    assert_eq!(texts.get("约47.4人").map(|v| v.1), Some("fractional_count"));
}

#[test]
fn summarize_refuses_a_non_finite_value_with_its_row_and_writes_nothing() {
    for bad in ["1e400", "NaN", "-5"] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let run = extract(&[&seed("003")], &out, &[]);
        assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
        let before = snapshot(&out);
        let facts_csv = std::fs::read_to_string(out.join("facts.csv")).unwrap();
        let mut lines: Vec<String> = facts_csv.lines().map(str::to_string).collect();
        let header: Vec<&str> = lines[0].trim_start_matches('\u{feff}').split(',').collect();
        let value_col = header.iter().position(|h| *h == "value").unwrap();
        let mut reader = csv::Reader::from_reader(facts_csv.as_bytes());
        let mut record = reader.records().nth(2).unwrap().unwrap();
        let mut fields: Vec<String> = record.iter().map(str::to_string).collect();
        fields[value_col] = bad.to_string();
        record = csv::StringRecord::from(fields);
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&record).unwrap();
        lines[3] = String::from_utf8(w.into_inner().unwrap()).unwrap().trim_end().to_string();
        let edited = tmp.path().join("facts.csv");
        std::fs::write(&edited, lines.join("\n") + "\n").unwrap();
        let run = Command::new(BIN)
            .current_dir(root())
            .arg("summarize")
            .arg("--facts")
            .arg(&edited)
            .arg("--events")
            .arg(out.join("events.csv"))
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(1), "{bad}");
        let err = stderr(&run);
        assert!(err.contains("row 4") && err.contains(bad) && err.contains("nothing was written"), "{bad}: {err}");
        assert_eq!(snapshot(&out), before, "{bad}: outputs changed");
    }
}

/// Run `extract` over all seeds into `out`, on a file system that fills up: a small tmpfs
/// when this process may mount one, else a file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored
/// so that writes fail with EFBIG as they would with ENOSPC).
fn extract_on_a_full_disk(out: &Path, mount: Option<&Path>) -> Output {
    let data = root().join("data");
    match mount {
        Some(_) => extract(&[&data], out, &[]),
        None => {
            let script = format!(
                "trap '' XFSZ; ulimit -f 40; exec {BIN} extract --quiet --out '{}' '{}'",
                out.display(),
                data.display()
            );
            Command::new("bash").current_dir(root()).arg("-c").arg(script).output().unwrap()
        }
    }
}

#[test]
fn a_full_disk_leaves_the_previous_outputs_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let mount = tmp.path().join("disk");
    std::fs::create_dir(&mount).unwrap();
    // Room for the first, one-page run's outputs, not for the whole seed run's.
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=160k", "tmpfs"])
        .arg(&mount)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let out = mount.join("out");
    let first = extract(&[&seed("003")], &out, &[]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let before = snapshot(&out);
    assert!(before.contains_key("facts.csv") && before.contains_key("province_summary.csv"));

    let run = extract_on_a_full_disk(&out, mounted.then_some(mount.as_path()));
    let after = snapshot(&out);
    if mounted {
        let _ = Command::new("umount").arg(&mount).status();
    }
    let err = stderr(&run);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot write") && err.contains(".csv"), "the error names no file: {err}");
    assert_eq!(after, before, "a failed run changed the previous outputs or left a file");
}

/// Run `cmd` to its end and return its exit code and peak RSS in bytes (VmHWM, read from
/// /proc while it runs: the last reading before it exits is its peak).
fn run_measuring_peak_rss(cmd: &mut Command) -> (Option<i32>, u64) {
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_file)
            && let Some(kb) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak_kb = peak_kb.max(kb);
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), peak_kb * 1024);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn one_large_file_is_analysed_in_bounded_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let pages: Vec<String> = ["002", "003", "004"].iter().map(|p| std::fs::read_to_string(seed(p)).unwrap()).collect();
    // 40 MB of pages, each copy with other figures so that it is new text.
    let mut text = String::with_capacity(41 << 20);
    let mut copy = 0u64;
    while text.len() < 40 << 20 {
        for page in &pages {
            let mut n = copy;
            for piece in page.split_inclusive(|c: char| c.is_ascii_digit()) {
                text.push_str(piece);
                if piece.ends_with(|c: char| c.is_ascii_digit()) {
                    n = n.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    text.push_str(&(n >> 60).to_string());
                }
            }
            text.push_str("\n\n");
            copy += 1;
        }
    }
    let big = tmp.path().join("big.txt");
    std::fs::write(&big, &text).unwrap();
    let out = tmp.path().join("out");
    let (code, peak) = run_measuring_peak_rss(&mut command(&[&big], &out, &["-j", "2"]));
    assert_eq!(code, Some(0));
    // Analysed whole, this file took 18 times its size (720 MB); in pieces, the text itself and
    // the pieces in flight.
    assert!(peak < 300 << 20, "peak RSS {} MB for a {} MB file", peak >> 20, text.len() >> 20);
    let events = events(&out);
    assert!(events.len() > 1000, "{}", events.len());
    let ids: BTreeSet<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    assert_eq!(ids.len(), events.len(), "piece numbering gave two articles one id");
    assert!(events.windows(2).all(|w| w[0].start < w[1].start));
}

#[test]
fn a_table_longer_than_a_sheet_continues_on_further_sheets_with_every_row() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = extract(&[&root().join("data")], &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let facts = facts(&out).len();
    assert!(facts > 150);
    let xlsx = tmp.path().join("split.xlsx");
    laborfacts::report::export::write_xlsx_split(&out, &xlsx, 50).unwrap();
    // Sheet names in order and the rows of each, read from the workbook's XML parts.
    let script = r#"
import re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = re.findall(r'<sheet name="([^"]+)"', z.read("xl/workbook.xml").decode())
for i, name in enumerate(names, 1):
    print(name, z.read(f"xl/worksheets/sheet{i}.xml").decode().count("<row "))
"#;
    let listing = Command::new("python3").arg("-c").arg(script).arg(&xlsx).output().unwrap();
    assert!(listing.status.success(), "{}", String::from_utf8_lossy(&listing.stderr));
    let sheets: Vec<(String, usize)> = String::from_utf8(listing.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (name, rows) = l.rsplit_once(' ').unwrap();
            (name.to_string(), rows.parse().unwrap())
        })
        .collect();
    let fact_sheets: Vec<&(String, usize)> =
        sheets.iter().filter(|(n, _)| n == "facts" || n.starts_with("facts_")).collect();
    assert_eq!(fact_sheets.len(), facts.div_ceil(50));
    assert_eq!(fact_sheets[1].0, "facts_2");
    // Each sheet repeats the header; together they hold every fact once.
    assert!(fact_sheets.iter().all(|(_, rows)| *rows <= 51));
    assert_eq!(fact_sheets.iter().map(|(_, rows)| rows - 1).sum::<usize>(), facts);
}

#[test]
fn dates_are_never_made_up_and_never_run_backwards() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    let text = "某市总工会根治欠薪\n\n本报讯 从12月起,某市总工会开展根治欠薪专项行动,为320名农民工追回工资460万元。\n";
    std::fs::write(inputs.join("since.txt"), text).unwrap();
    let out = tmp.path().join("out");
    // A February paper: 从12月起 began last December.
    let run = extract(&[&inputs], &out, &["--pub-date", "2024-02-10"]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let money: Vec<FactRow> = facts(&out).into_iter().filter(|f| f.unit == "yuan").collect();
    assert_eq!(money.len(), 1);
    assert_eq!((money[0].date_start.as_str(), money[0].date_end.as_str()), ("2023-12-01", "2024-02-10"));
    // Without any publication date, relative dates stay unresolved: empty, never 2000-01-01.
    let out = tmp.path().join("undated");
    let run = extract(&[&inputs], &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    let (events, facts) = (events(&out), facts(&out));
    assert!(!facts.is_empty());
    assert!(events.iter().all(|e| e.date_start.is_empty() && e.date_end.is_empty() && e.pub_date.is_empty()));
    assert!(facts.iter().all(|f| f.date_start.is_empty() && f.date_end.is_empty()), "{facts:?}");
}
