//! `concerto-machine`: run an RV64 ELF program in a Cartesi v0.19-compatible machine.
//!
//! ```text
//! concerto-machine run PROGRAM.elf [--ram-length BYTES] [--max-mcycle N]
//!     [--input FILE]... [--hash ADDRESS:LOG2SIZE]... [--json]
//! ```
//!
//! The program is loaded into a fresh machine (RAM at 0x8000_0000) and run. At each
//! manual yield rx-accepted / rx-rejected the next `--input` file is sent as an
//! advance-state input; the run stops when the inputs are exhausted. Automatic yields
//! tx-output / tx-report are recorded and the run continues; a manual tx-exception stops
//! it. The report gives the break reason, exit code, mcycle, root hash, outputs, reports,
//! outputs Merkle root, console output and the requested range hashes.
//!
//! Exit status: like `cartesi-machine`, the guest's exit code (mod 256) when it halted,
//! 1 after a tx-exception, 0 otherwise; 2 for host errors (bad ELF, program too large...).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use concerto_machine::constants::cmio;
use concerto_machine::elf;
use concerto_machine::interp::BreakReason;
use concerto_machine::machine::{Machine, MachineConfig};
use concerto_machine::merkle::{Hash, OutputsTree};
use serde_json::{json, Value};

#[derive(Parser)]
#[command(
    name = "concerto-machine",
    version,
    about = "Deterministic RV64 machine (Cartesi v0.19 layout)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load an ELF program into a fresh machine and run it.
    Run(RunArgs),
}

#[derive(Parser)]
struct RunArgs {
    /// The RISC-V 64 ELF executable (entry at 0x80000000).
    program: PathBuf,
    /// RAM length in bytes (decimal, 0x-hex, or with a Ki/Mi/Gi suffix).
    #[arg(long, default_value = "128Mi", value_parser = parse_size)]
    ram_length: u64,
    /// Stop when mcycle reaches this value.
    #[arg(long, default_value_t = i64::MAX as u64)]
    max_mcycle: u64,
    /// An advance-state input file, answered at the next manual yield (repeatable).
    #[arg(long = "input")]
    inputs: Vec<PathBuf>,
    /// Also print the Merkle hash of an aligned range, e.g. 0x80000000:25 (repeatable).
    #[arg(long = "hash", value_parser = parse_range)]
    hashes: Vec<(u64, u32)>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Parses a byte count: decimal, `0x` hex, or decimal with K/M/G (binary) suffix.
fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (digits, shift) = match s.trim_end_matches('i').trim_end_matches(['B', 'b']) {
        d if d.ends_with(['K', 'k']) => (&d[..d.len() - 1], 10),
        d if d.ends_with(['M', 'm']) => (&d[..d.len() - 1], 20),
        d if d.ends_with(['G', 'g']) => (&d[..d.len() - 1], 30),
        _ => (s, 0),
    };
    let n = parse_u64(digits)?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("size {s} is too large"))
}

fn parse_u64(s: &str) -> Result<u64, String> {
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(&hex.replace('_', ""), 16),
        None => s.replace('_', "").parse(),
    };
    r.map_err(|e| format!("invalid number {s:?}: {e}"))
}

/// Parses `ADDRESS:LOG2SIZE` with 5 ≤ LOG2SIZE ≤ 64 and an aligned address.
fn parse_range(s: &str) -> Result<(u64, u32), String> {
    let (a, l) = s
        .split_once(':')
        .ok_or("expected ADDRESS:LOG2SIZE, e.g. 0x80000000:25")?;
    let address = parse_u64(a)?;
    let log2: u32 = l
        .parse()
        .map_err(|e| format!("invalid log2 size {l:?}: {e}"))?;
    if !(5..=64).contains(&log2) {
        return Err(format!("log2 size {log2} must be between 5 and 64"));
    }
    if log2 < 64 && address & ((1u64 << log2) - 1) != 0 {
        return Err(format!("address {address:#x} is not aligned to 2^{log2}"));
    }
    Ok((address, log2))
}

/// Everything a run produced.
struct Report {
    reason: BreakReason,
    exit_code: Option<u32>,
    mcycle: u64,
    root_hash: Hash,
    outputs: Vec<Vec<u8>>,
    reports: Vec<Vec<u8>>,
    exception: Option<Vec<u8>>,
    inputs_consumed: usize,
    console: Vec<u8>,
    hashes: Vec<(u64, u32, Hash)>,
}

fn reason_name(r: BreakReason) -> &'static str {
    match r {
        BreakReason::Halted => "halted",
        BreakReason::YieldedManually => "yielded_manually",
        BreakReason::YieldedAutomatically => "yielded_automatically",
        BreakReason::YieldedSoftly => "yielded_softly",
        BreakReason::ReachedTargetMcycle => "reached_target_mcycle",
    }
}

/// `0x` followed by the bytes in lowercase hex.
fn hex_0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// Builds the machine and loads the program, with clear errors.
fn load(args: &RunArgs) -> Result<Machine> {
    let bytes = std::fs::read(&args.program)
        .with_context(|| format!("cannot read program {}", args.program.display()))?;
    let image = elf::parse(&bytes).with_context(|| format!("{}", args.program.display()))?;
    let mut machine =
        Machine::new(MachineConfig::new(args.ram_length)).context("cannot build the machine")?;
    image
        .check_placement(args.ram_length, &[])
        .with_context(|| format!("{}", args.program.display()))?;
    image
        .load_into(&mut machine)
        .context("cannot load the program")?;
    Ok(machine)
}

