//! `/chatrooms/<hash_key>/`: the room's history, the composer, live updates and the share link.

use crate::api::{load_room, messages_before, SendMessage, HISTORY_PAGE};
use crate::client::live::{self, Flow, LiveStatus};
use crate::client::notify;
use crate::client::outbox::Outbox;
use crate::components::{
    account::AccountMenu,
    composer::Composer,
    mention_alerts::MentionAlerts,
    message_list::{MessageList, MessageMenus},
    moderation::{ModActions, RoleBadge, RoomSettings, SettingsData},
    outbox_list::OutboxList,
    page::Page,
    presence::{PresenceList, TypingIndicator},
    room_header::{RoomHeader, PEOPLE_ID},
    share_link::{CopyLinkButton, ShareLink},
    theme_switch::ThemeSwitch,
};
use crate::error::AppError;
use crate::page_data::{room_json, EmbeddedRoom, ROOM_DATA_ID};
use crate::raw_text::raw_text_content;
use crate::routes::not_found::NotFound;
use domain::live::LiveEvent;
use domain::mentions;
use domain::model::{ChatMessage, Quote, RoomView};
use domain::moderation::RoomState;
use domain::paths::ExportFormat;
use domain::{HashKey, MessageId, Seq};
use leptos::nonce::use_nonce;
use leptos::prelude::*;
use leptos::suspense::Unsuspend;
use leptos_meta::Title;
use leptos_router::{
    components::Redirect,
    hooks::{use_params_map, use_query_map},
};
use std::time::Duration;

/// Loads the room, or sends the visitor to log in, or answers 404; a member who opens an old
/// link is sent to the current one.
#[component]
pub fn ChatroomPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let hash_key = move || params.read().get("hash_key").unwrap_or_default();
    // Read on the server only: the room island reads the data the page carries (`page_data`).
    let room = Resource::new(hash_key, load_room);

    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the chatroom…"</p> }>
            {Suspend::new(async move {
                match room.await {
                    Ok(room) if room.room.hash_key.as_str() != hash_key() => {
                        view! { <Redirect path=room.room.hash_key.room_path()/> }.into_any()
                    }
                    Ok(room) => {
                        let title = raw_text_content(&title_of(&room.room.name, 0, 0));
                        let opened = Opened::from_query(&query.get_untracked());
                        let data = match room_json(&room) {
                            Ok(json) => json,
                            Err(err) => {
                                let why = err.to_string();
                                return view! { <Page><RoomUnavailable why/></Page> }.into_any();
                            }
                        };
                        view! {
                            <Title text=title/>
                            // A data block, never run; the nonce keeps "every script carries
                            // this response's nonce" true of the whole page.
                            <script
                                nonce=use_nonce()
                                type="application/json"
                                id=ROOM_DATA_ID
                                inner_html=data
                            ></script>
                            <Room room=EmbeddedRoom(Some(room)) opened/>
                        }
                            .into_any()
                    }
                    Err(AppError::NotLoggedIn) => match HashKey::parse(&hash_key()) {
                        Ok(key) => view! { <Redirect path=key.login_path()/> }.into_any(),
                        Err(_) => view! { <Page><NotFound/></Page> }.into_any(),
                    },
                    Err(AppError::NotFound) => view! { <Page><NotFound/></Page> }.into_any(),
                    Err(err) => {
                        let why = err.to_string();
                        view! { <Page><RoomUnavailable why/></Page> }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// Why the room could not be opened, and the way back.
#[component]
fn RoomUnavailable(why: String) -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Could not open this chatroom"</h1>
            <p class="form-error">{why}</p>
            <p><a href="/">"Back to the start page"</a></p>
        </section>
    }
}

/// What the page's link asked to open: "Reply", "React" and "Edit" without JavaScript are links
/// to `?reply_to=<id>`, `?react_to=<id>` and `?edit=<id>`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Opened {
    reply_to: Option<MessageId>,
    react_to: Option<MessageId>,
    edit: Option<MessageId>,
}

impl Opened {
    fn from_query(query: &leptos_router::params::ParamsMap) -> Self {
        let id = |key: &str| query.get(key).and_then(|raw| raw.parse::<MessageId>().ok());
        Self {
            reply_to: id("reply_to"),
            react_to: id("react_to"),
            edit: id("edit"),
        }
    }
}

/// Puts each incoming message in its place by id: new ones are inserted, a newer version of a
/// known one (a deletion, …) replaces it, an older or equal one changes nothing. Tells whether
/// any was new.
fn merge(list: &mut Vec<ChatMessage>, incoming: impl IntoIterator<Item = ChatMessage>) -> bool {
    let mut added = false;
    for message in incoming {
        // Nearly always the new message goes at the end; the search keeps odd orders right.
        match list.binary_search_by_key(&message.id, |m| m.id) {
            Ok(at) => {
                if message.seq > list[at].seq {
                    list[at] = message;
                }
            }
            Err(at) => {
                list.insert(at, message);
                added = true;
            }
        }
    }
    added
}

/// Why the room page stopped being a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// A moderator removed the visitor.
    Removed,
    /// A moderator banned the visitor.
    Banned,
    /// The owner deleted the room.
    Deleted,
}

impl Ended {
    fn text(self) -> &'static str {
        match self {
            Ended::Removed => "You were removed from this room.",
            Ended::Banned => "You were banned from this room.",
            Ended::Deleted => "This room was deleted.",
        }
    }
}

