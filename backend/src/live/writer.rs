//! The single writer of a room's messages: stores queued changes (new messages, edits, deletions,
//! reactions) in
//! batches (one commit for many), then publishes them in change-feed order. Committing before
//! publishing means every delivered change is durable; one writer means a room never shows
//! change 6 before change 5.
//!
//! Every change takes the room's next change-feed number ([`Seq`]), handed out under the
//! chat row's write lock: the batch first reserves numbers on each of its chats (one update
//! per chat, in id order, so two writers never deadlock), which on PostgreSQL makes another
//! instance's batch for the same room wait until commit, and on SQLite takes the database's
//! write lock before anything is read. Numbers therefore follow commit order within a room,
//! whichever instance writes (with gaps where a reserved number went unused).
//!
//! With one instance, publishing is a call on the in-process hub. With several (PostgreSQL),
//! the transaction queues a notification that PostgreSQL delivers to every instance at commit;
//! each instance's `cluster` listener then reads the rows and publishes them.

use super::cluster;
use super::fanout::Fanout;
use super::hub::Hub;
use crate::identity::sessions::Session;
use crate::store::entities::{chat, message};
use crate::store::room_mirror::RoomMirror;
use crate::store::rooms::{quote_of, stored_reactions, to_dto};
use chrono::{DateTime, SubsecRound, Utc};
use domain::model::ChatMessage;
use domain::moderation::{Deletion, SlowMode};
use domain::reactions::{Emoji, Reactions, TooManyReactions};
use domain::{ChatId, ClientId, MessageId, MessageText, Seq};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most changes committed in one transaction.
const MAX_BATCH: usize = 256;
/// Changes waiting for the writer before senders wait for room in the queue.
const QUEUE: usize = 4096;

/// A change to a room's messages.
#[derive(Debug, Clone)]
enum Change {
    /// A new message; refused if `slow_mode` is on and the author posted too recently. One
    /// with the `client_id` of a message the author already stored in the room is that message.
    Post {
        username: String,
        content: String,
        slow_mode: SlowMode,
        reply_to: Option<MessageId>,
        client_id: Option<ClientId>,
    },
    /// Deletes one message (if `author` is set, only if they wrote it).
    Delete {
        id: MessageId,
        by: Deletion,
        author: Option<String>,
    },
    /// Deletes every message of `username` in the room (with a ban).
    DeleteAllBy { username: String },
    /// Replaces the text of message `id`, if `author` wrote it and it is not deleted.
    Edit {
        id: MessageId,
        author: String,
        content: String,
    },
    /// Adds `username`'s reaction `emoji` to message `id`, or takes it back if it is there.
    React {
        id: MessageId,
        username: String,
        emoji: Emoji,
    },
}

/// What a change did.
#[derive(Debug)]
enum Outcome {
    /// The messages as they are now (a post: the new one; a deletion: the deleted ones).
    Changed(Vec<ChatMessage>),
    /// Slow mode: the author must wait this many seconds more; nothing was stored.
    TooSoon(u32),
    /// The message was deleted already: nothing changed, nothing is announced.
    Unchanged(ChatMessage),
    /// The message to delete does not exist in the room (or is not the author's).
    NotFound,
    /// The message a post answers is not in its room; nothing was stored.
    BadReply,
    /// The message has as many different reactions as it may; nothing was stored.
    TooManyReactions,
    /// A post sent again (its author and client id are a stored message's): that message;
    /// nothing new was stored or announced.
    Repeated(ChatMessage),
}

impl Outcome {
    /// The answer for a repeat, in the same batch, of the post that had this outcome.
    fn for_repeat(&self) -> Outcome {
        match self {
            Outcome::Changed(messages) if messages.len() == 1 => {
                Outcome::Repeated(messages[0].clone())
            }
            Outcome::Repeated(message) => Outcome::Repeated(message.clone()),
            Outcome::TooSoon(secs) => Outcome::TooSoon(*secs),
            Outcome::BadReply => Outcome::BadReply,
            _ => Outcome::NotFound,
        }
    }
}

struct Job {
    chat_id: ChatId,
    change: Change,
    reply: oneshot::Sender<Result<Outcome, DbErr>>,
}

