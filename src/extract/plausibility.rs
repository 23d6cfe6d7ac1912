//! Plausibility of counted facts (`rules/plausibility.toml`): a value beyond the bound for its
//! unit and scope, or a fractional count, is flagged; the row stays, totals leave it out.

use std::path::Path;

use serde::Deserialize;

use crate::rules::{IdSet, RuleError, RuleSource, Spanned, UNITS};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    whole_units: Vec<Spanned<String>>,
    bound: Vec<BoundDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BoundDef {
    id: Spanned<String>,
    units: Vec<Spanned<String>>,
    max: Spanned<ScopeMax>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeMax {
    county: f64,
    prefecture: f64,
    province: f64,
    region: f64,
    national: f64,
}

struct Bound {
    units: Vec<String>,
    max: ScopeMax,
}

pub struct Plausibility {
    whole_units: Vec<String>,
    bounds: Vec<Bound>,
}

impl Plausibility {
    pub fn from_dir(dir: &Path) -> Result<Self, RuleError> {
        Self::load(&RuleSource::read(&dir.join("plausibility.toml"))?)
    }

    pub fn load(src: &RuleSource) -> Result<Self, RuleError> {
        let file: RuleFile = src.parse()?;
        for u in &file.whole_units {
            src.one_of(u, UNITS, "unit")?;
        }
        let mut ids = IdSet::default();
        let mut bounds = Vec::new();
        for b in file.bound {
            ids.insert(src, &b.id)?;
            if b.units.is_empty() {
                return Err(src.error(b.id.span(), "a bound needs at least one unit"));
            }
            for u in &b.units {
                src.one_of(u, UNITS, "unit")?;
            }
            let m = b.max.get_ref();
            let limits = [m.county, m.prefecture, m.province, m.region, m.national];
            if limits.iter().any(|v| !v.is_finite() || *v <= 0.0) {
                return Err(src.error(b.max.span(), "bounds must be positive finite numbers"));
            }
            if limits.windows(2).any(|w| w[0] > w[1]) {
                return Err(src.error(b.max.span(), "bounds must not shrink from county to national"));
            }
            bounds
                .push(Bound { units: b.units.into_iter().map(Spanned::into_inner).collect(), max: b.max.into_inner() });
        }
        Ok(Self { whole_units: file.whole_units.into_iter().map(Spanned::into_inner).collect(), bounds })
    }

    /// The flag of a fact (empty when plausible). `other` facts are never flagged: they are
    /// not summed.
    pub fn flag(&self, metric: &str, unit: &str, scope: &str, value: f64) -> &'static str {
        if metric == "other" {
            return "";
        }
        // 185.14万人次 is 1851400 up to binary rounding: only a real fraction is flagged.
        let fractional = (value - value.round()).abs() > 1e-6 * value.abs().max(1.0);
        if self.whole_units.iter().any(|u| u == unit) && fractional {
            return "fractional_count";
        }
        let Some(b) = self.bounds.iter().find(|b| b.units.iter().any(|u| u == unit)) else { return "" };
        let max = match scope {
            "county" => b.max.county,
            "prefecture" => b.max.prefecture,
            "province" => b.max.province,
            "region" => b.max.region,
            _ => b.max.national,
        };
        if value > max { "implausible" } else { "" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Plausibility {
        Plausibility::from_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")).unwrap()
    }

    #[test]
    fn bounds_depend_on_scope_and_unit() {
        let p = rules();
        assert_eq!(p.flag("money_recovered", "yuan", "province", 1e11), "implausible");
        assert_eq!(p.flag("money_recovered", "yuan", "national", 1e11), "");
        assert_eq!(p.flag("money_disbursed", "yuan", "", 3e12), "implausible");
        assert_eq!(p.flag("workers_covered", "person", "county", 47.4), "fractional_count");
        assert_eq!(p.flag("workers_covered", "person", "county", 900.0), "");
        assert_eq!(p.flag("workers_covered", "person_time", "province", 185.14 * 10000.0), "");
        assert_eq!(p.flag("other", "yuan", "county", 1e15), "");
    }

    #[test]
    fn shrinking_bounds_are_rejected_with_their_line() {
        let src = RuleSource::inline(
            "plausibility.toml",
            "whole_units = []\n[[bound]]\nid = \"b\"\nunits = [\"yuan\"]\nmax = { county = 1e9, prefecture = 1e8, province = 1e10, region = 1e11, national = 1e12 }\n",
        );
        assert_eq!(Plausibility::load(&src).err().unwrap().line, 5);
    }
}
