//! The slot worker's frame protocol, from either end: a stream of bytes read as the
//! host's requests (what a worker reads on its stdin) and as the worker's responses
//! (what the node reads from a worker, which may be compromised by the template it ran).
//! Reading must end with a value, a clean end of stream or a protocol error, never a
//! panic, and without allocating more than the bytes that arrived; every frame read must
//! write back to the same frame.
#![no_main]

use std::io::Cursor;

use codec::{Decode, Encode};
use concerto_slots::protocol::{read_frame, write_frame, Request, Response};
use concerto_slots::WorkerFault;
use libfuzzer_sys::fuzz_target;
// The bounded allocator.
use concerto_fuzz as _;

/// Reads `bytes` as a sequence of `T` frames until the end or the first error; each
/// frame read is written again and must give the bytes it was read from.
fn frames<T: Decode + Encode + PartialEq + core::fmt::Debug>(bytes: &[u8]) {
    let mut reader = Cursor::new(bytes);
    loop {
        let start = reader.position() as usize;
        match read_frame::<T>(&mut reader) {
            Ok(Some(value)) => {
                let end = reader.position() as usize;
                let mut written = Vec::new();
                write_frame(&mut written, &value).expect("a frame that was read fits");
                assert_eq!(
                    written,
                    &bytes[start..end],
                    "{} frame not written back as read: {value:?}",
                    core::any::type_name::<T>()
                );
            }
            Ok(None) | Err(_) => return,
        }
    }
}

fuzz_target!(|bytes: &[u8]| {
    frames::<Request>(bytes);
    frames::<Response>(bytes);
    // A job child's answer to its worker.
    frames::<Result<Vec<u8>, WorkerFault>>(bytes);
});
