//! Event typing: which kind of union work an article reports (`rules/event_types.toml`).

use std::path::Path;

use serde::Deserialize;

use crate::extract::literals::LiteralSet;
use crate::rules::{EVENT_TYPES, IdSet, RuleError, RuleSource, Spanned};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    title_weight: u32,
    lead_weight: u32,
    body_weight: u32,
    #[serde(rename = "type")]
    types: Vec<TypeRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypeRule {
    id: Spanned<String>,
    event_type: Spanned<String>,
    #[serde(default)]
    strong: Vec<String>,
    cues: Vec<String>,
}

pub struct EventTyper {
    weights: [u32; 3],
    types: Vec<(String, String)>,
    /// Cue index → type index.
    cue_type: Vec<usize>,
    /// Cue index → score multiplier.
    cue_weight: Vec<u32>,
    cues: LiteralSet,
}

impl EventTyper {
    pub fn from_dir(dir: &Path) -> Result<Self, RuleError> {
        Self::load(&RuleSource::read(&dir.join("event_types.toml"))?)
    }

    pub fn load(src: &RuleSource) -> Result<Self, RuleError> {
        let file: RuleFile = src.parse()?;
        let mut ids = IdSet::default();
        let mut types = Vec::new();
        let mut words = Vec::new();
        let mut cue_type = Vec::new();
        let mut cue_weight = Vec::new();
        for (i, t) in file.types.iter().enumerate() {
            ids.insert(src, &t.id)?;
            src.one_of(&t.event_type, EVENT_TYPES, "event_type")?;
            if t.cues.iter().any(|c| c.is_empty()) {
                return Err(src.error(t.id.span(), "empty cue word"));
            }
            types.push((t.id.get_ref().clone(), t.event_type.get_ref().clone()));
            for (c, w) in
                t.strong.iter().map(|c| (c, 3)).chain(t.cues.iter().filter(|c| !t.strong.contains(c)).map(|c| (c, 1)))
            {
                words.push(c.clone());
                cue_type.push(i);
                cue_weight.push(w);
            }
        }
        let cues = LiteralSet::new(&words).map_err(|e| src.error(0..0, format!("cue words: {e}")))?;
        Ok(Self { weights: [file.title_weight, file.lead_weight, file.body_weight], types, cue_type, cue_weight, cues })
    }

    /// The event type and the id of the rule that decided it: the headline's cues decide,
    /// then the lead paragraph's, then the body's (weights per part; ties go to the type
    /// listed first in the rule file).
    pub fn classify(&self, title: &str, lead: &str, body: &str) -> (&str, &str) {
        for (part, weight) in [title, lead, body].into_iter().zip(self.weights) {
            let mut score = vec![0u32; self.types.len()];
            let mut seen = vec![false; self.cue_type.len()];
            for m in self.cues.find_iter(part) {
                let cue = m.pattern;
                if !seen[cue] {
                    seen[cue] = true;
                    score[self.cue_type[cue]] += weight * self.cue_weight[cue];
                }
            }
            // max_by_key keeps the last maximum, so scan reversed for the first listed.
            if let Some((i, s)) = score.iter().enumerate().rev().max_by_key(|(_, s)| **s)
                && *s > 0
            {
                return (&self.types[i].1, &self.types[i].0);
            }
        }
        ("other", "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typer() -> EventTyper {
        EventTyper::from_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")).unwrap()
    }

    #[test]
    fn headline_cues_dominate() {
        let t = typer();
        assert_eq!(
            t.classify("某区工会助80名农民工讨回欠薪", "近日,某区工会联合法院调解一起劳动纠纷。", "律师参与调解。").0,
            "wage_recovery"
        );
        assert_eq!(
            t.classify("市总工会举办职工技能大赛", "日前,比赛在某市举行。", "共有选手参赛,工会慰问了参赛职工。").0,
            "skills"
        );
        assert_eq!(
            t.classify("某市快递行业签订集体合同", "11月3日,行业工会与协会签订集体合同。", "").0,
            "collective_bargaining"
        );
        assert_eq!(t.classify("新闻", "某地举行座谈。", "").0, "other");
    }

    #[test]
    fn unknown_event_type_is_rejected_with_its_line() {
        let src = RuleSource::inline(
            "event_types.toml",
            "title_weight = 5\nlead_weight = 2\nbody_weight = 1\n[[type]]\nid = \"a\"\nevent_type = \"wages\"\ncues = [\"欠薪\"]\n",
        );
        let err = EventTyper::load(&src).err().unwrap();
        assert_eq!(err.line, 6);
    }
}
