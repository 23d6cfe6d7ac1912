//! Stage 5 — duplicates: mark later copies of articles and paragraphs, across documents and
//! inside one document, up to OCR noise and layout differences (see `rules/dedup.toml`).
//!
//! Fingerprints are computed per article in parallel ([`fingerprint`]); the index is then fed
//! sequentially in document order ([`DedupIndex::check`]) so the first copy is the original.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasherDefault;
use std::path::Path;

use serde::Deserialize;

use crate::hashing::Prehashed;
use crate::rules::{RuleError, RuleSource};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DedupConfig {
    pub shingle_chars: usize,
    pub sample_modulus: u32,
    pub min_fingerprints: usize,
    pub paragraph_containment: f64,
    pub article_containment: f64,
    /// The memory bound: fingerprints held and articles remembered (rules/dedup.toml).
    pub max_fingerprints: usize,
    pub max_articles: usize,
}

impl DedupConfig {
    pub fn from_dir(dir: &Path) -> Result<Self, RuleError> {
        let src = RuleSource::read(&dir.join("dedup.toml"))?;
        let cfg: DedupConfig = src.parse()?;
        src.in_range("shingle_chars", cfg.shingle_chars, 2..=16)?;
        src.in_range("sample_modulus", cfg.sample_modulus, 1..=64)?;
        src.in_range("min_fingerprints", cfg.min_fingerprints, 1..=1000)?;
        // Thresholds above 0 (0 would call every text a copy of any other) and at most 1.
        src.in_range("paragraph_containment", cfg.paragraph_containment, 0.05..=1.0)?;
        src.in_range("article_containment", cfg.article_containment, 0.05..=1.0)?;
        src.in_range("max_fingerprints", cfg.max_fingerprints, 1 << 10..=1 << 30)?;
        src.in_range("max_articles", cfg.max_articles, 1..=100_000_000)?;
        Ok(cfg)
    }
}

/// Fingerprints of one paragraph.
#[derive(Debug, Clone, Default)]
pub struct ParaPrint {
    pub chars: usize,
    pub hashes: Vec<u32>,
    /// Hashes of the paragraph's figures (runs of digits or Chinese numerals) and of the codes of
    /// the divisions it names, sorted and unique: two texts with other figures or places are
    /// never copies.
    pub salient: Vec<u32>,
}

