//! A slot worker that also serves [`concerto_slots_sandbox_tests::TestHook`] (tests
//! only).

fn main() {
    concerto_slots::worker::run_worker_with::<concerto_slots_sandbox_tests::TestHook>()
}
