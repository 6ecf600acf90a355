//! In-process execution of the hostile test guest: every guest fault is a deterministic
//! rejection at the right stage, never an error; rx-rejected inputs drop their outputs
//! and keep their reports.

use concerto_exec::{execute, JobResult, Template};
use concerto_primitives::{
    GuestFault, MachineLimits, Rejection, Stage, Verdict, MAX_EMITTED_BYTES_PER_BATCH,
};

use crate::guest::{commands_guest, inputs};

pub(crate) fn config() -> MachineLimits {
    MachineLimits {
        ram_size: 16 << 20,
        max_cycles_per_input: 200_000,
        max_cycles_per_batch: 10_000_000,
        max_output_bytes: 4096,
    }
}

fn run(config: MachineLimits, list: &[&[u8]]) -> JobResult {
    execute(&commands_guest(), config, &inputs(list)).expect("no host fault")
}

fn rejected(result: &JobResult) -> (Stage, GuestFault) {
    match &result.rejection {
        Some(Rejection { stage, fault }) => (*stage, fault.clone()),
        None => panic!("no guest fault: {result:?}"),
    }
}

#[test]
fn well_behaved_batch_is_accepted() {
    let r = run(config(), &[b"a", b"r", b"o\x01", b"p\x02", b"a"]);
    assert_eq!(r.rejection, None);
    assert_eq!(r.verdict(), Verdict::Rejected, "inputs were rejected");
    assert_eq!(
        r.rejected_inputs,
        vec![1, 2],
        "'r' and 'o' (output then reject)"
    );
    assert!(
        r.outputs.is_empty(),
        "outputs of rejected inputs are dropped"
    );
    // The report is the tx buffer's first 512 bytes: the root the last accept left there.
    let empty_root = concerto_machine::merkle::OutputsTree::new().root();
    assert_eq!(r.reports.len(), 1, "reports are kept");
    assert_eq!(
        (r.reports[0].len(), &r.reports[0][..32]),
        (512, &empty_root[..])
    );
    assert_eq!(r.outputs_root, empty_root);
    assert_ne!(r.start_root_hash, r.final_root_hash);
    assert!(r.cycles > 0);
    assert_eq!(r.template_hash, commands_guest().hash());
    // Deterministic: the same run gives the same roots and cycles.
    assert_eq!(r, run(config(), &[b"a", b"r", b"o\x01", b"p\x02", b"a"]));
}

#[test]
fn every_guest_fault_is_a_verdict() {
    let cases: Vec<(&[u8], GuestFault)> = vec![
        (b"x", GuestFault::Exception("boom".into())),
        (b"h", GuestFault::Halted { exit_code: 3 }),
        (b"l", GuestFault::CycleLimitPerInput { limit: 200_000 }),
        (b"i", GuestFault::CycleLimitPerInput { limit: 200_000 }),
        (b"m", GuestFault::CycleLimitPerInput { limit: 200_000 }),
        (
            b"o\x20",
            GuestFault::OutputTooLarge {
                len: 8192,
                max: 4096,
            },
        ),
        (
            b"p\x20",
            GuestFault::OutputTooLarge {
                len: 8192,
                max: 4096,
            },
        ),
        (
            b"b",
            GuestFault::Protocol("rx-accepted with 5 bytes, not 32".into()),
        ),
        (
            b"u",
            GuestFault::Protocol("unknown manual yield reason 9".into()),
        ),
    ];
    for (input, fault) in cases {
        let r = run(config(), &[b"a", input, b"a"]);
        assert_eq!(rejected(&r), (Stage::Input(1), fault), "input {:?}", input);
    }
    let r = run(config(), &[b"O"]);
    assert!(
        matches!(rejected(&r), (Stage::Input(0), GuestFault::Protocol(_))),
        "{r:?}"
    );
}

#[test]
fn batch_budget_and_emission_budget() {
    let mut c = config();
    c.max_cycles_per_input = 1_000_000;
    c.max_cycles_per_batch = 300_000;
    let r = run(c, &[b"a", b"l"]);
    assert_eq!(
        rejected(&r),
        (
            Stage::Input(1),
            GuestFault::CycleLimitPerBatch { limit: 300_000 }
        )
    );
    assert_eq!(r.cycles, 300_000);

    // Reports of 0xff·256 bytes, accepted: the 1029th crosses the 64 MiB budget.
    let mut c = config();
    c.max_output_bytes = 2 << 20;
    let mut many = vec![b"a".to_vec()];
    many.extend(std::iter::repeat_n(vec![b'p', 0xff], 1100));
    let r = execute(&commands_guest(), c, &many).unwrap();
    let (stage, fault) = rejected(&r);
    assert_eq!(
        fault,
        GuestFault::EmittedTooMuch {
            max: MAX_EMITTED_BYTES_PER_BATCH
        }
    );
    assert_eq!(
        stage,
        Stage::Input((MAX_EMITTED_BYTES_PER_BATCH / (0xff * 256)) as u32 + 1)
    );
}

#[test]
fn boot_load_and_input_faults() {
    // The boot itself spins: a cycle limit at the boot stage.
    let mut c = config();
    c.max_cycles_per_input = 5;
    let r = run(c, &[b"a"]);
    assert_eq!(
        rejected(&r),
        (Stage::Boot, GuestFault::CycleLimitPerInput { limit: 5 })
    );
    assert_eq!(r.cycles, 5);

    let r = execute(&Template::new(b"not an elf".to_vec()), config(), &[]).unwrap();
    assert!(matches!(
        rejected(&r),
        (Stage::Load, GuestFault::InvalidElf(_))
    ));
    assert_eq!((r.start_root_hash, r.final_root_hash), ([0; 32], [0; 32]));

    let mut c = config();
    c.ram_size = 12345;
    let r = run(c, &[]);
    assert!(matches!(rejected(&r), (Stage::Load, _)), "{r:?}");

    let huge = vec![b'a'; (2 << 20) + 1];
    let r = execute(&commands_guest(), config(), &[huge]).unwrap();
    assert_eq!(
        rejected(&r),
        (
            Stage::Input(0),
            GuestFault::InputTooLarge { len: (2 << 20) + 1 }
        )
    );
}