fn fnv(chars: impl Iterator<Item = u32>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in chars {
        h = (h ^ c as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 29;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^ (h >> 32)
}

/// Characters of a figure: digits and Chinese numerals.
const FIGURE_CHARS: [char; 27] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '零', '〇', '一', '二', '三', '四', '五', '六', '七', '八', '九',
    '十', '百', '千', '万', '亿', '两',
];

/// FIGURE_CHARS as a bit set over the Basic Multilingual Plane (8 KB), where they all lie: one
/// load per character instead of a chain of comparisons.
static FIGURE_SET: [u64; 1024] = {
    let mut set = [0u64; 1024];
    let mut i = 0;
    while i < FIGURE_CHARS.len() {
        let c = FIGURE_CHARS[i] as u32;
        set[(c / 64) as usize] |= 1 << (c % 64);
        i += 1;
    }
    set
};

fn is_figure_char(c: u32) -> bool {
    c < 0x10000 && FIGURE_SET[(c / 64) as usize] >> (c % 64) & 1 == 1
}

/// Letters, digits and CJK ideographs: what a fingerprint is made of. Ideographs and the
/// punctuation of Chinese text are decided by range first, since `is_alphanumeric` looks them
/// up in a slow table (no character of those punctuation blocks is alphanumeric).
fn is_letter(c: char) -> bool {
    match c {
        _ if c.is_ascii() => c.is_ascii_alphanumeric(),
        '\u{4e00}'..='\u{9fff}' => true,
        '\u{2000}'..='\u{206f}' | '\u{3000}'..='\u{3004}' | '\u{3008}'..='\u{3020}' => false,
        _ => c.is_alphanumeric(),
    }
}

/// Fingerprint a paragraph: shingles over its letters, digits and CJK characters only, so
/// punctuation, spacing and full-/half-width differences between renderings do not matter;
/// `places` are the codes of the divisions it names.
pub fn fingerprint(text: &str, places: impl Iterator<Item = u32>, cfg: &DedupConfig) -> ParaPrint {
    // One pass: the skeleton, and the runs of figure characters in it.
    let mut skeleton: Vec<u32> = Vec::with_capacity(text.len() / 2);
    let mut salient: Vec<u32> = Vec::new();
    let mut figure_from: Option<usize> = None;
    for c in text.chars().filter(|&c| is_letter(c)) {
        let c = c.to_ascii_lowercase() as u32;
        match (is_figure_char(c), figure_from) {
            (true, None) => figure_from = Some(skeleton.len()),
            (false, Some(from)) => {
                salient.push(fnv(skeleton[from..].iter().copied()) as u32);
                figure_from = None;
            }
            _ => {}
        }
        skeleton.push(c);
    }
    if let Some(from) = figure_from {
        salient.push(fnv(skeleton[from..].iter().copied()) as u32);
    }
    // Tagged apart from figures: code 320500 and the figure 320500 are different things.
    salient.extend(places.map(|code| fnv([u32::MAX, code].into_iter()) as u32));
    salient.sort_unstable();
    salient.dedup();
    let k = cfg.shingle_chars;
    let modulus = cfg.sample_modulus as u64;
    // A division per shingle costs more than its hash; a power of two needs none.
    let sampled = |h: u64| if modulus.is_power_of_two() { h & (modulus - 1) == 0 } else { h.is_multiple_of(modulus) };
    let mut hashes = Vec::new();
    if skeleton.len() >= k {
        for window in skeleton.windows(k) {
            let h = fnv(window.iter().copied());
            if sampled(h) {
                hashes.push((h >> 16) as u32);
            }
        }
    }
    ParaPrint { chars: skeleton.len(), hashes, salient }
}

/// Fingerprint → the first article that held it, at most `max_fingerprints` of them, in two
/// generations: new fingerprints go to the current map; when it holds half the bound it becomes
/// the previous one and the older previous map is dropped. Exact until the first such turn;
/// after it the most recent half to whole of the bound is kept.
struct Owners {
    current: HashMap<u32, u32, BuildHasherDefault<Prehashed>>,
    previous: HashMap<u32, u32, BuildHasherDefault<Prehashed>>,
    generation: usize,
}

impl Owners {
    fn new(max_fingerprints: usize) -> Self {
        Self { current: HashMap::default(), previous: HashMap::default(), generation: (max_fingerprints / 2).max(1) }
    }

    fn get(&self, hash: u32) -> Option<u32> {
        self.current.get(&hash).or_else(|| self.previous.get(&hash)).copied()
    }

    /// Record `article` for `hash` unless a live article (one at or after `live_from`) has it.
    fn insert(&mut self, hash: u32, article: u32, live_from: u32) {
        // One probe of the current map: the entry, which is also where the new owner goes.
        match self.current.entry(hash) {
            Entry::Occupied(mut e) => {
                if *e.get() < live_from {
                    e.insert(article);
                }
                return;
            }
            Entry::Vacant(e) => {
                if self.previous.get(&hash).is_some_and(|&o| o >= live_from) {
                    return;
                }
                e.insert(article);
            }
        }
        if self.current.len() >= self.generation {
            self.previous = std::mem::take(&mut self.current);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }
}

/// Add `n` hits of `owner`; owners per paragraph are few, so a list beats a map.
fn add_hits(hits: &mut Vec<(u32, usize)>, owner: u32, n: usize) {
    match hits.iter_mut().find(|(o, _)| *o == owner) {
        Some((_, count)) => *count += n,
        None => hits.push((owner, n)),
    }
}

/// The most-hit owner; ties go to the earliest article.
fn most_hit(hits: &[(u32, usize)]) -> Option<u32> {
    hits.iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).map(|&(o, _)| o)
}

/// Whether every element of sorted `part` is in sorted `whole`.
fn subset(part: &[u32], whole: &[u32]) -> bool {
    part.iter().all(|f| whole.binary_search(f).is_ok())
}

/// The verdict on one article.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DupVerdict {
    /// Index (in check order) of the article this one copies.
    pub dup_of: Option<usize>,
    /// Per paragraph: index of the article holding the earlier copy.
    pub para_dup_of: Vec<Option<usize>>,
}

