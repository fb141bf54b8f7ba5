//! A stable colour and initial per username, so people tell names apart at a glance.

/// Distinct hues a name can get (`style/main.css` defines `.hue-0` to `.hue-23`, 15° apart;
/// classes rather than inline styles, so the Content-Security-Policy needs no `unsafe-inline`).
pub const HUES: u32 = 24;

/// A hue bucket (0..HUES) derived from the name (FNV-1a): the same on every page and for every
/// reader.
pub fn name_hue(name: &str) -> u32 {
    let hash = name.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    hash % HUES
}

/// The name's first character, upper-cased (`?` for an empty name).
pub fn initial(name: &str) -> String {
    name.chars()
        .next()
        .map_or_else(|| "?".to_owned(), |c| c.to_uppercase().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hues_are_stable_and_spread() {
        assert_eq!(name_hue("alice"), name_hue("alice"));
        assert!(name_hue("alice") < HUES);
        let hues: std::collections::HashSet<u32> = ["alice", "bob", "carol", "dave", "erin"]
            .iter()
            .map(|n| name_hue(n))
            .collect();
        assert!(hues.len() >= 4, "{hues:?}");
    }

    #[test]
    fn initials_handle_any_script() {
        assert_eq!(initial("alice"), "A");
        assert_eq!(initial("élodie"), "É");
        assert_eq!(initial("李"), "李");
        assert_eq!(initial(""), "?");
    }
}
