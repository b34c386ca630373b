//! `GET /graphql/ws`: subscriptions over WebSocket, `graphql-transport-ws` (Apollo, urql)
//! or the older `graphql-ws`, beside the HTTP handler. The access token comes in the
//! `connection_init` payload (`{"Authorization": "Bearer …"}`, or `authToken`/`token`); a
//! connection without one is anonymous. Each message is held to the HTTP path's limits
//! before async-graphql reads it (size, nesting, control characters: a message that fails
//! them closes the connection), and a user holds at most [`MAX_PER_USER`] connections on
//! an instance.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::Data;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::State;
use axum::extract::ws::{Message, WebSocketUpgrade};
use axum::response::Response;
use futures::StreamExt;

use crate::auth::Viewer;
use crate::auth::viewer::SignedInUser;
use crate::error::{AppError, Reason};
use crate::graphql::limits;
use crate::graphql::subscriptions::TokenExpiry;

use super::AppContext;

/// Live connections one user may hold on one instance.
pub const MAX_PER_USER: usize = 5;
/// The largest message read: a subscription document and its variables.
const MAX_MESSAGE_BYTES: usize = 64 << 10;

/// Connections per user on this instance.
#[derive(Clone, Default)]
pub struct ConnectionCounts(Arc<Mutex<HashMap<i32, usize>>>);

/// Held in the connection's data: its user's count goes down when the connection ends.
struct Held {
    counts: ConnectionCounts,
    user_id: i32,
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut counts = self.counts.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = counts.get_mut(&self.user_id) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.user_id);
            }
        }
    }
}

impl ConnectionCounts {
    fn hold(&self, user_id: i32) -> Result<Held, AppError> {
        let mut counts = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let held = counts.entry(user_id).or_default();
        if *held >= MAX_PER_USER {
            return Err(AppError::of(Reason::RateLimited {
                retry_after_secs: 60,
            }));
        }
        *held += 1;
        Ok(Held {
            counts: self.clone(),
            user_id,
        })
    }
}

/// The token of a `connection_init` payload, if any.
fn token_of(payload: &serde_json::Value) -> Option<&str> {
    ["Authorization", "authorization", "authToken", "token"]
        .iter()
        .find_map(|key| payload.get(key).and_then(|v| v.as_str()))
        .map(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
                .unwrap_or(value)
                .trim()
        })
}

fn connection_data(ctx: &AppContext, payload: serde_json::Value) -> async_graphql::Result<Data> {
    let mut data = Data::default();
    let Some(token) = token_of(&payload) else {
        data.insert(Viewer::Anonymous);
        data.insert(TokenExpiry(None));
        return Ok(data);
    };
    let claims = ctx
        .state
        .jwt
        .verify(token)
        .map_err(|err| AppError::of(err.reason()))?;
    let id: i32 = claims
        .sub
        .parse()
        .map_err(|_| AppError::of(Reason::TokenInvalid))?;
    let held = ctx.connections.hold(id)?;
    data.insert(Viewer::User(SignedInUser {
        id,
        session_id: claims.sid,
        roles: claims.roles,
        department_id: claims.dept,
    }));
    data.insert(TokenExpiry(chrono::DateTime::from_timestamp(claims.exp, 0)));
    data.insert(held);
    Ok(data)
}

/// Whether an incoming message passes the limits every HTTP request passes.
fn acceptable(message: &Message) -> bool {
    let Message::Text(text) = message else {
        // Pings, pongs and close frames; binary frames are not part of the protocols.
        return !matches!(message, Message::Binary(_));
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text.as_str()) else {
        return false;
    };
    let payload = &value["payload"];
    if let Some(query) = payload.get("query") {
        let Some(query) = query.as_str() else {
            return false;
        };
        if limits::check_document(query).is_err()
            || limits::check_characters(query, "query").is_err()
        {
            return false;
        }
    }
    match payload.get("variables") {
        None | Some(serde_json::Value::Null) => true,
        Some(variables) => limits::check_variables(variables).is_ok(),
    }
}

pub async fn subscriptions(
    State(ctx): State<AppContext>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| {
            let (sink, stream) = socket.split();
            // The first message that fails the limits ends the stream, and the connection.
            let stream = stream.take_while(|message| {
                let keep = message.as_ref().map(acceptable).unwrap_or(false);
                futures::future::ready(keep)
            });
            let schema = ctx.schema.clone();
            GraphQLWebSocket::new_with_pair(sink, stream, schema, protocol)
                .on_connection_init(move |payload| async move { connection_data(&ctx, payload) })
                .serve()
        })
}
