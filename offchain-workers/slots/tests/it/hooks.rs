//! The bundled worker (like the node's) serves no hooks: a hook request does not decode
//! there, the worker exits on it, and the pool replaces it for the next job.

use codec::{Decode, Encode};
use concerto_slots::worker::{HookContext, WorkerHook};
use concerto_slots::{ChildLimits, SlotError, WorkerFault};

use crate::pool;
use crate::pool::guest_job;

/// A hook no worker of this crate knows.
#[derive(Debug, Encode, Decode)]
struct Probe;

impl WorkerHook for Probe {
    type Output = String;

    fn serve(self, _ctx: &HookContext<'_>) -> Result<String, WorkerFault> {
        Ok("served".into())
    }
}

#[test]
fn the_bundled_worker_cannot_decode_hook_requests() {
    let pool = pool(1, |_| {});
    let pid = pool.worker_pids()[0];
    let limits = ChildLimits {
        cpu_secs: 1,
        wall_millis: 1_000,
        address_space: 1 << 30,
    };
    let err = pool.run_hook(Probe, limits).unwrap_err();
    assert!(matches!(err, SlotError::WorkerDied(_)), "{err:?}");
    assert_eq!(pool.execute(guest_job(&[b"a"])).unwrap().rejection, None);
    assert_ne!(pool.worker_pids(), vec![pid]);
}
