//! Files beside GraphQL: photos of completed activities (uploaded the way a mini-program's
//! `wx.uploadFile` sends them: `multipart/form-data` with a `file` part) and the plan's
//! year-end summary as an XLSX document. Signed in with the same bearer token as GraphQL;
//! refusals are GraphQL-shaped JSON (`errors[0].extensions.code`/`reason`) in the
//! request's language, with the HTTP status that fits.

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::auth::Viewer;
use crate::domain::plans::{document, photos};
use crate::error::{AppError, Code, Reason};

use super::AppContext;
use super::graphql::{locale, viewer_of};

/// The body limit of a photo upload: the photo and the multipart framing around it.
pub const UPLOAD_BODY_LIMIT: usize = photos::MAX_PHOTO_BYTES + (64 << 10);

/// A refusal as JSON with its status.
pub(super) fn refuse(err: AppError) -> Response {
    let status = match &err {
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        AppError::Refused { reason, .. } => match reason.code() {
            Code::Unauthenticated => StatusCode::UNAUTHORIZED,
            Code::Forbidden => StatusCode::FORBIDDEN,
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Code::Conflict | Code::RegistrationClosed => StatusCode::CONFLICT,
            Code::BadUserInput => match reason {
                Reason::FileTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                _ => StatusCode::BAD_REQUEST,
            },
            Code::Internal => match reason {
                Reason::ProofFontMissing => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
        },
    };
    let error = err.into_graphql();
    let body = serde_json::json!({
        "errors": [{ "message": error.message, "extensions": error.extensions }]
    });
    (status, axum::Json(body)).into_response()
}

/// Answers a file route in the request's language: the response `make` gives, or its
/// refusal with the error's code.
pub(super) async fn answer(
    headers: &HeaderMap,
    make: impl Future<Output = Result<Response, AppError>>,
) -> Response {
    locale(headers)
        .scope(async move { make.await.unwrap_or_else(refuse) })
        .await
}

pub(super) fn viewer(ctx: &AppContext, headers: &HeaderMap) -> Result<Viewer, AppError> {
    viewer_of(ctx, headers).map_err(|err| AppError::of(err.reason()))
}

pub(super) fn id_of(text: &str, field: &str) -> Result<i32, AppError> {
    text.parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| AppError::input(field, Reason::InvalidId))
}

/// `POST /activities/{id}/photos`: the `file` part of a multipart form. Answers 201 with
/// `{"id", "url", "contentType", "size"}`.
pub async fn upload_photo(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    answer(&headers, upload(&ctx, &id, &headers, multipart)).await
}

async fn upload(
    ctx: &AppContext,
    id: &str,
    headers: &HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, AppError> {
    let viewer = viewer(ctx, headers)?;
    viewer.require()?;
    let activity_id = id_of(id, "id")?;
    let mut file = None;
    // The first part named `file`; the others (a mini-program may add form fields) are
    // read past. A body over the route's limit fails here, as too large.
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(err) => return Err(multipart_error(err)),
        };
        if field.name() == Some("file") && file.is_none() {
            file = Some(field.bytes().await.map_err(multipart_error)?);
        }
    }
    let bytes = file.ok_or_else(|| AppError::input("file", Reason::Required))?;
    let photo = photos::upload(&ctx.state, &viewer, activity_id, bytes.to_vec()).await?;
    let body = serde_json::json!({
        "id": photo.id.to_string(),
        "url": format!("/photos/{}", photo.id),
        "contentType": photo.content_type,
        "size": photo.size,
    });
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

fn multipart_error(err: axum::extract::multipart::MultipartError) -> AppError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::input(
            "file",
            Reason::FileTooLarge {
                max_mib: photos::MAX_PHOTO_BYTES >> 20,
            },
        )
    } else {
        AppError::input("file", Reason::InvalidFormat)
    }
}

