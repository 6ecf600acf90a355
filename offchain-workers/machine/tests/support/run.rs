//! Loading an ELF into a fresh machine and driving it through halts and CMIO yields,
//! shared by the conformance suite and the benchmarks (included with `#[path]`).
#![allow(dead_code)]

use std::path::Path;

use concerto_machine::constants::cmio;
use concerto_machine::elf;
use concerto_machine::interp::BreakReason;
use concerto_machine::machine::{Machine, MachineConfig};

/// RAM of the machines the programs run in (32 MiB, as in Cartesi's own test suite).
pub(crate) const RAM_LENGTH: u64 = 32 << 20;

/// Builds a fresh machine with `ram_length` bytes of RAM and loads the ELF at `path`.
pub(crate) fn load(path: &Path, ram_length: u64) -> Machine {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let image = elf::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    image
        .check_placement(ram_length, &[])
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut machine = Machine::new(MachineConfig::new(ram_length)).expect("machine config");
    image.load_into(&mut machine).expect("load ELF segments");
    machine
}

/// What a program did when driven to the end.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Why the last `run` returned.
    pub(crate) reason: Option<BreakReason>,
    /// Halt payload when halted.
    pub(crate) exit_code: Option<u32>,
    /// mcycle at the end.
    pub(crate) mcycle: u64,
    /// Manual yields in order: (reason, tx payload).
    pub(crate) manual: Vec<(u16, Vec<u8>)>,
    /// Automatic tx-output payloads.
    pub(crate) outputs: Vec<Vec<u8>>,
    /// Automatic tx-report payloads.
    pub(crate) reports: Vec<Vec<u8>>,
    /// Automatic progress values.
    pub(crate) progress: Vec<u32>,
    /// Console bytes.
    pub(crate) console: Vec<u8>,
}

/// Runs until halt, the cycle limit, a tx-exception, or a manual yield with no input
/// left; each manual rx-accepted/rx-rejected yield is answered with the next input as
/// an advance-state (reason 0) response, automatic yields are recorded and resumed.
pub(crate) fn drive(machine: &mut Machine, max_mcycle: u64, inputs: &[&[u8]]) -> Outcome {
    let mut out = Outcome::default();
    let mut inputs = inputs.iter();
    loop {
        let reason = machine.run(max_mcycle).expect("run");
        out.reason = Some(reason);
        out.console.extend(machine.take_console_output());
        match reason {
            BreakReason::YieldedAutomatically => {
                let req = machine.receive_cmio_request().expect("cmio request");
                match req.reason {
                    cmio::AUTOMATIC_TX_OUTPUT => out.outputs.push(req.data),
                    cmio::AUTOMATIC_TX_REPORT => out.reports.push(req.data),
                    cmio::AUTOMATIC_PROGRESS => {
                        let mut w = [0u8; 4];
                        w.copy_from_slice(&req.data[..4]);
                        out.progress.push(u32::from_le_bytes(w));
                    }
                    _ => {}
                }
            }
            BreakReason::YieldedManually => {
                let req = machine.receive_cmio_request().expect("cmio request");
                let exception = req.reason == cmio::MANUAL_TX_EXCEPTION;
                out.manual.push((req.reason, req.data));
                match inputs.next() {
                    Some(input) if !exception => machine
                        .send_cmio_response(cmio::RESPONSE_ADVANCE_STATE, input)
                        .expect("response"),
                    _ => break,
                }
            }
            _ => break,
        }
    }
    out.exit_code = machine.exit_code();
    out.mcycle = machine.mcycle();
    out
}
