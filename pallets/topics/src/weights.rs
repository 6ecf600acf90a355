//! Weights for pallet-topics.
//!
//! **PLACEHOLDER — NOT GENERATED.** These figures are hand-estimated (a fixed base, a
//! per-item/per-byte slope and a count of storage reads/writes) so that the pallet
//! compiles and charges something sensible. They were *not* produced by a benchmark
//! run. Replace this file with the output of:
//!
//! ```text
//! frame-omni-bencher v1 benchmark pallet --runtime <concerto_runtime.wasm> \
//!     --pallet pallet_topics --extrinsic '*' --steps 50 --repeat 20 \
//!     --template <frame-weight-template.hbs> --output pallets/topics/src/weights.rs
//! ```
//! (the runtime must be built with `--features runtime-benchmarks` and list
//! `pallet_topics` in its `define_benchmarks!`).

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use polkadot_sdk::*;
use frame_support::{traits::Get, weights::{Weight, constants::RocksDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for pallet-topics.
pub trait WeightInfo {
	fn register_stream(m: u32) -> Weight;
	fn add_publisher() -> Weight;
	fn remove_publisher() -> Weight;
	fn close_stream() -> Weight;
	fn upload_template(c: u32) -> Weight;
	fn remove_template() -> Weight;
	fn register_topic(s: u32) -> Weight;
	fn set_topic_status() -> Weight;
	fn publish(p: u32) -> Weight;
	fn authorize_publish(p: u32) -> Weight;
	fn publish_batch(n: u32, p: u32) -> Weight;
	fn authorize_publish_batch(n: u32, p: u32) -> Weight;
	fn attest(v: u32, o: u32) -> Weight;
	fn authorize_attest(v: u32, o: u32) -> Weight;
	fn on_initialize_judge(b: u32, v: u32) -> Weight;
	fn on_finalize_seal(t: u32, e: u32) -> Weight;
}

/// Placeholder weights for a runtime (see the module docs: not generated).
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn register_stream(m: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(2_000, 0).saturating_mul(m.into()))
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(2))
	}
	fn add_publisher() -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn remove_publisher() -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn close_stream() -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(T::DbWeight::get().reads(1))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn upload_template(c: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(1_500, 0).saturating_mul(c.into()))
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	fn remove_template() -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(4))
	}
	fn register_topic(s: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(5_000_000, 0).saturating_mul(s.into()))
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	fn set_topic_status() -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn publish(p: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(3_000, 0).saturating_mul(p.into()))
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(8))
	}
	fn authorize_publish(p: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(3_000, 0).saturating_mul(p.into()))
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(0))
	}
	fn publish_batch(n: u32, p: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(60_000_000, 0).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(3_000, 0).saturating_mul(p.into()))
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(8))
			.saturating_add(T::DbWeight::get().reads_writes(4, 4).saturating_mul(n.into()))
	}
	fn authorize_publish_batch(n: u32, p: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(60_000_000, 0).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(3_000, 0).saturating_mul(p.into()))
			.saturating_add(T::DbWeight::get().reads(8))
			.saturating_add(T::DbWeight::get().writes(0))
			.saturating_add(T::DbWeight::get().reads_writes(4, 4).saturating_mul(n.into()))
	}
	fn attest(v: u32, o: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(v.into()))
			.saturating_add(Weight::from_parts(1_500, 0).saturating_mul(o.into()))
			.saturating_add(T::DbWeight::get().reads(6))
			.saturating_add(T::DbWeight::get().writes(5))
			.saturating_add(T::DbWeight::get().reads(1).saturating_mul(v.into()))
	}
	fn authorize_attest(v: u32, o: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(v.into()))
			.saturating_add(Weight::from_parts(1_500, 0).saturating_mul(o.into()))
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(0))
			.saturating_add(T::DbWeight::get().reads(1).saturating_mul(v.into()))
	}
	fn on_initialize_judge(b: u32, v: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(40_000_000, 0).saturating_mul(b.into()))
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(v.into()))
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(2))
			.saturating_add(T::DbWeight::get().reads_writes(4, 4).saturating_mul(b.into()))
			.saturating_add(T::DbWeight::get().reads(1).saturating_mul(v.into()))
	}
	fn on_finalize_seal(t: u32, e: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(30_000_000, 0).saturating_mul(t.into()))
			.saturating_add(Weight::from_parts(100_000, 0).saturating_mul(e.into()))
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(T::DbWeight::get().writes(2))
			.saturating_add(T::DbWeight::get().reads_writes(4, 4).saturating_mul(t.into()))
	}
}

