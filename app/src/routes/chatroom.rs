//! `/chatrooms/<hash_key>/`: the room's history, the composer, live updates and the share link.

use crate::api::{load_room, messages_after, SendMessage};
use crate::components::{composer::Composer, message_list::MessageList, share_link::ShareLink};
use crate::error::AppError;
use crate::model::{ChatMessage, RoomView};
use crate::routes::not_found::NotFound;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Redirect, hooks::use_params_map};

/// How often an open room asks for new messages (until live push replaces this).
const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

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
                    Err(AppError::NotLoggedIn) => {
                        let next = format!("/chatrooms/{}/", hash_key());
                        let path = format!("/login?next={}", urlencode(&next));
                        view! { <Redirect path/> }.into_any()
                    }
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

/// Percent-encodes the few characters a local path may contain that a query value may not.
fn urlencode(path: &str) -> String {
    path.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' | '.' | '~' | '/' => c.to_string(),
            other => {
                let mut buf = [0u8; 4];
                other
                    .encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}

/// Adds messages not seen yet (by id), keeping the list ordered.
fn merge(list: &mut Vec<ChatMessage>, incoming: impl IntoIterator<Item = ChatMessage>) {
    let mut changed = false;
    for message in incoming {
        if !list.iter().rev().any(|m| m.id == message.id) {
            list.push(message);
            changed = true;
        }
    }
    if changed {
        list.sort_by_key(|m| m.id);
    }
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
        ..
    } = room;
    let messages = RwSignal::new(initial);
    let send = ServerAction::<SendMessage>::new();

    // The sender sees their message as soon as the server acknowledged it.
    Effect::new(move |_| {
        if let Some(Ok(message)) = send.value().get() {
            messages.update(|list| merge(list, [message]));
        }
    });

    // None while server-rendered (and with JavaScript off); then whether the last refresh worked.
    let live = RwSignal::new(None::<bool>);
    poll_for_new_messages(hash_key.clone(), messages, live);

    view! {
        <Title text=format!("{name} · Chat")/>
        <section class="room" data-live=move || (live.get() == Some(true)).to_string()>
            <header class="room-header">
                <h1>{name.clone()}</h1>
                <p class="whoami">"You are " <strong>{me.clone()}</strong></p>
                <p class="status" class:offline=move || live.get() != Some(true)>
                    {move || match live.get() {
                        None => "reload the page for new messages",
                        Some(true) => "live",
                        Some(false) => "connection lost, retrying…",
                    }}
                </p>
            </header>
            <MessageList messages me/>
            <Composer hash_key send/>
            <ShareLink url=share_url/>
        </section>
    }
}

/// In the browser, asks the server for newer messages every [`REFRESH_EVERY`].
fn poll_for_new_messages(
    hash_key: String,
    messages: RwSignal<Vec<ChatMessage>>,
    live: RwSignal<Option<bool>>,
) {
    Effect::new(move |_| {
        let hash_key = hash_key.clone();
        let in_flight = StoredValue::new(false);
        let handle = set_interval_with_handle(
            move || {
                if in_flight.get_value() {
                    return;
                }
                in_flight.set_value(true);
                let after = messages.with_untracked(|l| l.last().map_or(0, |m| m.id));
                let hash_key = hash_key.clone();
                leptos::task::spawn_local(async move {
                    match messages_after(hash_key, after).await {
                        Ok(new) => {
                            if !new.is_empty() {
                                messages.update(|list| merge(list, new));
                            }
                            live.set(Some(true));
                        }
                        Err(_) => live.set(Some(false)),
                    }
                    in_flight.set_value(false);
                });
            },
            REFRESH_EVERY,
        );
        if let Ok(handle) = handle {
            live.set(Some(true));
            on_cleanup(move || handle.clear());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: i64) -> ChatMessage {
        ChatMessage {
            id,
            chat_id: 1,
            timestamp: String::new(),
            username: "a".into(),
            content: "x".into(),
        }
    }

    #[test]
    fn merge_skips_known_ids_and_keeps_order() {
        let mut list = vec![msg(1), msg(3)];
        merge(&mut list, [msg(3), msg(2), msg(4)]);
        let ids: Vec<i64> = list.iter().map(|m| m.id).collect();
        assert_eq!(ids, [1, 2, 3, 4]);
    }

    #[test]
    fn next_is_encoded_for_the_query() {
        assert_eq!(urlencode("/chatrooms/ab-_C/"), "/chatrooms/ab-_C/");
        assert_eq!(urlencode("/a?b=c&d"), "/a%3Fb%3Dc%26d");
    }
}
