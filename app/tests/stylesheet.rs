//! Every colour pair the stylesheet puts text in meets WCAG AA (4.5:1) in both themes, the 24
//! name colours included. The stylesheet gives each colour as `light-dark(#light, #dark)`.

use std::collections::HashMap;

const CSS: &str = include_str!("../../style/main.css");

/// An sRGB colour.
#[derive(Debug, Clone, Copy)]
struct Rgb([u8; 3]);

impl Rgb {
    fn parse(hex: &str) -> Rgb {
        let hex = hex.trim().trim_start_matches('#');
        assert_eq!(hex.len(), 6, "#rrggbb expected, got {hex}");
        let channel = |at: usize| u8::from_str_radix(&hex[at..at + 2], 16).expect(hex);
        Rgb([channel(0), channel(2), channel(4)])
    }

    /// Relative luminance (WCAG 2.1).
    fn luminance(self) -> f64 {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        let [r, g, b] = self.0.map(linear);
        0.2126 * r + 0.7152 * g + 0.0722 * b
    }

    fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }
}

/// Each `--name: light-dark(#light, #dark)` of the stylesheet; a hue class's `--name` is stored
/// as `name-N`.
fn colours() -> HashMap<String, (Rgb, Rgb)> {
    let mut found = HashMap::new();
    let mut hue: Option<String> = None;
    for line in CSS.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix(".hue-") {
            hue = rest.split_whitespace().next().map(|n| format!("name-{n}"));
        }
        let mut rest = line;
        while let Some(start) = rest.find("--") {
            rest = &rest[start + 2..];
            let Some((name, value)) = rest.split_once(':') else {
                break;
            };
            let value = value.trim_start();
            // Only hex pairs carry text colours (shadows are `rgb()`).
            if let Some(pair) = value.strip_prefix("light-dark(#") {
                let (pair, _) = pair.split_once(')').expect("closing parenthesis");
                let (light, dark) = pair.split_once(',').expect("two colours");
                let key = match (&hue, name) {
                    (Some(h), "name") => h.clone(),
                    _ => name.to_owned(),
                };
                found.insert(key, (Rgb::parse(light), Rgb::parse(dark)));
            }
        }
        if line.ends_with('}') {
            hue = None;
        }
    }
    found
}

/// Text colours and the backgrounds each appears on.
const PAIRS: &[(&str, &[&str])] = &[
    (
        "text",
        &["bg", "surface", "bubble", "mine", "field", "code", "mark"],
    ),
    ("muted", &["bg", "surface", "bubble", "mine", "field"]),
    ("accent", &["bg", "surface", "bubble", "mine"]),
    ("error", &["bg", "surface", "bubble", "mine"]),
    ("moderator", &["surface", "bubble", "mine"]),
    ("owner", &["surface", "bubble", "mine"]),
    ("on-button", &["button", "danger"]),
];

fn check(fg: &str, bg: &str, colours: &HashMap<String, (Rgb, Rgb)>, failures: &mut Vec<String>) {
    let (Some(f), Some(b)) = (colours.get(fg), colours.get(bg)) else {
        failures.push(format!("--{fg} or --{bg} is not a light-dark() pair"));
        return;
    };
    for (theme, f, b) in [("light", f.0, b.0), ("dark", f.1, b.1)] {
        let ratio = f.contrast(b);
        if ratio < 4.5 {
            failures.push(format!("--{fg} on --{bg} ({theme}): {ratio:.2}:1"));
        }
    }
}

#[test]
fn every_text_colour_meets_aa_on_its_backgrounds_in_both_themes() {
    let colours = colours();
    let mut failures = Vec::new();
    for (fg, backgrounds) in PAIRS {
        for bg in *backgrounds {
            check(fg, bg, &colours, &mut failures);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn all_24_name_colours_meet_aa_as_text_and_under_their_initial() {
    let colours = colours();
    let mut failures = Vec::new();
    for n in 0..24 {
        let name = format!("name-{n}");
        for bg in ["bg", "surface", "bubble", "mine"] {
            check(&name, bg, &colours, &mut failures);
        }
        // The avatar: the initial in the surface colour on the name's colour.
        check("surface", &name, &colours, &mut failures);
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        !colours.contains_key("name-24"),
        "more hues than avatar.rs knows"
    );
}

#[test]
fn the_check_itself_catches_a_poor_pair() {
    let grey = Rgb::parse("#777777");
    let white = Rgb::parse("#ffffff");
    assert!(grey.contrast(white) < 4.5);
    assert!((Rgb::parse("#000000").contrast(white) - 21.0).abs() < 0.01);
}
