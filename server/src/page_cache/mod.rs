//! Room pages rendered once per state: a reload of an unchanged room renders nothing.
//!
//! A room page (`GET /chatrooms/<key>/`, no query) is the same HTML, but for its per-answer
//! values (the nonce, the composer's message id), whenever the room's state and stamp, the
//! reader, who is online, their theme and the day are the same
//! (`app::server::room_page::PageKey`). Before Leptos renders, this layer enters the room as
//! the page would, makes that key, and answers from the page kept for it with new values (as
//! gzip, compressed once, to a client that takes it); otherwise Leptos renders from the data
//! just read (so the page is exactly what its key names) and the answer is kept. Anything
//! else, and every room request that is not a plain `200` without cookies, goes to Leptos
//! untouched.

mod gzip;

use app::server::request::Request as AppRequest;
use app::server::room_page::{Entered, FreshPerAnswer, PageKey, Preloaded};
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::response::Response;
use backend::Services;
use futures_util::future::{BoxFuture, Either};
use gzip::GzipTemplate;
use http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use http_body_util::BodyExt;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use tower::{Layer, Service};

/// Most page bytes kept at once (all readers and rooms; their gzip copies, about a tenth of
/// that, are not counted); past it the cache starts over.
const BUDGET_BYTES: usize = 32 << 20;
/// A page longer than this is served but not kept.
const MAX_PAGE_BYTES: usize = 1 << 20;

/// How many pages were answered from the cache since the process started.
static REUSED: AtomicU64 = AtomicU64::new(0);

/// Whether a server keeps room pages; its clones turn it on and off while it runs.
#[derive(Debug, Clone)]
pub struct PageCacheSwitch(Arc<AtomicBool>);

impl PageCacheSwitch {
    /// A switch in the given position.
    pub fn new(on: bool) -> Self {
        Self(Arc::new(AtomicBool::new(on)))
    }

    /// Keeps pages (`true`) or renders every one anew (`false`, to compare the two).
    pub fn set(&self, on: bool) {
        self.0.store(on, Ordering::Relaxed);
    }

    fn is_on(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// How many pages were answered from the cache since the process started.
pub fn reused_so_far() -> u64 {
    REUSED.load(Ordering::Relaxed)
}

/// What changes in every answer of a kept page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hole {
    /// The nonce the page's scripts carry (and its Content-Security-Policy names).
    Nonce,
    /// The composer's id for its first message.
    ClientId,
}

/// The values of one answer's holes.
struct Fills {
    nonce: String,
    client_id: String,
}

impl Fills {
    /// The values of `fresh`.
    fn of(fresh: &FreshPerAnswer) -> Self {
        Self {
            nonce: fresh.nonce.clone(),
            client_id: fresh.client_id.as_str().to_owned(),
        }
    }

    fn get(&self, hole: Hole) -> &str {
        match hole {
            Hole::Nonce => &self.nonce,
            Hole::ClientId => &self.client_id,
        }
    }

    fn all(&self) -> [(Hole, &str); 2] {
        [
            (Hole::Nonce, &self.nonce),
            (Hole::ClientId, &self.client_id),
        ]
    }
}

/// A text with one answer's values cut out: the pieces around the holes they leave.
#[derive(Debug)]
struct Template {
    /// One more than `holes`.
    pieces: Vec<Bytes>,
    holes: Vec<Hole>,
}

impl Template {
    /// `text` with every occurrence of each of `fills`' values cut out.
    fn cut(text: &str, fills: &Fills) -> Self {
        let mut found: Vec<(usize, usize, Hole)> = fills
            .all()
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .flat_map(|(hole, value)| {
                text.match_indices(value)
                    .map(move |(at, _)| (at, value.len(), hole))
            })
            .collect();
        found.sort_unstable_by_key(|&(at, _, _)| at);
        let (mut pieces, mut holes, mut from) = (Vec::new(), Vec::new(), 0);
        for (at, len, hole) in found {
            // Random values never overlap; if they did, the first one wins.
            if at >= from {
                pieces.push(Bytes::copy_from_slice(&text.as_bytes()[from..at]));
                holes.push(hole);
                from = at + len;
            }
        }
        pieces.push(Bytes::copy_from_slice(&text.as_bytes()[from..]));
        Self { pieces, holes }
    }