/// Why a message was not stored.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// Slow mode: the author posted less than the room's interval ago.
    #[error("Slow mode: wait {0} s before your next message.")]
    SlowMode(u32),
    /// The message it answers is not in this room.
    #[error("You can reply only to a message in this room.")]
    BadReply,
    /// The database or the writer failed.
    #[error(transparent)]
    Store(#[from] crate::Error),
}

/// Why a reaction was not stored.
#[derive(Debug, thiserror::Error)]
pub enum ReactError {
    /// No such message in the room, or it was deleted.
    #[error("You can react only to a message of this room that is still there.")]
    NoMessage,
    /// A new emoji beyond the limit of different reactions.
    #[error(transparent)]
    TooMany(#[from] TooManyReactions),
    /// The database or the writer failed.
    #[error(transparent)]
    Store(#[from] crate::Error),
}

/// A new message as the writer takes it.
#[derive(Debug, Clone)]
pub struct Post<'a> {
    /// Its text.
    pub text: &'a MessageText,
    /// The room's slow mode for its author (off for owners and moderators).
    pub slow_mode: SlowMode,
    /// The message of the same room it answers, if any.
    pub reply_to: Option<MessageId>,
    /// The id the sender's browser gave it, if any (a repeat is answered with the stored one).
    pub client_id: Option<ClientId>,
}

/// Handle to the writer task; cheap to clone.
#[derive(Clone, Debug)]
pub struct MessageWriter {
    tx: mpsc::Sender<Job>,
}

impl MessageWriter {
    /// Starts the writer task on the current tokio runtime; with [`Fanout::InProcess`] it
    /// publishes what it stored on `hub`. After each commit it tells `mirror` where the rooms'
    /// change feeds stand.
    pub fn spawn(
        db: DatabaseConnection,
        hub: Arc<Hub>,
        fanout: Fanout,
        mirror: Arc<RoomMirror>,
    ) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, hub, fanout, mirror, rx));
        Self { tx }
    }

    async fn submit(&self, chat_id: ChatId, change: Change) -> Result<Outcome, crate::Error> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            chat_id,
            change,
            reply,
        };
        if self.tx.send(job).await.is_err() {
            return Err(crate::Error::TaskGone("the message writer"));
        }
        match answer.await {
            Ok(result) => Ok(result?),
            Err(_) => Err(crate::Error::TaskGone("the message writer")),
        }
    }

    /// Stores a message by `author` and returns it once it is committed (and published).
    /// With `slow_mode` on, a message less than its interval after the author's previous one
    /// in the room is refused.
    pub async fn send(
        &self,
        chat_id: ChatId,
        author: &Session,
        post: Post<'_>,
    ) -> Result<ChatMessage, PostError> {
        let change = Change::Post {
            username: author.name.clone(),
            content: post.text.as_str().to_owned(),
            slow_mode: post.slow_mode,
            reply_to: post.reply_to,
            client_id: post.client_id,
        };
        match self.submit(chat_id, change).await? {
            Outcome::Changed(mut stored) if stored.len() == 1 => Ok(stored.remove(0)),
            Outcome::Repeated(stored) => Ok(stored),
            Outcome::TooSoon(secs) => Err(PostError::SlowMode(secs)),
            Outcome::BadReply => Err(PostError::BadReply),
            Outcome::Changed(_)
            | Outcome::Unchanged(_)
            | Outcome::NotFound
            | Outcome::TooManyReactions => Err(PostError::Store(crate::Error::TaskGone(
                "the message writer (unexpected answer)",
            ))),
        }
    }

    /// Deletes message `id` of `chat_id` (only if `author` wrote it, when given); returns it as
    /// it is now, or `None` if there is no such message. Deleting twice changes nothing more.
    pub async fn delete(
        &self,
        chat_id: ChatId,
        id: MessageId,
        by: Deletion,
        author: Option<&str>,
    ) -> Result<Option<ChatMessage>, crate::Error> {
        let change = Change::Delete {
            id,
            by,
            author: author.map(str::to_owned),
        };
        Ok(match self.submit(chat_id, change).await? {
            Outcome::Changed(mut messages) => messages.pop(),
            Outcome::Unchanged(message) => Some(message),
            _ => None,
        })
    }

    /// Replaces the text of message `id` of `chat_id` if `author` wrote it (and it is not
    /// deleted); returns it as it is now, or `None` if there is no such message of theirs.
    pub async fn edit(
        &self,
        chat_id: ChatId,
        id: MessageId,
        author: &str,
        text: &MessageText,
    ) -> Result<Option<ChatMessage>, crate::Error> {
        let change = Change::Edit {
            id,
            author: author.to_owned(),
            content: text.as_str().to_owned(),
        };
        Ok(match self.submit(chat_id, change).await? {
            Outcome::Changed(mut messages) => messages.pop(),
            Outcome::Unchanged(message) => Some(message),
            _ => None,
        })
    }

    /// Adds `username`'s reaction `emoji` to message `id` of `chat_id`, or takes it back if they
    /// had reacted with it; returns the message as it is now.
    pub async fn react(
        &self,
        chat_id: ChatId,
        id: MessageId,
        username: &str,
        emoji: &Emoji,
    ) -> Result<ChatMessage, ReactError> {
        let change = Change::React {
            id,
            username: username.to_owned(),
            emoji: emoji.clone(),
        };
        match self.submit(chat_id, change).await? {
            Outcome::Changed(mut messages) if messages.len() == 1 => Ok(messages.remove(0)),
            Outcome::TooManyReactions => Err(TooManyReactions.into()),
            _ => Err(ReactError::NoMessage),
        }
    }

    /// Deletes every message `username` wrote in `chat_id`; returns how many were deleted.
    pub async fn delete_all_by(
        &self,
        chat_id: ChatId,
        username: &str,
    ) -> Result<usize, crate::Error> {
        let change = Change::DeleteAllBy {
            username: username.to_owned(),
        };
        Ok(match self.submit(chat_id, change).await? {
            Outcome::Changed(messages) => messages.len(),
            _ => 0,
        })
    }
}

