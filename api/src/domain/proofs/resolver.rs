//! Requesting, verifying and revoking service proofs.

use async_graphql::{Context, ID, Object};

use crate::auth::guard::ORGANIZERS;
use crate::auth::{RoleGuard, SignedIn};
use crate::error::GqlResult;
use crate::graphql::{ContextExt, parse_opt_id};

use super::service::{self, ProofRequest};
use super::types::{IssuedServiceProof, ProofRange, ProofVerification, ServiceProof};

#[derive(Default)]
pub struct ProofsQuery;

#[Object]
impl ProofsQuery {
    /// Anyone, without signing in: whether a proof stands (number and code as printed).
    /// An unknown number and a wrong code are both NOT_FOUND; 10 wrong tries per number an
    /// hour, then RATE_LIMITED. `number` and `code` at most 32 characters.
    #[graphql(cache_control(no_cache))]
    async fn verify_service_proof(
        &self,
        ctx: &Context<'_>,
        number: String,
        code: String,
    ) -> GqlResult<ProofVerification> {
        Ok(service::verify(ctx.state(), &number, &code).await?.into())
    }
}

#[derive(Default)]
pub struct ProofsMutation;

#[Object]
impl ProofsMutation {
    /// A volunteer: a proof of their approved hours (all, or the days in `range`; only
    /// those of `departmentId`'s activities, issued in its name, when given), at once and
    /// free. At most 500 days served per proof and 20 proofs a day.
    #[graphql(guard = "SignedIn")]
    async fn request_service_proof(
        &self,
        ctx: &Context<'_>,
        range: Option<ProofRange>,
        department_id: Option<ID>,
    ) -> GqlResult<IssuedServiceProof> {
        let range = range.unwrap_or_default();
        let request = ProofRequest {
            from: range.from.map(|d| d.0),
            to: range.to.map(|d| d.0),
            department_id: parse_opt_id(department_id.as_ref(), "departmentId")?,
        };
        let issued = service::request(ctx.state(), ctx.viewer(), request).await?;
        Ok(IssuedServiceProof {
            proof: ServiceProof(issued.proof),
            code: issued.code,
        })
    }

    /// Admins, and organizers of the issuing department: withdraw a proof (`reason` at most
    /// 1,000 characters). Verified as REVOKED from then on; audited.
    #[graphql(guard = "RoleGuard::any(ORGANIZERS)")]
    async fn revoke_service_proof(
        &self,
        ctx: &Context<'_>,
        number: String,
        reason: String,
    ) -> GqlResult<ServiceProof> {
        Ok(ServiceProof(
            service::revoke(ctx.state(), ctx.viewer(), &number, &reason).await?,
        ))
    }
}
