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

/// A rule-file problem, located by file and line (0 when it concerns the whole file, such as
/// a missing one).
#[derive(Debug, thiserror::Error)]
pub struct RuleError {
    pub path: String,
    pub line: usize,
    pub msg: String,
}

impl std::fmt::Display for RuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path, self.msg)
        } else {
            write!(f, "{}:{}: {}", self.path, self.line, self.msg)
        }
    }
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

    /// The line where `key = …` is first set, for errors about a plain (unspanned) value;
    /// 0 when the key is not written in the file.
    pub fn key_line(&self, key: &str) -> usize {
        self.text
            .lines()
            .position(|l| l.trim_start().strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('=')))
            .map_or(0, |i| i + 1)
    }

    pub fn error_at_key(&self, key: &str, msg: impl Into<String>) -> RuleError {
        RuleError { path: self.path.display().to_string(), line: self.key_line(key), msg: msg.into() }
    }

    /// The first line holding `needle` (a value written in the file), 0 when none does.
    pub fn error_at_text(&self, needle: &str, msg: impl Into<String>) -> RuleError {
        let line = self.text.lines().position(|l| l.contains(needle)).map_or(0, |i| i + 1);
        RuleError { path: self.path.display().to_string(), line, msg: msg.into() }
    }

    /// Check that a list of words has no empty (or blank) word: an empty cue or joiner would
    /// match everywhere.
    pub fn nonempty_words(&self, key: &str, words: &[String]) -> Result<(), RuleError> {
        match words.iter().position(|w| w.trim().is_empty()) {
            Some(i) => Err(self.error_at_key(key, format!("{key}: word {} is empty", i + 1))),
            None => Ok(()),
        }
    }

    /// Check that `value` of `key` lies in `range`.
    pub fn in_range<T: PartialOrd + std::fmt::Display>(
        &self,
        key: &str,
        value: T,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<(), RuleError> {
        if range.contains(&value) {
            Ok(())
        } else {
            Err(self.error_at_key(key, format!("{key} = {value} must be within {}..={}", range.start(), range.end())))
        }
    }

    /// Compile a rule's regex. A pattern that matches the empty string would match at every
    /// position of every text, so it is refused.
    pub fn regex(&self, pattern: &Spanned<String>) -> Result<Regex, RuleError> {
        let re = Regex::new(pattern.get_ref())
            .map_err(|e| self.error(pattern.span(), format!("bad regex {:?}: {e}", pattern.get_ref())))?;
        if re.is_match("") {
            return Err(self.error(pattern.span(), format!("regex {:?} matches the empty string", pattern.get_ref())));
        }
        Ok(re)
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
    fn empty_matching_regex_empty_words_and_ranges_are_reported_at_their_lines() {
        let src =
            RuleSource::inline("w.toml", "id = \"a\"\npattern = \"x*\"\n\nmax_digits = 0\njoiners = [\"至\", \"\"]\n");
        let spanned: Rule = toml::from_str("id = \"a\"\npattern = \"x*\"\n").unwrap();
        let err = src.regex(&spanned.pattern).err().unwrap();
        assert_eq!(err.line, 2);
        assert!(err.msg.contains("empty string"), "{err}");
        let err = src.in_range("max_digits", 0, 1..=17).err().unwrap();
        assert_eq!(err.to_string(), "w.toml:4: max_digits = 0 must be within 1..=17");
        let err = src.nonempty_words("joiners", &["至".into(), "".into()]).err().unwrap();
        assert_eq!(err.to_string(), "w.toml:5: joiners: word 2 is empty");
    }

    #[test]
    fn a_missing_rule_file_names_the_file_without_a_line() {
        let err = RuleSource::read(Path::new("/nonexistent/rules/units.toml")).err().unwrap();
        assert!(err.to_string().starts_with("/nonexistent/rules/units.toml: cannot read rule file"), "{err}");
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
