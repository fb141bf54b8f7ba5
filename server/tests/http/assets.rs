//! The browser bundle: linked by content-hashed names, served precompressed, cached forever.

use crate::support::spawn_app_with_site;
use reqwest::{header, StatusCode};

const SITE: [(&str, &[u8]); 5] = [
    ("pkg/chat.js", b"export default function init() {}"),
    ("pkg/chat.wasm", b"\0asm\x01\0\0\0"),
    ("pkg/chat.css", b"body { margin: 0 }"),
    ("pkg/chat.wasm.br", b"brotli copy"),
    ("pkg/chat.wasm.gz", b"gzip copy"),
];

/// The bundle's hashed name as the page links its stylesheet (`chat.<16 hex digits>`).
fn linked_name(html: &str) -> String {
    let start = html.find("/pkg/chat.").expect("a link to the bundle") + "/pkg/".len();
    let name = &html[start..start + "chat.".len() + 16];
    assert!(
        name["chat.".len()..].chars().all(|c| c.is_ascii_hexdigit()),
        "{name}"
    );
    name.to_owned()
}

/// The wasm file the page preloads (and its script loads).
fn wasm_link(html: &str) -> &str {
    let end = html.find(".wasm\"").expect("a link to the wasm") + ".wasm".len();
    let start = html[..end].rfind('"').expect("an opening quote") + 1;
    &html[start..end]
}

#[tokio::test]
async fn pages_link_the_bundle_by_a_hash_of_its_contents() {
    let app = spawn_app_with_site(&SITE).await;
    let html = app.get_page("/", None).await.text().await.unwrap();
    let name = linked_name(&html);
    for file in [".css\"", ".js\""] {
        assert!(
            html.contains(&format!("/pkg/{name}{file}")),
            "{file} in {html}"
        );
    }
    assert!(
        wasm_link(&html).starts_with(&format!("/pkg/{name}")),
        "{html}"
    );
    assert!(!html.contains("/pkg/chat.css"), "{html}");

    // Another build (here: another stylesheet) gets another name.
    let mut other = SITE;
    other[2] = ("pkg/chat.css", b"body { margin: 1px }");
    let app2 = spawn_app_with_site(&other).await;
    let html2 = app2.get_page("/", None).await.text().await.unwrap();
    assert_ne!(linked_name(&html2), name);
}

#[tokio::test]
async fn hashed_files_are_cached_forever_and_sent_precompressed() {
    let app = spawn_app_with_site(&SITE).await;
    let html = app.get_page("/", None).await.text().await.unwrap();
    let url = format!("{}{}", app.base, wasm_link(&html));
    for (accepts, encoding, body) in [
        ("br, gzip", Some("br"), &b"brotli copy"[..]),
        ("gzip", Some("gzip"), b"gzip copy"),
        ("identity", None, b"\0asm\x01\0\0\0"),
    ] {
        let res = app
            .client
            .get(&url)
            .header(header::ACCEPT_ENCODING, accepts)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{accepts}");
        let headers = res.headers().clone();
        assert_eq!(
            headers.get(header::CACHE_CONTROL).unwrap(),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(headers.get(header::VARY).unwrap(), "accept-encoding");
        assert_eq!(
            headers.get(header::CONTENT_TYPE).unwrap(),
            "application/wasm"
        );
        assert_eq!(
            headers
                .get(header::CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap()),
            encoding,
            "{accepts}"
        );
        // The security headers every answer carries.
        assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(&res.bytes().await.unwrap()[..], body, "{accepts}");
    }
}

#[tokio::test]
async fn other_names_are_revalidated_and_unknown_versions_are_not_found() {
    let app = spawn_app_with_site(&SITE).await;
    let plain = app
        .client
        .get(format!("{}/pkg/chat.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(
        plain.headers().get(header::CACHE_CONTROL).unwrap(),
        "no-cache"
    );

    for missing in [
        "chat.ffffffffffffffff.js",
        "chat.0123456789abcdef.wasm",
        "nothing.js",
    ] {
        let res = app
            .client
            .get(format!("{}/pkg/{missing}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{missing}");
        assert!(
            res.headers().get(header::CACHE_CONTROL).is_none(),
            "{missing}"
        );
    }
}

#[tokio::test]
async fn pages_are_compressed_as_browsers_ask_zstd_first() {
    let app = spawn_app_with_site(&SITE).await;
    let plain = app.get_page("/", None).await.text().await.unwrap();
    for (accepts, encoding) in [
        // What Chromium sends: zstd is cheaper than gzip and smaller.
        ("gzip, deflate, br, zstd", Some("zstd")),
        ("gzip", Some("gzip")),
        ("identity", None),
    ] {
        let res = app
            .client
            .get(format!("{}/", app.base))
            .header(header::ACCEPT_ENCODING, accepts)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{accepts}");
        assert_eq!(
            res.headers()
                .get(header::CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap().to_owned())
                .as_deref(),
            encoding,
            "{accepts}"
        );
        let body = res.bytes().await.unwrap();
        match encoding {
            Some("zstd") => {
                let html = String::from_utf8(zstd::decode_all(&body[..]).unwrap()).unwrap();
                // The same page, but for its per-answer nonce.
                assert_eq!(html.len(), plain.len(), "{accepts}");
                assert!(html.contains("</html>"), "{accepts}");
            }
            Some(_) => assert_eq!(&body[..2], b"\x1f\x8b", "gzip's magic number"),
            None => assert_eq!(body.len(), plain.len(), "{accepts}"),
        }
    }
}
