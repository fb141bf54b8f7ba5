//! The browser bundle (the app's wasm, its JS loader and the CSS) under content-hashed names,
//! served precompressed and cached forever.
//!
//! The names are made here, once at start, from a hash of the three files: pages link
//! `/pkg/chat.<version>.js` (and `.wasm`, `.css`), which this module maps back to the files
//! cargo-leptos built. A new build has a new version, so a browser may keep a file as long as it
//! likes (`immutable`) and still never runs a stale bundle with a new page.

use axum::{
    body::Body,
    extract::{Path, Request},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use leptos::config::Env;
use leptos::prelude::LeptosOptions;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// The extensions of the bundle's files, each `<output name>.<extension>` in the pkg folder.
const BUNDLE: [&str; 3] = ["js", "wasm", "css"];

/// How long a hashed file may be kept: a year, the longest caches honour.
const FOREVER: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
/// Anything else under /pkg (e.g. wasm-bindgen's snippets) is checked again on every use.
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// The built bundle: where its files are and the version in its public names.
#[derive(Clone, Debug)]
pub struct Bundle {
    /// The output name cargo-leptos gave the files (`chat`).
    name: String,
    /// A hash of the three files' contents.
    version: String,
    /// The folder served as `/pkg`.
    pkg_dir: PathBuf,
}

impl Bundle {
    /// Loads the built bundle and has pages link it by its hashed name (`options`' output
    /// name). In development (`cargo leptos watch`) the files change while the server runs:
    /// they keep their plain names there, and `None` is returned.
    pub fn link(options: &mut LeptosOptions) -> Option<Self> {
        if options.env == Env::DEV {
            return None;
        }
        let bundle = Self::load(options);
        match &bundle {
            Some(bundle) => options.output_name = bundle.public_name().into(),
            None => tracing::warn!(
                site_root = %options.site_root,
                "no built bundle in the site root: pages will not hydrate"
            ),
        }
        bundle
    }

    /// Hashes the bundle in the site's pkg folder; `None` when it has not been built (the
    /// integration tests serve no wasm).
    fn load(options: &LeptosOptions) -> Option<Self> {
        let pkg_dir = PathBuf::from(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
        let name = options.output_name.to_string();
        let mut hash = Sha256::new();
        for extension in BUNDLE {
            let contents = std::fs::read(pkg_dir.join(format!("{name}.{extension}"))).ok()?;
            hash.update((contents.len() as u64).to_le_bytes());
            hash.update(contents);
        }
        let version = hash.finalize()[..8]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        Some(Self {
            name,
            version,
            pkg_dir,
        })
    }

    /// The name pages use for the bundle: Leptos links `<name>.js` and `<name>.wasm`, and the
    /// shell `<name>.css`.
    pub fn public_name(&self) -> String {
        format!("{}.{}", self.name, self.version)
    }

    /// The file behind a public name of this version, if `file` is one.
    fn file_for(&self, file: &str) -> Option<String> {
        let (public, extension) = file.rsplit_once('.')?;
        // Leptos names the wasm `<name>_bg.wasm` in a server built without cargo-leptos.
        let public = match extension {
            "wasm" => public.strip_suffix("_bg").unwrap_or(public),
            _ => public,
        };
        (public == self.public_name() && BUNDLE.contains(&extension))
            .then(|| format!("{}.{extension}", self.name))
    }

    /// Serves `GET /pkg/<file>`: a hashed name as its file, cached forever; brotli or gzip
    /// from the precompressed copies (`cargo leptos build --release --precompress`) when the
    /// browser takes them.
    pub async fn serve(&self, Path(file): Path<String>, request: Request) -> Response {
        // Other names pass through: wasm-bindgen's snippets, and an older version's name, which
        // is no file (that bundle is gone and must not meet this page).
        let (on_disk, cache) = match self.file_for(&file) {
            Some(on_disk) => (on_disk, FOREVER),
            None => (file, REVALIDATE),
        };
        let (mut parts, body) = request.into_parts();
        let Ok(uri) = format!("/{on_disk}").parse() else {
            return (StatusCode::NOT_FOUND, "Not found").into_response();
        };
        parts.uri = uri;
        let files = ServeDir::new(&self.pkg_dir)
            .precompressed_br()
            .precompressed_gzip();
        let Ok(response) = files.oneshot(Request::from_parts(parts, body)).await;
        let mut response = response.map(Body::new);
        if response.status().is_success() {
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, cache);
            headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle() -> Bundle {
        Bundle {
            name: "chat".into(),
            version: "0123456789abcdef".into(),
            pkg_dir: PathBuf::new(),
        }
    }

    #[test]
    fn public_names_map_to_the_built_files() {
        let bundle = bundle();
        assert_eq!(bundle.public_name(), "chat.0123456789abcdef");
        assert_eq!(
            bundle.file_for("chat.0123456789abcdef.wasm").as_deref(),
            Some("chat.wasm")
        );
        assert_eq!(
            bundle.file_for("chat.0123456789abcdef.css").as_deref(),
            Some("chat.css")
        );
        assert_eq!(
            bundle.file_for("chat.0123456789abcdef_bg.wasm").as_deref(),
            Some("chat.wasm")
        );
        assert_eq!(bundle.file_for("chat.0123456789abcdef_bg.js"), None);
        assert_eq!(bundle.file_for("chat.0123456789abcdef.html"), None);
        assert_eq!(bundle.file_for("chat.ffffffffffffffff.js"), None);
        assert_eq!(bundle.file_for("chat.js"), None);
    }

    #[test]
    fn the_version_follows_the_contents() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pkg = dir.path().join("pkg");
        std::fs::create_dir(&pkg).expect("pkg");
        let options = LeptosOptions::builder()
            .output_name("chat")
            .site_root(dir.path().to_string_lossy().to_string())
            .build();
        assert!(Bundle::load(&options).is_none(), "no bundle built yet");
        for extension in BUNDLE {
            std::fs::write(pkg.join(format!("chat.{extension}")), extension).expect("write");
        }
        let first = Bundle::load(&options).expect("bundle").public_name();
        assert_eq!(first, Bundle::load(&options).expect("bundle").public_name());
        std::fs::write(pkg.join("chat.css"), "body{}").expect("write");
        let second = Bundle::load(&options).expect("bundle").public_name();
        assert_ne!(first, second);
        assert!(second.starts_with("chat.") && second.len() == "chat.".len() + 16);
    }
}
