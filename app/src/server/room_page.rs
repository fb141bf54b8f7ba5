//! What a room page is rendered from, read before rendering, and the key that names the page.
//!
//! The server keeps whole room pages (`server/src/page_cache.rs`): a page is the same HTML
//! (but for its per-answer values, [`FreshPerAnswer`]) whenever everything it is
//! rendered from is the same. That is the room as [`Entered`] finds it (its state, the reader,
//! who is online, the link's origin), the room's stamp (its messages, and the roles, bans,
//! members and moderation log the owner's panel shows), the theme cookie and today's date (the
//! day separators). [`PageKey::of`] hashes exactly these; a page rendered anew renders from
//! the data the key was made of (handed to the renderer as [`Preloaded`]).

use crate::api::ROOM_PAGE_MESSAGES;
use crate::error::AppError;
use crate::server::request::{public_origin, request_traits, Request};
use crate::timeline::Moment;
use backend::moderation::state;
use backend::store::room_cache::Stamp;
use backend::store::rooms::Room;
use backend::store::{memberships, rooms};
use domain::model::RoomView;
use domain::moderation::RoomState;
use domain::ClientId;
use leptos::prelude::{provide_context, use_context};
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::sync::{Arc, OnceLock};

/// A room entered for its page: who reads it and everything the page shows but the messages,
/// which the room's stamp names (a page kept for it needs no message read at all).
#[derive(Debug, Clone)]
pub struct Entered {
    room: Room,
    state: RoomState,
    share_url: String,
    me: String,
    online: Vec<String>,
}

impl Entered {
    /// Enters the room behind `hash_key` as the visitor of `request`, noting their membership
    /// (opening the link is what lets them in later).
    pub async fn open(request: &Request, hash_key: &str) -> Result<Self, AppError> {
        let (entry, session) = crate::api::enter_room(request, hash_key).await?;
        let state = state::of_entry(&entry);
        let room = entry.room;
        let address = request_traits(request).address;
        let (db, noted) = (&request.db, &request.noted);
        memberships::record(db, noted, session.id, session.claim_id, &room, &address).await?;
        let me = session.name;
        let mut online = request.hub.online(room.id);
        if !online.contains(&me) {
            online.push(me.clone());
            online.sort();
        }
        Ok(Self {
            share_url: room.hash_key.share_url(&public_origin(request)),
            room,
            state,
            me,
            online,
        })
    }

    /// Reads the messages: the page's whole data.
    pub async fn load(self, request: &Request) -> Result<RoomView, AppError> {
        let Self {
            room,
            state,
            share_url,
            me,
            online,
        } = self;
        let (messages, messages_json) =
            rooms::latest_with_json_of(&request.db, &request.windows, &room, ROOM_PAGE_MESSAGES)
                .await?;
        Ok(RoomView {
            has_older: messages.len() as u64 == ROOM_PAGE_MESSAGES,
            online,
            chat_id: room.id,
            share_url,
            room: state,
            me,
            // The feed position as the room's row had it, read before the messages: whatever
            // changes after it reaches the page by the live stream.
            seq: room.stamp.last_seq,
            messages,
            messages_json: messages_json.map(Into::into),
        })
    }
}

/// Reads the room behind `hash_key` for its page, as the visitor of `request`.
pub async fn load(request: &Request, hash_key: &str) -> Result<RoomView, AppError> {
    Entered::open(request, hash_key).await?.load(request).await
}

/// The room page's data read before rendering (a request extension): the page renders from
/// it instead of reading the room again, so it shows exactly what its [`PageKey`] names.
#[derive(Debug, Clone)]
pub struct Preloaded {
    /// The link's key the data was read for (the page of an old link redirects).
    pub hash_key: String,
    /// The data.
    pub view: Arc<RoomView>,
}

impl Preloaded {
    /// The data read for `hash_key` before this request was rendered, if any.
    pub fn of_request(request: &Request, hash_key: &str) -> Option<RoomView> {
        let preloaded = request.extension::<Preloaded>()?;
        (preloaded.hash_key == hash_key).then(|| RoomView::clone(&preloaded.view))
    }
}

/// What a room page carries that must differ in every answer, chosen by whoever serves the
/// page (a request extension): the nonce of its scripts and its Content-Security-Policy, and
/// the composer's id for the message it sends without JavaScript (two tabs given the same id
/// would have the second message taken for a retry of the first).
#[derive(Debug, Clone)]
pub struct FreshPerAnswer {
    /// The nonce, as Leptos makes one (16 random bytes).
    pub nonce: String,
    /// The composer's first message id.
    pub client_id: ClientId,
}

impl FreshPerAnswer {
    /// New random values.
    pub fn new() -> Self {
        Self {
            nonce: leptos::nonce::Nonce::new().to_string(),
            client_id: backend::random::new_client_id(),
        }
    }

