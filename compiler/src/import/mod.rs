//! `dcnc import`: reads a hand-written TripleO DCN deployment and writes the spec that builds it.
pub mod bash;
pub mod deployment;
pub mod heat;
pub mod source;
pub mod spec_out;
pub mod tripleo;
pub mod yaml;
