//! Stateful runs: a batch from a fresh machine, the next from the snapshot it left, equal
//! to one machine running both; a faulted batch rolls back; bad start states are host
//! errors.

use concerto_exec::{
    execute, execute_stateful, ExecError, Load, NextState, Session, StartState, StatefulRun,
};
use concerto_machine::snapshot_root;
use concerto_primitives::{GuestFault, Rejection, Stage};

use crate::guest::{commands_guest, inputs};
use crate::guests::config;

fn stateful(start: StartState<'_>, list: &[&[u8]]) -> StatefulRun {
    execute_stateful(&commands_guest(), config(), start, &inputs(list)).expect("no host fault")
}

fn snapshot(run: &StatefulRun) -> &[u8] {
    match &run.next {
        NextState::Snapshot(bytes) => bytes,
        NextState::Unchanged => panic!("no new state: {:?}", run.result.rejection),
    }
}

#[test]
fn second_batch_from_the_snapshot_equals_one_machine_running_both() {
    let first: &[&[u8]] = &[b"a", b"o\x01", b"a"];
    let second: &[&[u8]] = &[b"p\x02", b"r", b"a"];
    let one = stateful(StartState::Fresh, first);
    assert_eq!(one.result.rejection, None);
    let fresh = execute(&commands_guest(), config(), &inputs(first)).unwrap();
    assert_eq!(
        one.result, fresh,
        "a fresh stateful batch is the stateless run"
    );
    let s1 = snapshot(&one);
    assert_eq!(snapshot_root(s1).unwrap(), one.result.final_root_hash);

    let two = stateful(StartState::Snapshot(s1), second);
    assert_eq!(two.result.start_root_hash, one.result.final_root_hash);
    assert_eq!(two.result.rejected_inputs, vec![1], "input indices restart");
    let both: Vec<&[u8]> = first.iter().chain(second).copied().collect();
    let in_a_row = execute(&commands_guest(), config(), &inputs(&both)).unwrap();
    assert_eq!(two.result.final_root_hash, in_a_row.final_root_hash);
    assert_eq!(
        one.result.cycles + two.result.cycles,
        in_a_row.cycles,
        "each batch counts its own cycles"
    );
    assert_eq!(
        snapshot_root(snapshot(&two)).unwrap(),
        two.result.final_root_hash
    );
}

#[test]
fn a_faulted_batch_is_rolled_back() {
    let one = stateful(StartState::Fresh, &[b"a"]);
    let s1 = snapshot(&one).to_vec();
    let faulted = stateful(StartState::Snapshot(&s1), &[b"a", b"x", b"a"]);
    assert_eq!(
        faulted.result.rejection,
        Some(Rejection {
            stage: Stage::Input(1),
            fault: GuestFault::Exception("boom".into()),
        })
    );
    assert_eq!(faulted.next, NextState::Unchanged);
    assert_eq!(
        faulted.result.final_root_hash, faulted.result.start_root_hash,
        "the next batch starts where this one started"
    );
    assert_eq!(faulted.result.start_root_hash, one.result.final_root_hash);
    // A first batch that faults leaves the fresh machine.
    let first = stateful(StartState::Fresh, &[b"h"]);
    assert_eq!(first.next, NextState::Unchanged);
    assert_eq!(first.result.final_root_hash, first.result.start_root_hash);
}

#[test]
fn bad_start_states_are_host_errors() {
    let one = stateful(StartState::Fresh, &[b"a"]);
    let mut bytes = snapshot(&one).to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let run = |start| execute_stateful(&commands_guest(), config(), start, &inputs(&[b"a"]));
    assert!(matches!(
        run(StartState::Snapshot(&bytes)),
        Err(ExecError::Snapshot(_))
    ));
    assert!(matches!(
        run(StartState::Snapshot(&bytes[..100])),
        Err(ExecError::Snapshot(_))
    ));
    // A machine that was loaded but never booted is not waiting for an input.
    let Load::Ready(session) = Session::load(commands_guest().elf(), config()).unwrap() else {
        panic!("the guest loads");
    };
    let unbooted = session.into_machine().snapshot();
    assert!(matches!(
        run(StartState::Snapshot(&unbooted)),
        Err(ExecError::NotResumable)
    ));
}