    fn len(&self) -> usize {
        self.pieces.iter().map(Bytes::len).sum()
    }

    /// The text with `fills`' values in its holes.
    fn with(&self, fills: &Fills) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len() + 64 * self.holes.len());
        for (piece, hole) in self
            .pieces
            .iter()
            .zip(self.holes.iter().map(Some).chain([None]))
        {
            out.extend_from_slice(piece);
            if let Some(&hole) = hole {
                out.extend_from_slice(fills.get(hole).as_bytes());
            }
        }
        out
    }
}

/// A kept page: its headers and body with the per-answer values cut out.
#[derive(Debug)]
struct Page {
    headers: Vec<(HeaderName, Template)>,
    body: Template,
    /// The body's gzip answer, compressed when first asked for (`None`: compressing failed).
    gzip: OnceLock<Option<GzipTemplate>>,
}

impl Page {
    /// The page of a rendered `200` answer made with `fills` (none if a header is not text).
    fn of(headers: &HeaderMap, body: &str, fills: &Fills) -> Option<Self> {
        let headers = headers
            .iter()
            .map(|(name, value)| Some((name.clone(), Template::cut(value.to_str().ok()?, fills))))
            .collect::<Option<_>>()?;
        Some(Self {
            headers,
            body: Template::cut(body, fills),
            gzip: OnceLock::new(),
        })
    }

    fn bytes(&self) -> usize {
        self.body.len() + self.headers.iter().map(|(_, v)| v.len()).sum::<usize>()
    }

    /// The answer with new values in every place the old ones were: gzip-compressed if the
    /// client takes it (the compression layer leaves an encoded answer alone).
    fn answer(&self, gzip: bool) -> Response {
        let fills = Fills::of(&FreshPerAnswer::new());
        let compressed = gzip
            .then(|| self.gzip.get_or_init(|| GzipTemplate::of(&self.body).ok()))
            .and_then(Option::as_ref);
        let mut response = match compressed {
            Some(template) => {
                let mut response = Response::new(Body::from(template.with(&fills)));
                let headers = response.headers_mut();
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
                response
            }
            None => Response::new(Body::from(self.body.with(&fills))),
        };
        for (name, value) in &self.headers {
            // A value that was valid with one nonce is valid with another (same alphabet).
            if let Ok(value) = HeaderValue::from_bytes(&value.with(&fills)) {
                response.headers_mut().append(name.clone(), value);
            }
        }
        response
    }
}

/// The kept pages: one per reader of a room (a newer state replaces the older one).
#[derive(Debug, Default)]
struct Pages {
    by_reader: HashMap<u64, (PageKey, Arc<Page>)>,
    bytes: usize,
}

/// Shared by every clone of the layer's service.
#[derive(Debug, Default)]
struct Store(Mutex<Pages>);

impl Store {
    fn get(&self, key: PageKey) -> Option<Arc<Page>> {
        // A poisoned lock only means another request panicked; the map itself is intact.
        let pages = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match pages.by_reader.get(&key.reader()) {
            Some((kept, page)) if *kept == key => Some(page.clone()),
            _ => None,
        }
    }

    fn put(&self, key: PageKey, page: Arc<Page>) {
        let size = page.bytes();
        let mut pages = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if pages.bytes + size > BUDGET_BYTES {
            pages.by_reader.clear();
            pages.bytes = 0;
        }
        if let Some((_, old)) = pages.by_reader.insert(key.reader(), (key, page)) {
            pages.bytes = pages.bytes.saturating_sub(old.bytes());
        }
        pages.bytes += size;
    }
}

