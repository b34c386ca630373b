//! The GraphQL multipart request spec
//! (<https://github.com/jaydenseric/graphql-multipart-request-spec>), as Apollo and
//! graphql-upload clients send files: an `operations` part (the JSON request), a `map`
//! part (`{"0": ["variables.file"]}`) and one part per file, named by the map's keys.
//! Parsed with multer (what axum's multipart extractor uses) from the body already read
//! under the body limit; the files become async-graphql `Upload` values.
//!
//! No cross-site request forgery through a form: a browser form cannot set the
//! `Authorization` header that every write needs, so no preflight header is demanded.

use std::sync::{Arc, Mutex};

use async_graphql::UploadValue;
use axum::body::Bytes;

use super::RequestError;
use crate::error::Reason;

pub const FORM_DATA: &str = "multipart/form-data";
/// Files one request may carry, and variable paths the map may name.
pub const MAX_FILES: usize = 4;
/// Characters of the `map` part and of a path in it.
const MAX_MAP: usize = 4_096;

/// Files waiting for their request's execution; cloned with the request (the cache path
/// clones it), taken once.
#[derive(Clone, Default)]
pub struct Uploads(Arc<Mutex<Vec<(String, UploadValue)>>>);

impl std::fmt::Debug for Uploads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Uploads({})",
            self.0.lock().map(|u| u.len()).unwrap_or(0)
        )
    }
}

impl Uploads {
    pub fn is_empty(&self) -> bool {
        self.0.lock().map(|u| u.is_empty()).unwrap_or(true)
    }

    pub fn take(&self) -> Vec<(String, UploadValue)> {
        self.0
            .lock()
            .map(|mut u| std::mem::take(&mut *u))
            .unwrap_or_default()
    }
}

fn malformed() -> RequestError {
    RequestError::malformed(Reason::NotGraphqlRequest)
}

/// The `operations` JSON and the files it names. Parts must come in the spec's order
/// (operations, map, files); a file the map does not name, a name given twice, or more
/// than [`MAX_FILES`] files are refused.
pub async fn read(content_type: &str, body: Bytes) -> Result<(Bytes, Uploads), RequestError> {
    let boundary = multer::parse_boundary(content_type).map_err(|_| malformed())?;
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let mut operations: Option<Bytes> = None;
    let mut map: Option<Vec<(String, String)>> = None;
    let mut uploads = Vec::new();
    while let Some(field) = form.next_field().await.map_err(|_| malformed())? {
        let name = field.name().unwrap_or("").to_owned();
        match (name.as_str(), &operations, &map) {
            ("operations", None, None) => {
                operations = Some(field.bytes().await.map_err(|_| malformed())?);
            }
            ("map", Some(_), None) => {
                let bytes = field.bytes().await.map_err(|_| malformed())?;
                if bytes.len() > MAX_MAP {
                    return Err(malformed());
                }
                let parsed: std::collections::BTreeMap<String, Vec<String>> =
                    serde_json::from_slice(&bytes).map_err(|_| malformed())?;
                let pairs: Vec<(String, String)> = parsed
                    .into_iter()
                    .flat_map(|(key, paths)| paths.into_iter().map(move |p| (key.clone(), p)))
                    .collect();
                if pairs.len() > MAX_FILES || pairs.iter().any(|(_, p)| p.len() > 256) {
                    return Err(malformed());
                }
                map = Some(pairs);
            }
            (key, Some(_), Some(pairs)) => {
                let paths: Vec<String> = pairs
                    .iter()
                    .filter(|(k, _)| k == key)
                    .map(|(_, p)| p.clone())
                    .collect();
                if paths.is_empty() || uploads.len() + paths.len() > MAX_FILES {
                    return Err(malformed());
                }
                if uploads
                    .iter()
                    .any(|(k, _, _): &(String, String, UploadValue)| k == key)
                {
                    return Err(malformed());
                }
                let filename = field.file_name().unwrap_or("").chars().take(255).collect();
                let content_type = field.content_type().map(|m| m.to_string());
                let content = field.bytes().await.map_err(|_| malformed())?;
                for path in paths {
                    uploads.push((
                        key.to_owned(),
                        path,
                        UploadValue {
                            filename: String::clone(&filename),
                            content_type: content_type.clone(),
                            content: content.clone(),
                        },
                    ));
                }
            }
            _ => return Err(malformed()),
        }
    }
    let (Some(operations), Some(_)) = (operations, map) else {
        return Err(malformed());
    };
    let uploads = uploads
        .into_iter()
        .map(|(_, path, value)| (path, value))
        .collect();
    Ok((operations, Uploads(Arc::new(Mutex::new(uploads)))))
}