async fn run(
    db: DatabaseConnection,
    hub: Arc<Hub>,
    fanout: Fanout,
    mirror: Arc<RoomMirror>,
    mut rx: mpsc::Receiver<Job>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match store(&db, &batch, &fanout).await {
            Ok((outcomes, positions)) => {
                // Before anyone hears of the changes: a page read after the answer shows them.
                for (chat_id, last_seq) in positions {
                    mirror.committed(chat_id, last_seq);
                }
                let mut published: Vec<&ChatMessage> = outcomes
                    .iter()
                    .filter_map(|outcome| match outcome {
                        Outcome::Changed(messages) => Some(messages.iter()),
                        _ => None,
                    })
                    .flatten()
                    .collect();
                if !fanout.is_shared() {
                    published.sort_by_key(|m| (m.chat_id, m.seq));
                    for message in published {
                        hub.publish_message(message);
                    }
                }
                for (job, outcome) in batch.drain(..).zip(outcomes) {
                    let _ = job.reply.send(Ok(outcome));
                }
            }
            Err(err) => {
                tracing::error!(error = %err, count = batch.len(), "storing messages failed");
                for job in batch.drain(..) {
                    let _ = job.reply.send(Err(err.clone()));
                }
            }
        }
    }
}

/// Stores one batch in one transaction; returns each job's outcome, in job order, and where
/// each room's change feed stands after the commit.
async fn store(
    db: &DatabaseConnection,
    batch: &[Job],
    fanout: &Fanout,
) -> Result<(Vec<Outcome>, Vec<(ChatId, Seq)>), DbErr> {
    let txn = db.begin().await?;
    let mut by_chat: BTreeMap<ChatId, Vec<usize>> = BTreeMap::new();
    for (index, job) in batch.iter().enumerate() {
        by_chat.entry(job.chat_id).or_default().push(index);
    }
    let mut outcomes: Vec<Option<Outcome>> = batch.iter().map(|_| None).collect();
    // Whole microseconds, as PostgreSQL keeps them: an answer built from the values sent
    // shows the time a later read of the row shows.
    let now = Utc::now().trunc_subsecs(6);
    // A room's posts that need no check are inserted together in one statement: after its
    // other jobs, or before the next one that reads the table, so ids follow `seq`. (Across
    // rooms, one statement measured slower with two PostgreSQL instances under load.)
    let mut plain: Vec<PlainPost> = Vec::new();
    let mut positions = Vec::with_capacity(by_chat.len());
    // In chat id order: the order rows are locked in, so two writers never deadlock.
    for (chat_id, jobs) in by_chat {
        // One number per job is reserved at once (one statement); numbers a refused or empty
        // change leaves unused are gaps, which a resume (`seq > after`) does not mind.
        let reserved = i64::try_from(jobs.len()).unwrap_or(i64::MAX);
        let Some(end) = reserve_feed(&txn, chat_id, reserved).await? else {
            // The room was deleted meanwhile.
            for index in jobs {
                outcomes[index] = Some(Outcome::NotFound);
            }
            continue;
        };
        let first = Seq(end.0 - reserved + 1);
        let mut seq = Seq(first.0 - 1);
        // Authors who posted in this batch, and when (slow mode counts them too).
        let mut posted_now: Vec<&str> = Vec::new();
        // A post sent again is answered with the stored message, or with the answer to its
        // first copy in this batch (read under the room's lock: no other writer can be
        // storing it meanwhile).
        let stored_before = stored_repeats(&txn, chat_id, batch, &jobs).await?;
        let mut first_copy: HashMap<(&str, &ClientId), usize> = HashMap::new();
        let mut later_copies: Vec<(usize, usize)> = Vec::new();
        for index in jobs {
            let job = &batch[index];
            if let Change::Post {
                username,
                client_id: Some(client_id),
                ..
            } = &job.change
            {
                let key = (username.clone(), client_id.as_str().to_owned());
                if let Some(row) = stored_before.get(&key) {
                    outcomes[index] = Some(Outcome::Repeated(dto(&txn, row.clone()).await?));
                    continue;
                }
                if let Some(first) = first_copy.get(&(username.as_str(), client_id)) {
                    later_copies.push((index, *first));
                    continue;
                }
                first_copy.insert((username.as_str(), client_id), index);
            }
            if let Change::Post {
                username,
                content,
                slow_mode,
                reply_to: None,
                client_id,
            } = &job.change
            {
                if !slow_mode.is_on() {
                    seq.0 += 1;
                    plain.push(PlainPost {
                        index,
                        chat_id,
                        seq,
                        row: new_message(
                            chat_id,
                            username,
                            content,
                            None,
                            client_id.as_ref(),
                            seq,
                            now,
                        ),
                    });
                    posted_now.push(username);
                    continue;
                }
            }
            insert_plain(&txn, &mut plain, &mut outcomes).await?;
            let outcome = apply(&txn, chat_id, &job.change, &mut seq, now, &posted_now).await?;
            if let (Change::Post { username, .. }, Outcome::Changed(_)) = (&job.change, &outcome) {
                posted_now.push(username);
            }
            outcomes[index] = Some(outcome);
        }
        insert_plain(&txn, &mut plain, &mut outcomes).await?;
        for (index, first) in later_copies {
            let answer = outcomes[first]
                .as_ref()
                .map_or(Outcome::NotFound, Outcome::for_repeat);
            outcomes[index] = Some(answer);
        }
        if seq > end {
            // A purge deleted more messages than it had numbers reserved.
            set_feed_position(&txn, chat_id, seq).await?;
        }
        positions.push((chat_id, seq.max(end)));
        if seq >= first && fanout.is_shared() {
            cluster::notify_changes(&txn, chat_id, first, seq).await?;
        }
    }
    txn.commit().await?;
    let outcomes = outcomes
        .into_iter()
        .map(|outcome| outcome.unwrap_or(Outcome::NotFound))
        .collect();
    Ok((outcomes, positions))
}

