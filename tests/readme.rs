//! The README cannot go stale: its column tables are generated from the schema the program
//! writes with, and its quoted output is what a real run over data/ prints and writes.
//! `LABORFACTS_BLESS=1 cargo test --test readme` rewrites the blocks after a deliberate change.

use std::process::Command;

use laborfacts::report::schema::{self, Col, ColType};
use laborfacts::report::summarize::METRIC_UNITS;

mod common;
use common::{BIN, root};

fn type_name(t: ColType) -> &'static str {
    match t {
        ColType::Text => "text",
        ColType::Int => "integer",
        ColType::Decimal => "number",
        ColType::Bool => "boolean",
        ColType::Date => "date",
    }
}

fn table(cols: &[Col]) -> String {
    let mut md = String::from("| column | type | meaning |\n|---|---|---|\n");
    for c in cols {
        md.push_str(&format!("| `{}` | {} | {} |\n", c.name, type_name(c.ty), c.doc));
    }
    md
}

/// The wide table's glossary: its leading columns, then one row per column pattern (the
/// schema has four columns for each of the metric and unit pairs listed below it).
fn wide_glossary() -> String {
    let cols = schema::province_summary();
    let (m, u) = METRIC_UNITS[0];
    let first = format!("{m}_{u}");
    let lead: Vec<Col> = cols.iter().take_while(|c| c.name != first).cloned().collect();
    let mut md = table(&lead);
    for suffix in ["", "_facts", "_facts_at_least", "_facts_approx"] {
        let c = cols.iter().find(|c| c.name == format!("{first}{suffix}")).unwrap();
        let doc =
            c.doc.replace(&first, "<metric>_<unit>").replace(&format!("`{m}` in `{u}`"), "the metric in the unit");
        md.push_str(&format!("| `<metric>_<unit>{suffix}` | {} | {doc} |\n", type_name(c.ty)));
    }
    let last = cols.last().unwrap();
    md.push_str(&format!("| `{}` | {} | {} |\n", last.name, type_name(last.ty), last.doc));
    let pairs: Vec<String> = METRIC_UNITS.iter().map(|(m, u)| format!("`{m}_{u}`")).collect();
    md.push_str(&format!("\n`<metric>_<unit>` is, in this order: {}.\n", pairs.join(", ")));
    md
}

/// A run over data/ from a scratch folder, as `make extract` runs it: (stderr, totals.csv).
fn seed_run() -> (String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let run = Command::new(BIN).current_dir(tmp.path()).arg("extract").arg(root().join("data")).output().unwrap();
    assert_eq!(run.status.code(), Some(0));
    let totals = std::fs::read_to_string(tmp.path().join("out/totals.csv")).unwrap();
    (String::from_utf8(run.stderr).unwrap(), totals.trim_start_matches('\u{feff}').to_string())
}

/// Wall times vary from run to run; everything else in the line must be as quoted.
fn without_times(line: &str) -> String {
    let re = regex::Regex::new(r"in [0-9.]+ s \([0-9.]+ MB/s\)").unwrap();
    re.replace(line, "in … s (… MB/s)").into_owned()
}

/// Each `<!-- kind:name -->` … `<!-- /kind -->` block of the README with the text it must hold.
fn expected_blocks() -> Vec<(String, String)> {
    let mut blocks: Vec<(String, String)> = ["events", "facts", "totals", "skipped", "repaired"]
        .iter()
        .map(|t| (format!("schema:{t}"), table(&schema::of_file(&format!("{t}.csv")).unwrap())))
        .collect();
    blocks.push(("schema:province_summary".into(), wide_glossary()));
    let (stderr, totals) = seed_run();
    let line = stderr.lines().next().unwrap().to_string();
    blocks.push(("output:extract".into(), format!("```\n{line}\n```\n")));
    let head: Vec<&str> = totals.lines().take(6).collect();
    blocks.push(("output:totals".into(), format!("```csv\n{}\n```\n", head.join("\n"))));
    blocks
}

fn block_bounds(readme: &str, key: &str) -> (usize, usize) {
    let open = format!("<!-- {key} -->\n");
    let kind = key.split(':').next().unwrap();
    let start = readme.find(&open).unwrap_or_else(|| panic!("README has no {open:?} block")) + open.len();
    let end = start + readme[start..].find(&format!("<!-- /{kind} -->")).unwrap();
    (start, end)
}

#[test]
fn readme_tables_and_quoted_output_are_those_of_the_program() {
    let path = root().join("README.md");
    let mut readme = std::fs::read_to_string(&path).unwrap();
    let bless = std::env::var_os("LABORFACTS_BLESS").is_some();
    let mut stale = Vec::new();
    for (key, want) in expected_blocks() {
        let (start, end) = block_bounds(&readme, &key);
        let have = &readme[start..end];
        let same = if key == "output:extract" { without_times(have) == without_times(&want) } else { have == want };
        if !same {
            if bless {
                readme.replace_range(start..end, &want);
            } else {
                stale.push(format!("{key}: README has\n{have}\nthe program gives\n{want}"));
            }
        }
    }
    if bless {
        std::fs::write(&path, readme).unwrap();
    }
    assert!(stale.is_empty(), "README is stale (LABORFACTS_BLESS=1 cargo test --test readme):\n{}", stale.join("\n"));
}
