//! concerto-exec's integration tests, one binary.
#![allow(missing_docs)]

#[path = "../support/guest.rs"]
mod guest;

mod guests;
mod stateful;
