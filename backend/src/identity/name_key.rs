//! The keys of a username that decide who owns it: a name sharing any key with a claimed name
//! is that name. The keys fold what a reader cannot tell apart: case, compatibility forms
//! (full-width letters, ligatures), look-alike characters (UTS #39 confusable skeleton:
//! Cyrillic `а` is Latin `a`, `rn` is `m`, `0` is `O`) and runs of spaces. Invisible
//! characters never get this far (`Username` refuses them).
//!
//! Case and look-alikes interact (`l` looks like `I`, the capital of `i`), so a name has
//! several keys, all taken when it is claimed: the skeleton after case folding (`ALICE` is
//! `alice`), before it (`AIice` with a capital I is `Alice`), and of the name in capitals
//! (`Mlke` looks like `MIKE`, which is `Mike`); each of the name as typed and of its
//! compatibility form (a vertical bar `︱` looks like `l` although its compatibility form is a
//! dash).

use domain::Username;
use unicode_normalization::UnicodeNormalization;
use unicode_security::confusable_detection::skeleton;

/// Every key of `name`, without repeats; the first is the one that names its claim.
pub fn name_keys(name: &Username) -> Vec<String> {
    keys_of(name.as_str())
}

/// The key that names the claim on `name` (the first of [`name_keys`]).
pub fn name_key(name: &Username) -> String {
    let nfkc: String = name.as_str().nfkc().collect();
    folded_first(&nfkc)
}

