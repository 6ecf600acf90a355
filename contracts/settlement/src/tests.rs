use super::*;
use alloc::{vec, vec::Vec};
use concerto_primitives::eth::LogData;

const OVER: AccountId = [1; 32];
const UNDER: AccountId = [2; 32];

fn view(verdict: Verdict, outputs: Option<Vec<Vec<u8>>>) -> OutputView<u32> {
    OutputView {
        batch: 3,
        start_root: [0; 32],
        outputs_root: [0; 32],
        state_root: [0; 32],
        outputs_hash: [0; 32],
        outputs: outputs.map(|o| o.encode()),
        cycles: 1,
        verdict,
        finalized_at: 9,
    }
}

fn median(asset_id: u32, median: u128) -> Vec<u8> {
    MedianOutput {
        batch_number: 3,
        asset_id,
        median,
        min: median,
        max: median,
        publishers: 3,
        reference_time: 0,
    }
    .encode()
}

fn bet(strike: u128) -> Terms {
    Terms::PriceBet {
        topic: 0,
        batch: 3,
        asset_id: 7,
        strike,
        over: OVER,
        under: UNDER,
    }
}

#[test]
fn a_price_bet_pays_the_side_the_median_favours() {
    let v = view(Verdict::Accepted, Some(vec![median(6, 1), median(7, 100)]));
    assert_eq!(decide(&bet(100), Some(&v)), Ok(OVER));
    assert_eq!(decide(&bet(101), Some(&v)), Ok(UNDER));
}

#[test]
fn missing_rejected_hashed_or_priceless_outputs_decide_nothing() {
    let good = Some(vec![median(7, 100)]);
    assert_eq!(decide(&bet(1), None), Err(Error::OutputMissing));
    assert_eq!(
        decide(&bet(1), Some(&view(Verdict::Rejected, good.clone()))),
        Err(Error::OutputRejected)
    );
    assert_eq!(
        decide(&bet(1), Some(&view(Verdict::Accepted, None))),
        Err(Error::OutputsNotInline)
    );
    assert_eq!(
        decide(
            &bet(1),
            Some(&view(Verdict::Accepted, Some(vec![median(6, 5)])))
        ),
        Err(Error::NoPrice)
    );
}

#[test]
fn an_escrow_needs_the_log_from_the_address_with_the_topic() {
    let log = |address: [u8; 20], topic0: [u8; 32]| {
        VerifiedLog {
            block_number: 1,
            block_hash: [0; 32],
            tx_index: 0,
            log_index: 0,
            address,
            topics: vec![topic0, [9; 32]],
            data: LogData::Inline(vec![1]),
        }
        .encode()
    };
    let terms = Terms::LogEscrow {
        topic: 1,
        batch: 3,
        address: [5; 20],
        topic0: [6; 32],
        beneficiary: OVER,
    };
    let found = view(
        Verdict::Accepted,
        Some(vec![log([4; 20], [6; 32]), log([5; 20], [6; 32])]),
    );
    assert_eq!(decide(&terms, Some(&found)), Ok(OVER));
    let other = view(Verdict::Accepted, Some(vec![log([5; 20], [7; 32])]));
    assert_eq!(decide(&terms, Some(&other)), Err(Error::NoMatchingLog));
}

#[test]
fn a_bet_settles_once_after_the_other_side_joined_with_the_stake() {
    let mut state = State::new(bet(100), 50);
    let v = view(Verdict::Accepted, Some(vec![median(7, 100)]));
    assert_eq!(state.settle(Some(&v)), Err(Error::NotJoined));
    assert_eq!(state.join(&OVER, 50), Err(Error::CannotJoin));
    assert_eq!(state.join(&UNDER, 49), Err(Error::WrongStake));
    assert_eq!(state.join(&UNDER, 50), Ok(()));
    assert_eq!(state.join(&UNDER, 50), Err(Error::CannotJoin));
    let paid = state.settle(Some(&v));
    assert_eq!(
        paid,
        Ok(Settlement {
            to: OVER,
            amount: 100,
            batch: 3
        })
    );
    assert_eq!(state.settle(Some(&v)), Err(Error::AlreadySettled));
}
