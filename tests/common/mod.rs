//! Helpers shared by the end-to-end tests: the binary, the seeds, one extract run, its rows.
// Each test crate uses its own subset of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use laborfacts::report::output::{EventRow, FactRow, read_rows};

pub const BIN: &str = env!("CARGO_BIN_EXE_laborfacts");

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The seed page in data/ whose file name starts with `prefix`.
pub fn seed(prefix: &str) -> PathBuf {
    std::fs::read_dir(root().join("data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap()
}

/// `laborfacts extract --quiet --out OUT INPUTS… EXTRA…`, run from the project root.
pub fn command(inputs: &[&Path], out: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(root()).arg("extract").arg("--quiet").arg("--out").arg(out);
    cmd.args(inputs).args(extra);
    cmd
}

pub fn extract(inputs: &[&Path], out: &Path, extra: &[&str]) -> Output {
    command(inputs, out, extra).output().unwrap()
}

pub fn stderr(run: &Output) -> String {
    String::from_utf8_lossy(&run.stderr).into_owned()
}

pub fn events(out: &Path) -> Vec<EventRow> {
    read_rows(&out.join("events.csv")).unwrap()
}

pub fn facts(out: &Path) -> Vec<FactRow> {
    read_rows(&out.join("facts.csv")).unwrap()
}

/// A decimal cell in hundredths, from its text.
pub fn hundredths(text: &str) -> i64 {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    assert!(frac.len() <= 2, "{text}: more than two decimals");
    whole.parse::<i64>().unwrap() * 100 + format!("{frac:0<2}").parse::<i64>().unwrap()
}

/// The period label of a date, written out here independently of the library.
pub fn period_of(date: &str, period: &str) -> String {
    match (period, date.len() >= 7) {
        ("all", _) => "all".into(),
        (_, false) => String::new(),
        ("year", _) => date[..4].into(),
        ("quarter", _) => format!("{}-Q{}", &date[..4], (date[5..7].parse::<u32>().unwrap() - 1) / 3 + 1),
        _ => date[..7].into(),
    }
}