/// The open room: the one part of the page the browser runs (an island); the rest is HTML.
#[island]
fn Room(room: EmbeddedRoom, opened: Opened) -> impl IntoView {
    let room = match room.load() {
        Ok(room) => room,
        Err(why) => return view! { <RoomUnavailable why/> }.into_any(),
    };
    let RoomView {
        room: state,
        share_url,
        me,
        messages: initial,
        has_older,
        online,
        seq,
        ..
    } = room;
    // Server calls keep using the link this page was opened with: it keeps working for
    // members after a rotation, and the page shows the new one.
    let hash_key = state.hash_key.clone();
    let state = RwSignal::new(state);
    let share_url = RwSignal::new(share_url);
    let messages = RwSignal::new(initial);
    let online = RwSignal::new(online);
    let typing = RwSignal::new(Vec::<String>::new());
    let status = RwSignal::new(LiveStatus::Static);
    let unread = RwSignal::new(0usize);
    let mentioned = RwSignal::new(0usize);
    let unread_from = RwSignal::new(None::<MessageId>);
    let has_older = RwSignal::new(has_older);
    let loading_older = RwSignal::new(false);
    let ended = RwSignal::new(None::<Ended>);
    // New messages that arrived below while the reader was scrolled up.
    let below = RwSignal::new(0usize);
    let people_open = RwSignal::new(false);
    let list_ref = NodeRef::<leptos::html::Ol>::new();
    let send = ServerAction::<SendMessage>::new();
    let actions = ModActions::new();
    let menus = MessageMenus::new(opened.react_to, opened.edit);
    let replying = RwSignal::new(opened.reply_to.and_then(|id| {
        messages.with_untracked(|list| {
            list.iter()
                .find(|m| m.id == id && m.deleted.is_none())
                .map(|m| Quote::of(m.id, &m.username, Some(&m.content)))
        })
    }));
    let jump = {
        let hash_key = hash_key.clone();
        Callback::new(move |id: MessageId| jump_to(id, hash_key.clone(), messages, has_older))
    };
    let my_role = {
        let me = me.clone();
        Memo::new(move |_| state.with(|s| s.role_of(&me)))
    };

    // The sender sees their message as soon as the server acknowledged it (the live stream may
    // bring the same message too; ids dedupe). What the outbox kept from an earlier visit is
    // sent now.
    let outbox = Outbox::new(hash_key.clone());
    let draft_back = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        outbox.start(Callback::new(move |message: ChatMessage| {
            messages.update(|list| {
                merge(list, [message]);
            });
            scroll_to_bottom(list_ref);
        }));
    });
    // Whom `@` offers: people online, then recent authors (newest first).
    let names = Memo::new(move |_| {
        let mut names = online.get();
        messages.with(|list| {
            for m in list.iter().rev().filter(|m| m.deleted.is_none()) {
                if !names.contains(&m.username) {
                    names.push(m.username.clone());
                }
            }
        });
        names
    });

    start_live(LiveSetup {
        hash_key: hash_key.clone(),
        me: me.clone(),
        seq,
        state,
        share_url,
        messages,
        online,
        typing,
        status,
        unread,
        mentioned,
        unread_from,
        ended,
        has_older,
        list_ref,
        below,
    });
    // Esc closes the list of people where it covers the messages, the reaction picker and the
    // editor of one's message.
    Effect::new(move |_| {
        let escape = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() != "Escape" {
                return;
            }
            if people_open.get_untracked() {
                people_open.set(false);
            }
            menus.close();
        });
        on_cleanup(move || escape.remove());
    });

    let on_scroll = {
        let hash_key = hash_key.clone();
        move |_| {
            if below.get_untracked() != 0 && is_near_bottom(list_ref) {
                below.set(0);
            }
            load_older_if_at_top(
                hash_key.clone(),
                messages,
                has_older,
                loading_older,
                list_ref,
            )
        }
    };
    // The server wrote the title (outside this island); the browser keeps it up to date.
    Effect::new(move |_| {
        let name = state.with(|s| s.name.clone());
        document().set_title(&title_of(&name, mentioned.get(), unread.get()));
    });
    let settings = {
        let hash_key = hash_key.clone();
        let loaded = my_role
            .get_untracked()
            .map(|_| SettingsData::load(&hash_key, actions));
        move || {
            my_role.get().map(|role| {
                // Someone made a moderator while the page is open loads the panel's data then.
                let data = loaded.unwrap_or_else(|| SettingsData::load(&hash_key, actions));
                view! { <RoomSettings hash_key=hash_key.clone() state my_role=role actions data/> }
            })
        }
    };
    let room_notes = move || {
        state.with(|s| {
            let mut notes = vec![s.retention.describe().to_owned()];
            if s.slow_mode.is_on() {
                notes.push(format!(
                    "Slow mode: one message every {} s.",
                    s.slow_mode.secs()
                ));
            }
            if s.locked {
                notes.push("Closed to new people.".to_owned());
            }
            notes.join(" ")
        })
    };
    let online_count = Signal::derive(move || online.with(Vec::len));
    let name = Signal::derive(move || state.with(|s| s.name.clone()));
    let is_empty = move || messages.with(Vec::is_empty) && outbox.items.with(Vec::is_empty);
    let to_newest = move |_| {
        below.set(0);
        scroll_to_bottom(list_ref);
    };
    let message_list = {
        let (me, hash_key) = (me.clone(), hash_key.clone());
        // Built when the page is rendered, not before: once the room has loaded, the server's
        // Suspense walks the whole page again to find resources (the list reads none), which
        // built every message twice.
        Unsuspend::new(move || {
            view! {
                <MessageList
                    messages
                    me
                    unread_from
                    loading_older
                    list_ref
                    state
                    my_role
                    hash_key
                    menus
                    replying
                    jump
                    changed=Callback::new(move |message| {
                        messages.update(|list| {
                            merge(list, [message]);
                        })
                    })
                    moderated=Callback::new(move |()| actions.succeeded())
                />
            }
        })
    };
    let (menu_me, menu_key) = (me.clone(), hash_key.clone());
    let room_view = view! {
        <RoomHeader name status=status online=online_count people_open>
            <section aria-labelledby="menu-you">
                <h2 id="menu-you">"You"</h2>
                <p class="whoami">"You are " <strong>{menu_me}</strong></p>
                <RoleBadge role=my_role/>
                <AccountMenu hash_key=menu_key.clone()/>
                <MentionAlerts/>
            </section>
            <section aria-labelledby="menu-room">
                <h2 id="menu-room">"This room"</h2>
                <ShareLink url=share_url/>
                <p class="room-notes">{room_notes}</p>
                <p class="export hint">
                    "Download the history: "
                    <a
                        href=menu_key.export_path(ExportFormat::Json)
                        download
                        aria-label="Download the history as JSON"
                    >
                        "JSON"
                    </a>
                    " · "
                    <a
                        href=menu_key.export_path(ExportFormat::Markdown)
                        download
                        aria-label="Download the history as Markdown"
                    >
                        "Markdown"
                    </a>
                </p>
                {settings}
            </section>
            <section>
                <ThemeSwitch/>
            </section>
        </RoomHeader>
        <div class="room-main">
            <div class="timeline">
                <div class="scroller" on:scroll=on_scroll>
                    {message_list}
                    <OutboxList outbox draft_back/>
                    <Show when=is_empty>
                        <div class="empty">
                            <p>"No messages yet. Say hello!"</p>
                            <CopyLinkButton url=share_url label="Copy the invite link"/>
                        </div>
                    </Show>
                </div>
                <Show when=move || below.get() != 0>
                    <button type="button" class="jump-new" on:click=to_newest>
                        {move || new_messages_text(below.get())}
                    </button>
                </Show>
            </div>
            <aside
                id=PEOPLE_ID
                class="people"
                class:open=move || people_open.get()
                aria-labelledby="people-title"
            >
                <div class="people-head">
                    <h2 id="people-title">{move || format!("Online ({})", online_count.get())}</h2>
                    <a
                        href="#"
                        role="button"
                        class="people-close"
                        aria-label="Close the list of people"
                        on:click=move |ev| {
                            ev.prevent_default();
                            people_open.set(false);
                        }
                    >
                        "×"
                    </a>
                </div>
                <PresenceList
                    online
                    state
                    me=me.clone()
                    hash_key=hash_key.clone()
                    my_role
                    moderated=Callback::new(move |()| actions.succeeded())
                />
            </aside>
        </div>
        <footer class="composer-bar">
            <TypingIndicator typing/>
            <Composer
                hash_key=hash_key.clone()
                send
                outbox
                draft_back
                replying
                me=me.clone()
                names
            />
        </footer>
    }
    // Erase the deep view type: it keeps the page's type (and compile times) small.
    .into_any();

    view! {
        <main class="room" data-live=move || (status.get() == LiveStatus::Live).to_string()>
            {move || {
                ended
                    .get()
                    .map(|why| {
                        view! {
                            <div class="room-ended card" role="alert">
                                <h1>{why.text()}</h1>
                                <p><a href="/">"Back to the start page"</a></p>
                            </div>
                        }
                    })
            }}
            <div class="room-body" class:gone=move || ended.get().is_some()>{room_view}</div>
        </main>
    }
    .into_any()
}

