//! The worker protocol: length-prefixed SCALE frames over the worker's stdin (requests)
//! and stdout (responses).
//!
//! A frame is a little-endian `u32` byte count followed by that many bytes of one SCALE
//! value; frames over [`MAX_FRAME_BYTES`] are refused. The conversation:
//!
//! 1. optionally, host → worker [`Request::Probe`]; worker → host [`Response::Probed`]
//!    with the [`SandboxReport`] of this kernel (the worker tries each sandbox feature in
//!    a throwaway child of its own, so the host never forks to probe);
//! 2. host → worker [`Request::Hello`] (protocol version, sandbox mode, template cache
//!    directory); the worker enters its own sandbox and answers [`Response::Ready`] (its
//!    version and pid), or [`Response::Refused`] when it could not;
//! 3. then, one at a time, [`Request::Execute`] (job + child limits) answered by
//!    [`Response::Executed`] (`Ok(JobResult)` — whatever the verdict — or
//!    `Err(WorkerFault)` for a host fault);
//! 4. the host closes stdin; the worker exits with status 0.
//!
//! [`Request`] is generic over a hook type `H` ([`crate::worker::WorkerHook`]): a
//! [`Request::Hook`] carries test probes that a worker built with that hook type runs
//! (answered by [`Response::Hook`]). The node and the bundled `concerto-slot-worker` use
//! [`NoHooks`], which has no values and decodes from nothing: such a worker cannot decode
//! a hook request at all and exits on it (a protocol error).
//!
//! Inside the worker, the job child sends its result to the worker the same way: one
//! frame holding a `Result<Vec<u8>, WorkerFault>` (the SCALE bytes of the answer, or a
//! sandbox-setup failure) over a pipe.

use std::io::{Read, Write};
use std::os::fd::BorrowedFd;
use std::time::Instant;

use codec::{Decode, DecodeAll, Encode};
use concerto_exec::JobResult;
use concerto_primitives::{Hash32, Input, MachineLimits};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use crate::error::{Result, SlotError, WorkerFault};
use crate::sandbox::{ChildLimits, SandboxMode, SandboxReport};

/// Version of this protocol; the worker refuses a different one.
pub const PROTOCOL_VERSION: u32 = 3;

/// Largest frame either side accepts.
pub const MAX_FRAME_BYTES: u32 = 512 << 20;

// A stateful job's state (at most its RAM, MAX_STATEFUL_RAM, plus a page index and the
// small memories) crosses in one frame with the batch's inputs, or with its outputs and
// reports (MAX_EMITTED_BYTES_PER_BATCH).
const _: () = assert!(
    concerto_primitives::limits::MAX_STATEFUL_RAM
        + 2 * concerto_primitives::MAX_EMITTED_BYTES_PER_BATCH
        < MAX_FRAME_BYTES as u64
);

/// Where a job's template comes from.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum TemplateSource {
    /// The ELF bytes themselves (the worker hashes them).
    Inline(Vec<u8>),
    /// A template in the pool's [`crate::cache::TemplateCache`], by BLAKE2b-256 hash
    /// (the worker rehashes the file).
    Cached(Hash32),
}

/// How a job treats the machine state across batches.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum JobState {
    /// A stateless topic: a fresh machine, nothing kept.
    #[codec(index = 0)]
    Stateless,
    /// A stateful topic's first batch: a fresh machine, whose state after the batch comes
    /// back in [`JobDone::next_state`].
    #[codec(index = 1)]
    Fresh,
    /// A stateful topic's later batch: the machine the previous batch left (a
    /// `Machine::snapshot`), read by the worker before the sandboxed child starts; the
    /// state after the batch comes back in [`JobDone::next_state`].
    #[codec(index = 2)]
    Snapshot(Vec<u8>),
}

/// One job: a template, its machine configuration, the batch's inputs and where its
/// machine state starts.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Job {
    /// The template.
    pub template: TemplateSource,
    /// Its machine limits.
    pub limits: MachineLimits,
    /// The advance-state requests, in order: normally the SCALE encodings of
    /// `Input::Header`, the events, then `Input::End`.
    pub inputs: Vec<Vec<u8>>,
    /// Stateless, or where a stateful batch starts.
    pub state: JobState,
}

