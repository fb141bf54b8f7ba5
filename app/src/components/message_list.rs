//! The list of messages, oldest at the top, with the unread divider and the message being sent.

use crate::components::avatar::UserBadge;
use crate::components::moderation::{DeleteMessageButton, ModActions, PersonActions, RoleBadge};
use crate::components::own_message::{OwnActions, OwnMessageActions, OwnMessageEditor};
use crate::components::reactions::{ReactActions, ReactButton, ReactionCounts, ReactionPicker};
use crate::rich_text::{segments, Segment};
use crate::timeline::Moment;
use domain::mentions;
use domain::model::{ChatMessage, Quote};
use domain::moderation::{Role, RoomState};
use domain::{HashKey, MessageId, Seq};
use leptos::html::Ol;
use leptos::prelude::*;

/// Plain text with the mentions of `me` marked.
fn text_with_mentions(text: &str, me: &str) -> AnyView {
    let mut parts = Vec::new();
    let mut from = 0;
    for found in mentions::find(text, &[me]) {
        parts.push(text[from..found.start].to_owned().into_any());
        parts.push(
            view! { <mark class="mention">{text[found.clone()].to_owned()}</mark> }.into_any(),
        );
        from = found.end;
    }
    parts.push(text[from..].to_owned().into_any());
    parts.into_any()
}

/// The message text as nodes: text (with the reader's mentions marked), safe links and inline
/// code, never parsed as HTML.
fn rich_content(text: &str, me: &str) -> Vec<AnyView> {
    segments(text)
        .into_iter()
        .map(|segment| match segment {
            Segment::Text(t) => text_with_mentions(t, me),
            Segment::Code(c) => view! { <code>{c.to_owned()}</code> }.into_any(),
            Segment::Link(url) => view! {
                <a href=url.to_owned() target="_blank" rel="noopener noreferrer nofollow">
                    {url.to_owned()}
                </a>
            }
            .into_any(),
        })
        .collect()
}

/// Renders `messages`, each with its sender (and their role) and time; the text is never
/// interpreted as HTML. A run of messages from one person shows their name once, and each new
/// day starts with its date. Only messages that arrive after the page opened are in the live
/// region (`role="log"`): older history loaded by scrolling back is not announced. A deleted
/// message shows who took it away; owners and moderators get a Delete button on every other
/// one, and the actions on its author.
#[component]
pub fn MessageList(
    messages: RwSignal<Vec<ChatMessage>>,
    me: String,
    /// The first message that arrived while the tab was hidden.
    #[prop(into)]
    unread_from: Signal<Option<MessageId>>,
    /// Whether older messages are being fetched.
    #[prop(into)]
    loading_older: Signal<bool>,
    /// The list of the live region (the scroller is around it).
    list_ref: NodeRef<Ol>,
    /// The room's roles (for badges).
    #[prop(into)]
    state: Signal<RoomState>,
    /// The reader's role (moderators get Delete buttons).
    #[prop(into)]
    my_role: Signal<Option<Role>>,
    /// The room, for the Delete forms.
    hash_key: HashKey,
    /// The moderation actions.
    actions: ModActions,
    /// Editing and deleting one's own messages.
    own: OwnActions,
    /// The message the composer answers (set by "Reply").
    replying: RwSignal<Option<Quote>>,
    /// Brings a message into view (loading older history if needed).
    jump: Callback<MessageId>,
    /// Reacting to messages.
    react: ReactActions,
    /// Whether the server may reuse messages rendered for earlier loads: only for a page whose
    /// link carries nothing that changes a message (an open picker, a form's error).
    #[prop(optional)]
    reuse_rendered: bool,
) -> impl IntoView {
    // Switch to local times only after hydration, so the first render matches the server's.
    let local = RwSignal::new(false);
    Effect::new(move |_| local.set(true));
    // What the page opened with, and all that arrives later, is in the log; what scrolling back
    // loads goes above it.
    let first_live = messages.with_untracked(|l| l.first().map_or(MessageId::START, |m| m.id));
    let context = ListContext {
        me,
        local,
        state,
        my_role,
        hash_key,
        actions,
        own,
        replying,
        jump,
        react,
        unread_from,
        reuse_rendered,
    };
    let parts = ListParts {
        messages,
        context,
        loading_older,
        list_ref,
        first_live,
    };
    #[cfg(feature = "ssr")]
    if reuse_rendered {
        return reused_list(parts);
    }
    list_view(parts)
}

