//! What a template receives for a sealed batch, and in which order.
//!
//! For every sealed batch of a topic the node feeds the template, one CMIO input each
//! (advance-state requests, in this order, built by [`batch_inputs`]):
//! 1. [`Input::Header`] with the [`BatchHeader`] (topic, batch number, window, and the
//!    topic's template configuration bytes);
//! 2. one [`Input::Event`] per event of the window, in chain order, each an
//!    [`EventEnvelope`] (stream, publisher, sequence, block, payload);
//! 3. [`Input::End`], closing the batch: aggregating templates emit their per-batch
//!    outputs here.

use alloc::vec::Vec;
use codec::{Decode, DecodeAll, Encode};

use crate::PublisherId;

/// One event of a stream, as the chain ordered it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct EventEnvelope {
    /// The stream the event was published on.
    pub stream_id: u32,
    /// The publisher that signed it (checked by the chain against the stream's keys).
    pub publisher: PublisherId,
    /// The publisher's sequence number on this stream (strictly increasing).
    pub sequence: u64,
    /// The Concerto block that included the event.
    pub block_number: u32,
    /// The opaque payload; its format is the template's business.
    pub payload: Vec<u8>,
}

/// Given once per batch, before its events.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BatchHeader {
    /// The topic the batch belongs to.
    pub topic_id: u32,
    /// Batch number within the topic (0, 1, 2, ...).
    pub batch_number: u64,
    /// The batching window: first and last Concerto block (inclusive).
    pub window: (u32, u32),
    /// The template's configuration input, fixed per topic (e.g. the SCALE encoding of
    /// [`crate::eth::VerifierConfig`] or [`crate::price::MedianConfig`]).
    pub config: Vec<u8>,
}

/// The SCALE tag (first byte) of [`Input::Header`].
pub const HEADER_TAG: u8 = 0;

/// One CMIO input given to a template (the SCALE encoding is the rx payload).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Input {
    /// A batch starts.
    #[codec(index = 0)]
    Header(BatchHeader),
    /// One event of the current batch.
    #[codec(index = 1)]
    Event(EventEnvelope),
    /// The current batch is complete.
    #[codec(index = 2)]
    End {
        /// The batch that ends (the same as the last header's).
        batch_number: u64,
    },
}

impl Input {
    /// SCALE-encodes the input (what the node writes into the rx buffer).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode()
    }

    /// Decodes an rx payload; the whole buffer must be consumed.
    pub fn from_bytes(mut bytes: &[u8]) -> Result<Input, codec::Error> {
        Input::decode_all(&mut bytes)
    }

    /// Whether an rx payload starts a batch: its first byte is the SCALE tag of
    /// [`Input::Header`]. The outputs tree of a batch starts empty at that request, in the
    /// guest (the SDK's CMIO loop) and on the host alike, before anything decodes it, so a
    /// stateful machine that carries on from an earlier batch still attests each batch's
    /// own outputs root.
    pub fn starts_batch(bytes: &[u8]) -> bool {
        bytes.first() == Some(&HEADER_TAG)
    }
}

/// The inputs of one batch in the order every validator feeds them: the header, the
/// events in chain order, then `End` for the header's batch number. The one place this
/// order is written down; the node and the tests build batches through it.
pub fn batch_inputs(
    header: BatchHeader,
    events: impl IntoIterator<Item = EventEnvelope>,
) -> Vec<Input> {
    let batch_number = header.batch_number;
    let events = events.into_iter();
    let mut inputs = Vec::with_capacity(events.size_hint().0.saturating_add(2));
    inputs.push(Input::Header(header));
    inputs.extend(events.map(Input::Event));
    inputs.push(Input::End { batch_number });
    inputs
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn event() -> EventEnvelope {
        EventEnvelope {
            stream_id: 7,
            publisher: [3; 32],
            sequence: 9,
            block_number: 100,
            payload: vec![1, 2, 3],
        }
    }

    fn header() -> BatchHeader {
        BatchHeader {
            topic_id: 1,
            batch_number: 2,
            window: (10, 19),
            config: vec![5],
        }
    }

    #[test]
    fn input_round_trips() {
        let inputs = [
            Input::Header(header()),
            Input::Event(event()),
            Input::End { batch_number: 2 },
        ];
        for input in inputs {
            assert_eq!(Input::from_bytes(&input.to_bytes()).unwrap(), input);
        }
    }

    #[test]
    fn only_a_header_starts_a_batch() {
        assert!(Input::starts_batch(&Input::Header(header()).to_bytes()));
        assert!(!Input::starts_batch(&Input::Event(event()).to_bytes()));
        assert!(!Input::starts_batch(
            &Input::End { batch_number: 2 }.to_bytes()
        ));
        assert!(!Input::starts_batch(&[]));
    }

    #[test]
    fn batch_order_is_header_events_end() {
        let mut second = event();
        second.sequence = 10;
        let inputs = batch_inputs(header(), [event(), second.clone()]);
        assert_eq!(
            inputs,
            vec![
                Input::Header(header()),
                Input::Event(event()),
                Input::Event(second),
                Input::End { batch_number: 2 },
            ]
        );
        assert_eq!(
            batch_inputs(header(), []),
            vec![Input::Header(header()), Input::End { batch_number: 2 }]
        );
    }

    #[test]
    fn envelope_layout_is_stable() {
        // u32 LE, 32-byte key, u64 LE, u32 LE, compact length + bytes; variant index 1 first.
        let bytes = Input::Event(event()).to_bytes();
        assert_eq!(bytes[0], 1);
        assert_eq!(&bytes[1..5], &7u32.to_le_bytes());
        assert_eq!(&bytes[5..37], &[3; 32]);
        assert_eq!(&bytes[37..45], &9u64.to_le_bytes());
        assert_eq!(&bytes[45..49], &100u32.to_le_bytes());
        assert_eq!(&bytes[49..], &[12, 1, 2, 3]);
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let mut bytes = Input::End { batch_number: 1 }.to_bytes();
        bytes.push(0);
        assert!(Input::from_bytes(&bytes).is_err());
        assert!(u32::decode_all(&mut &[1u8, 0, 0, 0, 0][..]).is_err());
    }
}