/// Keeps room pages (see the module's documentation).
#[derive(Debug, Clone)]
pub struct PageCacheLayer {
    services: Services,
    store: Arc<Store>,
    /// Off, every request passes through (`PAGE_CACHE=false`).
    switch: PageCacheSwitch,
}

impl PageCacheLayer {
    /// A layer with an empty cache, reading rooms through `services`; while `switch` is off,
    /// every request goes through to be rendered.
    pub fn new(services: Services, switch: PageCacheSwitch) -> Self {
        Self {
            services,
            store: Arc::default(),
            switch,
        }
    }
}

impl<S> Layer<S> for PageCacheLayer {
    type Service = PageCache<S>;

    fn layer(&self, inner: S) -> PageCache<S> {
        PageCache {
            inner,
            layer: self.clone(),
        }
    }
}

/// The routes behind the page cache.
#[derive(Debug, Clone)]
pub struct PageCache<S> {
    inner: S,
    layer: PageCacheLayer,
}

impl<S> Service<Request> for PageCache<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<S::Future, BoxFuture<'static, Result<Response, Infallible>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let room_key = (self.layer.switch.is_on()
            && req.method() == Method::GET
            && req.uri().query().is_none())
        .then(|| domain::paths::room_page_key(req.uri().path()))
        .flatten();
        let Some(room_key) = room_key.map(str::to_owned) else {
            return Either::Left(self.inner.call(req));
        };
        // The clone is the one that was not polled ready; the ready one serves this request.
        let fresh = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, fresh);
        Either::Right(Box::pin(room_page(
            inner,
            self.layer.clone(),
            req,
            room_key,
        )))
    }
}

/// Answers the room page behind `room_key` from the cache, or renders and keeps it.
async fn room_page<S>(
    mut inner: S,
    layer: PageCacheLayer,
    req: Request,
    room_key: String,
) -> Result<Response, Infallible>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    let (mut parts, body) = req.into_parts();
    let reader = AppRequest::outside_leptos(layer.services.clone(), parts.clone());
    // Not logged in, no such room, banned…: Leptos renders that answer as ever.
    let Ok(entered) = Entered::open(&reader, &room_key).await else {
        return inner.call(Request::from_parts(parts, body)).await;
    };
    let theme = layer.services.cookies.theme_from_headers(&parts.headers);
    let key = PageKey::of(&entered, theme);
    if let Some(page) = layer.store.get(key) {
        REUSED.fetch_add(1, Ordering::Relaxed);
        return Ok(page.answer(accepts_gzip(&parts.headers)));
    }
    let Ok(view) = entered.load(&reader).await else {
        return inner.call(Request::from_parts(parts, body)).await;
    };
    let fresh = FreshPerAnswer::new();
    let fills = Fills::of(&fresh);
    parts.extensions.insert(fresh);
    parts.extensions.insert(Preloaded {
        hash_key: room_key,
        view: Arc::new(view),
    });
    let response = inner.call(Request::from_parts(parts, body)).await?;
    Ok(keep_if_plain(&layer.store, key, response, fills).await)
}

/// Keeps a rendered `200` page that sets no cookie and whose policy names the nonce of `fills`
/// (rendered with the values chosen for it); answers it either way.
async fn keep_if_plain(store: &Store, key: PageKey, response: Response, fills: Fills) -> Response {
    let plain = response.status() == StatusCode::OK
        && !response.headers().contains_key(header::SET_COOKIE)
        && !response.headers().contains_key(header::LOCATION)
        && names_nonce(response.headers(), &fills.nonce);
    if !plain {
        return response;
    }
    let (head, body) = response.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) => {
            // The renderer failed mid-page: streamed, the client would have got a cut page.
            tracing::error!(error = %err, "room page body failed");
            return try_again_later();
        }
    };
    let page = std::str::from_utf8(&body)
        .ok()
        .filter(|text| text.len() <= MAX_PAGE_BYTES)
        .and_then(|text| Page::of(&head.headers, text, &fills));
    if let Some(page) = page {
        store.put(key, Arc::new(page));
    }
    Response::from_parts(head, Body::from(body))
}