/// What the two lists are built from.
struct ListParts {
    messages: RwSignal<Vec<ChatMessage>>,
    context: ListContext,
    loading_older: Signal<bool>,
    list_ref: NodeRef<Ol>,
    /// The first message the page opened with: older ones were loaded by scrolling back.
    first_live: MessageId,
}

/// The two lists: history loaded by scrolling back, then what the page opened with and what
/// arrives later.
fn list_view(parts: ListParts) -> AnyView {
    let ListParts {
        messages,
        context,
        loading_older,
        list_ref,
        first_live,
    } = parts;
    let older_context = context.clone();
    view! {
        <ol class="messages older" aria-label="Earlier messages">
            <Show when=move || loading_older.get()>
                <li class="loading-older">"Loading older messages…"</li>
            </Show>
            <For
                each=move || messages.with(|list| placed(list, |id| id < first_live))
                key=Placed::key
                let:placed
            >
                {older_context.item(placed)}
            </For>
        </ol>
        <div role="log" aria-live="polite" aria-label="Messages">
            <ol class="messages" node_ref=list_ref>
                <For
                    each=move || messages.with(|list| placed(list, |id| id >= first_live))
                    key=Placed::key
                    let:placed
                >
                    {context.item(placed)}
                </For>
            </ol>
        </div>
    }
    // Erase the deep view type: it keeps the room page's type (and compile times) small.
    .into_any()
}

/// On the server: the whole list's HTML as rendered before for the same inputs, or rendered
/// now. Building the list (an owner, a `Show` and a day separator per message, each message's
/// key hashed) was a sixth of a room page's work even with every message's HTML reused.
#[cfg(feature = "ssr")]
fn reused_list(parts: ListParts) -> AnyView {
    use crate::server::rendered::{get_or_render, RenderKey};
    use leptos::tachys::html::InertElement;
    let (context, first_live) = (&parts.context, parts.first_live);
    // A message's text, edits, deletion and reactions all move its `seq`; its quote follows
    // the quoted message, so it is part of the key too. The day separators depend on today.
    // The rest is the same in every server rendering (no unread divider, nothing loading).
    let key = parts.messages.with_untracked(|list| {
        let versions: Vec<_> = list
            .iter()
            .map(|m| (m.id, m.seq, m.reply_to.as_ref()))
            .collect();
        let roles: Vec<_> = context.state.with_untracked(|s| {
            s.roles
                .iter()
                .map(|holder| (holder.username.clone(), holder.role))
                .collect()
        });
        RenderKey::of(&(
            "message list",
            list.first().map(|m| m.chat_id),
            versions,
            roles,
            context.me.as_str(),
            context.my_role.get_untracked(),
            context.hash_key.as_str(),
            first_live,
            Moment::now(false).map(|now| now.day.iso()),
        ))
    });
    let html = get_or_render(key, || list_view(parts).to_html());
    InertElement::new(html).into_any()
}

/// Whose and when the message before another was: what runs and day separators depend on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Previous {
    id: MessageId,
    username: String,
    timestamp: String,
}

/// A message with the one before it in the list.
#[derive(Debug, Clone)]
struct Placed {
    message: ChatMessage,
    previous: Option<Previous>,
}

impl Placed {
    /// Keyed by version too: a changed message (deleted, …) is drawn anew, and so is a reply
    /// whose original was deleted, or a message whose predecessor changed (older history loaded
    /// above it).
    fn key(&self) -> (MessageId, Seq, bool, Option<MessageId>) {
        let m = &self.message;
        (
            m.id,
            m.seq,
            m.reply_to.as_ref().is_some_and(|q| q.deleted),
            self.previous.as_ref().map(|p| p.id),
        )
    }
}

/// The messages of `list` whose id passes `keep`, each with its predecessor in the whole list.
fn placed(list: &[ChatMessage], keep: impl Fn(MessageId) -> bool) -> Vec<Placed> {
    list.iter()
        .enumerate()
        .filter(|(_, m)| keep(m.id))
        .map(|(at, message)| Placed {
            message: message.clone(),
            previous: at.checked_sub(1).map(|before| {
                let p = &list[before];
                Previous {
                    id: p.id,
                    username: p.username.clone(),
                    timestamp: p.timestamp.clone(),
                }
            }),
        })
        .collect()
}

