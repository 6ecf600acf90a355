//! Native testing helpers: a [`Sink`] that collects, and a driver for inputs.

use alloc::vec::Vec;

use crate::{Input, Sink, Template, Verdict};

/// Collects outputs and reports in memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Collect {
    /// Outputs in emission order.
    pub outputs: Vec<Vec<u8>>,
    /// Reports in emission order.
    pub reports: Vec<Vec<u8>>,
}

impl Sink for Collect {
    fn output(&mut self, bytes: &[u8]) {
        self.outputs.push(bytes.to_vec());
    }
    fn report(&mut self, bytes: &[u8]) {
        self.reports.push(bytes.to_vec());
    }
}

/// Runs `template` over `inputs` natively; returns the verdicts and what was emitted.
pub fn run_inputs(template: &mut dyn Template, inputs: &[Input]) -> (Vec<Verdict>, Collect) {
    let mut sink = Collect::default();
    let verdicts = inputs
        .iter()
        .map(|i| crate::dispatch(template, &i.to_bytes(), &mut sink))
        .collect();
    (verdicts, sink)
}
