fn main() {
    let p = std::env::args().nth(1).unwrap();
    let s = laborfacts::segment::Segmenter::from_dir(std::path::Path::new("rules")).unwrap();
    let text = std::fs::read_to_string(&p).unwrap();
    let doc = s.normalizer().normalize(&text);
    for a in s.segment(&doc) {
        println!("=== #{} {} lead={} title={}", a.index, a.kind, a.lead, a.title);
        for p in &a.paras { let t = &doc.text[p.start..p.end]; println!("   {:?} {}", p.role, t.chars().take(40).collect::<String>()); }
    }
}
