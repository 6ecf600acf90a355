//! `concerto_subscribeCertified(topic)` → notifications `concerto_certifiedResult`
//! (unsubscribe: `concerto_unsubscribeCertified`): each quorum certificate of `topic`
//! this node builds from gossiped attestations, as soon as it has a quorum, before the
//! chain includes the attestations. Unknown topics get the serving RPC's
//! `UNKNOWN_TOPIC` (4001).

use super::{Certified, Certifier};
use crate::serve::{
    rpc::{hex0x, topic_view, ResultJson},
    TopicsClient,
};
use codec::Encode;
use jsonrpsee::{
    core::SubscriptionResult, proc_macros::rpc, PendingSubscriptionSink, SubscriptionMessage,
};
use pallet_topics::{BatchNumber, TopicId};
use serde::Serialize;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

/// One validator's signature in a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SignatureJson {
    /// The validator's `conc` key (hex).
    validator: String,
    /// Its sr25519 signature of the attestation (hex).
    signature: String,
}

/// A certificate as the RPC serves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CertificateJson {
    topic: TopicId,
    batch: BatchNumber,
    /// The sealed batch's commitment (hex).
    commitment: String,
    /// Roots, outputs, cycles and verdict.
    #[serde(flatten)]
    result: ResultJson,
    /// The signers, in key order.
    signatures: Vec<SignatureJson>,
    /// The topic's quorum when the certificate was built.
    quorum: u32,
    /// The size of the validator set it was checked against.
    validators: u32,
    /// The SCALE `concerto_certificate::Certificate` (hex), for
    /// `concerto_certificate::verify_certificate`.
    encoded: String,
}

impl From<&Certified> for CertificateJson {
    fn from(c: &Certified) -> Self {
        let cert = &c.certificate;
        CertificateJson {
            topic: cert.topic,
            batch: cert.batch,
            commitment: hex0x(&cert.commitment),
            result: ResultJson::from(&cert.result),
            signatures: cert
                .signatures
                .iter()
                .map(|(validator, signature)| SignatureJson {
                    validator: hex0x(validator),
                    signature: hex0x(signature),
                })
                .collect(),
            quorum: c.quorum,
            validators: c.validators.len() as u32,
            encoded: hex0x(&cert.encode()),
        }
    }
}

/// The certificate RPC.
#[rpc(server, namespace = "concerto")]
pub(crate) trait CertifyRpc {
    /// Quorum certificates of a topic as this node builds them (see the module docs).
    #[subscription(name = "subscribeCertified" => "certifiedResult", unsubscribe = "unsubscribeCertified", item = CertificateJson)]
    async fn subscribe_certified(&self, topic: TopicId) -> SubscriptionResult;
}

/// Serves [`CertifyRpcServer`] from the node's [`Certifier`].
pub(crate) struct CertifyRpcHandler<C> {
    /// The certificate service.
    pub certifier: Arc<Certifier>,
    /// The client (topics at the best block).
    pub client: Arc<C>,
}

#[jsonrpsee::core::async_trait]
impl<C: TopicsClient> CertifyRpcServer for CertifyRpcHandler<C> {
    async fn subscribe_certified(
        &self,
        pending: PendingSubscriptionSink,
        topic: TopicId,
    ) -> SubscriptionResult {
        if let Err(e) = topic_view(&*self.client, topic) {
            pending.reject(e).await;
            return Ok(());
        }
        let mut live = self.certifier.subscribe();
        let sink = pending.accept().await?;
        loop {
            tokio::select! {
                _ = sink.closed() => return Ok(()),
                next = live.recv() => match next {
                    Ok(c) if c.certificate.topic == topic => {
                        sink.send(SubscriptionMessage::from_json(&CertificateJson::from(&*c))?).await?;
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(missed)) => {
                        return Err(format!(
                            "Lagged: this subscriber fell {missed} certificates behind; \
                             finalized outputs stay available from concerto_outputs"
                        )
                        .into());
                    }
                    Err(RecvError::Closed) => return Ok(()),
                },
            }
        }
    }
}
