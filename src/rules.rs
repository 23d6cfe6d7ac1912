//! Loading and validating rule files (`rules/*.toml`).
//!
//! Every rule file is parsed with `deny_unknown_fields` structs; semantic checks (regex
//! compiles, enum value known, id unique) report the file and the 1-based line of the
//! offending value, so a broken rule never reaches the pipeline.

use std::collections::HashSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::de::DeserializeOwned;

pub use toml::Spanned;

/// A rule-file problem, located by file and line.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {msg}")]
pub struct RuleError {
    pub path: String,
    pub line: usize,
    pub msg: String,
}

/// The text of one rule file, kept so that spans can be turned into line numbers.
#[derive(Debug, Clone)]
pub struct RuleSource {
    pub path: PathBuf,
    pub text: String,
}

impl RuleSource {
    pub fn read(path: &Path) -> Result<Self, RuleError> {
        let text = std::fs::read_to_string(path).map_err(|e| RuleError {
            path: path.display().to_string(),
            line: 0,
            msg: format!("cannot read rule file: {e}"),
        })?;
        Ok(Self { path: path.to_path_buf(), text })
    }

    /// A source from a string, for tests and `parse` of inline rules.
    pub fn inline(name: &str, text: &str) -> Self {
        Self { path: PathBuf::from(name), text: text.to_string() }
    }

    pub fn line_of(&self, byte: usize) -> usize {
        let end = byte.min(self.text.len());
        self.text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
    }

    pub fn error(&self, span: Range<usize>, msg: impl Into<String>) -> RuleError {
        RuleError { path: self.path.display().to_string(), line: self.line_of(span.start), msg: msg.into() }
    }

    /// Deserialize the whole file; syntax errors and unknown keys carry their line.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, RuleError> {
        toml::from_str(&self.text).map_err(|e| {
            let line = e.span().map(|s| self.line_of(s.start)).unwrap_or(0);
            RuleError { path: self.path.display().to_string(), line, msg: e.message().trim().to_string() }
        })
    }

    pub fn regex(&self, pattern: &Spanned<String>) -> Result<Regex, RuleError> {
        Regex::new(pattern.get_ref())
            .map_err(|e| self.error(pattern.span(), format!("bad regex {:?}: {e}", pattern.get_ref())))
    }

    /// Check that a value is one of `allowed`.
    pub fn one_of(&self, value: &Spanned<String>, allowed: &[&str], what: &str) -> Result<(), RuleError> {
        if allowed.contains(&value.get_ref().as_str()) {
            Ok(())
        } else {
            Err(self.error(
                value.span(),
                format!("unknown {what} {:?} (expected one of: {})", value.get_ref(), allowed.join(", ")),
            ))
        }
    }
}

/// Tracks rule ids across one file (or several) and rejects repeats.
#[derive(Default)]
pub struct IdSet(HashSet<String>);

impl IdSet {
    pub fn insert(&mut self, src: &RuleSource, id: &Spanned<String>) -> Result<(), RuleError> {
        if id.get_ref().is_empty() {
            return Err(src.error(id.span(), "empty rule id"));
        }
        if !self.0.insert(id.get_ref().clone()) {
            return Err(src.error(id.span(), format!("duplicate rule id {:?}", id.get_ref())));
        }
        Ok(())
    }
}

/// The directory holding the rule files: `--rules`, else `./rules`, else the crate's own.
pub fn default_rules_dir() -> PathBuf {
    let local = PathBuf::from("rules");
    if local.is_dir() { local } else { PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("rules") }
}

/// The enum values of ANNOTATION.md, shared by the rule validators.
pub const METRICS: &[&str] = &[
    "money_recovered",
    "money_owed",
    "money_disbursed",
    "money_raised",
    "workers_covered",
    "participants",
    "enterprises_covered",
    "contracts_signed",
    "cases_handled",
    "units_established",
    "events_held",
    "other",
];
pub const UNITS: &[&str] =
    &["yuan", "person", "person_time", "enterprise", "contract", "case", "unit", "event", "household"];
pub const QUALIFIERS: &[&str] = &["exact", "approx", "at_least", "at_most"];
pub const EVENT_TYPES: &[&str] =
    &["wage_recovery", "dispute_resolution", "collective_bargaining", "skills", "welfare", "union_building", "other"];

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct R {
        rule: Vec<Rule>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Rule {
        id: Spanned<String>,
        pattern: Spanned<String>,
    }

    #[test]
    fn unknown_key_is_reported_with_its_line() {
        let src = RuleSource::inline(
            "x.toml",
            "[[rule]]\nid = \"a\"\npattern = \"b\"\n\n[[rule]]\nid = \"c\"\npatern = \"d\"\n",
        );
        let err = src.parse::<R>().err().unwrap();
        assert_eq!(err.line, 7, "{err}");
        assert!(err.to_string().starts_with("x.toml:7:"), "{err}");
        assert!(err.msg.contains("patern"), "{err}");
    }

    #[test]
    fn bad_regex_and_duplicate_id_are_reported_with_their_lines() {
        let src = RuleSource::inline(
            "y.toml",
            "[[rule]]\nid = \"a\"\npattern = \"(\"\n[[rule]]\nid = \"a\"\npattern = \"x\"\n",
        );
        let r: R = src.parse().unwrap();
        let err = src.regex(&r.rule[0].pattern).err().unwrap();
        assert_eq!(err.line, 3);
        let mut ids = IdSet::default();
        ids.insert(&src, &r.rule[0].id).unwrap();
        let err = ids.insert(&src, &r.rule[1].id).err().unwrap();
        assert_eq!(err.line, 5);
        assert!(err.msg.contains("duplicate"));
    }

    #[test]
    fn unknown_enum_value_is_reported() {
        let src = RuleSource::inline("z.toml", "id = \"a\"\npattern = \"money_recoverd\"\n");
        let r: Rule = src.parse().unwrap();
        let err = src.one_of(&r.pattern, METRICS, "metric").err().unwrap();
        assert_eq!(err.line, 2);
        assert!(err.msg.contains("money_recoverd"));
    }
}
