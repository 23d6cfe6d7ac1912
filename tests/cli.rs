//! End-to-end tests of the `laborfacts` binary on the bundled seeds and on hostile input.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use laborfacts::normalize::normalize_fragment;
use laborfacts::report::output::{EventRow, FactRow, read_rows};

mod common;
use common::{BIN, events, extract, facts, root, seed};

#[test]
fn every_encoding_gives_the_same_articles() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    let text = std::fs::read_to_string(seed("003")).unwrap();
    std::fs::write(inputs.join("a_utf8.txt"), &text).unwrap();
    std::fs::write(inputs.join("b_bom.txt"), [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()).unwrap();
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(&text);
    assert!(!unmappable);
    std::fs::write(inputs.join("c_gb18030.txt"), &gb).unwrap();
    let mut le = vec![0xFF, 0xFE];
    let mut be = vec![0xFE, 0xFF];
    for u in text.encode_utf16() {
        le.extend_from_slice(&u.to_le_bytes());
        be.extend_from_slice(&u.to_be_bytes());
    }
    std::fs::write(inputs.join("d_utf16le.txt"), &le).unwrap();
    std::fs::write(inputs.join("e_utf16be.txt"), &be).unwrap();

    let out = tmp.path().join("out");
    let run = extract(&[&inputs], &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let rows = events(&out);
    let mut by_doc: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in &rows {
        by_doc.entry(e.doc.clone()).or_default().push(e.lead.clone());
    }
    assert_eq!(by_doc.len(), 5);
    let first = by_doc.values().next().unwrap().clone();
    assert!(first.len() >= 8, "{first:?}");
    for (doc, leads) in &by_doc {
        assert_eq!(leads, &first, "{doc}");
    }
    // Only the first copy is original.
    assert!(rows.iter().filter(|e| e.doc == "a_utf8.txt").all(|e| !e.dup));
    assert!(rows.iter().filter(|e| e.doc != "a_utf8.txt").all(|e| e.dup));
    // Offsets point into each original file: the fact text comes back from every encoding.
    for f in facts(&out) {
        let bytes = std::fs::read(inputs.join(&f.doc)).unwrap();
        let slice = &bytes[f.start..f.end];
        let decoded = match f.doc.as_str() {
            "c_gb18030.txt" => encoding_rs::GB18030.decode_without_bom_handling(slice).0.into_owned(),
            "d_utf16le.txt" => encoding_rs::UTF_16LE.decode_without_bom_handling(slice).0.into_owned(),
            "e_utf16be.txt" => encoding_rs::UTF_16BE.decode_without_bom_handling(slice).0.into_owned(),
            _ => String::from_utf8(slice.to_vec()).unwrap(),
        };
        assert_eq!(normalize_fragment(&decoded), f.text, "{} {}..{}", f.doc, f.start, f.end);
    }
}

#[test]
fn bad_files_are_skipped_and_reported_and_the_run_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    std::fs::copy(seed("004"), inputs.join("good.txt")).unwrap();
    std::fs::write(inputs.join("empty.txt"), b"").unwrap();
    std::fs::write(inputs.join("binary.txt"), b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00garbage").unwrap();
    std::fs::write(inputs.join("undecodable.txt"), [0x81u8, 0x20, 0x81, 0x20, 0xff, 0x20].repeat(50)).unwrap();
    // One 10 MB line of digits and one of text: handled, not fatal.
    std::fs::write(inputs.join("digits.txt"), "7".repeat(10 << 20)).unwrap();
    std::fs::write(inputs.join("longline.txt"), "职工工资款近1700万元,".repeat(400_000)).unwrap();

    let out = tmp.path().join("out");
    let run = extract(&[&inputs, Path::new("/nonexistent/file.txt")], &out, &[]);
    assert_eq!(run.status.code(), Some(2), "{}", String::from_utf8_lossy(&run.stderr));
    let skipped: Vec<BTreeMap<String, String>> = read_rows(&out.join("skipped.csv")).unwrap();
    let reasons: BTreeMap<String, String> = skipped.iter().map(|r| (r["doc"].clone(), r["reason"].clone())).collect();
    assert_eq!(reasons.get("empty.txt").map(String::as_str), Some("empty"));
    assert_eq!(reasons.get("binary.txt").map(String::as_str), Some("binary"));
    assert_eq!(reasons.get("undecodable.txt").map(String::as_str), Some("undecodable"));
    assert_eq!(reasons.get("file.txt").map(String::as_str), Some("not_found"));
    assert_eq!(skipped.len(), 4);
    let docs: Vec<String> = events(&out).into_iter().map(|e| e.doc).collect();
    assert!(docs.contains(&"good.txt".to_string()));
    assert!(docs.contains(&"longline.txt".to_string()));
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    let data = root().join("data");
    assert_eq!(extract(&[&data], &one, &["-j", "1"]).status.code(), Some(0));
    assert_eq!(extract(&[&data], &two, &["-j", "2"]).status.code(), Some(0));
    for f in ["events.csv", "facts.csv", "skipped.csv"] {
        let a = std::fs::read(one.join(f)).unwrap();
        let b = std::fs::read(two.join(f)).unwrap();
        assert!(a.len() > 100 || f == "skipped.csv");
        assert_eq!(a, b, "{f} differs between 1 and 2 threads");
    }
}

/// The run over the seeds, shared by the seed tests below.
fn seed_run() -> (tempfile::TempDir, Vec<EventRow>, Vec<FactRow>) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = extract(&[&root().join("data")], &out, &[]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let (e, f) = (events(&out), facts(&out));
    (tmp, e, f)
}

#[test]
fn seeds_segment_into_their_articles_and_duplicates_are_marked() {
    let (_tmp, events, _) = seed_run();
    let leads = |doc: &str| -> Vec<String> {
        events.iter().filter(|e| e.doc.starts_with(doc)).map(|e| e.lead.clone()).collect()
    };
    let l000 = leads("000");
    assert_eq!(l000.len(), 10, "{l000:?}");
    assert_eq!(l000[0], "“欠薪案件发生时,公司资");
    assert_eq!(l000[1], "10月23日至24日,全");
    assert_eq!(l000[3], "在10月26日环卫工人节");
    assert_eq!(l000[9], "不久前,因发生交通事故,");
    assert!(leads("001").contains(&"不久前,因发生交通事故,".to_string()));
    assert!(leads("003").contains(&"在云南安宁市有数支这样的".to_string()));
    assert!(leads("004").contains(&"第二届全球数字贸易博览会".to_string()));

    // 000 is the original page; every article of 001 (the same page rendered again) copies one of 000.
    assert!(events.iter().filter(|e| e.doc.starts_with("000")).all(|e| !e.dup));
    let ids_000: Vec<&str> = events.iter().filter(|e| e.doc.starts_with("000")).map(|e| e.event_id.as_str()).collect();
    for e in events.iter().filter(|e| e.doc.starts_with("001") && e.lead.chars().count() >= 8) {
        assert!(e.dup, "{} not dup", e.lead);
        assert!(ids_000.contains(&e.dup_of.as_str()), "{} dup_of {}", e.lead, e.dup_of);
    }
    // 001's 洛阳 article copies 000's 洛阳 article.
    let luoyang_000 = events.iter().find(|e| e.doc.starts_with("000") && e.lead.starts_with("不久前")).unwrap();
    let luoyang_001 = events.iter().find(|e| e.doc.starts_with("001") && e.lead.starts_with("不久前")).unwrap();
    assert_eq!(luoyang_001.dup_of, luoyang_000.event_id);
    // 002 repeats three articles: the later copies point at the earlier ones in the same file.
    let dups_002: Vec<&EventRow> = events.iter().filter(|e| e.doc.starts_with("002") && e.dup).collect();
    assert_eq!(dups_002.len(), 3, "{:?}", dups_002.iter().map(|e| &e.lead).collect::<Vec<_>>());
    for d in dups_002 {
        let orig = events.iter().find(|e| e.event_id == d.dup_of).unwrap();
        assert_eq!(orig.lead, d.lead);
        assert!(!orig.dup && orig.index < d.index);
    }
}

#[test]
fn eval_on_the_seeds_finds_the_gold_events() {
    let (tmp, _, _) = seed_run();
    let report = laborfacts::eval::evaluate(&root().join("tests/gold"), &tmp.path().join("out")).unwrap();
    assert!(report.event_recall >= 0.95, "event recall {}", report.event_recall);
    assert!(report.event_dup.rate() >= 0.99, "event dup accuracy {}", report.event_dup.rate());
}

#[test]
fn a_broken_rule_file_names_file_and_line_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let rules = tmp.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    for e in std::fs::read_dir(root().join("rules")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, rules.join(p.file_name().unwrap())).unwrap();
    }
    let seg = std::fs::read_to_string(rules.join("segment.toml")).unwrap();
    let broken = seg.replacen("pattern = '^本报讯", "pattern = '(^本报讯", 1);
    let line = broken.lines().position(|l| l.contains("'(^本报讯")).unwrap() + 1;
    std::fs::write(rules.join("segment.toml"), broken).unwrap();

    let out = tmp.path().join("out");
    let run = extract(&[&seed("000")], &out, &["--rules", rules.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains(&format!("segment.toml:{line}:")), "{stderr}");
    assert!(!out.exists(), "output written despite bad rules");

    let check = Command::new(BIN).current_dir(root()).args(["rules", "check"]).arg(&rules).output().unwrap();
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stderr).contains(&format!("segment.toml:{line}:")));
    let ok = Command::new(BIN).current_dir(root()).args(["rules", "check"]).output().unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
}

