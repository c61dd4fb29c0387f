//! Criterion bench (under construction).
fn main() {}