/// The index of the text seen so far, in bounded memory: at most `max_fingerprints`
/// fingerprints (one per kept shingle of new text, about a quarter of its characters) and the
/// salient hashes (4 bytes each) of the last `max_articles` articles. Past either bound the
/// oldest text is forgotten: copies are then found among recent articles only.
pub struct DedupIndex {
    cfg: DedupConfig,
    owners: Owners,
    /// The salient hashes, sorted and unique, of articles `first..first + articles.len()` (in
    /// check order).
    articles: VecDeque<Box<[u32]>>,
    first: usize,
}

impl DedupIndex {
    pub fn new(cfg: DedupConfig) -> Self {
        let owners = Owners::new(cfg.max_fingerprints);
        Self { cfg, owners, articles: VecDeque::new(), first: 0 }
    }

    /// The first article (in check order) still remembered; `dup_of` names no earlier one.
    pub fn remembered_from(&self) -> usize {
        self.first
    }

    /// The salient hashes of article `i`, while it is remembered.
    fn salient_of(&self, i: u32) -> Option<&[u32]> {
        (i as usize).checked_sub(self.first).and_then(|k| self.articles.get(k)).map(|s| &s[..])
    }

    /// Check an article's paragraphs against everything seen before, then remember its new
    /// paragraphs. Articles must be checked in document order.
    pub fn check(&mut self, paras: &[ParaPrint]) -> DupVerdict {
        let me = (self.first + self.articles.len()) as u32;
        let live_from = self.first as u32;
        let mut verdict = DupVerdict { dup_of: None, para_dup_of: vec![None; paras.len()] };
        let mut other_hits = Vec::new();
        let mut hits = Vec::new();
        let mut my_salient: Vec<u32> = Vec::new();
        let (mut dup_chars, mut all_chars) = (0usize, 0usize);
        for (i, p) in paras.iter().enumerate() {
            all_chars += p.chars;
            hits.clear();
            for &h in &p.hashes {
                if let Some(o) = self.owners.get(h).filter(|&o| o >= live_from) {
                    add_hits(&mut hits, o, 1);
                }
            }
            let total: usize = hits.iter().map(|h| h.1).sum();
            let contained = p.hashes.len() >= self.cfg.min_fingerprints
                && total as f64 >= self.cfg.paragraph_containment * p.hashes.len() as f64;
            let owner = most_hit(&hits);
            // This article's own salient hashes are few and unsorted until it is done.
            let same_salient = owner.is_some_and(|o| {
                if o == me {
                    p.salient.iter().all(|f| my_salient.contains(f))
                } else {
                    self.salient_of(o).is_some_and(|s| subset(&p.salient, s))
                }
            });
            if contained && same_salient {
                let owner = owner.expect("same_salient implies an owner");
                verdict.para_dup_of[i] = Some(owner as usize);
                dup_chars += p.chars;
                for &(o, n) in &hits {
                    if o != me {
                        add_hits(&mut other_hits, o, n);
                    }
                }
            } else {
                for &h in &p.hashes {
                    self.owners.insert(h, me, live_from);
                }
            }
            my_salient.extend_from_slice(&p.salient);
        }
        my_salient.sort_unstable();
        my_salient.dedup();
        if all_chars > 0 && dup_chars as f64 >= self.cfg.article_containment * all_chars as f64 {
            verdict.dup_of = most_hit(&other_hits)
                .filter(|&o| self.salient_of(o).is_some_and(|s| subset(&my_salient, s)))
                .map(|o| o as usize);
        }
        self.articles.push_back(my_salient.into_boxed_slice());
        if self.articles.len() > self.cfg.max_articles {
            self.articles.pop_front();
            self.first += 1;
        }
        verdict
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figure_set_holds_exactly_the_figure_characters() {
        for c in (0..0x11_0000u32).filter_map(char::from_u32) {
            assert_eq!(is_figure_char(c as u32), FIGURE_CHARS.contains(&c), "{c:?}");
        }
    }

    fn cfg() -> DedupConfig {
        DedupConfig::from_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")).unwrap()
    }

    /// The divisions the tests' paragraphs name, as the gazetteer would find them.
    const NAMES: &[(&str, u32)] = &[
        ("奉贤区", 310120),
        ("内蒙古", 150000),
        ("广西", 450000),
        ("南宁市", 450100),
        ("江苏", 320000),
        ("苏州市", 320500),
    ];

    fn names(text: &str) -> impl Iterator<Item = u32> + '_ {
        NAMES.iter().filter(move |(n, _)| text.contains(n)).map(|(_, code)| *code)
    }

