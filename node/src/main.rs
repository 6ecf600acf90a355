//! `concerto-node`: the Concerto validator binary.
// The node's functions return polkadot-sdk's own `sc_cli::Error` / `sc_service::Error`,
// which are large; boxing them at every call would only obscure the SDK's signatures.
#![allow(clippy::result_large_err)]

mod certify;
mod chain_spec;
mod cli;
mod command;
mod ingest;
mod rpc;
mod serve;
mod service;
mod slots;
mod state;

fn main() -> polkadot_sdk::sc_cli::Result<()> {
    // A slot worker must stay single-threaded and keep stdout for its protocol, so it is
    // dispatched before argument parsing, logging or anything else starts.
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == slots::WORKER_SUBCOMMAND)
    {
        concerto_slots::worker::run_worker();
    }
    command::run()
}
