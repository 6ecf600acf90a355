//! The worker process sandboxes itself after the handshake: it can read the template
//! cache and nothing else, has no network and cannot exec, and still forks job children.

use concerto_slots::{Job, SlotError, TemplateCache, TemplateSource};
use concerto_slots_sandbox_tests::TestHook;

use crate::support::{commands_guest, inputs};
use crate::{eacces, pool, LIMITS};

#[test]
fn the_worker_sandboxes_itself() {
    let dir = std::env::temp_dir().join(format!(
        "concerto-slots-worker-sandbox-{}",
        std::process::id()
    ));
    let cache = TemplateCache::open(&dir).unwrap();
    let hash = cache.insert(commands_guest().elf()).unwrap();
    let pool = pool(1, |c| {
        c.cache_dir = Some(dir.clone());
        c.allow_insecure = true;
    });
    let job = Job {
        template: TemplateSource::Cached(hash),
        limits: concerto_primitives::MachineLimits {
            ram_size: 16 << 20,
            ..concerto_primitives::MachineLimits::sdk_default()
        },
        inputs: inputs(&[b"a"]),
        state: concerto_slots::JobState::Stateless,
    };
    let in_worker = |probe| pool.run_hook(TestHook::InWorker(Box::new(probe)), LIMITS);
    let open = |path: &std::path::Path| {
        in_worker(TestHook::OpenFile(
            path.as_os_str().as_encoded_bytes().to_vec(),
        ))
        .unwrap()
    };
    let mode = pool.sandbox_mode();
    if mode.landlock.is_some() {
        // The template cache is readable (its files and the directory itself) ...
        assert_eq!(open(&cache.path_of(&hash)), "ok");
        assert_eq!(open(&dir), "ok");
        // ... and nothing else.
        for path in ["/etc/hostname", "/proc/self/status", "/"] {
            assert_eq!(open(path.as_ref()), eacces(), "{path}");
        }
    } else {
        eprintln!("landlock missing on this host: the worker's filesystem checks skipped");
    }
    if mode.seccomp {
        assert_eq!(in_worker(TestHook::OpenSocket).unwrap(), eacces());
        // The worker may fork (that is how jobs run) ...
        assert_eq!(in_worker(TestHook::Fork).unwrap(), "ok");
        assert_eq!(pool.execute(job.clone()).unwrap().rejection, None);
        // ... but not exec: the filter kills it, a host fault; the pool replaces it.
        let pid = pool.worker_pids()[0];
        let err = in_worker(TestHook::Exec).unwrap_err();
        assert!(
            matches!(&err, SlotError::WorkerDied(why) if why.contains("SIGSYS")),
            "{err:?}"
        );
        assert_eq!(pool.execute(job).unwrap().rejection, None);
        assert_ne!(pool.worker_pids(), vec![pid]);
    } else {
        eprintln!("seccomp missing on this host: the worker's syscall checks skipped");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