impl Job {
    /// A stateless job over typed inputs.
    pub fn new(template: TemplateSource, limits: MachineLimits, inputs: &[Input]) -> Job {
        Job {
            template,
            limits,
            inputs: inputs.iter().map(Input::to_bytes).collect(),
            state: JobState::Stateless,
        }
    }
}

/// What a worker answers for a job it ran (whatever the verdict).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct JobDone {
    /// The result.
    pub result: JobResult,
    /// A stateful job's machine state after the batch (`Machine::snapshot`, whose root
    /// is `result.final_root_hash`). `None` for a stateless job, and for a stateful batch
    /// that faulted: it is rolled back, so the next batch starts from this one's start
    /// state (`final_root_hash == start_root_hash`).
    pub next_state: Option<Vec<u8>>,
}

/// The first request: how the worker must run jobs.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Hello {
    /// [`PROTOCOL_VERSION`].
    pub version: u32,
    /// What every job child enters.
    pub sandbox: SandboxMode,
    /// The template cache directory (raw OS path bytes), if any.
    pub cache_dir: Option<Vec<u8>>,
}

/// The hook type of workers that serve no hooks (the node's, the bundled
/// `concerto-slot-worker`): it has no values, so a [`Request::Hook`] cannot be built for
/// it, and decoding one always fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoHooks {}

impl Encode for NoHooks {
    fn size_hint(&self) -> usize {
        match *self {}
    }

    fn encode_to<T: codec::Output + ?Sized>(&self, _dest: &mut T) {
        match *self {}
    }
}

impl Decode for NoHooks {
    fn decode<I: codec::Input>(_input: &mut I) -> std::result::Result<Self, codec::Error> {
        Err("this worker serves no hooks".into())
    }
}

/// Host → worker.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Request<H = NoHooks> {
    /// The handshake: after it the worker is in its own sandbox.
    #[codec(index = 0)]
    Hello(Hello),
    /// Run one job in a sandboxed child.
    #[codec(index = 1)]
    Execute {
        /// The job.
        job: Job,
        /// The child's limits.
        limits: ChildLimits,
    },
    /// Probe the sandbox features of this kernel (only before [`Request::Hello`]).
    #[codec(index = 2)]
    Probe,
    /// Run a hook (a test probe) of a worker built with hook type `H`.
    #[codec(index = 200)]
    Hook {
        /// The hook.
        hook: H,
        /// The limits of any job child the hook starts.
        limits: ChildLimits,
    },
}

/// Worker → host.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Response {
    /// Handshake answer: the worker is in its sandbox.
    #[codec(index = 0)]
    Ready {
        /// The worker's [`PROTOCOL_VERSION`].
        version: u32,
        /// The worker's pid.
        pid: u32,
    },
    /// The answer to [`Request::Execute`].
    #[codec(index = 1)]
    Executed(std::result::Result<JobDone, WorkerFault>),
    /// The answer to [`Request::Probe`].
    #[codec(index = 2)]
    Probed(SandboxReport),
    /// The handshake failed (e.g. the worker could not enter its sandbox); the worker
    /// exits after sending this.
    #[codec(index = 3)]
    Refused(WorkerFault),
    /// The answer to [`Request::Hook`]: the SCALE encoding of the hook's output.
    #[codec(index = 200)]
    Hook(std::result::Result<Vec<u8>, WorkerFault>),
}

/// Writes `msg` as one frame.
pub fn write_frame(w: &mut impl Write, msg: &impl Encode) -> Result<()> {
    let bytes = msg.encode();
    let len = u32::try_from(bytes.len())
        .ok()
        .filter(|&n| n <= MAX_FRAME_BYTES)
        .ok_or_else(|| {
            SlotError::Protocol(format!("frame of {} bytes is too large", bytes.len()))
        })?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(&bytes)?;
    w.flush()?;
    Ok(())
}

