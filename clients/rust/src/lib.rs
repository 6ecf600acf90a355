//! A Rust client of a Concerto node, the counterpart of `clients/js`:
//!
//! - **keys and events**: [`PublisherPair`] (sr25519, ed25519, Ethereum secp256k1) and
//!   [`sign_event`], which signs exactly what pallet-topics checks;
//! - **publishing**: [`Client::submit_events`] (`concerto_submitEvents`, one typed
//!   [`Answer`] per event) and [`Publisher`] (sequence numbers from
//!   [`Client::next_sequence`], kept in order; retries resend the same signed bytes, so an
//!   event is never published twice);
//! - **reading**: [`Client::output`], [`Client::outputs`], and [`Client::subscribe`]
//!   (`concerto_subscribeOutputs`, `concerto_subscribeCertified`) over WebSocket;
//! - **errors by name**: every refusal is a [`Refusal`] with its [`RefusalKind`]; every
//!   failure an [`Error`].
//!
//! ```no_run
//! # async fn example() -> Result<(), concerto_client::Error> {
//! use concerto_client::{Client, Publisher, PublisherPair, Scheme};
//! let client = Client::connect("http://127.0.0.1:9944").await?;
//! let pair = PublisherPair::from_uri(Scheme::Sr25519, "//Exchange1")?;
//! let mut publisher = Publisher::new(&client, pair, 0);
//! let published = publisher.publish(b"payload".to_vec()).await?;
//! println!("sequence {} {:?}", published.sequence, published.admission);
//! # Ok(()) }
//! ```

mod client;
mod error;
mod keys;
mod publisher;
mod subscribe;

pub use client::{Admission, Answer, CannotPublish, Client, OutputJson, Refusal, RefusalKind};
pub use error::Error;
pub use keys::{sign_event, PublisherPair, Scheme, SignedEvent};
pub use publisher::{Published, Publisher, MAX_EVENTS_PER_CALL};
pub use subscribe::{Feed, Subscription};