/// What every message of one list shares.
#[derive(Clone)]
struct ListContext {
    me: String,
    local: RwSignal<bool>,
    state: Signal<RoomState>,
    my_role: Signal<Option<Role>>,
    hash_key: HashKey,
    actions: ModActions,
    own: OwnActions,
    replying: RwSignal<Option<Quote>>,
    jump: Callback<MessageId>,
    react: ReactActions,
    unread_from: Signal<Option<MessageId>>,
    reuse_rendered: bool,
}

impl ListContext {
    /// One entry: the day's separator when a new day starts, the unread divider, the message.
    fn item(&self, placed: Placed) -> AnyView {
        let Placed { message, previous } = placed;
        let local = self.local;
        let separator = {
            let timestamp = message.timestamp.clone();
            let before = previous.as_ref().map(|p| p.timestamp.clone());
            move || {
                let local = local.get();
                let day = Moment::of(&timestamp, local)?.day;
                let before = before.as_deref().and_then(|t| Moment::of(t, local));
                if before.is_some_and(|b| b.day == day) {
                    return None;
                }
                let today = Moment::now(local)?.day;
                Some(view! {
                    <li class="day-separator">
                        <time datetime=day.iso()>{day.label(today)}</time>
                    </li>
                })
            }
        };
        let unread_from = self.unread_from;
        let id = message.id;
        let inputs = ItemInputs {
            message,
            previous,
            context: self.clone(),
        };
        view! {
            {separator}
            <Show when=move || unread_from.get() == Some(id)>
                <li class="unread-divider">"New messages"</li>
            </Show>
            {message_view(inputs, self.reuse_rendered)}
        }
        .into_any()
    }
}

/// One message: on the server, reused from an earlier page load when `reuse_rendered`. Like a
/// component, it reads no signal as it renders (only the closures in it track).
fn message_view(item: ItemInputs, reuse_rendered: bool) -> AnyView {
    untrack(|| {
        #[cfg(feature = "ssr")]
        if reuse_rendered {
            return reused_html(item);
        }
        let _ = reuse_rendered;
        message_item(item)
    })
}

/// On the server: the message's HTML as rendered before for the same inputs, or rendered now.
#[cfg(feature = "ssr")]
fn reused_html(item: ItemInputs) -> AnyView {
    use crate::server::rendered::{get_or_render, RenderKey};
    use leptos::tachys::html::InertElement;
    let (message, context) = (&item.message, &item.context);
    let me = context.me.as_str();
    // The reader's name matters only to their own messages, mentions of them and their
    // reactions; everyone else shares one rendering.
    let concerns_reader = message.username == me
        || mentions::mentions(&message.content, me)
        || message
            .reactions
            .list()
            .iter()
            .any(|r| r.users.iter().any(|u| u == me));
    let key = RenderKey::of(&(
        message,
        context.hash_key.as_str(),
        concerns_reader.then_some(me),
        context.my_role.get_untracked(),
        context
            .state
            .with_untracked(|s| s.role_of(&message.username)),
        context.react.picking.get_untracked() == Some(message.id),
        item.previous
            .as_ref()
            .map(|p| (p.username.as_str(), p.timestamp.as_str())),
    ));
    let html = get_or_render(key, || message_item(item).to_html());
    InertElement::new(html).into_any()
}

/// Everything one message's rendering depends on.
struct ItemInputs {
    message: ChatMessage,
    previous: Option<Previous>,
    context: ListContext,
}

