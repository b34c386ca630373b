//! `GET /proofs/{number}.pdf?code=…`: a service proof as an A4 PDF, for anyone holding its
//! number and verification code (what the QR code on the PDF itself leads to). Wrong codes
//! and unknown numbers are the same 404 as `verifyServiceProof`'s NOT_FOUND, counted by
//! the same limit; refusals are GraphQL-shaped JSON like the other file routes.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::domain::proofs::service;
use crate::error::{AppError, Thing};

use super::AppContext;
use super::files::refuse;
use super::graphql::locale;

pub async fn proof_pdf(
    State(ctx): State<AppContext>,
    Path(file): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    locale(&headers)
        .scope(async move {
            let made = async {
                let number = file
                    .strip_suffix(".pdf")
                    .ok_or_else(|| AppError::not_found(Thing::Proof))?;
                let code = params.get("code").map(String::as_str).unwrap_or("");
                let pdf = service::pdf(&ctx.state, number, code).await?;
                Ok::<_, AppError>((number.to_uppercase(), pdf))
            }
            .await;
            match made {
                Ok((number, pdf)) => {
                    // The number is ours (checked against the stored one), so it is a safe
                    // file name; the URL holds the code, so nothing keeps or forwards it.
                    let disposition = HeaderValue::from_str(&format!(
                        "inline; filename=\"{}.pdf\"",
                        number.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "")
                    ))
                    .unwrap_or(HeaderValue::from_static("inline"));
                    (
                        [
                            (
                                header::CONTENT_TYPE,
                                HeaderValue::from_static("application/pdf"),
                            ),
                            (header::CONTENT_DISPOSITION, disposition),
                            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                            (
                                header::REFERRER_POLICY,
                                HeaderValue::from_static("no-referrer"),
                            ),
                            (
                                header::X_CONTENT_TYPE_OPTIONS,
                                HeaderValue::from_static("nosniff"),
                            ),
                        ],
                        pdf,
                    )
                        .into_response()
                }
                Err(err) => refuse(err),
            }
        })
        .await
}
