//! The worker protocol: length-prefixed SCALE frames over the worker's stdin (requests)
//! and stdout (responses).
//!
//! A frame is a little-endian `u32` byte count followed by that many bytes of one SCALE
//! value; frames over [`MAX_FRAME_BYTES`] are refused. The conversation:
//!
//! 1. host → worker [`Request::Hello`] (protocol version, sandbox mode, template cache
//!    directory); worker → host [`Response::Ready`] (its version and pid);
//! 2. then, one at a time, [`Request::Execute`] (job + child limits) answered by
//!    [`Response::Executed`] (`Ok(JobResult)` — whatever the verdict — or
//!    `Err(WorkerFault)` for a host fault);
//! 3. the host closes stdin; the worker exits with status 0.
//!
//! With the `test-hooks` feature there is one more request, `TestHook`; a worker built
//! without the feature cannot decode it and exits on it (a protocol error).
//! Inside the worker, the job child sends its result to the worker the same way: one
//! frame holding a `Result<Vec<u8>, WorkerFault>` (the SCALE bytes of the answer, or a
//! sandbox-setup failure) over a pipe.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::Instant;

use codec::{Decode, Encode};
use concerto_primitives::Input;

use crate::cache::TemplateHash;
use crate::error::{Result, SlotError, WorkerFault};
use crate::exec::{ExecConfig, JobResult};
use crate::sandbox::{ChildLimits, SandboxMode};

/// Version of this protocol; the worker refuses a different one.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest frame either side accepts.
pub const MAX_FRAME_BYTES: u32 = 512 << 20;

/// Where a job's template comes from.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum TemplateSource {
    /// The ELF bytes themselves (the worker hashes them).
    Inline(Vec<u8>),
    /// A template in the pool's [`crate::cache::TemplateCache`], by BLAKE2b-256 hash
    /// (the worker rehashes the file).
    Cached(TemplateHash),
}

/// One job: a template, its machine configuration and the batch's inputs.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Job {
    /// The template.
    pub template: TemplateSource,
    /// Its machine configuration.
    pub config: ExecConfig,
    /// The advance-state requests, in order: normally the SCALE encodings of
    /// `Input::Header`, the events, then `Input::End`.
    pub inputs: Vec<Vec<u8>>,
}

impl Job {
    /// A job over typed inputs.
    pub fn new(template: TemplateSource, config: ExecConfig, inputs: &[Input]) -> Job {
        Job {
            template,
            config,
            inputs: inputs.iter().map(Input::to_bytes).collect(),
        }
    }
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

/// Host → worker.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Request {
    /// The handshake.
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
    /// Run a test probe in a sandboxed child (tests only).
    #[cfg(feature = "test-hooks")]
    #[codec(index = 200)]
    TestHook {
        /// The probe.
        hook: crate::hooks::TestHook,
        /// The child's limits.
        limits: ChildLimits,
    },
}

/// Worker → host.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum Response {
    /// Handshake answer.
    #[codec(index = 0)]
    Ready {
        /// The worker's [`PROTOCOL_VERSION`].
        version: u32,
        /// The worker's pid.
        pid: u32,
    },
    /// The answer to [`Request::Execute`].
    #[codec(index = 1)]
    Executed(std::result::Result<JobResult, WorkerFault>),
    /// The answer to a test probe: what the child observed.
    #[cfg(feature = "test-hooks")]
    #[codec(index = 200)]
    Hook(std::result::Result<String, WorkerFault>),
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
    let mut bytes = vec![0u8; len as usize];
    r.read_exact(&mut bytes).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            SlotError::Protocol("end of stream inside a frame".into())
        }
        _ => e.into(),
    })?;
    let value = concerto_primitives::decode_all(&bytes)
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
            let mut pfd = libc::pollfd {
                fd: self.fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let millis = left.as_millis().clamp(1, i32::MAX as u128) as i32;
            // SAFETY: one valid pollfd.
            let n = unsafe { libc::poll(&mut pfd, 1, millis) };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if n == 0 {
                continue;
            }
            // SAFETY: reading into `buf` from a descriptor we borrow.
            let r = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if r < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            return Ok(r as usize);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_refuse_garbage() {
        let msg = Request::Hello(Hello {
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
}
