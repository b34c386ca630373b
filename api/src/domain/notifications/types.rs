//! GraphQL objects of notifications.

use async_graphql::{Enum, ID, Object};
use chrono::{DateTime, FixedOffset};

use entity::notification;

use crate::graphql::pagination::connection;
use crate::graphql::scalars::local;
use crate::graphql::to_id;

/// What a notification tells.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::NotificationKind")]
pub enum NotificationKind {
    /// A place came free: moved up from the waitlist to registered.
    WaitlistPromoted,
    /// An activity the user registered for was cancelled.
    ActivityCancelled,
    /// Its time or place changed.
    ActivityChanged,
    /// It starts within 24 hours.
    ActivityReminder,
    HoursApproved,
    HoursRejected,
    HoursCorrected,
    /// A dissatisfied answer opened a rectification for the organizer's department.
    RectificationAssigned,
    /// An open rectification is due by the end of today (its last working day).
    RectificationDueSoon,
    RectificationOverdue,
    /// A service proof was issued to the volunteer.
    ProofIssued,
}

/// Something the user is told, in Chinese, with what it is about.
pub struct Notification(pub notification::Model);

impl From<notification::Model> for Notification {
    fn from(model: notification::Model) -> Self {
        Notification(model)
    }
}

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    async fn kind(&self) -> NotificationKind {
        self.0.kind.into()
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// The activity it is about, to open from the notification.
    async fn activity_id(&self) -> Option<ID> {
        self.0.activity_id.map(to_id)
    }
    async fn rectification_id(&self) -> Option<ID> {
        self.0.rectification_id.map(to_id)
    }
    async fn service_record_id(&self) -> Option<ID> {
        self.0.service_record_id.map(to_id)
    }
    async fn created_at(&self) -> DateTime<FixedOffset> {
        local(self.0.created_at)
    }
    /// Null while unread.
    async fn read_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.read_at.map(local)
    }
}

connection!(NotificationConnection, NotificationEdge, Notification);