/// The messages of `chat_id` that posts of `jobs` send again, by author and client id.
async fn stored_repeats(
    txn: &impl ConnectionTrait,
    chat_id: ChatId,
    batch: &[Job],
    jobs: &[usize],
) -> Result<HashMap<(String, String), message::Model>, DbErr> {
    let client_ids: Vec<&str> = jobs
        .iter()
        .filter_map(|&index| match &batch[index].change {
            Change::Post {
                client_id: Some(id),
                ..
            } => Some(id.as_str()),
            _ => None,
        })
        .collect();
    if client_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = message::Entity::find()
        .filter(message::Column::ChatId.eq(chat_id.0))
        .filter(message::Column::ClientId.is_in(client_ids))
        .all(txn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| Some(((row.username.clone(), row.client_id.clone()?), row)))
        .collect())
}

/// A new message numbered `seq`, as it will be stored (its id is 0 until the database gives
/// it one).
fn new_message(
    chat_id: ChatId,
    username: &str,
    content: &str,
    reply_to: Option<MessageId>,
    client_id: Option<&ClientId>,
    seq: Seq,
    now: DateTime<Utc>,
) -> message::Model {
    message::Model {
        id: 0,
        chat_id: chat_id.0,
        timestamp: now,
        username: username.to_owned(),
        content: content.to_owned(),
        seq: seq.0,
        deleted_by: None,
        edited_at: None,
        reply_to: reply_to.map(|id| id.0),
        reactions: None,
        client_id: client_id.map(|id| id.as_str().to_owned()),
    }
}