fn run(args: &RunArgs) -> Result<Report> {
    let inputs = args
        .inputs
        .iter()
        .map(|p| std::fs::read(p).with_context(|| format!("cannot read input {}", p.display())))
        .collect::<Result<Vec<_>>>()?;
    let mut machine = load(args)?;
    if args.max_mcycle < machine.mcycle() {
        bail!(
            "--max-mcycle {} is below the current mcycle",
            args.max_mcycle
        );
    }
    let (mut outputs, mut reports, mut console) = (Vec::new(), Vec::new(), Vec::new());
    let mut exception = None;
    let mut next_input = inputs.iter();
    let mut inputs_consumed = 0;
    let reason = loop {
        let reason = machine.run(args.max_mcycle)?;
        console.extend(machine.take_console_output());
        match reason {
            BreakReason::YieldedAutomatically => {
                let req = machine.receive_cmio_request()?;
                match req.reason {
                    cmio::AUTOMATIC_TX_OUTPUT => outputs.push(req.data),
                    cmio::AUTOMATIC_TX_REPORT => reports.push(req.data),
                    _ => {}
                }
            }
            BreakReason::YieldedManually => {
                let req = machine.receive_cmio_request()?;
                if req.reason == cmio::MANUAL_TX_EXCEPTION {
                    exception = Some(req.data);
                    break reason;
                }
                let Some(input) = next_input.next() else {
                    break reason;
                };
                machine.send_cmio_response(cmio::RESPONSE_ADVANCE_STATE, input)?;
                inputs_consumed += 1;
            }
            other => break other,
        }
    };
    let mut hashes = Vec::new();
    for &(address, log2) in &args.hashes {
        let h = machine
            .range_hash(address, log2)
            .with_context(|| format!("cannot hash range {address:#x}:{log2}"))?;
        hashes.push((address, log2, h));
    }
    Ok(Report {
        reason,
        exit_code: machine.exit_code(),
        mcycle: machine.mcycle(),
        root_hash: machine.root_hash(),
        outputs,
        reports,
        exception,
        inputs_consumed,
        console,
        hashes,
    })
}

fn outputs_root(outputs: &[Vec<u8>]) -> Result<Hash> {
    let mut tree = OutputsTree::new();
    for o in outputs {
        tree.push(o).context("outputs tree is full")?;
    }
    Ok(tree.root())
}

fn print(report: &Report, json: bool) -> Result<()> {
    let root = outputs_root(&report.outputs)?;
    let console = String::from_utf8_lossy(&report.console);
    if json {
        let v: Value = json!({
            "break_reason": reason_name(report.reason),
            "break_reason_code": report.reason.code(),
            "exit_code": report.exit_code,
            "mcycle": report.mcycle,
            "root_hash": hex_0x(&report.root_hash),
            "outputs": report.outputs.iter().map(|o| hex_0x(o)).collect::<Vec<_>>(),
            "reports": report.reports.iter().map(|r| hex_0x(r)).collect::<Vec<_>>(),
            "outputs_root": hex_0x(&root),
            "exception": report.exception.as_deref().map(hex_0x),
            "inputs_consumed": report.inputs_consumed,
            "console": console,
            "hashes": report.hashes.iter().map(|(a, l, h)| json!({
                "address": format!("{a:#x}"), "log2_size": l, "hash": hex_0x(h),
            })).collect::<Vec<_>>(),
        });
        println!("{v}");
        return Ok(());
    }
    println!("break reason: {}", reason_name(report.reason));
    match report.exit_code {
        Some(c) => println!("exit code: {c}"),
        None => println!("exit code: none (not halted)"),
    }
    println!("mcycle: {}", report.mcycle);
    println!("root hash: {}", hex_0x(&report.root_hash));
    println!("inputs consumed: {}", report.inputs_consumed);
    println!("outputs: {}", report.outputs.len());
    for (i, o) in report.outputs.iter().enumerate() {
        println!("  {i}: {}", hex_0x(o));
    }
    println!("reports: {}", report.reports.len());
    for (i, r) in report.reports.iter().enumerate() {
        println!("  {i}: {}", hex_0x(r));
    }
    if let Some(e) = &report.exception {
        println!("exception: {}", hex_0x(e));
    }
    println!("outputs root: {}", hex_0x(&root));
    for (a, l, h) in &report.hashes {
        println!("hash {a:#x}:{l}: {}", hex_0x(h));
    }
    println!("console: {} bytes", report.console.len());
    if !console.is_empty() {
        print!("{console}");
        if !console.ends_with('\n') {
            println!();
        }
    }
    Ok(())
}

fn status(report: &Report) -> ExitCode {
    match (report.exit_code, &report.exception) {
        (Some(c), _) => ExitCode::from((c & 0xFF) as u8),
        (None, Some(_)) => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Command::Run(args) = cli.command;
    match run(&args).and_then(|r| print(&r, args.json).map(|()| r)) {
        Ok(report) => status(&report),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
