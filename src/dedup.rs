//! Stage 5 — duplicates: mark later copies of articles and paragraphs, across documents and
//! inside one document, up to OCR noise and layout differences (see `rules/dedup.toml`).
//!
//! Fingerprints are computed per article in parallel ([`fingerprint`]); the index is then fed
//! sequentially in document order ([`DedupIndex::check`]) so the first copy is the original.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::rules::{RuleError, RuleSource};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DedupConfig {
    pub shingle_chars: usize,
    pub sample_modulus: u32,
    pub min_fingerprints: usize,
    pub paragraph_containment: f64,
    pub article_containment: f64,
}

impl DedupConfig {
    pub fn from_dir(dir: &Path) -> Result<Self, RuleError> {
        let src = RuleSource::read(&dir.join("dedup.toml"))?;
        let cfg: DedupConfig = src.parse()?;
        let bad = |msg: &str| src.error(0..0, msg.to_string());
        if !(2..=16).contains(&cfg.shingle_chars) {
            return Err(bad("shingle_chars must be 2..=16"));
        }
        if cfg.sample_modulus == 0 {
            return Err(bad("sample_modulus must be at least 1"));
        }
        if !(0.0..=1.0).contains(&cfg.paragraph_containment) || !(0.0..=1.0).contains(&cfg.article_containment) {
            return Err(bad("containment thresholds must be within 0..=1"));
        }
        Ok(cfg)
    }
}

/// Fingerprints of one paragraph.
#[derive(Debug, Clone, Default)]
pub struct ParaPrint {
    pub chars: usize,
    pub hashes: Vec<u32>,
}

/// Fingerprint a paragraph: shingles over its letters, digits and CJK characters only, so
/// punctuation, spacing and full-/half-width differences between renderings do not matter.
pub fn fingerprint(text: &str, cfg: &DedupConfig) -> ParaPrint {
    let skeleton: Vec<u32> =
        text.chars().filter(|c| c.is_alphanumeric()).map(|c| c.to_ascii_lowercase() as u32).collect();
    let k = cfg.shingle_chars;
    let mut hashes = Vec::new();
    if skeleton.len() >= k {
        for window in skeleton.windows(k) {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for &c in window {
                h = (h ^ c as u64).wrapping_mul(0x0000_0100_0000_01b3);
            }
            h ^= h >> 29;
            h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
            h ^= h >> 32;
            if (h % cfg.sample_modulus as u64) == 0 {
                hashes.push((h >> 16) as u32);
            }
        }
    }
    ParaPrint { chars: skeleton.len(), hashes }
}

/// The verdict on one article.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DupVerdict {
    /// Index (in check order) of the article this one copies.
    pub dup_of: Option<usize>,
    /// Per paragraph: index of the article holding the earlier copy.
    pub para_dup_of: Vec<Option<usize>>,
}

pub struct DedupIndex {
    cfg: DedupConfig,
    owner: HashMap<u32, u32>,
    next: usize,
}

impl DedupIndex {
    pub fn new(cfg: DedupConfig) -> Self {
        Self { cfg, owner: HashMap::new(), next: 0 }
    }

    /// Check an article's paragraphs against everything seen before, then remember its new
    /// paragraphs. Articles must be checked in document order.
    pub fn check(&mut self, paras: &[ParaPrint]) -> DupVerdict {
        let me = self.next as u32;
        self.next += 1;
        let mut verdict = DupVerdict { dup_of: None, para_dup_of: vec![None; paras.len()] };
        let mut other_hits: HashMap<u32, usize> = HashMap::new();
        let (mut dup_chars, mut all_chars) = (0usize, 0usize);
        for (i, p) in paras.iter().enumerate() {
            all_chars += p.chars;
            let mut hits: HashMap<u32, usize> = HashMap::new();
            for h in &p.hashes {
                if let Some(&o) = self.owner.get(h) {
                    *hits.entry(o).or_default() += 1;
                }
            }
            let total: usize = hits.values().sum();
            let repeated = p.hashes.len() >= self.cfg.min_fingerprints
                && total as f64 >= self.cfg.paragraph_containment * p.hashes.len() as f64;
            if repeated {
                // Most-hit owner; ties go to the earliest article.
                let (&owner, _) =
                    hits.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).expect("repeated implies hits");
                verdict.para_dup_of[i] = Some(owner as usize);
                dup_chars += p.chars;
                for (o, n) in hits {
                    if o != me {
                        *other_hits.entry(o).or_default() += n;
                    }
                }
            } else {
                for h in &p.hashes {
                    self.owner.entry(*h).or_insert(me);
                }
            }
        }
        if all_chars > 0 && dup_chars as f64 >= self.cfg.article_containment * all_chars as f64 {
            verdict.dup_of = other_hits.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|(&o, _)| o as usize);
        }
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> DedupConfig {
        DedupConfig::from_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")).unwrap()
    }

    const A: &str = "截至今年9月,该区总工会职工援助律师团队先后为奉贤区数十家企业的被欠薪职工提供法律援助,涉及职工900余人,帮助职工执行到位工资款近1700万元。";
    const B: &str = "内蒙古森林工业集团有限责任公司工会联合中华志愿者协会开展了职工健康服务送医到基层义诊活动,为539名职工及家属提供免费健康咨询与诊断。";

    #[test]
    fn a_second_rendering_with_ocr_noise_is_a_copy_of_the_first() {
        let c = cfg();
        let mut index = DedupIndex::new(c.clone());
        let first = index.check(&[fingerprint(A, &c), fingerprint(B, &c)]);
        assert_eq!(first, DupVerdict { dup_of: None, para_dup_of: vec![None, None] });
        let noisy = A.replace(',', ",").replace("律师团队", "律帅团队").replace("900余人", "900 余人");
        let other = index.check(&[fingerprint(
            "全新的一段文字,讲述另外一家工会组织开展技能竞赛的情况,共有七十八名选手参加了比赛。",
            &c,
        )]);
        assert_eq!(other.dup_of, None);
        let second = index.check(&[fingerprint(&noisy, &c)]);
        assert_eq!(second.dup_of, Some(0));
        assert_eq!(second.para_dup_of, vec![Some(0)]);
    }

    #[test]
    fn a_paragraph_repeated_inside_an_article_is_marked_but_the_article_is_not_a_copy() {
        let c = cfg();
        let mut index = DedupIndex::new(c.clone());
        let v = index.check(&[fingerprint(A, &c), fingerprint(B, &c), fingerprint(A, &c)]);
        assert_eq!(v.para_dup_of, vec![None, None, Some(0)]);
        assert_eq!(v.dup_of, None);
    }

    #[test]
    fn headlines_are_too_short_to_judge() {
        let c = cfg();
        let mut index = DedupIndex::new(c.clone());
        index.check(&[fingerprint("义诊暖人心", &c)]);
        assert_eq!(index.check(&[fingerprint("义诊暖人心", &c)]).para_dup_of, vec![None]);
    }
}