#[test]
fn publication_date_sources_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let inputs = tmp.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    let text = std::fs::read_to_string(seed("004")).unwrap();
    for name in ["p_2023-11-20.txt", "q.txt", "r.txt", "s.txt"] {
        std::fs::write(inputs.join(name), &text).unwrap();
    }
    std::fs::write(inputs.join("q.txt.meta.toml"), "pub_date = \"2023-11-21\"\nsource = \"工人日报\"\n").unwrap();
    let manifest = tmp.path().join("manifest.csv");
    std::fs::write(&manifest, "path,pub_date,source,page\nr.txt,2023-11-22,工人日报,1\n").unwrap();
    let out = tmp.path().join("out");
    assert_eq!(extract(&[&inputs], &out, &["--manifest", manifest.to_str().unwrap()]).status.code(), Some(0));
    let by_doc: BTreeMap<String, (String, String)> =
        events(&out).into_iter().map(|e| (e.doc, (e.pub_date, e.pub_date_source))).collect();
    assert_eq!(by_doc["p_2023-11-20.txt"], ("2023-11-20".into(), "file_name".into()));
    assert_eq!(by_doc["q.txt"], ("2023-11-21".into(), "sidecar".into()));
    assert_eq!(by_doc["r.txt"], ("2023-11-22".into(), "manifest".into()));
    assert_eq!(by_doc["s.txt"].1, "inferred");
    assert!(by_doc["s.txt"].0.starts_with("2023-11"), "{:?}", by_doc["s.txt"]);

    let cli = tmp.path().join("cli");
    assert_eq!(extract(&[&inputs], &cli, &["--pub-date", "2023-12-01"]).status.code(), Some(0));
    assert!(events(&cli).iter().all(|e| e.pub_date == "2023-12-01" && e.pub_date_source == "cli"));
}