/// For tests: the same placeholder figures with `RocksDbWeight`.
impl WeightInfo for () {
	fn register_stream(m: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(2_000, 0).saturating_mul(m.into()))
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().writes(2))
	}
	fn add_publisher() -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn remove_publisher() -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn close_stream() -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(RocksDbWeight::get().reads(1))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn upload_template(c: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(1_500, 0).saturating_mul(c.into()))
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(4))
	}
	fn remove_template() -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(4))
	}
	fn register_topic(s: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(5_000_000, 0).saturating_mul(s.into()))
			.saturating_add(RocksDbWeight::get().reads(5))
			.saturating_add(RocksDbWeight::get().writes(6))
	}
	fn set_topic_status() -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(RocksDbWeight::get().reads(4))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn publish(p: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(3_000, 0).saturating_mul(p.into()))
			.saturating_add(RocksDbWeight::get().reads(8))
			.saturating_add(RocksDbWeight::get().writes(8))
	}
	fn authorize_publish(p: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(3_000, 0).saturating_mul(p.into()))
			.saturating_add(RocksDbWeight::get().reads(8))
			.saturating_add(RocksDbWeight::get().writes(0))
	}
	fn publish_batch(n: u32, p: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(60_000_000, 0).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(3_000, 0).saturating_mul(p.into()))
			.saturating_add(RocksDbWeight::get().reads(8))
			.saturating_add(RocksDbWeight::get().writes(8))
			.saturating_add(RocksDbWeight::get().reads_writes(4, 4).saturating_mul(n.into()))
	}
	fn authorize_publish_batch(n: u32, p: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(60_000_000, 0).saturating_mul(n.into()))
			.saturating_add(Weight::from_parts(3_000, 0).saturating_mul(p.into()))
			.saturating_add(RocksDbWeight::get().reads(8))
			.saturating_add(RocksDbWeight::get().writes(0))
			.saturating_add(RocksDbWeight::get().reads_writes(4, 4).saturating_mul(n.into()))
	}
	fn attest(v: u32, o: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(v.into()))
			.saturating_add(Weight::from_parts(1_500, 0).saturating_mul(o.into()))
			.saturating_add(RocksDbWeight::get().reads(6))
			.saturating_add(RocksDbWeight::get().writes(5))
			.saturating_add(RocksDbWeight::get().reads(1).saturating_mul(v.into()))
	}
	fn authorize_attest(v: u32, o: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(v.into()))
			.saturating_add(Weight::from_parts(1_500, 0).saturating_mul(o.into()))
			.saturating_add(RocksDbWeight::get().reads(4))
			.saturating_add(RocksDbWeight::get().writes(0))
			.saturating_add(RocksDbWeight::get().reads(1).saturating_mul(v.into()))
	}
	fn on_initialize_judge(b: u32, v: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(40_000_000, 0).saturating_mul(b.into()))
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(v.into()))
			.saturating_add(RocksDbWeight::get().reads(2))
			.saturating_add(RocksDbWeight::get().writes(2))
			.saturating_add(RocksDbWeight::get().reads_writes(4, 4).saturating_mul(b.into()))
			.saturating_add(RocksDbWeight::get().reads(1).saturating_mul(v.into()))
	}
	fn on_finalize_seal(t: u32, e: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_000)
			.saturating_add(Weight::from_parts(30_000_000, 0).saturating_mul(t.into()))
			.saturating_add(Weight::from_parts(100_000, 0).saturating_mul(e.into()))
			.saturating_add(RocksDbWeight::get().reads(2))
			.saturating_add(RocksDbWeight::get().writes(2))
			.saturating_add(RocksDbWeight::get().reads_writes(4, 4).saturating_mul(t.into()))
	}
}
