//! The SDK runtime in the machine (through its `sdk-probe` test template): outputs and
//! reports as automatic yields, the outputs root in tx[0..32] on every accept (checked by
//! the harness against the host's `OutputsTree`, built from the outputs it collected with
//! the same `concerto-outputs-tree` code the guest runs), rollback of outputs on reject,
//! each batch's own tree from its header on, malformed inputs, and panics as tx-exception with the message.

use concerto_primitives::{BatchHeader, EventEnvelope, Input};
use concerto_template_harness::{read_elf, template_elf, InputVerdict, Runner};

fn event(sequence: u64, payload: &[u8]) -> Input {
    Input::Event(EventEnvelope {
        stream_id: 0,
        publisher: [7; 32],
        sequence,
        block_number: 1,
        payload: payload.to_vec(),
    })
}

fn header(batch_number: u64) -> Input {
    Input::Header(BatchHeader {
        topic_id: 0,
        batch_number,
        window: (1, 2),
        config: Vec::new(),
    })
}

#[test]
fn outputs_reports_rollback_and_panic() {
    let elf = read_elf(&template_elf("sdk-probe").expect("template")).expect("elf");
    let mut runner = Runner::new(&elf).expect("boot");
    eprintln!("sdk boot: {} cycles", runner.boot_cycles);
    for i in 0..40u64 {
        let payload = vec![i as u8; (i * 37 % 300) as usize + 1];
        let r = runner.feed(&event(i, &payload)).unwrap();
        assert_eq!(r.verdict, InputVerdict::Accepted);
        assert_eq!(r.outputs, vec![payload.clone()]);
        assert_eq!(
            r.report_texts(),
            vec![format!("echoed {} bytes", payload.len())]
        );
    }
    let root = runner.outputs_root();
    let r = runner.feed(&event(40, b"reject")).unwrap();
    assert_eq!(r.verdict, InputVerdict::Rejected);
    // The next accept carries the same root: the rejected output was rolled back.
    let r = runner.feed(&Input::End { batch_number: 0 }).unwrap();
    assert_eq!(
        (r.verdict, r.outputs_root),
        (InputVerdict::Accepted, Some(root))
    );
    // A header starts the next batch's own outputs tree, in the guest and on the host
    // (the harness checks that the two roots agree on every accept).
    let r = runner.feed(&header(1)).unwrap();
    let empty = concerto_machine::merkle::OutputsTree::new().root();
    assert_eq!(
        (r.verdict, r.outputs_root),
        (InputVerdict::Accepted, Some(empty))
    );
    assert_ne!(root, empty);
    let r = runner.feed(&event(41, b"one")).unwrap();
    let mut one = concerto_machine::merkle::OutputsTree::new();
    one.push(b"one").unwrap();
    assert_eq!(r.outputs_root, Some(one.root()));
    // A large output near the 2 MiB buffer.
    let big = vec![0xabu8; (2 << 20) - 64]; // the envelope adds 49 bytes
    let r = runner.feed(&event(41, &big)).unwrap();
    assert_eq!(r.outputs[0].len(), big.len());
    let r = runner.feed_raw(&[0xff, 0xff]).unwrap();
    assert_eq!(r.verdict, InputVerdict::Rejected);
    assert!(r.report_texts()[0].starts_with("malformed input"));
    let r = runner.feed(&event(42, b"panic")).unwrap();
    assert!(
        matches!(r.verdict, InputVerdict::Fault(_)),
        "{:?}",
        r.verdict
    );
    let msg = r.exception().unwrap();
    assert!(
        msg.starts_with("panic: probe panic at sequence 42 at "),
        "{msg}"
    );
    assert!(
        runner.feed(&event(43, b"x")).is_err(),
        "no input after an exception"
    );
}
