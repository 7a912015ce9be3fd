//! `dcnc import`: reads a hand-written TripleO DCN deployment and writes the spec that builds it.
pub mod bash;
pub mod source;
pub mod tripleo;
pub mod yaml;
