//! Who is asking: passwords, tokens, the per-request viewer and the guards that use it.

pub mod guard;
pub mod jwt;
mod jwt_crypto;
pub mod password;
pub mod viewer;

pub use guard::{RoleGuard, SignedIn};
pub use jwt::JwtKeys;
pub use viewer::Viewer;