    fn prints(paras: &[&str]) -> Vec<ParaPrint> {
        paras.iter().map(|p| fingerprint(p, names(p), &cfg())).collect()
    }

    const A: &str = "截至今年9月,该区总工会职工援助律师团队先后为奉贤区数十家企业的被欠薪职工提供法律援助,涉及职工900余人,帮助职工执行到位工资款近1700万元。";
    const B: &str = "内蒙古森林工业集团有限责任公司工会联合中华志愿者协会开展了职工健康服务送医到基层义诊活动,为539名职工及家属提供免费健康咨询与诊断。";

    #[test]
    fn a_second_rendering_with_ocr_noise_is_a_copy_of_the_first() {
        let mut index = DedupIndex::new(cfg());
        let first = index.check(&prints(&[A, B]));
        assert_eq!(first, DupVerdict { dup_of: None, para_dup_of: vec![None, None] });
        let noisy = A.replace(',', ",").replace("律师团队", "律帅团队").replace("900余人", "900 余人");
        let other = index
            .check(&prints(&["全新的一段文字,讲述另外一家工会组织开展技能竞赛的情况,共有七十八名选手参加了比赛。"]));
        assert_eq!(other.dup_of, None);
        let second = index.check(&prints(&[&noisy]));
        assert_eq!(second.dup_of, Some(0));
        assert_eq!(second.para_dup_of, vec![Some(0)]);
    }

    #[test]
    fn briefs_from_one_template_with_other_figures_or_places_are_not_copies() {
        let brief = |city: &str, workers: &str, yuan: &str| {
            format!(
                "本报讯 近日,{city}总工会联合人社部门开展根治欠薪专项行动,深入建筑工地和中小企业走访排查,为{workers}名农民工追回被拖欠的工资{yuan}万元,有力维护了职工合法权益。"
            )
        };
        let mut index = DedupIndex::new(cfg());
        index.check(&prints(&[&brief("广西南宁市", "1200", "3500")]));
        let other_figures = index.check(&prints(&[&brief("广西南宁市", "800", "2100")]));
        assert_eq!(other_figures, DupVerdict { dup_of: None, para_dup_of: vec![None] });
        let other_place = index.check(&prints(&[&brief("江苏苏州市", "1200", "3500")]));
        assert_eq!(other_place, DupVerdict { dup_of: None, para_dup_of: vec![None] });
        let both = index.check(&prints(&[&brief("江苏苏州市", "800", "2100")]));
        assert_eq!(both, DupVerdict { dup_of: None, para_dup_of: vec![None] });
        // The same brief again is still a copy.
        let again = index.check(&prints(&[&brief("广西南宁市", "1200", "3500")]));
        assert_eq!(again.dup_of, Some(0));
    }

    #[test]
    fn a_paragraph_repeated_inside_an_article_is_marked_but_the_article_is_not_a_copy() {
        let mut index = DedupIndex::new(cfg());
        let v = index.check(&prints(&[A, B, A]));
        assert_eq!(v.para_dup_of, vec![None, None, Some(0)]);
        assert_eq!(v.dup_of, None);
    }