/// Reads one frame; `Ok(None)` on a clean end of stream before it.
pub fn read_frame<T: Decode>(r: &mut impl Read) -> Result<Option<T>> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => {
                return Err(SlotError::Protocol(
                    "end of stream inside a frame length".into(),
                ))
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let len = u32::from_le_bytes(len);
    if len > MAX_FRAME_BYTES {
        return Err(SlotError::Protocol(format!(
            "frame of {len} bytes is too large"
        )));
    }
    // The buffer grows with the bytes that arrive, so a length prefix alone (from a
    // compromised worker, say) cannot make this side allocate MAX_FRAME_BYTES.
    let mut bytes = Vec::new();
    r.take(u64::from(len)).read_to_end(&mut bytes)?;
    if bytes.len() != len as usize {
        return Err(SlotError::Protocol("end of stream inside a frame".into()));
    }
    let value = T::decode_all(&mut &bytes[..])
        .map_err(|e| SlotError::Protocol(format!("undecodable frame: {e}")))?;
    Ok(Some(value))
}

/// A blocking reader of a pipe that fails with `TimedOut` once `deadline` passes.
pub(crate) struct DeadlineReader<'a> {
    fd: BorrowedFd<'a>,
    deadline: Instant,
}

impl<'a> DeadlineReader<'a> {
    pub(crate) fn new(fd: BorrowedFd<'a>, deadline: Instant) -> Self {
        DeadlineReader { fd, deadline }
    }
}

impl Read for DeadlineReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(std::io::ErrorKind::TimedOut.into());
            }
            // At least 1 ms (a 0 timeout would spin), at most what poll(2) takes.
            let millis = left.as_millis().clamp(1, i32::MAX as u128);
            let timeout = PollTimeout::try_from(millis).unwrap_or(PollTimeout::MAX);
            let mut fds = [PollFd::new(self.fd, PollFlags::POLLIN)];
            match poll(&mut fds, timeout) {
                Ok(0) | Err(nix::Error::EINTR) => continue,
                Ok(_) => {}
                Err(e) => return Err(e.into()),
            }
            match nix::unistd::read(self.fd, buf) {
                Ok(n) => return Ok(n),
                Err(nix::Error::EINTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_refuse_garbage() {
        let msg: Request = Request::Hello(Hello {
            version: PROTOCOL_VERSION,
            sandbox: SandboxMode {
                seccomp: true,
                landlock: Some(3),
            },
            cache_dir: None,
        });
        let mut buf = Vec::new();
        write_frame(&mut buf, &msg).unwrap();
        write_frame(&mut buf, &msg).unwrap();
        let mut r = buf.as_slice();
        assert_eq!(read_frame::<Request>(&mut r).unwrap(), Some(msg.clone()));
        assert_eq!(read_frame::<Request>(&mut r).unwrap(), Some(msg));
        assert_eq!(read_frame::<Request>(&mut r).unwrap(), None);
        let mut truncated = &buf[..buf.len() / 2 + 2];
        assert!(read_frame::<Request>(&mut truncated).is_ok());
        assert!(read_frame::<Request>(&mut truncated).is_err());
        let huge = (MAX_FRAME_BYTES + 1).to_le_bytes();
        assert!(read_frame::<Request>(&mut &huge[..]).is_err());
        let unknown = [1u8, 0, 0, 0, 99];
        assert!(read_frame::<Request>(&mut &unknown[..]).is_err());
    }

    #[test]
    fn hook_requests_do_not_decode_without_hooks() {
        #[derive(Debug, Encode, Decode)]
        struct Probe(u8);
        let limits = ChildLimits {
            cpu_secs: 1,
            wall_millis: 1,
            address_space: 1,
        };
        let mut buf = Vec::new();
        write_frame(
            &mut buf,
            &Request::Hook {
                hook: Probe(7),
                limits,
            },
        )
        .unwrap();
        let err = read_frame::<Request>(&mut buf.as_slice()).unwrap_err();
        assert!(err.to_string().contains("serves no hooks"), "{err}");
        let hook = read_frame::<Request<Probe>>(&mut buf.as_slice()).unwrap();
        assert!(matches!(hook, Some(Request::Hook { hook: Probe(7), .. })));
    }
}