    /// The values chosen for the page being rendered, if its server chose them.
    pub fn of_page() -> Option<Self> {
        use_context::<http::request::Parts>()?
            .extensions
            .get::<Self>()
            .cloned()
    }

    /// Makes the chosen nonce the page's (call in the rendering's context, after Leptos put
    /// its own there).
    pub fn provide_nonce() {
        if let Some(fresh) = Self::of_page() {
            provide_context(leptos::nonce::Nonce::from_value(fresh.nonce));
        }
    }
}

impl Default for FreshPerAnswer {
    fn default() -> Self {
        Self::new()
    }
}

/// Names one rendering of a room page: equal keys, equal pages (but for the nonce).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageKey {
    /// The room, the reader and how they reached and see it: one page is kept per reader.
    reader: u64,
    /// Everything the page shows.
    state: u64,
}

impl PageKey {
    /// The key of the room page for `entered`, in `theme`, on the current day (UTC). Hashed
    /// with keys chosen at random per process: nobody can aim a name at another reader's page.
    pub fn of(entered: &Entered, theme: domain::theme::Theme) -> Self {
        static KEYS: OnceLock<RandomState> = OnceLock::new();
        let keys = KEYS.get_or_init(RandomState::new);
        // Every field, named: a new one does not compile until it is hashed here.
        let Entered {
            room,
            state,
            share_url,
            me,
            online,
        } = entered;
        let reader = keys.hash_one((room.id, me, share_url, theme.attribute()));
        let mut hasher = keys.build_hasher();
        // The stamp names the messages: every change to one moves `last_seq`, a removal for
        // retention moves `version`, as do roles, bans, members and the moderation log.
        let Stamp { last_seq, version } = room.stamp;
        (reader, last_seq, version, online).hash(&mut hasher);
        hash_json(state, &mut hasher);
        Moment::now(false)
            .map(|now| now.day.iso())
            .hash(&mut hasher);
        Self {
            reader,
            state: hasher.finish(),
        }
    }

    /// A key made of its two hashes (tests of what keeps pages).
    pub fn from_hashes(reader: u64, state: u64) -> Self {
        Self { reader, state }
    }

    /// The hash naming the room, the reader and how they see it.
    pub fn reader(self) -> u64 {
        self.reader
    }
}

/// Feeds `value`'s JSON into `hasher` without building the text: every field counts, including
/// ones added later.
fn hash_json(value: &impl serde::Serialize, hasher: &mut impl Hasher) {
    struct Feed<'a, H>(&'a mut H);
    impl<H: Hasher> std::io::Write for Feed<'_, H> {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.write(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    // Writing into a hasher cannot fail; a value serde cannot write hashes as what it wrote.
    let _ = serde_json::to_writer(Feed(hasher), value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::theme::Theme;
    use domain::{ChatId, HashKey, Seq};

    fn sample() -> Entered {
        let hash_key = HashKey::parse("abcdefghijklmnop").expect("a key");
        Entered {
            room: Room {
                id: ChatId(7),
                name: "Lobby".into(),
                hash_key: hash_key.clone(),
                locked: false,
                slow_mode: Default::default(),
                retention: Default::default(),
                creator_browser: None,
                stamp: Stamp {
                    last_seq: Seq(12),
                    version: 1,
                },
            },
            state: RoomState {
                name: "Lobby".into(),
                hash_key: hash_key.clone(),
                locked: false,
                slow_mode: Default::default(),
                retention: Default::default(),
                roles: Vec::new(),
            },
            share_url: hash_key.share_url("http://localhost:3000"),
            me: "alice".into(),
            online: vec!["alice".into()],
        }
    }

    #[test]
    fn every_input_of_the_page_changes_its_key() {
        let base = PageKey::of(&sample(), Theme::System);
        assert_eq!(base, PageKey::of(&sample(), Theme::System));
        assert_ne!(base, PageKey::of(&sample(), Theme::Dark));
        let changed = |change: fn(&mut Entered)| {
            let mut entered = sample();
            change(&mut entered);
            PageKey::of(&entered, Theme::System)
        };
        let new_state = [
            changed(|e| e.room.stamp.last_seq = Seq(13)),
            changed(|e| e.room.stamp.version = 2),
            changed(|e| e.online.push("bob".into())),
            changed(|e| e.state.locked = true),
            changed(|e| e.state.name = "Hall".into()),
        ];
        for key in new_state {
            assert_ne!(base, key);
            // One page is kept per reader: a new state of the room is the same reader's.
            assert_eq!(base.reader(), key.reader());
        }
        let other_reader = [
            changed(|e| e.me = "bob".into()),
            changed(|e| e.share_url = "https://chat.example/".into()),
            changed(|e| e.room.id = ChatId(8)),
        ];
        for key in other_reader {
            assert_ne!(base.reader(), key.reader());
        }
    }
}
