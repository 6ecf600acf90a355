//! The pool's Prometheus metrics, gathered from a real registry after real jobs.

use std::collections::BTreeMap;

use concerto_primitives::GuestFault;
use concerto_slots::metrics::{
    Registry, GUEST_FAULTS, HOST_FAULTS, JOBS, JOB_TIME, QUEUE_WAIT, WORKERS_RETIRED,
    WORKERS_SPAWNED,
};
use concerto_slots::{Job, SlotError};
use prometheus::proto::MetricType;

use crate::pool;
use crate::pool::{config, guest_job};

/// `name{label=value}` → value, for counters; `name` → sample count, for histograms.
fn gather(registry: &Registry) -> BTreeMap<String, f64> {
    let mut values = BTreeMap::new();
    for family in registry.gather() {
        for metric in family.get_metric() {
            let labels: Vec<String> = metric
                .get_label()
                .iter()
                .map(|l| format!("{}={}", l.get_name(), l.get_value()))
                .collect();
            let key = if labels.is_empty() {
                family.get_name().to_string()
            } else {
                format!("{}{{{}}}", family.get_name(), labels.join(","))
            };
            let value = match family.get_field_type() {
                MetricType::COUNTER => metric.get_counter().get_value(),
                MetricType::HISTOGRAM => metric.get_histogram().get_sample_count() as f64,
                other => panic!("unexpected metric type {other:?}"),
            };
            values.insert(key, value);
        }
    }
    values
}

#[test]
fn jobs_faults_workers_and_times_are_counted() {
    let registry = Registry::new();
    let pool = pool(1, |_| {});
    pool.register_metrics(&registry).unwrap();
    // Registering twice is refused (the names are taken).
    assert!(matches!(
        pool.register_metrics(&registry),
        Err(SlotError::Metrics(_))
    ));

    let accepted = pool.execute(guest_job(&[b"a"])).unwrap();
    assert_eq!(accepted.rejection, None);
    let exception = pool.execute(guest_job(&[b"a", b"x"])).unwrap();
    assert_eq!(
        exception.fault(),
        Some(&GuestFault::Exception("boom".into()))
    );
    let cycles = pool.execute(guest_job(&[b"a", b"l"])).unwrap();
    assert!(matches!(
        cycles.fault(),
        Some(GuestFault::CycleLimitPerInput { .. })
    ));
    let mut big = config();
    big.ram_size = 64 << 30;
    let invalid = pool.execute(Job {
        limits: big,
        ..guest_job(&[])
    });
    assert_eq!(invalid.unwrap_err().kind(), "invalid_job");

    let values = gather(&registry);
    let get = |key: &str| values.get(key).copied().unwrap_or(0.0);
    assert_eq!(
        get(&format!("{JOBS}{{verdict=accepted}}")),
        1.0,
        "{values:?}"
    );
    assert_eq!(
        get(&format!("{JOBS}{{verdict=rejected}}")),
        2.0,
        "{values:?}"
    );
    assert_eq!(get(&format!("{GUEST_FAULTS}{{kind=exception}}")), 1.0);
    assert_eq!(
        get(&format!("{GUEST_FAULTS}{{kind=cycle_limit_per_input}}")),
        1.0
    );
    assert_eq!(get(&format!("{HOST_FAULTS}{{kind=invalid_job}}")), 1.0);
    // One worker (the one that probed) served every job; the invalid job never queued.
    assert_eq!(get(WORKERS_SPAWNED), 1.0);
    assert_eq!(get(WORKERS_RETIRED), 0.0);
    assert_eq!(get(QUEUE_WAIT), 3.0);
    assert_eq!(get(JOB_TIME), 3.0);
    for name in values.keys() {
        assert!(name.starts_with("concerto_slots_"), "{name}");
    }

    drop(pool);
    let values = gather(&registry);
    assert_eq!(values.get(WORKERS_RETIRED), Some(&1.0));
}
