//! Placeholder replaced by the performance work (issue 9).
fn main() {}