#[test]
fn usage_errors_and_missing_input_exit_1_with_a_message_and_write_nothing() {
    let bad = Command::new(BIN).args(["extract", "--no-such-flag"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(1), "usage errors must not look like skipped inputs (2)");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--no-such-flag"));
    let help = Command::new(BIN).arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Exit codes"));

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = extract(&[&tmp.path().join("nowhere")], &out, &[]);
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("no input file found") && err.contains("nowhere"), "{err}");
    assert!(!out.join("events.csv").exists() && !out.join("province_summary.csv").exists());
}

#[test]
fn manifest_problems_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let wrong = tmp.path().join("wrong.csv");
    std::fs::write(&wrong, "file,date\nx.txt,2024-01-01\n").unwrap();
    let out = tmp.path().join("out");
    let run = extract(&[&seed("003")], &out, &["--manifest", wrong.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("expected columns path, pub_date") && err.contains("found: file, date"), "{err}");

    // A row naming no input is reported, and the run goes on with exit code 2.
    let manifest = tmp.path().join("manifest.csv");
    let name = seed("003").file_name().unwrap().to_string_lossy().into_owned();
    std::fs::write(&manifest, format!("path,pub_date,source\n{name},2023-11-05,工人日报\nmissing.txt,2024-01-01,\n"))
        .unwrap();
    let run = extract(&[&seed("003")], &out, &["--manifest", manifest.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2), "{}", String::from_utf8_lossy(&run.stderr));
    let skipped: Vec<BTreeMap<String, String>> = read_rows(&out.join("skipped.csv")).unwrap();
    assert_eq!(skipped.len(), 1);
    assert_eq!((skipped[0]["path"].as_str(), skipped[0]["reason"].as_str()), ("missing.txt", "manifest_unmatched"));
    assert!(skipped[0]["detail"].contains("row 3"));
    assert!(events(&out).iter().all(|e| e.pub_date == "2023-11-05" && e.pub_date_source == "manifest"));
}

