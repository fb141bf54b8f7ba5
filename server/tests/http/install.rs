//! Installable and themed: the manifest and icons the page links are served with the right
//! types and sizes, and the chosen colour theme is remembered and rendered from the first byte.

use crate::support::{location, spawn_app, spawn_app_with_site};
use reqwest::{header, StatusCode};

/// The files of `public/`, as cargo-leptos copies them into the site root.
const PUBLIC: [(&str, &[u8]); 4] = [
    (
        "manifest.webmanifest",
        include_bytes!("../../../public/manifest.webmanifest"),
    ),
    ("icon.svg", include_bytes!("../../../public/icon.svg")),
    (
        "icon-192.png",
        include_bytes!("../../../public/icon-192.png"),
    ),
    (
        "icon-512.png",
        include_bytes!("../../../public/icon-512.png"),
    ),
];

/// The width and height in a PNG's header.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

#[tokio::test]
async fn the_manifest_and_every_icon_it_names_are_served() {
    let app = spawn_app_with_site(&PUBLIC).await;
    let html = app.get_page("/", None).await.text().await.unwrap();
    for link in [
        r#"<link rel="manifest" href="/manifest.webmanifest""#,
        r#"<link rel="icon" href="/icon.svg" type="image/svg+xml""#,
        r#"<link rel="apple-touch-icon" href="/icon-192.png""#,
        r##"<meta name="theme-color" media="(prefers-color-scheme: light)" content="#ffffff""##,
        r##"<meta name="theme-color" media="(prefers-color-scheme: dark)" content="#181b22""##,
    ] {
        assert!(html.contains(link), "{link} in {html}");
    }

    let res = app
        .client
        .get(format!("{}/manifest.webmanifest", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/manifest+json"
    );
    let manifest: serde_json::Value = res.json().await.unwrap();
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["start_url"], "/");
    let icons = manifest["icons"].as_array().expect("icons");
    let mut pngs = Vec::new();
    for icon in icons {
        let src = icon["src"].as_str().expect("src");
        let res = app
            .client
            .get(format!("{}{src}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{src}");
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            icon["type"].as_str().unwrap(),
            "{src}"
        );
        let bytes = res.bytes().await.unwrap();
        if let Some(sizes) = icon["sizes"].as_str().filter(|s| *s != "any") {
            let (w, h) = png_size(&bytes);
            assert_eq!(format!("{w}x{h}"), sizes, "{src}");
            pngs.push(w);
        }
    }
    // What browsers ask of an installable app: a 192 and a 512 pixel icon.
    assert_eq!(pngs, [192, 512]);
}

#[tokio::test]
async fn a_chosen_theme_is_remembered_and_rendered_from_the_first_byte() {
    let app = spawn_app().await;
    let html = app.get_page("/", None).await.text().await.unwrap();
    assert!(
        html.contains(r#"<html lang="en">"#),
        "no theme attribute: {html}"
    );

    // Without JavaScript: the form answers with the cookie and sends the browser back.
    let res = app
        .post_form("set_theme", &[("theme", "dark")], "/login", None)
        .await;
    assert!(res.status().is_redirection(), "{}", res.status());
    // Back where the form was (leptos_axum answers with the Referer's address).
    let back = location(&res);
    assert!(back.starts_with(&format!("{}/login", app.base)), "{back}");
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("chat_theme=dark;"), "{cookie}");

    let html = app
        .get_page("/", Some("chat_theme=dark"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"<html lang="en" data-theme="dark">"#),
        "{html}"
    );
    // The browser's bars follow the choice, whatever the system prefers.
    assert!(
        html.contains(r##"media="(prefers-color-scheme: light)" content="#181b22""##),
        "{html}"
    );
    assert!(
        html.contains(r#"aria-pressed="true">Dark</button>"#),
        "{html}"
    );

    // Back to the system's: the cookie is forgotten.
    let res = app
        .call("set_theme", &[("theme", "system")], Some("chat_theme=dark"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
}

#[tokio::test]
async fn an_unknown_theme_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let res = app.call("set_theme", &[("theme", "neon")], None).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.headers().get(header::SET_COOKIE).is_none());
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Choose the system's theme, light or dark."));
    // A forged cookie is ignored.
    let html = app
        .get_page("/", Some("chat_theme=%22%3E"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<html lang="en">"#), "{html}");
}
