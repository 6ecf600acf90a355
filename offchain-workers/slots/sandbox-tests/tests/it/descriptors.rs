//! The job child keeps no descriptor of the worker's but stderr and its result pipe, not
//! even one far above the usual 1024 (closed with `close_range(2)`).

use concerto_slots_sandbox_tests::TestHook;

use crate::{pool, LIMITS};

#[test]
fn a_high_descriptor_of_the_worker_is_closed_in_the_child() {
    // With or without the rest of the sandbox: closing descriptors needs no kernel
    // feature.
    let pool = pool(1, |c| c.allow_insecure = true);
    let listed = pool.run_hook(TestHook::Descriptors(1500), LIMITS).unwrap();
    let open: Vec<i32> = listed
        .strip_prefix("open ")
        .unwrap_or_else(|| panic!("{listed}"))
        .split(' ')
        .map(|fd| fd.parse().unwrap())
        .collect();
    assert!(!open.contains(&1500), "{listed}");
    // stderr and the result pipe only: not the worker's protocol pipes (stdin, stdout),
    // not its end of the result pipe.
    assert_eq!(open.len(), 2, "{listed}");
    assert_eq!(open[0], 2, "{listed}");
    assert!(open[1] > 2, "{listed}");
}