    #[test]
    fn headlines_are_too_short_to_judge() {
        let mut index = DedupIndex::new(cfg());
        index.check(&prints(&["义诊暖人心"]));
        assert_eq!(index.check(&prints(&["义诊暖人心"])).para_dup_of, vec![None]);
    }

    /// Well-spread distinct fingerprints, as the shingle hashes are.
    fn fingerprints(n: u32) -> impl Iterator<Item = u32> {
        (1..=n).map(|i| (fnv([i].into_iter()) >> 16) as u32)
    }

    #[test]
    fn below_the_bound_the_owner_table_is_an_exact_first_wins_map() {
        let mut owners = Owners::new(1 << 20);
        let mut exact = HashMap::new();
        for (i, h) in fingerprints(200_000).enumerate() {
            // Every fingerprint twice, the second time by a later article: the first one stays.
            for article in [i as u32 / 7, i as u32 / 7 + 1] {
                owners.insert(h, article, 0);
                exact.entry(h).or_insert(article);
            }
        }
        for h in fingerprints(200_000) {
            assert_eq!(owners.get(h), exact.get(&h).copied());
        }
        assert_eq!(owners.get(0xdead_beef), None);
    }

    #[test]
    fn at_the_bound_the_table_keeps_the_recent_fingerprints_only() {
        let mut owners = Owners::new(1 << 10);
        let all: Vec<u32> = fingerprints(20_000).collect();
        for (i, &h) in all.iter().enumerate() {
            owners.insert(h, i as u32, 0);
            assert!(owners.len() <= 1 << 10);
        }
        // The latest half of the bound is always there, nothing older than the bound.
        for (i, &h) in all.iter().enumerate().rev().take(1 << 9) {
            assert_eq!(owners.get(h), Some(i as u32));
        }
        assert!(all[..all.len() - (1 << 10)].iter().all(|&h| owners.get(h).is_none()));
    }

    #[test]
    fn a_fingerprint_of_a_forgotten_article_is_taken_by_the_next_one() {
        let mut owners = Owners::new(1 << 10);
        owners.insert(42, 3, 0);
        owners.insert(42, 9, 0);
        assert_eq!(owners.get(42), Some(3));
        owners.insert(42, 9, 5);
        assert_eq!(owners.get(42), Some(9));
    }

    #[test]
    fn an_article_past_max_articles_is_forgotten_as_an_original() {
        let mut index = DedupIndex::new(DedupConfig { max_articles: 2, ..cfg() });
        let others = [
            "全新的一段文字,讲述另外一家工会组织开展技能竞赛的情况,共有七十八名选手参加了比赛。",
            "又一段不同的文字,介绍某市总工会为环卫工人送清凉,走访慰问了多个站点的一线职工。",
        ];
        index.check(&prints(&[A]));
        index.check(&prints(&[others[0]]));
        assert_eq!(index.check(&prints(&[A])).dup_of, Some(0), "still remembered");
        index.check(&prints(&[others[1]]));
        index.check(&prints(&[B]));
        // Articles 0-2 are forgotten now: a copy of A is new text again.
        assert_eq!(index.check(&prints(&[A])).dup_of, None);
        assert_eq!(index.check(&prints(&[B])).dup_of, Some(4));
    }

    #[test]
    fn letters_by_range_are_the_alphanumeric_characters() {
        for c in (0..0x3100).chain(0x4e00..0xa000).filter_map(char::from_u32) {
            assert_eq!(is_letter(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn figures_and_place_names_are_salient() {
        let [a, b, c, d] = [
            "为1200名职工追回三千五百万元",
            "为1200名职工追回三千五百万元。",
            "为1201名职工追回三千五百万元",
            "苏州市为1200名职工追回三千五百万元",
        ]
        .map(|t| fingerprint(t, names(t), &cfg()));
        assert_eq!(a.salient.len(), 2);
        assert_eq!(a.salient, b.salient);
        assert_ne!(a.salient, c.salient);
        assert_eq!(d.salient.len(), 3);
    }
}