/// One message: author, role badge, time, moderation controls, and the text (or who deleted
/// it).
fn message_item(item: ItemInputs) -> AnyView {
    let ItemInputs {
        message,
        previous,
        context,
    } = item;
    let ListContext {
        me,
        local,
        state,
        my_role,
        hash_key,
        actions,
        own,
        replying,
        jump,
        react,
        ..
    } = context;
    let reaction_key = hash_key.clone();
    let author = message.username.clone();
    let role = {
        let author = author.clone();
        Signal::derive(move || state.with(|s| s.role_of(&author)))
    };
    let mine = author == me;
    let editable = mine && message.deleted.is_none();
    let own_controls = editable.then(|| {
        view! { <OwnMessageActions hash_key=hash_key.clone() message_id=message.id actions=own/> }
    });
    let editor = {
        let (id, key, text) = (message.id, hash_key.clone(), message.content.clone());
        move || {
            (editable && own.editing.get() == Some(id)).then(|| {
                view! {
                    <OwnMessageEditor
                        hash_key=key.clone()
                        message_id=id
                        text=text.clone()
                        actions=own
                    />
                }
            })
        }
    };
    // "Reply": a link that works without JavaScript too (the page then opens with the reply set).
    let reply = message.deleted.is_none().then(|| {
        let quote = Quote::of(message.id, &message.username, Some(&message.content));
        let label = format!("Reply to {}", message.username);
        view! {
            <a
                class="reply-link"
                href=format!("?reply_to={}", message.id.0)
                aria-label=label
                on:click=move |ev| {
                    ev.prevent_default();
                    replying.set(Some(quote.clone()));
                }
            >
                "Reply"
            </a>
        }
    });
    let quote = message.reply_to.clone().map(|quote| {
        let id = quote.id;
        let text = if quote.deleted {
            "the quoted message was deleted".to_owned()
        } else {
            format!("{}: {}", quote.username, quote.excerpt)
        };
        view! {
            <a
                class="quote"
                class:gone=quote.deleted
                href=format!("#m-{}", id.0)
                on:click=move |ev| {
                    ev.prevent_default();
                    jump.run(id);
                }
            >
                "↪ "
                {text}
            </a>
        }
    });
    let edited = message.edited_at.clone().map(|at| {
        view! { <span class="edited" title=format!("edited {at}")>"(edited)"</span> }
    });
    let controls = {
        let message = message.clone();
        move || {
            let reader = my_role.get()?;
            let theirs = role.get();
            // The author's own Delete is in their own controls.
            let delete = (message.deleted.is_none() && !mine).then(|| {
                view! {
                    <DeleteMessageButton
                        hash_key=hash_key.clone()
                        message_id=message.id
                        author=message.username.clone()
                        actions
                    />
                }
            });
            // The author may have left: their actions are here too, not only in the presence list.
            let person = (!mine && theirs.is_none_or(|theirs| theirs < reader)).then(|| {
                view! {
                    <PersonActions
                        hash_key=hash_key.clone()
                        username=message.username.clone()
                        their_role=theirs
                        my_role=reader
                        actions
                    />
                }
            });
            Some((delete, person))
        }
    };
    let clock = {
        let timestamp = message.timestamp.clone();
        move || Moment::of(&timestamp, local.get()).map(|m| m.clock())
    };
    let full_time = {
        let timestamp = message.timestamp.clone();
        move || {
            let local = local.get();
            Moment::of(&timestamp, local).map(|m| m.full(local))
        }
    };
    // A run: the same author as the message before, on the same day, within minutes.
    let continued = {
        let (author, timestamp) = (message.username.clone(), message.timestamp.clone());
        move || {
            let local = local.get();
            previous.as_ref().is_some_and(|p| {
                p.username == author
                    && Moment::of(&timestamp, local)
                        .zip(Moment::of(&p.timestamp, local))
                        .is_some_and(|(this, before)| this.continues(&before))
            })
        }
    };
    let content = match message.deleted {
        Some(deletion) => {
            view! { <p class="content placeholder">{deletion.placeholder()}</p> }.into_any()
        }
        None => view! { <p class="content">{rich_content(&message.content, &me)}</p> }.into_any(),
    };
    let mentions_me =
        !mine && message.deleted.is_none() && mentions::mentions(&message.content, &me);
    let alive = message.deleted.is_none();
    let react_button = alive.then(|| view! { <ReactButton message_id=message.id actions=react/> });
    let counts = (alive && !message.reactions.is_empty()).then(|| {
        view! {
            <ReactionCounts
                hash_key=reaction_key.clone()
                message_id=message.id
                reactions=message.reactions.list().to_vec()
                me=me.clone()
                actions=react
            />
        }
    });
    let picker = {
        let id = message.id;
        move || {
            (alive && react.picking.get() == Some(id)).then(|| {
                view! { <ReactionPicker hash_key=reaction_key.clone() message_id=id actions=react/> }
            })
        }
    };
    view! {
        <li
            class="message"
            class:mine=mine
            class:deleted=message.deleted.is_some()
            class:mentions-me=mentions_me
            class:continued=continued
            // Focusable by a tap, which shows its actions on touch screens.
            tabindex="-1"
            data-id=message.id.0
            id=format!("m-{}", message.id.0)
        >
            <span class="meta">
                <UserBadge name=author/>
                <RoleBadge role/>
                <time datetime=message.timestamp.clone() title=full_time>
                    {clock}
                </time>
                {edited}
                <span class="actions">{reply} {react_button} {own_controls} {controls}</span>
            </span>
            {quote}
            {content}
            {editor}
            {counts}
            {picker}
        </li>
    }
    .into_any()
}