/// The row that stores `new`: every column but the id, which the database assigns.
fn insertable(new: &message::Model) -> message::ActiveModel {
    message::ActiveModel {
        chat_id: Set(new.chat_id),
        timestamp: Set(new.timestamp),
        username: Set(new.username.clone()),
        content: Set(new.content.clone()),
        seq: Set(new.seq),
        deleted_by: Set(new.deleted_by.clone()),
        edited_at: Set(new.edited_at),
        reply_to: Set(new.reply_to),
        reactions: Set(new.reactions.clone()),
        client_id: Set(new.client_id.clone()),
        ..Default::default()
    }
}

/// A post waiting to be inserted with the others of its batch.
struct PlainPost {
    /// The job it comes from.
    index: usize,
    chat_id: ChatId,
    seq: Seq,
    row: message::Model,
}

/// Inserts the waiting posts (none of them a reply) with one statement and records each one's
/// outcome.
async fn insert_plain(
    txn: &impl ConnectionTrait,
    plain: &mut Vec<PlainPost>,
    outcomes: &mut [Option<Outcome>],
) -> Result<(), DbErr> {
    if plain.is_empty() {
        return Ok(());
    }
    // Only the ids come back: the rest of each row is what was sent, and decoding whole rows
    // was a tenth of a busy writer's work.
    let mut statement =
        message::Entity::insert_many(plain.iter().map(|post| insertable(&post.row))).into_query();
    statement.returning(Query::returning().columns([
        message::Column::Id,
        message::Column::ChatId,
        message::Column::Seq,
    ]));
    let returned = txn.query_all(&statement).await?;
    // RETURNING promises no order: each row is found by its room and number.
    let mut ids: HashMap<(i64, i64), i64> = HashMap::with_capacity(returned.len());
    for row in returned {
        let key = (
            row.try_get::<i64>("", "chat_id")?,
            row.try_get::<i64>("", "seq")?,
        );
        ids.insert(key, row.try_get::<i64>("", "id")?);
    }
    for post in plain.drain(..) {
        let PlainPost {
            index,
            chat_id,
            seq,
            mut row,
        } = post;
        row.id = ids.remove(&(chat_id.0, seq.0)).ok_or_else(|| {
            DbErr::Custom(format!(
                "message {} of chat {} was not returned",
                seq.0, chat_id.0
            ))
        })?;
        outcomes[index] = Some(Outcome::Changed(vec![to_dto(row)]));
    }
    Ok(())
}

