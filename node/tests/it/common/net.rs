//! Four validators of `--chain local` (Alice, Bob, Charlie and Dave), each with its own
//! base path (rocksdb, keystore, state store), restartable on it.

use super::Node;
use jsonrpsee_core::rpc_params;
use polkadot_sdk::{sp_core::crypto::AccountId32, sp_keyring::Sr25519Keyring};
use std::{path::PathBuf, time::Duration};

pub(crate) const NAMES: [&str; 4] = ["alice", "bob", "charlie", "dave"];
pub(crate) const KEYRINGS: [Sr25519Keyring; 4] = [
    Sr25519Keyring::Alice,
    Sr25519Keyring::Bob,
    Sr25519Keyring::Charlie,
    Sr25519Keyring::Dave,
];
pub(crate) const ALICE: usize = 0;
pub(crate) const BOB: usize = 1;
pub(crate) const CHARLIE: usize = 2;
pub(crate) const DAVE: usize = 3;

/// The four validators, each restartable on its own database.
pub(crate) struct Net {
    pub(crate) nodes: [Option<Node>; 4],
    dirs: [PathBuf; 4],
    boot: Option<String>,
}

impl Net {
    /// Four validators' base paths under a fresh temporary directory named for `test`.
    pub(crate) fn new(test: &str) -> Net {
        let root = std::env::temp_dir().join(format!("concerto-{test}-{}", std::process::id()));
        let dirs = NAMES.map(|n| root.join(n));
        for d in &dirs {
            let _ = std::fs::remove_dir_all(d);
        }
        Net {
            nodes: [None, None, None, None],
            dirs,
            boot: None,
        }
    }

    /// Starts validator `i` on its base path with `extra` flags.
    pub(crate) fn start(&mut self, i: usize, extra: &[&str]) {
        let key = format!("{:064x}", i + 1);
        let base = self.dirs[i].to_string_lossy().into_owned();
        let flag = format!("--{}", NAMES[i]);
        let mut args = vec![
            "--chain",
            "local",
            flag.as_str(),
            "--base-path",
            base.as_str(),
            "--node-key",
            key.as_str(),
        ];
        let boot = self.boot.clone();
        if let Some(b) = boot.as_deref() {
            args.extend(["--bootnodes", b]);
        }
        args.extend(extra);
        let node = Node::start(&args);
        if self.boot.is_none() {
            let peer = node
                .wait_for(Duration::from_secs(180), |n| {
                    n.rpc::<String>("system_localPeerId", rpc_params![]).ok()
                })
                .unwrap_or_else(|| panic!("alice did not start; log:\n{}", node.log()));
            self.boot = Some(format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer}", node.p2p_port));
        }
        self.nodes[i] = Some(node);
    }

    /// Validator `i`'s base path.
    pub(crate) fn base_path(&self, i: usize) -> &std::path::Path {
        &self.dirs[i]
    }

    /// Validator `i`'s running node.
    pub(crate) fn node(&self, i: usize) -> &Node {
        self.nodes[i]
            .as_ref()
            .unwrap_or_else(|| panic!("{} is not running", NAMES[i]))
    }

    /// SIGKILL: no shutdown code runs.
    pub(crate) fn kill(&mut self, i: usize) {
        if let Some(n) = self.nodes[i].take() {
            n.kill();
        }
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for i in 0..4 {
            self.kill(i);
        }
        if let Some(root) = self.dirs[0].parent() {
            let _ = std::fs::remove_dir_all(root);
        }
    }
}

/// Validator `i`'s `conc` key.
pub(crate) fn conc(i: usize) -> concerto_runtime::keys::crypto::Public {
    KEYRINGS[i].public().into()
}

/// Validator `i`'s account.
pub(crate) fn account(i: usize) -> AccountId32 {
    KEYRINGS[i].to_account_id()
}
