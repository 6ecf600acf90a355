//! The standalone slot worker: serves the worker protocol on stdin/stdout (see
//! `concerto_slots::protocol`). The node does the same from a hidden subcommand of its
//! own binary.

fn main() {
    concerto_slots::worker::run_worker()
}