/// The page title: the room's name, with the mentions (or else the unread messages) that
/// arrived while the tab was hidden.
fn title_of(name: &str, mentioned: usize, unread: usize) -> String {
    match (mentioned, unread) {
        (0, 0) => format!("{name} · Chat"),
        (0, n) => format!("({n}) {name}"),
        (m, _) => format!("({m} @) {name}"),
    }
}

/// What the live connection updates.
struct LiveSetup {
    hash_key: HashKey,
    me: String,
    /// The feed position the page's messages were read at.
    seq: Seq,
    state: RwSignal<RoomState>,
    share_url: RwSignal<String>,
    messages: RwSignal<Vec<ChatMessage>>,
    online: RwSignal<Vec<String>>,
    typing: RwSignal<Vec<String>>,
    status: RwSignal<LiveStatus>,
    unread: RwSignal<usize>,
    /// Messages mentioning the reader that arrived while the tab was hidden.
    mentioned: RwSignal<usize>,
    unread_from: RwSignal<Option<MessageId>>,
    ended: RwSignal<Option<Ended>>,
    has_older: RwSignal<bool>,
    list_ref: NodeRef<leptos::html::Ol>,
    /// New messages below the part of the list the reader is looking at.
    below: RwSignal<usize>,
}

/// In the browser: opens the live stream and applies each event to the page's state (the one
/// place that does: a new kind of event is a compile error here until it is handled). Nothing
/// runs on the server or with JavaScript off.
fn start_live(setup: LiveSetup) {
    let LiveSetup {
        hash_key,
        me,
        seq,
        state,
        share_url,
        messages,
        online,
        typing,
        status,
        unread,
        mentioned,
        unread_from,
        ended,
        has_older,
        list_ref,
        below,
    } = setup;
    // Who typed when (ms since epoch); shown for TYPING_SHOWN after their last keystroke.
    let typed_at = StoredValue::new(Vec::<(String, f64)>::new());
    let refresh_typing = move || {
        let now = js_sys::Date::now();
        typed_at.update_value(|list| list.retain(|(_, at)| now - at < TYPING_SHOWN_MS));
        let names: Vec<String> =
            typed_at.with_value(|l| l.iter().map(|(n, _)| n.clone()).collect());
        if typing.with_untracked(|t| *t != names) {
            typing.set(names);
        }
    };
    // The last feed position received: where a reconnect resumes. Only the live stream moves
    // it (it delivers changes in order); a send's acknowledgement does not.
    let last_seq = StoredValue::new(seq);

    Effect::new(move |_| {
        scroll_to_bottom(list_ref);
        let me = me.clone();
        let reload_key = hash_key.clone();
        let on_event = move |event: LiveEvent| {
            match event {
                LiveEvent::Message(message) => {
                    last_seq.update_value(|seq| *seq = (*seq).max(message.seq));
                    let (id, mine) = (message.id, message.username == me);
                    let is_deletion = message.deleted.is_some();
                    let mentions_me = !mine && mentions::mentions(&message.content, &me);
                    let alert =
                        mentions_me.then(|| (message.username.clone(), message.content.clone()));
                    // Whoever just sent a message is no longer typing it.
                    let author = message.username.clone();
                    typed_at.update_value(|list| list.retain(|(name, _)| *name != author));
                    refresh_typing();
                    let stick = is_near_bottom(list_ref);
                    let mut added = false;
                    let gone = message.deleted.is_some().then_some(message.id);
                    messages.update(|list| {
                        added = merge(list, [message]);
                        // Replies to a deleted message say so.
                        if let Some(gone) = gone {
                            mark_quotes_deleted(list, gone);
                        }
                    });
                    if !added || is_deletion {
                        return Flow::Continue;
                    }
                    if !mine && document().hidden() {
                        unread.update(|n| *n += 1);
                        if unread_from.get_untracked().is_none() {
                            unread_from.set(Some(id));
                        }
                        if let Some((author, text)) = alert {
                            mentioned.update(|n| *n += 1);
                            let room = state.with_untracked(|s| s.name.clone());
                            notify::mentioned(&room, &author, &text);
                        }
                    }
                    if stick || mine {
                        scroll_to_bottom(list_ref);
                    } else {
                        below.update(|n| *n += 1);
                    }
                }
                LiveEvent::Room(new_state) => {
                    let old_key = state.with_untracked(|s| s.hash_key.clone());
                    if new_state.hash_key != old_key {
                        show_new_link(&new_state.hash_key, &old_key, share_url);
                    }
                    state.set(new_state);
                }
                LiveEvent::Removed { username, banned } => {
                    if username == me {
                        ended.set(Some(if banned {
                            Ended::Banned
                        } else {
                            Ended::Removed
                        }));
                        return Flow::Stop;
                    }
                }
                LiveEvent::Closed {} => {
                    ended.set(Some(Ended::Deleted));
                    return Flow::Stop;
                }
                LiveEvent::Reset { seq } => {
                    last_seq.set_value(seq);
                    reload_latest(reload_key.clone(), messages, has_older, list_ref);
                }
                LiveEvent::Presence { online: now, .. } => online.set(now),
                LiveEvent::Joined { username } => online.update(|list| {
                    if let Err(at) = list.binary_search(&username) {
                        list.insert(at, username);
                    }
                }),
                LiveEvent::Left { username } => {
                    online.update(|list| list.retain(|n| *n != username))
                }
                // The connection itself reconnects (`client::live`).
                LiveEvent::Reconnect { .. } => {}
                LiveEvent::Typing { username } => {
                    if username != me {
                        let now = js_sys::Date::now();
                        typed_at.update_value(|list| {
                            list.retain(|(name, _)| name != &username);
                            list.push((username, now));
                        });
                        refresh_typing();
                    }
                }
            }
            Flow::Continue
        };
        let connection = live::connect(
            hash_key.events_path(),
            move || last_seq.get_value(),
            on_event,
            status,
        );
        let keep = StoredValue::new_local(Some(connection));

        let sweep = set_interval_with_handle(refresh_typing, Duration::from_millis(1000)).ok();
        let visibility = window_event_listener(leptos::ev::visibilitychange, move |_| {
            if document().hidden() {
                // A new absence: the next message that arrives marks where "new" starts.
                unread_from.set(None);
            } else {
                unread.set(0);
                mentioned.set(0);
            }
        });
        on_cleanup(move || {
            keep.set_value(None);
            if let Some(sweep) = sweep {
                sweep.clear();
            }
            visibility.remove();
        });
    });
}