/// `GET /photos/{id}`: the photo's bytes with its type, for whoever may read its
/// activity's summary; private to them (`Cache-Control: private`).
pub async fn photo(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    locale(&headers)
        .scope(async move {
            let found = async {
                let viewer = viewer(&ctx, &headers)?;
                let id = id_of(&id, "id")?;
                photos::read(&ctx.state, &viewer, id).await
            }
            .await;
            match found {
                Ok(photo) => (
                    [
                        (
                            header::CONTENT_TYPE,
                            HeaderValue::from_str(&photo.content_type)
                                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
                        ),
                        (
                            header::CACHE_CONTROL,
                            HeaderValue::from_static("private, max-age=3600"),
                        ),
                        (
                            header::X_CONTENT_TYPE_OPTIONS,
                            HeaderValue::from_static("nosniff"),
                        ),
                    ],
                    Body::from(photo.bytes),
                )
                    .into_response(),
                Err(err) => refuse(err),
            }
        })
        .await
}

/// `GET /plans/{id}/summary.xlsx`: the year-end summary of the activities the viewer may
/// account for (as `planSummary`).
pub async fn plan_summary_xlsx(
    State(ctx): State<AppContext>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    locale(&headers)
        .scope(async move {
            let made = async {
                let viewer = viewer(&ctx, &headers)?;
                let id = id_of(&id, "id")?;
                document::plan_summary_document(&ctx.state, &viewer, id).await
            }
            .await;
            match made {
                Ok((year, bytes)) => xlsx_download(
                    &format!("plan-summary-{year}.xlsx"),
                    &format!("{year}年度总结.xlsx"),
                    bytes,
                ),
                Err(err) => refuse(err),
            }
        })
        .await
}

/// `GET /calendar/{user}/{token}.ics`: the volunteer's registered activities as iCalendar,
/// for whoever holds the secret URL (calendar apps send no token); anything else 404.
pub async fn calendar_feed(
    State(ctx): State<AppContext>,
    Path((user, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    locale(&headers)
        .scope(async move {
            let made = async {
                let user = id_of(&user, "user")?;
                let token = file
                    .strip_suffix(".ics")
                    .ok_or(AppError::not_found(crate::error::Thing::Feed))?;
                crate::domain::registrations::feed::ics(&ctx.state, user, token).await
            }
            .await;
            match made {
                Ok(text) => (
                    [
                        (
                            header::CONTENT_TYPE,
                            HeaderValue::from_static("text/calendar; charset=utf-8"),
                        ),
                        (
                            header::CACHE_CONTROL,
                            HeaderValue::from_static("private, max-age=300"),
                        ),
                    ],
                    text,
                )
                    .into_response(),
                Err(err) => refuse(err),
            }
        })
        .await
}

/// An XLSX document as a download, private to its reader: an ASCII file name for every
/// client and the Chinese one per RFC 6266.
fn xlsx_download(ascii_name: &str, name: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!(
        "attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
        percent_encode(name)
    );
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        Body::from(bytes),
    )
        .into_response()
}

/// Percent-encodes every byte outside RFC 5987's attr-char. Four lines: not worth a crate.
pub(super) fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /pairings/{id}/reports/{year}/{quarter}.xlsx`: a pairing's quarterly report (as
/// `pairingReport`, to the same readers).
pub async fn pairing_report_xlsx(
    State(ctx): State<AppContext>,
    Path((id, year, quarter)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    locale(&headers)
        .scope(async move {
            let made = async {
                let viewer = viewer(&ctx, &headers)?;
                let id = id_of(&id, "id")?;
                let year: i32 = year
                    .parse()
                    .map_err(|_| AppError::input("year", Reason::InvalidFormat))?;
                let quarter: i32 = quarter
                    .strip_suffix(".xlsx")
                    .unwrap_or(&quarter)
                    .parse()
                    .map_err(|_| AppError::input("quarter", Reason::InvalidFormat))?;
                crate::domain::pairings::report::report_document(
                    &ctx.state, &viewer, id, year, quarter,
                )
                .await
                .map(|bytes| (year, quarter, bytes))
            }
            .await;
            match made {
                Ok((year, quarter, bytes)) => xlsx_download(
                    &format!("pairing-report-{year}-q{quarter}.xlsx"),
                    &format!("{year}年第{quarter}季度结对报告.xlsx"),
                    bytes,
                ),
                Err(err) => refuse(err),
            }
        })
        .await
}
