//! Service proofs (志愿服务证明, 《志愿服务记录与证明出具办法（试行）》 Art 14–17): issued
//! free and at once to the volunteer, showing hours, content and the recording
//! organisation, verifiable by anyone holding the number and the code.

pub mod document;
pub mod resolver;
pub mod service;
pub mod types;