/// The keys of a name as stored (names are parsed once, when claimed, never again).
pub fn keys_of(name: &str) -> Vec<String> {
    let nfkc: String = name.nfkc().collect();
    let mut keys = Vec::with_capacity(6);
    for form in [nfkc.as_str(), name] {
        let capitals: String = form.chars().flat_map(char::to_uppercase).collect();
        for key in [
            folded_first(form),
            mapped_first(form),
            mapped_first(&capitals),
        ] {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

/// Case folded, then look-alikes mapped.
fn folded_first(text: &str) -> String {
    finish(&lower(text))
}

/// Look-alikes mapped, then case folded, then mapped again.
fn mapped_first(text: &str) -> String {
    finish(&lower(&skeleton(text).collect::<String>()))
}

fn lower(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

/// Maps look-alikes, lower-cases again (a skeleton may map to a capital prototype) and
/// collapses runs of spaces.
fn finish(text: &str) -> String {
    let key = lower(&skeleton(text).collect::<String>());
    key.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The keys of `raw` (some of the names below mix scripts, which `Username` refuses
    /// anyway: their keys are checked all the same).
    fn keys(raw: &str) -> Vec<String> {
        keys_of(raw)
    }

    fn same(a: &str, b: &str) -> bool {
        let theirs = keys(b);
        keys(a).iter().any(|key| theirs.contains(key))
    }

    #[test]
    fn case_and_width_do_not_make_a_new_name() {
        for (a, b) in [
            ("Alice", "alice"),
            ("ALICE", "alice"),
            ("ａｌｉｃｅ", "alice"),
            ("ﬁona", "fiona"),
            ("Ivan", "ivan"),
        ] {
            assert!(same(a, b), "{a} = {b}");
        }
        assert_eq!(name_key(&Username::parse("Alice").unwrap()), "alice");
        assert_eq!(keys("Alice")[0], "alice", "the folded key comes first");
    }

    #[test]
    fn look_alikes_are_the_same_name_whatever_the_case() {
        for (a, b) in [
            ("\u{430}lic\u{435}", "alice"),
            ("b\u{3bf}b", "bob"),
            ("paypal", "paypa1"),
            ("rnallory", "mallory"),
            ("al ice", "al   ice"),
            ("e\u{301}lodie", "\u{e9}lodie"),
            // Capitals that look like another small letter.
            ("AIice", "Alice"),
            ("BiII", "Bill"),
            ("A\u{fe31}ice", "Alice"),
            ("Mlke", "Mike"),
            ("lvan", "Ivan"),
            // Whole words in another script: Cyrillic ТОМ, Greek ΝΙΝΑ and νινα.
            ("\u{422}\u{41e}\u{41c}", "Tom"),
            ("\u{39d}\u{399}\u{39d}\u{391}", "Nina"),
            ("\u{3bd}\u{3b9}\u{3bd}\u{3b1}", "Nina"),
        ] {
            assert!(same(a, b), "{a} = {b}: {:?} vs {:?}", keys(a), keys(b));
        }
    }

    #[test]
    fn different_names_stay_different() {
        for (a, b) in [
            ("alice", "alicia"),
            ("bob", "bobby"),
            ("李", "王"),
            ("élodie", "elodie"),
        ] {
            assert!(!same(a, b), "{a} ≠ {b}");
        }
    }

    /// Every character whose skeleton is a single ASCII letter, by that letter: the confusables
    /// table turned around.
    fn confusables_by_letter() -> BTreeMap<char, Vec<char>> {
        let mut table: BTreeMap<char, Vec<char>> = BTreeMap::new();
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            let mut prototype = skeleton(c.encode_utf8(&mut [0; 4])).collect::<Vec<_>>();
            if let [p] = prototype.as_mut_slice() {
                if p.is_ascii_alphabetic() && *p != c {
                    table.entry(*p).or_default().push(c);
                }
            }
        }
        table
    }

    /// For common names, every single-character substitution from the confusables table, of
    /// each letter in lower and upper case, makes a name that is refused while the original is
    /// claimed: either `Username` refuses it (mixed scripts, invisible characters) or it shares
    /// a key with the original.
    #[test]
    fn every_confusable_substitution_of_common_names_is_refused() {
        const NAMES: &[&str] = &[
            "Alice",
            "Bob",
            "Bill",
            "Tom",
            "Mike",
            "Nina",
            "Ivan",
            "Olga",
            "Paul",
            "Emma",
            "Liam",
            "Noah",
            "Oliver",
            "James",
            "Sophia",
            "Isabella",
            "Mia",
            "Lucas",
            "Henry",
            "Ella",
            "Jack",
            "Chloe",
            "Daniel",
            "Grace",
            "Samuel",
            "Zoe",
            "Leo",
            "Ruby",
            "Hugo",
            "Clara",
            "admin",
            "moderator",
            "support",
            "Max",
            "Kim",
            "Yuki",
            "Omar",
            "Fatima",
            "Wei",
            "Xavier",
            "Quinn",
            "Vera",
            "Uma",
            "Jordan",
            "Kelly",
            "Philipp",
            "Rolf",
        ];
        let table = confusables_by_letter();
        let mut checked = 0;
        for name in NAMES {
            let original = Username::parse(name).unwrap();
            let claimed = name_keys(&original);
            let chars: Vec<char> = name.chars().collect();
            for (at, letter) in chars.iter().enumerate() {
                let targets = [letter.to_ascii_lowercase(), letter.to_ascii_uppercase()];
                let substitutes = targets
                    .iter()
                    .flat_map(|t| table.get(t).into_iter().flatten())
                    .chain(&targets);
                for substitute in substitutes {
                    let mut copy = chars.clone();
                    copy[at] = *substitute;
                    let copy: String = copy.into_iter().collect();
                    checked += 1;
                    let Ok(parsed) = Username::parse(&copy) else {
                        continue;
                    };
                    let shares_a_key = name_keys(&parsed).iter().any(|k| claimed.contains(k));
                    assert!(
                        shares_a_key,
                        "{copy:?} (U+{:04X} for {letter:?} in {name}) would be accepted \
                         beside {name}: {:?} vs {claimed:?}",
                        u32::from(*substitute),
                        name_keys(&parsed)
                    );
                }
            }
        }
        eprintln!("{checked} substitutions checked");
        assert!(checked > 10_000, "only {checked} substitutions checked");
    }
}
