//! The single writer of messages: stores queued messages in batches (one commit for many), then
//! publishes them to the hub in id order. Committing before publishing means every delivered
//! message is durable; one writer means a room never sees id 6 before id 5.

use super::entities::message;
use super::hub::Hub;
use crate::domain::{MessageText, Username};
use crate::error::AppError;
use crate::model::ChatMessage;
use sea_orm::{ActiveModelTrait, DatabaseConnection, DbErr, Set, TransactionTrait};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Most messages committed in one transaction.
const MAX_BATCH: usize = 256;
/// Messages waiting for the writer before senders wait for room in the queue.
const QUEUE: usize = 4096;

struct Job {
    chat_id: i32,
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
    /// Starts the writer task on the current tokio runtime.
    pub fn spawn(db: DatabaseConnection, hub: Arc<Hub>) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, hub, rx));
        Self { tx }
    }

    /// Stores a message and returns it once it is committed (and published).
    pub async fn send(
        &self,
        chat_id: i32,
        username: &Username,
        text: &MessageText,
    ) -> Result<ChatMessage, AppError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            chat_id,
            username: username.as_str().to_owned(),
            content: text.as_str().to_owned(),
            reply,
        };
        if self.tx.send(job).await.is_err() {
            tracing::error!("message writer is gone");
            return Err(AppError::Internal);
        }
        match answer.await {
            Ok(result) => Ok(result?),
            Err(_) => {
                tracing::error!("message writer dropped a reply");
                Err(AppError::Internal)
            }
        }
    }
}

async fn run(db: DatabaseConnection, hub: Arc<Hub>, mut rx: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match store(&db, &batch).await {
            Ok(stored) => {
                for (job, message) in batch.drain(..).zip(stored) {
                    hub.publish_message(&message);
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

async fn store(db: &DatabaseConnection, batch: &[Job]) -> Result<Vec<ChatMessage>, DbErr> {
    let txn = db.begin().await?;
    let mut stored = Vec::with_capacity(batch.len());
    for job in batch {
        let row = message::ActiveModel {
            chat_id: Set(job.chat_id),
            timestamp: Set(chrono::Utc::now()),
            username: Set(job.username.clone()),
            content: Set(job.content.clone()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        stored.push(super::rooms::to_dto(row));
    }
    txn.commit().await?;
    Ok(stored)
}