/// Marks the quotes of message `gone` in `list` as deleted.
fn mark_quotes_deleted(list: &mut [ChatMessage], gone: MessageId) {
    for message in list.iter_mut() {
        if let Some(quote) = message.reply_to.as_mut().filter(|q| q.id == gone) {
            quote.deleted = true;
            quote.excerpt.clear();
        }
    }
}

/// Scrolls message `id` into view, first loading older pages (up to 20) until it is there.
fn jump_to(
    id: MessageId,
    hash_key: HashKey,
    messages: RwSignal<Vec<ChatMessage>>,
    has_older: RwSignal<bool>,
) {
    let show = move || {
        let found = document().get_element_by_id(&format!("m-{}", id.0));
        if let Some(el) = &found {
            el.scroll_into_view();
        }
        found.is_some()
    };
    if show() {
        return;
    }
    leptos::task::spawn_local(async move {
        for _ in 0..20 {
            let first = messages.with_untracked(|l| l.first().map(|m| m.id));
            let (Some(first), true) = (first, has_older.get_untracked()) else {
                return;
            };
            if first <= id {
                break;
            }
            let Ok(older) = messages_before(hash_key.to_string(), first).await else {
                return;
            };
            has_older.set(older.len() as u64 == HISTORY_PAGE);
            messages.update(|list| {
                let mut all = older;
                all.append(list);
                *list = all;
            });
        }
        // Once the DOM has the loaded messages.
        request_animation_frame(move || {
            show();
        });
    });
}

