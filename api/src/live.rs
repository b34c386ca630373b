//! Live events for subscriptions, across instances: a change is published once and every
//! instance's subscribers hear it. With Redis, through one pub/sub channel (each instance
//! subscribes and forwards into its own broadcast); without, within the process.
//!
//! The events say what changed, not what it is now: a subscriber reads the current state
//! itself, under its own scope rules, so nothing private travels through the channel.

use std::time::Duration;

use futures::StreamExt;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Topic {
    /// An activity's counts or status.
    Activity(i32),
    /// New notifications for a user.
    Notifications(i32),
    /// Figures the dashboards show.
    Dashboard,
}

#[derive(Clone)]
pub struct Live {
    local: broadcast::Sender<Topic>,
    /// With Redis: topics to publish, sent by one task in batches (see [`Live::redis`]).
    outbox: Option<tokio::sync::mpsc::UnboundedSender<Topic>>,
}

impl Live {
    /// In-process only.
    pub fn in_process() -> Self {
        Live {
            local: broadcast::channel(1024).0,
            outbox: None,
        }
    }

    /// Through Redis pub/sub on `{prefix}live`; the forwarding task reconnects after a
    /// failure, so subscribers hear changes again once Redis is back.
    pub fn redis(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let manager = ConnectionManager::new_lazy_with_config(
            client.clone(),
            redis::aio::ConnectionManagerConfig::new()
                .set_connection_timeout(Some(Duration::from_millis(500)))
                .set_response_timeout(Some(Duration::from_millis(500))),
        )?;
        let channel = format!("{prefix}live");
        let local = broadcast::channel(1024).0;
        let forward = local.clone();
        let listened = channel.clone();
        tokio::spawn(async move {
            loop {
                match client.get_async_pubsub().await {
                    Ok(mut pubsub) => {
                        if pubsub.subscribe(&listened).await.is_ok() {
                            let mut messages = pubsub.on_message();
                            while let Some(message) = messages.next().await {
                                let topic = message
                                    .get_payload::<String>()
                                    .ok()
                                    .and_then(|text| serde_json::from_str::<Topic>(&text).ok());
                                if let Some(topic) = topic {
                                    // No receivers is fine: nobody listens on this instance.
                                    let _ = forward.send(topic);
                                }
                            }
                        }
                    }
                    Err(err) => tracing::debug!(error = %err, "live events: Redis unreachable"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        // Publishing is off the request path: writes hand their topics to one task, which
        // sends what has gathered, each topic once, in one pipeline (a burst of
        // registrations costs one round trip, not one each). Measured: awaiting a PUBLISH
        // per write cost registrations 22 % of their throughput (bench/README.md).
        let (outbox, mut pending) = tokio::sync::mpsc::unbounded_channel::<Topic>();
        let fallback = local.clone();
        tokio::spawn(async move {
            let mut conn = manager;
            while let Some(first) = pending.recv().await {
                let mut batch = vec![first];
                while batch.len() < 256 {
                    match pending.try_recv() {
                        Ok(topic) if !batch.contains(&topic) => batch.push(topic),
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
                let mut pipe = redis::pipe();
                for topic in &batch {
                    pipe.cmd("PUBLISH")
                        .arg(&channel)
                        .arg(serde_json::to_string(topic).unwrap_or_default())
                        .ignore();
                }
                let sent: redis::RedisResult<()> = pipe.query_async(&mut conn).await;
                if sent.is_err() {
                    // Redis is down: this instance's subscribers still hear it.
                    for topic in batch {
                        let _ = fallback.send(topic);
                    }
                }
            }
        });
        Ok(Live {
            local,
            outbox: Some(outbox),
        })
    }

    /// Tells every instance's subscribers (without Redis, or while it is down, this
    /// instance's). Returns at once; the sending happens in the background.
    pub async fn publish(&self, topic: Topic) {
        match &self.outbox {
            Some(outbox) => {
                if outbox.send(topic).is_err() {
                    let _ = self.local.send(topic);
                }
            }
            None => {
                let _ = self.local.send(topic);
            }
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Topic> {
        self.local.subscribe()
    }
}