/// Takes the chat row's write lock, moves its change-feed position `count` ahead and returns
/// the new position (`None` if the chat is gone): the batch may use the `count` numbers before
/// it. The update is what takes the lock on both backends.
async fn reserve_feed(
    txn: &impl ConnectionTrait,
    chat_id: ChatId,
    count: i64,
) -> Result<Option<Seq>, DbErr> {
    let touch = Query::update()
        .table(chat::Entity)
        .value(
            chat::Column::LastSeq,
            sea_orm::sea_query::ExprTrait::add(Expr::col(chat::Column::LastSeq), count),
        )
        .and_where(chat::Column::Id.eq(chat_id.0))
        .returning_col(chat::Column::LastSeq)
        .to_owned();
    let row = txn.query_one(&touch).await?;
    row.map(|row| row.try_get::<i64>("", "last_seq").map(Seq))
        .transpose()
}

async fn set_feed_position(
    txn: &impl ConnectionTrait,
    chat_id: ChatId,
    seq: Seq,
) -> Result<(), DbErr> {
    chat::Entity::update_many()
        .col_expr(chat::Column::LastSeq, Expr::value(seq.0))
        .filter(chat::Column::Id.eq(chat_id.0))
        .exec(txn)
        .await?;
    Ok(())
}

/// Applies one change, numbering each message it touches with the next `seq`.
async fn apply(
    txn: &impl ConnectionTrait,
    chat_id: ChatId,
    change: &Change,
    seq: &mut Seq,
    now: DateTime<Utc>,
    posted_now: &[&str],
) -> Result<Outcome, DbErr> {
    match change {
        Change::Post {
            username,
            content,
            slow_mode,
            reply_to,
            client_id,
        } => {
            if let Some(original) = reply_to {
                let in_room = message::Entity::find_by_id(original.0)
                    .filter(message::Column::ChatId.eq(chat_id.0))
                    .one(txn)
                    .await?
                    .is_some();
                if !in_room {
                    return Ok(Outcome::BadReply);
                }
            }
            if slow_mode.is_on() {
                let last = if posted_now.contains(&username.as_str()) {
                    Some(now)
                } else {
                    last_post_at(txn, chat_id, username).await?
                };
                if let Some(wait) = last.and_then(|at| slow_mode_wait(*slow_mode, at, now)) {
                    return Ok(Outcome::TooSoon(wait));
                }
            }
            seq.0 += 1;
            let new = new_message(
                chat_id,
                username,
                content,
                *reply_to,
                client_id.as_ref(),
                *seq,
                now,
            );
            let row = insertable(&new).insert(txn).await?;
            Ok(Outcome::Changed(vec![dto(txn, row).await?]))
        }
        Change::Delete { id, by, author } => {
            let mut find =
                message::Entity::find_by_id(id.0).filter(message::Column::ChatId.eq(chat_id.0));
            if let Some(author) = author {
                find = find.filter(message::Column::Username.eq(author.as_str()));
            }
            let Some(row) = find.one(txn).await? else {
                return Ok(Outcome::NotFound);
            };
            if row.deleted_by.is_some() {
                return Ok(Outcome::Unchanged(dto(txn, row).await?));
            }
            Ok(Outcome::Changed(vec![
                delete_row(txn, row, *by, seq).await?,
            ]))
        }
        Change::Edit {
            id,
            author,
            content,
        } => {
            let Some(row) = message::Entity::find_by_id(id.0)
                .filter(message::Column::ChatId.eq(chat_id.0))
                .filter(message::Column::Username.eq(author.as_str()))
                .filter(message::Column::DeletedBy.is_null())
                .one(txn)
                .await?
            else {
                return Ok(Outcome::NotFound);
            };
            if row.content == *content {
                return Ok(Outcome::Unchanged(dto(txn, row).await?));
            }
            seq.0 += 1;
            let mut row: message::ActiveModel = row.into();
            row.content = Set(content.clone());
            row.edited_at = Set(Some(now));
            row.seq = Set(seq.0);
            Ok(Outcome::Changed(vec![
                dto(txn, row.update(txn).await?).await?,
            ]))
        }
        Change::React {
            id,
            username,
            emoji,
        } => {
            let Some(row) = message::Entity::find_by_id(id.0)
                .filter(message::Column::ChatId.eq(chat_id.0))
                .filter(message::Column::DeletedBy.is_null())
                .one(txn)
                .await?
            else {
                return Ok(Outcome::NotFound);
            };
            let mut reactions = stored_reactions(row.id, row.reactions.as_deref());
            if reactions.toggle(emoji, username).is_err() {
                return Ok(Outcome::TooManyReactions);
            }
            seq.0 += 1;
            let mut row: message::ActiveModel = row.into();
            row.reactions = Set(stored_json(&reactions)?);
            row.seq = Set(seq.0);
            Ok(Outcome::Changed(vec![
                dto(txn, row.update(txn).await?).await?,
            ]))
        }
        Change::DeleteAllBy { username } => {
            let rows = message::Entity::find()
                .filter(message::Column::ChatId.eq(chat_id.0))
                .filter(message::Column::Username.eq(username.as_str()))
                .filter(message::Column::DeletedBy.is_null())
                .order_by_asc(message::Column::Id)
                .all(txn)
                .await?;
            let mut deleted = Vec::with_capacity(rows.len());
            for row in rows {
                deleted.push(delete_row(txn, row, Deletion::Moderator, seq).await?);
            }
            Ok(Outcome::Changed(deleted))
        }
    }
}