/// After a link rotation: the share box and the address bar show the new link.
fn show_new_link(new_key: &HashKey, old_key: &HashKey, share_url: RwSignal<String>) {
    share_url.update(|url| *url = url.replace(old_key.as_str(), new_key.as_str()));
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&new_key.room_path()),
        );
    }
}

/// After a `reset`: the latest page of messages replaces the list (the reader was away too long
/// for change-by-change catch-up).
fn reload_latest(
    hash_key: HashKey,
    messages: RwSignal<Vec<ChatMessage>>,
    has_older: RwSignal<bool>,
    list_ref: NodeRef<leptos::html::Ol>,
) {
    leptos::task::spawn_local(async move {
        if let Ok(latest) = messages_before(hash_key.to_string(), MessageId(i64::MAX)).await {
            // Scrolling back then loads what came before the fresh page.
            has_older.set(latest.len() as u64 == HISTORY_PAGE);
            messages.update(|list| {
                let mut fresh = latest;
                // Keep whatever arrived live meanwhile (newer than the page).
                let newest = fresh.last().map_or(MessageId::START, |m| m.id);
                let live: Vec<ChatMessage> =
                    list.iter().filter(|m| m.id > newest).cloned().collect();
                merge(&mut fresh, live);
                *list = fresh;
            });
            scroll_to_bottom(list_ref);
        }
    });
}

