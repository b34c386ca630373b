//! GraphQL objects of service proofs.

use async_graphql::{Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, FixedOffset};

use entity::service_proof;

use crate::domain::users::types::round_hours;
use crate::graphql::pagination::connection;
use crate::graphql::scalars::{Date, local};
use crate::graphql::to_id;

use super::service::Verification;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ProofStatus {
    /// Stands as issued.
    Valid,
    /// Withdrawn by the issuing department or an admin.
    Revoked,
}

/// A service proof (志愿服务证明) as issued: later corrections of the records never
/// change it.
pub struct ServiceProof(pub service_proof::Model);

impl From<service_proof::Model> for ServiceProof {
    fn from(model: service_proof::Model) -> Self {
        ServiceProof(model)
    }
}

connection!(ServiceProofConnection, ServiceProofEdge, ServiceProof);

#[Object]
impl ServiceProof {
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }
    /// `TX-<year>-<serial>`, unique.
    async fn number(&self) -> &str {
        &self.0.number
    }
    /// The issuing unit (the recording organisation, Art 15).
    async fn issuer(&self) -> &str {
        &self.0.issuer
    }
    async fn issued_at(&self) -> DateTime<FixedOffset> {
        local(self.0.issued_at)
    }
    /// The volunteer's real name as it was at issue.
    async fn real_name(&self) -> &str {
        &self.0.real_name
    }
    /// The volunteer's identifier, masked (the phone number: 138****5678); null without one.
    async fn masked_id(&self) -> Option<&str> {
        self.0.masked_id.as_deref()
    }
    /// The first day proved; null: from the first record.
    #[graphql(name = "from")]
    async fn from_date(&self) -> Option<Date> {
        self.0.from_date.map(Date)
    }
    /// The last day proved; null: up to the day of issue.
    #[graphql(name = "to")]
    async fn to_date(&self) -> Option<Date> {
        self.0.to_date.map(Date)
    }
    /// Total approved hours proved (2 decimals).
    async fn hours(&self) -> f64 {
        round_hours(self.0.minutes)
    }
    /// The days served, oldest first, as they were at issue.
    async fn activities(&self) -> Vec<ProofActivity> {
        self.0
            .activities
            .0
            .iter()
            .map(|line| ProofActivity {
                name: line.activity.clone(),
                date: Date(line.date),
                content: line.content.clone(),
                hours: round_hours(i64::from(line.minutes)),
                organizer: line.organizer.clone(),
            })
            .collect()
    }
    async fn status(&self) -> ProofStatus {
        if self.0.revoked_at.is_some() {
            ProofStatus::Revoked
        } else {
            ProofStatus::Valid
        }
    }
    async fn revoked_at(&self) -> Option<DateTime<FixedOffset>> {
        self.0.revoked_at.map(local)
    }
    async fn revoke_reason(&self) -> Option<&str> {
        self.0.revoke_reason.as_deref()
    }
}

/// One day served at one activity, on a proof.
#[derive(SimpleObject)]
pub struct ProofActivity {
    pub name: String,
    pub date: Date,
    /// The activity's content (at most 200 characters).
    pub content: String,
    pub hours: f64,
    /// The recording organisation: the activity's primary department.
    pub organizer: String,
}

/// A proof just issued, with its verification code: shown this once, never again (the
/// server keeps only a keyed hash of it).
#[derive(SimpleObject)]
pub struct IssuedServiceProof {
    pub proof: ServiceProof,
    /// Eight characters; with the number, anyone can verify the proof.
    pub code: String,
}

/// What a verifier learns: nothing else of the volunteer or the activities.
#[derive(SimpleObject)]
pub struct ProofVerification {
    pub number: String,
    pub status: ProofStatus,
    /// 张三 → 张*, 欧阳修 → 欧*修.
    pub masked_name: String,
    pub hours: f64,
    pub issuer: String,
    pub issued_on: Date,
}

impl From<Verification> for ProofVerification {
    fn from(v: Verification) -> Self {
        ProofVerification {
            number: v.number,
            status: if v.revoked {
                ProofStatus::Revoked
            } else {
                ProofStatus::Valid
            },
            masked_name: v.masked_name,
            hours: round_hours(v.minutes),
            issuer: v.issuer,
            issued_on: Date(v.issued_on),
        }
    }
}

/// Which approved hours to prove: all (no range), or the days served from `from` to `to`
/// (inclusive, +08:00, years 2000–2100).
#[derive(InputObject, Default)]
pub struct ProofRange {
    pub from: Option<Date>,
    pub to: Option<Date>,
}