async fn delete_row(
    txn: &impl ConnectionTrait,
    row: message::Model,
    by: Deletion,
    seq: &mut Seq,
) -> Result<ChatMessage, DbErr> {
    seq.0 += 1;
    let mut row: message::ActiveModel = row.into();
    row.content = Set(String::new());
    row.deleted_by = Set(Some(by.as_str().to_owned()));
    row.reactions = Set(None);
    row.seq = Set(seq.0);
    dto(txn, row.update(txn).await?).await
}

/// How `reactions` are stored (`None`: nobody reacted).
fn stored_json(reactions: &Reactions) -> Result<Option<String>, DbErr> {
    if reactions.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(reactions)
        .map(Some)
        .map_err(|err| DbErr::Custom(format!("reactions do not serialise: {err}")))
}

/// The wire form of `row`, with the quote of the message it answers.
async fn dto(txn: &impl ConnectionTrait, row: message::Model) -> Result<ChatMessage, DbErr> {
    let original = match row.reply_to {
        Some(id) => message::Entity::find_by_id(id).one(txn).await?,
        None => None,
    };
    let quote = row.reply_to.map(|id| quote_of(id, original.as_ref()));
    Ok(ChatMessage {
        reply_to: quote,
        ..to_dto(row)
    })
}

/// When `username` last posted in `chat_id`, if ever.
async fn last_post_at(
    txn: &impl ConnectionTrait,
    chat_id: ChatId,
    username: &str,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    message::Entity::find()
        .select_only()
        .column(message::Column::Timestamp)
        .filter(message::Column::ChatId.eq(chat_id.0))
        .filter(message::Column::Username.eq(username))
        .order_by_desc(message::Column::Id)
        .limit(1)
        .into_tuple()
        .one(txn)
        .await
}

/// Whole seconds still to wait under `mode` after a post at `last` (`None`: may post now).
fn slow_mode_wait(mode: SlowMode, last: DateTime<Utc>, now: DateTime<Utc>) -> Option<u32> {
    let interval_ms = i64::from(mode.secs()) * 1000;
    let elapsed_ms = (now - last).num_milliseconds().max(0);
    let left_ms = interval_ms - elapsed_ms;
    (left_ms > 0).then(|| u32::try_from((left_ms + 999) / 1000).unwrap_or(u32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn slow_mode_waits_the_rest_of_the_interval_rounded_up() {
        let mode = SlowMode::from_secs(30).unwrap();
        let now = Utc::now();
        assert_eq!(slow_mode_wait(mode, now, now), Some(30));
        assert_eq!(
            slow_mode_wait(mode, now - TimeDelta::milliseconds(100), now),
            Some(30)
        );
        assert_eq!(
            slow_mode_wait(mode, now - TimeDelta::seconds(29), now),
            Some(1)
        );
        assert_eq!(
            slow_mode_wait(mode, now - TimeDelta::seconds(30), now),
            None
        );
        assert_eq!(slow_mode_wait(SlowMode::default(), now, now), None);
    }
}
