//! Base weights measured by `benchmark overhead` on the optimized node
//! (`scripts/bench-weights.sh`): executing an empty block, and the per-extrinsic overhead
//! (a signed `System::remark` in a full block). Both files are generated.

pub mod block_weights;
pub mod extrinsic_weights;

pub use block_weights::BlockExecutionWeight;
pub use extrinsic_weights::ExtrinsicBaseWeight;
