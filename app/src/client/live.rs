//! The room's live connection: an `EventSource` on the room's events path that resumes from the
//! last change-feed position, reconnecting with backoff when the browser gives up on its own. It
//! listens for every event [`LiveEvent`] declares.

use domain::live::LiveEvent;
use domain::Seq;
use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;
use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{EventSource, MessageEvent};

/// State of the live connection, shown discreetly in the room header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    /// Server-rendered, or JavaScript is off: the page is static.
    Static,
    /// Connected: new messages arrive by themselves.
    Live,
    /// Lost the connection; trying again.
    Reconnecting,
    /// Closed for good (removed from the room, or the room was deleted).
    Ended,
}

/// Whether the connection goes on after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep listening.
    Continue,
    /// Close the connection and do not reconnect.
    Stop,
}

const FIRST_RETRY: Duration = Duration::from_millis(500);
const MAX_RETRY: Duration = Duration::from_secs(10);

type Handler = Closure<dyn FnMut(web_sys::Event)>;

struct Inner {
    url: String,
    last_seq: Box<dyn Fn() -> Seq>,
    on_event: Box<dyn Fn(LiveEvent) -> Flow>,
    status: RwSignal<LiveStatus>,
    source: Option<EventSource>,
    handlers: Vec<Handler>,
    retry: Duration,
    closed: bool,
}

/// An open live connection; closing it (or dropping it) stops reconnecting.
pub struct LiveConnection(Rc<RefCell<Inner>>);

impl Drop for LiveConnection {
    fn drop(&mut self) {
        let mut inner = self.0.borrow_mut();
        inner.closed = true;
        if let Some(source) = inner.source.take() {
            source.close();
        }
        inner.handlers.clear();
    }
}

/// Opens the live stream at `url`, resuming after `last_seq()` on every (re)connect; stops for
/// good when `on_event` says so.
pub fn connect(
    url: String,
    last_seq: impl Fn() -> Seq + 'static,
    on_event: impl Fn(LiveEvent) -> Flow + 'static,
    status: RwSignal<LiveStatus>,
) -> LiveConnection {
    let inner = Rc::new(RefCell::new(Inner {
        url,
        last_seq: Box::new(last_seq),
        on_event: Box::new(on_event),
        status,
        source: None,
        handlers: Vec::new(),
        retry: FIRST_RETRY,
        closed: false,
    }));
    open(&inner);
    LiveConnection(inner)
}

fn open(inner: &Rc<RefCell<Inner>>) {
    let url = {
        let state = inner.borrow();
        if state.closed {
            return;
        }
        format!("{}?after={}", state.url, (state.last_seq)())
    };
    let Ok(source) = EventSource::new(&url) else {
        schedule_retry(inner);
        return;
    };

    let mut handlers: Vec<Handler> = Vec::new();
    for name in LiveEvent::NAMES {
        let weak = Rc::downgrade(inner);
        let handler: Handler = Closure::new(move |event: web_sys::Event| {
            let Some(inner) = weak.upgrade() else { return };
            let Some(data) = event
                .dyn_ref::<MessageEvent>()
                .and_then(|e| e.data().as_string())
            else {
                return;
            };
            if let Ok(parsed) = serde_json::from_str::<LiveEvent>(&data) {
                // The server is stopping: come back when it says (before the browser's own
                // retry would), from the last position.
                if let LiveEvent::Reconnect { after_ms } = parsed {
                    inner.borrow().status.set(LiveStatus::Reconnecting);
                    reconnect_after(&inner, Duration::from_millis(u64::from(after_ms)));
                    return;
                }
                let flow = (inner.borrow().on_event)(parsed);
                if flow == Flow::Stop {
                    stop(&inner);
                }
            }
        });
        let _ = source.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
        handlers.push(handler);
    }

    let weak = Rc::downgrade(inner);
    let on_open: Handler = Closure::new(move |_| {
        if let Some(inner) = weak.upgrade() {
            let mut state = inner.borrow_mut();
            state.retry = FIRST_RETRY;
            state.status.set(LiveStatus::Live);
        }
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    handlers.push(on_open);

    let weak = Rc::downgrade(inner);
    let on_error: Handler = Closure::new(move |_| {
        let Some(inner) = weak.upgrade() else { return };
        if inner.borrow().closed {
            return;
        }
        inner.borrow().status.set(LiveStatus::Reconnecting);
        let gave_up = inner
            .borrow()
            .source
            .as_ref()
            .is_some_and(|s| s.ready_state() == EventSource::CLOSED);
        // While CONNECTING the browser retries by itself (with Last-Event-ID); once CLOSED
        // (e.g. an error status during a restart) we open a new one, resuming from our last id.
        if gave_up {
            schedule_retry(&inner);
        }
    });
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    handlers.push(on_error);

    let mut state = inner.borrow_mut();
    if let Some(old) = state.source.replace(source) {
        old.close();
    }
    state.handlers = handlers;
}

/// Closes the connection for good.
fn stop(inner: &Rc<RefCell<Inner>>) {
    let mut state = inner.borrow_mut();
    state.closed = true;
    if let Some(source) = state.source.take() {
        source.close();
    }
    state.status.set(LiveStatus::Ended);
}

/// Opens a new connection after the current backoff, which then doubles.
fn schedule_retry(inner: &Rc<RefCell<Inner>>) {
    let delay = {
        let mut state = inner.borrow_mut();
        let delay = state.retry;
        state.retry = (state.retry * 2).min(MAX_RETRY);
        delay
    };
    reconnect_after(inner, delay);
}

/// Closes the current connection and opens a new one after `delay`.
fn reconnect_after(inner: &Rc<RefCell<Inner>>, delay: Duration) {
    if let Some(source) = inner.borrow_mut().source.take() {
        source.close();
    }
    let weak = Rc::downgrade(inner);
    set_timeout(
        move || {
            if let Some(inner) = weak.upgrade() {
                open(&inner);
            }
        },
        delay,
    );
}
