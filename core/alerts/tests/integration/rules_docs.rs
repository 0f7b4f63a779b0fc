//! docs/rules.md, the rule catalogue in code and the seed text stay in step: every rule quotes a
//! real seed sentence, and every threshold is documented with its default and bounds.

use twitchwatch_rules::{PARAMETERS, RULES};

fn read(rel: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_rule_quotes_the_seed_verbatim_and_is_documented() {
    let seed = read("../../../shared/seed/000_f61e87517fdf7432.txt");
    let docs = read("../../docs/rules.md");
    for rule in RULES.iter() {
        assert!(
            seed.contains(rule.seed_sentence.as_str()),
            "{}: not a sentence of the seed: {}",
            rule.id,
            rule.seed_sentence
        );
        assert!(
            docs.contains(&format!("### `{}`", rule.id.as_str()))
                || (rule.id.as_str() == "lifestyle_link"
                    && docs.contains("### `lifestyle:<factor>`")),
            "{} has no section in docs/rules.md",
            rule.id
        );
        assert!(
            docs.contains(&format!("> {}", rule.seed_sentence)),
            "docs/rules.md does not quote the basis of {}",
            rule.id
        );
    }
    // Every block quote in the docs is the seed's own words.
    for quote in docs.lines().filter_map(|l| l.strip_prefix("> ")) {
        assert!(seed.contains(quote), "docs quote not in the seed: {quote}");
    }
}

#[test]
fn every_threshold_is_documented_with_its_default_and_bounds() {
    let docs = read("../../docs/rules.md");
    for p in PARAMETERS {
        let row = docs
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", p.key)))
            .unwrap_or_else(|| panic!("{} missing from the thresholds table", p.key));
        assert!(
            row.contains(&format!("| {} | {}–{} |", p.default, p.min, p.max)),
            "{} row out of date: {row}",
            p.key
        );
    }
}
