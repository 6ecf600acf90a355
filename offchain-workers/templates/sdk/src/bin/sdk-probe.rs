//! A test template exercising the SDK runtime (used by the harness's SDK tests, never
//! deployed): for each event, payload `panic` panics, payload `reject` emits an output
//! and rejects (the output must not enter the outputs tree), anything else is echoed as
//! an output and acknowledged with a report.
#![cfg_attr(target_arch = "riscv64", no_std, no_main)]

extern crate alloc;

use concerto_template_sdk::{Input, Sink, Template, Verdict};

/// The probe.
#[derive(Default)]
struct Probe;

impl Template for Probe {
    fn on_input(&mut self, input: Input, sink: &mut dyn Sink) -> Verdict {
        let Input::Event(e) = input else {
            return Verdict::Accept;
        };
        match &e.payload[..] {
            b"panic" => panic!("probe panic at sequence {}", e.sequence),
            b"reject" => {
                sink.output(b"must not count");
                Verdict::Reject
            }
            payload => {
                sink.output(payload);
                sink.report(alloc::format!("echoed {} bytes", payload.len()).as_bytes());
                Verdict::Accept
            }
        }
    }
}

concerto_template_sdk::entry!(Probe);