/// Whether the client's `Accept-Encoding` takes gzip (listed, and not with `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|param| {
                param
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip")) && !refused
        })
}

/// Whether the Content-Security-Policy lets scripts with `nonce` run (a page that kept the
/// nonce Leptos chose itself would repeat it in every answer).
fn names_nonce(headers: &HeaderMap, nonce: &str) -> bool {
    headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|policy| policy.to_str().ok())
        .is_some_and(|policy| policy.contains(&format!("'nonce-{nonce}'")))
}

/// An answer that asks the client to try again shortly.
fn try_again_later() -> Response {
    let mut response = Response::new(Body::from("The page could not be rendered; try again."));
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fills(nonce: &str, client_id: &str) -> Fills {
        Fills {
            nonce: nonce.into(),
            client_id: client_id.into(),
        }
    }

    #[test]
    fn a_template_puts_new_values_wherever_the_old_ones_were() {
        let page = r#"<script nonce="abc">x</script><input value="ID42"><p>abc</p>"#;
        let template = Template::cut(page, &fills("abc", "ID42"));
        assert_eq!(template.holes, [Hole::Nonce, Hole::ClientId, Hole::Nonce]);
        assert_eq!(
            String::from_utf8(template.with(&fills("XYZ12", "ID7"))).unwrap(),
            r#"<script nonce="XYZ12">x</script><input value="ID7"><p>XYZ12</p>"#
        );
        let none = Template::cut("no values here", &fills("abc", "ID42"));
        assert_eq!(none.with(&fills("n", "i")), b"no values here");
        let fresh = (
            Fills::of(&FreshPerAnswer::new()),
            Fills::of(&FreshPerAnswer::new()),
        );
        assert_ne!(fresh.0.nonce, fresh.1.nonce);
        assert_ne!(fresh.0.client_id, fresh.1.client_id);
    }

    #[test]
    fn gzip_is_taken_when_listed_without_q_zero() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
            accepts_gzip(&headers)
        };
        assert!(with("gzip, deflate, br, zstd"));
        assert!(with("br;q=1.0, GZIP;q=0.5"));
        assert!(!with("br, zstd"));
        assert!(!with("gzip;q=0, br"));
        assert!(!with("identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn a_page_is_kept_only_if_its_policy_names_the_chosen_nonce() {
        let mut headers = HeaderMap::new();
        assert!(!names_nonce(&headers, "Ab+/9="));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'nonce-Ab+/9=' 'strict-dynamic'",
            ),
        );
        assert!(names_nonce(&headers, "Ab+/9="));
        assert!(!names_nonce(&headers, "Ab+"));
        assert!(!names_nonce(&headers, "other"));
    }

    #[test]
    fn a_newer_state_replaces_the_readers_page_and_the_budget_starts_over() {
        let store = Store::default();
        let page = |text: &str| {
            Arc::new(Page::of(&HeaderMap::new(), text, &fills("NONCE", "ID")).unwrap())
        };
        let (old, new) = (PageKey::from_hashes(1, 10), PageKey::from_hashes(1, 11));
        store.put(old, page("old"));
        store.put(new, page("new!"));
        assert!(store.get(old).is_none());
        let body = store.get(new).map(|p| p.body.with(&fills("N2", "ID2")));
        assert_eq!(body, Some(b"new!".to_vec()));
        assert_eq!(store.0.lock().unwrap().bytes, 4);
        let big = "x".repeat(BUDGET_BYTES);
        store.put(PageKey::from_hashes(2, 1), page(&big));
        assert!(store.get(new).is_none(), "the budget started over");
    }
}
