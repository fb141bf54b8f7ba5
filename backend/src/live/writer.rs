//! The single writer of messages: stores queued messages in batches (one commit for many), then
//! publishes them in id order. Committing before publishing means every delivered message is
//! durable; one writer means a room never sees id 6 before id 5.
//!
//! With one instance, publishing is a call on the in-process hub. With several (PostgreSQL), the
//! batch's transaction locks its chats' rows (so within a chat ids are handed out in commit
//! order, whichever instance writes) and queues a notification that PostgreSQL delivers to every
//! instance at commit; each instance's `cluster` listener then reads the rows and publishes them.

use super::cluster;
use super::fanout::Fanout;
use super::hub::Hub;
use crate::identity::sessions::Session;
use crate::store::entities::{chat, message};
use crate::store::rooms::to_dto;
use domain::model::ChatMessage;
use domain::{ChatId, MessageText};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most messages committed in one transaction.
const MAX_BATCH: usize = 256;
/// Messages waiting for the writer before senders wait for room in the queue.
const QUEUE: usize = 4096;

struct Job {
    chat_id: ChatId,
    username: String,
    content: String,
    reply: oneshot::Sender<Result<ChatMessage, DbErr>>,
}

/// Handle to the writer task; cheap to clone.
#[derive(Clone, Debug)]
pub struct MessageWriter {
    tx: mpsc::Sender<Job>,
}

impl MessageWriter {
    /// Starts the writer task on the current tokio runtime; with [`Fanout::InProcess`] it
    /// publishes what it stored on `hub`.
    pub fn spawn(db: DatabaseConnection, hub: Arc<Hub>, fanout: Fanout) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, hub, fanout, rx));
        Self { tx }
    }

    /// Stores a message by `author` and returns it once it is committed (and published).
    pub async fn send(
        &self,
        chat_id: ChatId,
        author: &Session,
        text: &MessageText,
    ) -> Result<ChatMessage, crate::Error> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            chat_id,
            username: author.name.clone(),
            content: text.as_str().to_owned(),
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
}

async fn run(db: DatabaseConnection, hub: Arc<Hub>, fanout: Fanout, mut rx: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match store(&db, &batch, &fanout).await {
            Ok(stored) => {
                for (job, message) in batch.drain(..).zip(stored) {
                    if !fanout.is_shared() {
                        hub.publish_message(&message);
                    }
                    let _ = job.reply.send(Ok(message));
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

async fn store(
    db: &DatabaseConnection,
    batch: &[Job],
    fanout: &Fanout,
) -> Result<Vec<ChatMessage>, DbErr> {
    let txn = db.begin().await?;
    // Several instances: the batch's chats, sorted (the order rows are locked in: no deadlocks).
    let shared_chats = fanout.is_shared().then(|| {
        let mut chats: Vec<ChatId> = batch.iter().map(|job| job.chat_id).collect();
        chats.sort_unstable();
        chats.dedup();
        chats
    });
    if let Some(chats) = &shared_chats {
        // Held until commit: another instance's batch for the same chat waits, so its ids come
        // after ours and a listener never sees a smaller id arrive later.
        chat::Entity::find()
            .select_only()
            .column(chat::Column::Id)
            .filter(chat::Column::Id.is_in(chats.iter().map(|id| id.0)))
            .order_by_asc(chat::Column::Id)
            .lock_exclusive()
            .into_tuple::<i64>()
            .all(&txn)
            .await?;
    }
    let mut stored = Vec::with_capacity(batch.len());
    for job in batch {
        let row = message::ActiveModel {
            chat_id: Set(job.chat_id.0),
            timestamp: Set(chrono::Utc::now()),
            username: Set(job.username.clone()),
            content: Set(job.content.clone()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        stored.push(to_dto(row));
    }
    if let Some(chats) = shared_chats {
        for chat_id in chats {
            let ids = stored.iter().filter(|m| m.chat_id == chat_id).map(|m| m.id);
            if let (Some(first), Some(last)) = (ids.clone().min(), ids.max()) {
                cluster::notify_messages(&txn, chat_id, first, last).await?;
            }
        }
    }
    txn.commit().await?;
    Ok(stored)
}
