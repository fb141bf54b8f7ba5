//! `/chatrooms/<hash_key>/`: the room's history, the composer, live updates and the share link.

use crate::api::{load_room, messages_before, SendMessage, HISTORY_PAGE};
use crate::client::live::{self, LiveStatus};
use crate::components::{
    account::AccountMenu,
    composer::Composer,
    message_list::MessageList,
    presence::{PresenceList, TypingIndicator},
    share_link::ShareLink,
};
use crate::error::AppError;
use crate::routes::not_found::NotFound;
use domain::live::LiveEvent;
use domain::model::{ChatMessage, RoomView};
use domain::{HashKey, MessageId};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_params_map};
use std::time::Duration;

/// Loads the room, or sends the visitor to log in, or answers 404.
#[component]
pub fn ChatroomPage() -> impl IntoView {
    let params = use_params_map();
    let hash_key = move || params.read().get("hash_key").unwrap_or_default();
    let room = Resource::new(hash_key, load_room);

    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the chatroom…"</p> }>
            {move || Suspend::new(async move {
                match room.await {
                    Ok(room) => view! { <Room room/> }.into_any(),
                    Err(AppError::NotLoggedIn) => match HashKey::parse(&hash_key()) {
                        Ok(key) => view! { <Redirect path=key.login_path()/> }.into_any(),
                        Err(_) => view! { <NotFound/> }.into_any(),
                    },
                    Err(AppError::NotFound) => view! { <NotFound/> }.into_any(),
                    Err(err) => {
                        view! {
                            <section class="card">
                                <h1>"Could not open this chatroom"</h1>
                                <p class="form-error">{err.to_string()}</p>
                            </section>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// The document title for `text`. leptos_meta writes `<Title>` text into the server-rendered
/// HTML without escaping it, so a room named `</title><script>…` would become markup: escape it
/// there. In the browser the title is set as text, so it stays as it is.
fn title_text(text: &str) -> String {
    if cfg!(feature = "ssr") {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    } else {
        text.to_owned()
    }
}

/// Adds messages not seen yet (by id), keeping the list ordered; tells whether any was new.
fn merge(list: &mut Vec<ChatMessage>, incoming: impl IntoIterator<Item = ChatMessage>) -> bool {
    let mut changed = false;
    for message in incoming {
        // Nearly always the new message goes at the end; the search keeps odd orders right.
        if let Err(at) = list.binary_search_by_key(&message.id, |m| m.id) {
            list.insert(at, message);
            changed = true;
        }
    }
    changed
}

/// The open room.
#[component]
fn Room(room: RoomView) -> impl IntoView {
    let RoomView {
        name,
        hash_key,
        share_url,
        me,
        messages: initial,
        has_older,
        online,
        ..
    } = room;
    let messages = RwSignal::new(initial);
    let online = RwSignal::new(online);
    let typing = RwSignal::new(Vec::<String>::new());
    let status = RwSignal::new(LiveStatus::Static);
    let unread = RwSignal::new(0usize);
    let unread_from = RwSignal::new(None::<MessageId>);
    let has_older = RwSignal::new(has_older);
    let loading_older = RwSignal::new(false);
    let list_ref = NodeRef::<leptos::html::Ol>::new();
    let send = ServerAction::<SendMessage>::new();

    // The sender sees their message as soon as the server acknowledged it (the live stream may
    // bring the same message too; ids dedupe).
    Effect::new(move |_| {
        if let Some(Ok(message)) = send.value().get() {
            messages.update(|list| {
                merge(list, [message]);
            });
            scroll_to_bottom(list_ref);
        }
    });
    let pending = Signal::derive(move || {
        send.input()
            .with(|input| input.as_ref().map(|i| i.content.trim().to_owned()))
            .filter(|text| !text.is_empty())
    });

    start_live(LiveSetup {
        hash_key: hash_key.clone(),
        me: me.clone(),
        messages,
        online,
        typing,
        status,
        unread,
        unread_from,
        list_ref,
    });

    let on_scroll = {
        let hash_key = hash_key.clone();
        move |_| {
            load_older_if_at_top(
                hash_key.clone(),
                messages,
                has_older,
                loading_older,
                list_ref,
            )
        }
    };
    let title = {
        let name = name.clone();
        move || {
            title_text(&match unread.get() {
                0 => format!("{name} · Chat"),
                n => format!("({n}) {name}"),
            })
        }
    };

    view! {
        <Title text=title/>
        <section class="room" data-live=move || (status.get() == LiveStatus::Live).to_string()>
            <header class="room-header">
                <h1>{name.clone()}</h1>
                <p class="whoami">"You are " <strong>{me.clone()}</strong></p>
                <AccountMenu hash_key=hash_key.clone()/>
                <p class="status" class:offline=move || status.get() != LiveStatus::Live>
                    {move || match status.get() {
                        LiveStatus::Static => "reload the page for new messages",
                        LiveStatus::Live => "live",
                        LiveStatus::Reconnecting => "reconnecting…",
                    }}
                </p>
            </header>
            <PresenceList online/>
            <div class="scroller" on:scroll=on_scroll>
                <MessageList
                    messages
                    me
                    unread_from
                    pending
                    loading_older
                    list_ref
                />
            </div>
            <TypingIndicator typing/>
            <Composer hash_key send/>
            <ShareLink url=share_url/>
        </section>
    }
}

/// What the live connection updates.
struct LiveSetup {
    hash_key: HashKey,
    me: String,
    messages: RwSignal<Vec<ChatMessage>>,
    online: RwSignal<Vec<String>>,
    typing: RwSignal<Vec<String>>,
    status: RwSignal<LiveStatus>,
    unread: RwSignal<usize>,
    unread_from: RwSignal<Option<MessageId>>,
    list_ref: NodeRef<leptos::html::Ol>,
}

/// In the browser: opens the live stream and keeps the list, presence, typing and the unread
/// count up to date. Nothing runs on the server or with JavaScript off.
fn start_live(setup: LiveSetup) {
    let LiveSetup {
        hash_key,
        me,
        messages,
        online,
        typing,
        status,
        unread,
        unread_from,
        list_ref,
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

    Effect::new(move |_| {
        scroll_to_bottom(list_ref);
        let me = me.clone();
        let on_event = move |event: LiveEvent| match event {
            LiveEvent::Message(message) => {
                let (id, mine) = (message.id, message.username == me);
                // Whoever just sent a message is no longer typing it.
                let author = message.username.clone();
                typed_at.update_value(|list| list.retain(|(name, _)| *name != author));
                refresh_typing();
                let stick = is_near_bottom(list_ref);
                let mut added = false;
                messages.update(|list| added = merge(list, [message]));
                if !added {
                    return;
                }
                if !mine && document().hidden() {
                    unread.update(|n| *n += 1);
                    if unread_from.get_untracked().is_none() {
                        unread_from.set(Some(id));
                    }
                }
                if stick || mine {
                    scroll_to_bottom(list_ref);
                }
            }
            LiveEvent::Presence { online: now, .. } => online.set(now),
            LiveEvent::Joined { username } => online.update(|list| {
                if let Err(at) = list.binary_search(&username) {
                    list.insert(at, username);
                }
            }),
            LiveEvent::Left { username } => online.update(|list| list.retain(|n| *n != username)),
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
        };
        let last_id =
            move || messages.with_untracked(|l| l.last().map_or(MessageId::START, |m| m.id));
        let connection = live::connect(hash_key.events_path(), last_id, on_event, status);
        let keep = StoredValue::new_local(Some(connection));

        let sweep = set_interval_with_handle(refresh_typing, Duration::from_millis(1000)).ok();
        let visibility = window_event_listener(leptos::ev::visibilitychange, move |_| {
            if document().hidden() {
                // A new absence: the next message that arrives marks where "new" starts.
                unread_from.set(None);
            } else {
                unread.set(0);
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

/// How long "x is typing…" stays after x's last keystroke.
const TYPING_SHOWN_MS: f64 = 4000.0;

fn is_near_bottom(list_ref: NodeRef<leptos::html::Ol>) -> bool {
    scroller(list_ref)
        .is_none_or(|el| el.scroll_height() - el.scroll_top() - el.client_height() < 80)
}

fn scroller(list_ref: NodeRef<leptos::html::Ol>) -> Option<web_sys::Element> {
    list_ref.get_untracked().and_then(|ol| ol.parent_element())
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
        }
    }

    #[test]
    fn merge_skips_known_ids_and_keeps_order() {
        let mut list = vec![msg(1), msg(3)];
        merge(&mut list, [msg(3), msg(2), msg(4)]);
        let ids: Vec<i64> = list.iter().map(|m| m.id.0).collect();
        assert_eq!(ids, [1, 2, 3, 4]);
    }

    #[test]
    #[cfg(feature = "ssr")]
    fn server_rendered_titles_are_escaped() {
        assert_eq!(
            title_text("</title><script>x</script> & co"),
            "&lt;/title&gt;&lt;script&gt;x&lt;/script&gt; &amp; co"
        );
    }
}