/// How long "x is typing…" stays after x's last keystroke.
const TYPING_SHOWN_MS: f64 = 4000.0;

fn is_near_bottom(list_ref: NodeRef<leptos::html::Ol>) -> bool {
    scroller(list_ref)
        .is_none_or(|el| el.scroll_height() - el.scroll_top() - el.client_height() < 80)
}

fn scroller(list_ref: NodeRef<leptos::html::Ol>) -> Option<web_sys::Element> {
    list_ref
        .get_untracked()
        .and_then(|ol| ol.closest(".scroller").ok().flatten())
}

/// What the button to the newest messages says.
fn new_messages_text(count: usize) -> String {
    match count {
        1 => "1 new message ↓".to_owned(),
        n => format!("{n} new messages ↓"),
    }
}

/// Scrolls the message list to its end once the DOM has caught up.
fn scroll_to_bottom(list_ref: NodeRef<leptos::html::Ol>) {
    request_animation_frame(move || {
        if let Some(el) = scroller(list_ref) {
            el.set_scroll_top(el.scroll_height());
        }
    });
}

/// Near the top of the list, fetches the previous page and keeps what the reader sees in place.
fn load_older_if_at_top(
    hash_key: HashKey,
    messages: RwSignal<Vec<ChatMessage>>,
    has_older: RwSignal<bool>,
    loading: RwSignal<bool>,
    list_ref: NodeRef<leptos::html::Ol>,
) {
    let Some(el) = scroller(list_ref) else { return };
    if el.scroll_top() > 40 || loading.get_untracked() || !has_older.get_untracked() {
        return;
    }
    let Some(first) = messages.with_untracked(|l| l.first().map(|m| m.id)) else {
        return;
    };
    loading.set(true);
    leptos::task::spawn_local(async move {
        match messages_before(hash_key.to_string(), first).await {
            Ok(older) => {
                has_older.set(older.len() as u64 == HISTORY_PAGE);
                let before = (el.scroll_height(), el.scroll_top());
                messages.update(|list| {
                    let mut all = older;
                    all.append(list);
                    *list = all;
                });
                request_animation_frame(move || {
                    el.set_scroll_top(el.scroll_height() - before.0 + before.1);
                });
            }
            Err(_) => has_older.set(true),
        }
        loading.set(false);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: i64) -> ChatMessage {
        ChatMessage {
            id: MessageId(id),
            chat_id: domain::ChatId(1),
            timestamp: String::new(),
            username: "a".into(),
            content: "x".into(),
            seq: Seq(id),
            deleted: None,
            edited_at: None,
            reply_to: None,
            reactions: Default::default(),
        }
    }

    #[test]
    fn the_title_shows_mentions_before_unread_messages() {
        assert_eq!(title_of("Lobby", 0, 0), "Lobby · Chat");
        assert_eq!(title_of("Lobby", 0, 3), "(3) Lobby");
        assert_eq!(title_of("Lobby", 1, 3), "(1 @) Lobby");
    }

    #[test]
    fn the_new_messages_button_counts_them() {
        assert_eq!(new_messages_text(1), "1 new message ↓");
        assert_eq!(new_messages_text(4), "4 new messages ↓");
    }

    #[test]
    fn merge_skips_known_ids_and_keeps_order() {
        let mut list = vec![msg(1), msg(3)];
        assert!(merge(&mut list, [msg(3), msg(2), msg(4)]));
        let ids: Vec<i64> = list.iter().map(|m| m.id.0).collect();
        assert_eq!(ids, [1, 2, 3, 4]);
        assert!(!merge(&mut list, [msg(2)]));
    }

    #[test]
    fn merge_takes_newer_versions_only() {
        let mut list = vec![msg(1), msg(2)];
        let mut deleted = msg(1);
        deleted.seq = Seq(5);
        deleted.content = String::new();
        deleted.deleted = Some(domain::moderation::Deletion::Moderator);
        assert!(
            !merge(&mut list, [deleted.clone()]),
            "a change is not a new message"
        );
        assert_eq!(list[0], deleted);
        // The original arriving late (a replay) does not bring the text back.
        merge(&mut list, [msg(1)]);
        assert_eq!(list[0], deleted);
    }
}