#[test]
fn summarize_reads_a_gb18030_csv_as_excel_on_chinese_windows_saves_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert_eq!(extract(&[&root().join("data")], &out, &[]).status.code(), Some(0));
    let text = std::fs::read_to_string(out.join("facts.csv")).unwrap();
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(text.trim_start_matches('\u{feff}'));
    assert!(!unmappable);
    let facts_gb = tmp.path().join("facts_gb18030.csv");
    std::fs::write(&facts_gb, &gb).unwrap();
    let again = tmp.path().join("again");
    let run = Command::new(BIN)
        .current_dir(root())
        .arg("summarize")
        .arg("--facts")
        .arg(&facts_gb)
        .arg("--events")
        .arg(out.join("events.csv"))
        .arg("--out")
        .arg(&again)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(
        std::fs::read(again.join("province_summary.csv")).unwrap(),
        std::fs::read(out.join("province_summary.csv")).unwrap()
    );
}

#[test]
fn facts_and_events_carry_the_codes_of_their_places() {
    let (_tmp, events, facts) = seed_run();
    let fengxian = facts.iter().find(|f| f.county == "奉贤区").unwrap();
    assert_eq!(
        [&fengxian.province_code, &fengxian.prefecture_code, &fengxian.county_code].map(String::as_str),
        ["310000", "", "310120"]
    );
    let pingliang = events.iter().find(|e| e.prefecture == "平凉市").unwrap();
    assert_eq!((pingliang.province_code.as_str(), pingliang.prefecture_code.as_str()), ("620000", "620800"));
    // A code is filled exactly where its name is, and a lower code lies inside the higher one.
    for (names, codes) in
        facts
            .iter()
            .map(|f| ([&f.province, &f.prefecture, &f.county], [&f.province_code, &f.prefecture_code, &f.county_code]))
            .chain(events.iter().map(|e| {
                ([&e.province, &e.prefecture, &e.county], [&e.province_code, &e.prefecture_code, &e.county_code])
            }))
    {
        for (name, code) in names.iter().zip(codes) {
            assert_eq!(name.is_empty(), code.is_empty(), "{names:?} {codes:?}");
        }
        if !codes[2].is_empty() {
            assert_eq!(codes[2][..2], codes[0][..2], "{names:?} {codes:?}");
        }
    }
}
