//! `sendfile(2)` and `splice(2)` on Linux, through rustix.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

use rustix::fs::{FileType, OFlags};
use rustix::pipe::{PipeFlags, SpliceFlags};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::net::TcpStream;

use super::{Failure, Moved, ZeroCopyPath};

/// What we ask for each of our pipes: fewer, larger calls than the default 64 KiB. An
/// unprivileged process may have up to 1 MiB (`/proc/sys/fs/pipe-max-size`); when the user's
/// pipe budget is spent the kernel refuses, and the default size still works.
const PIPE_SIZE: usize = 1 << 20;
/// `sendfile` moves at most this much in one call (Linux's own cap); on a non-blocking socket
/// it moves what fits in the socket's buffer anyway, so asking for the most costs nothing.
const SENDFILE_MAX: usize = 0x7fff_f000;
/// Never wait inside the kernel on one of the pipes: that is what our reactor is for.
const FLAGS: SpliceFlags = SpliceFlags::MOVE.union(SpliceFlags::NONBLOCK);

/// One of our own pipes between two descriptors that are not pipes, and how much sits in it.
#[derive(Debug)]
struct Pipe {
    read: OwnedFd,
    write: OwnedFd,
    held: usize,
    capacity: usize,
}

impl Pipe {
    fn new() -> io::Result<Pipe> {
        let (read, write) = rustix::pipe::pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK)?;
        let capacity = match rustix::pipe::fcntl_setpipe_size(&write, PIPE_SIZE) {
            Ok(size) => size,
            Err(_) => rustix::pipe::fcntl_getpipe_size(&write)?,
        };
        Ok(Pipe {
            read,
            write,
            held: 0,
            capacity,
        })
    }
}

fn splice(from: impl AsFd, to: impl AsFd, len: usize) -> io::Result<usize> {
    rustix::pipe::splice(from, None, to, None, len, FLAGS).map_err(io::Error::from)
}

/// `fd` on tokio's reactor. tokio 1.54 deprecates the safe constructor because a generic
/// `T` may change what `as_raw_fd` returns; an `OwnedFd` holds one descriptor for its whole
/// life, which is the safety condition of the unsafe replacement, so the safe one is sound
/// here (and this crate has no `unsafe`).
#[allow(deprecated)]
fn watch(fd: OwnedFd, interest: Interest) -> io::Result<AsyncFd<OwnedFd>> {
    AsyncFd::with_interest(fd, interest)
}

fn file_type(fd: &OwnedFd) -> io::Result<FileType> {
    Ok(FileType::from_raw_mode(rustix::fs::fstat(fd)?.st_mode))
}

/// `sendfile` fails for the socket's reasons or the file's; only the socket's end the
/// connection.
fn which_side(err: io::Error) -> Failure {
    match err.kind() {
        io::ErrorKind::BrokenPipe
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::NotConnected
        | io::ErrorKind::TimedOut => Failure::Socket(err),
        _ => Failure::Local(err),
    }
}

/// Something to send without reading it ourselves: a regular file (sendfile) or a pipe
/// (splice). Handed to a connection with [`crate::Connection::send_from`].
#[derive(Debug)]
pub struct ZeroCopySource {
    input: Input,
}

#[derive(Debug)]
enum Input {
    File(OwnedFd),
    Pipe { fd: AsyncFd<OwnedFd>, pipe: Pipe },
}

impl ZeroCopySource {
    /// `fd` as a source when it is a regular file or a pipe; `Ok(None)` for anything else.
    /// A file is sent from its current offset. Call it inside a tokio runtime: a pipe is
    /// watched by its reactor.
    pub fn new(fd: OwnedFd) -> io::Result<Option<ZeroCopySource>> {
        let input = match file_type(&fd)? {
            FileType::RegularFile => Input::File(fd),
            FileType::Fifo => Input::Pipe {
                fd: watch(fd, Interest::READABLE)?,
                pipe: Pipe::new()?,
            },
            _ => return Ok(None),
        };
        Ok(Some(ZeroCopySource { input }))
    }

    pub fn path(&self) -> ZeroCopyPath {
        match self.input {
            Input::File(_) => ZeroCopyPath::Sendfile,
            Input::Pipe { .. } => ZeroCopyPath::Splice,
        }
    }

    /// Moves the next piece to `socket`. Cancel-safe: what a cancelled call took from a pipe
    /// stays in ours and goes first next time.
    pub(crate) async fn send_some(&mut self, socket: &TcpStream) -> Result<Moved, Failure> {
        match &mut self.input {
            Input::File(file) => loop {
                socket.writable().await.map_err(Failure::Socket)?;
                let sent = socket.try_io(Interest::WRITABLE, || {
                    rustix::fs::sendfile(socket, &*file, None, SENDFILE_MAX)
                        .map_err(io::Error::from)
                });
                match sent {
                    Ok(0) => return Ok(Moved::End),
                    Ok(n) => return Ok(Moved::Bytes(n)),
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                    Err(err) => return Err(which_side(err)),
                }
            },
            Input::Pipe { fd, pipe } => {
                // Our pipe is empty here, so "try again" means the input has nothing yet.
                while pipe.held == 0 {
                    let mut ready = fd.readable().await.map_err(Failure::Local)?;
                    match ready.try_io(|input| splice(input, &pipe.write, pipe.capacity)) {
                        Ok(Ok(0)) => return Ok(Moved::End),
                        Ok(Ok(n)) => pipe.held = n,
                        Ok(Err(err)) => return Err(Failure::Local(err)),
                        Err(_would_block) => {}
                    }
                }
                // Our pipe holds bytes here, so "try again" means the socket is full.
                loop {
                    socket.writable().await.map_err(Failure::Socket)?;
                    let sent =
                        socket.try_io(Interest::WRITABLE, || splice(&pipe.read, socket, pipe.held));
                    match sent {
                        Ok(n) => {
                            pipe.held -= n;
                            return Ok(Moved::Bytes(n));
                        }
                        Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                        Err(err) => return Err(Failure::Socket(err)),
                    }
                }
            }
        }
    }
}

/// Where received bytes go without passing through us: a pipe or a regular file. Cheap to
/// clone; every connection given one gets a pipe of its own into it, and one connection at
/// a time writes, so what one read brought stays together.
#[derive(Debug, Clone)]
pub struct ZeroCopySink {
    out: Arc<tokio::sync::Mutex<Out>>,
}

#[derive(Debug)]
enum Out {
    File(OwnedFd),
    Pipe(AsyncFd<OwnedFd>),
    /// The reader went away (`tcptalk … | head`): what arrives is received and dropped, as
    /// the plain path does, so the connection and its counts go on.
    Gone,
}

impl ZeroCopySink {
    /// `fd` as a sink when it is a pipe, or a regular file not opened for appending (which
    /// `splice` refuses); `Ok(None)` for anything else. Call it inside a tokio runtime.
    pub fn new(fd: OwnedFd) -> io::Result<Option<ZeroCopySink>> {
        let out = match file_type(&fd)? {
            FileType::RegularFile if !rustix::fs::fcntl_getfl(&fd)?.contains(OFlags::APPEND) => {
                Out::File(fd)
            }
            FileType::Fifo => Out::Pipe(watch(fd, Interest::WRITABLE)?),
            _ => return Ok(None),
        };
        Ok(Some(ZeroCopySink {
            out: Arc::new(tokio::sync::Mutex::new(out)),
        }))
    }

    pub fn path(&self) -> ZeroCopyPath {
        ZeroCopyPath::Splice
    }

    /// A connection's own way in; `None` when its pipe cannot be made (out of descriptors),
    /// and that connection then reads the plain way.
    pub(crate) fn connect(&self) -> Option<SinkPipe> {
        match Pipe::new() {
            Ok(pipe) => Some(SinkPipe {
                out: self.out.clone(),
                pipe,
                unreported: 0,
            }),
            Err(err) => {
                tracing::debug!(%err, "no pipe for splice: reading the plain way");
                None
            }
        }
    }
}

/// One connection's pipe into a [`ZeroCopySink`].
#[derive(Debug)]
pub(crate) struct SinkPipe {
    out: Arc<tokio::sync::Mutex<Out>>,
    pipe: Pipe,
    /// Taken from the socket by a call that was cancelled before it could say so.
    unreported: usize,
}

impl SinkPipe {
    /// Moves what `socket` has into the sink: `Bytes(n)` left the socket and reached the
    /// sink; `End` once the peer finished and all before it reached the sink. Cancel-safe:
    /// bytes a cancelled call moved are reported by the next.
    pub(crate) async fn receive_some(&mut self, socket: &TcpStream) -> Result<Moved, Failure> {
        self.drain().await?;
        if self.unreported == 0 {
            // Our pipe is empty here, so "try again" means the socket has nothing yet.
            loop {
                socket.readable().await.map_err(Failure::Socket)?;
                let read = socket.try_io(Interest::READABLE, || {
                    splice(socket, &self.pipe.write, self.pipe.capacity)
                });
                match read {
                    Ok(0) => return Ok(Moved::End),
                    Ok(n) => {
                        self.pipe.held = n;
                        self.unreported = n;
                        break;
                    }
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                    Err(err) => return Err(Failure::Socket(err)),
                }
            }
            self.drain().await?;
        }
        Ok(Moved::Bytes(std::mem::take(&mut self.unreported)))
    }

    /// Empties our pipe into the sink, holding the sink meanwhile.
    async fn drain(&mut self) -> Result<(), Failure> {
        if self.pipe.held == 0 {
            return Ok(());
        }
        let mut out = self.out.lock().await;
        while self.pipe.held > 0 {
            let held = self.pipe.held;
            let moved = match &*out {
                // A page-cache write; it waits on the disk only as a plain write would.
                Out::File(file) => splice(&self.pipe.read, file, held),
                // Our pipe holds bytes, so "try again" means the reader's pipe is full.
                Out::Pipe(fd) => {
                    let mut ready = fd.writable().await.map_err(Failure::Local)?;
                    match ready.try_io(|reader| splice(&self.pipe.read, reader, held)) {
                        Ok(moved) => moved,
                        Err(_would_block) => continue,
                    }
                }
                Out::Gone => discard(&self.pipe.read, held),
            };
            match moved {
                Ok(n) => self.pipe.held -= n,
                Err(err) if err.kind() == io::ErrorKind::BrokenPipe => *out = Out::Gone,
                Err(err) => return Err(Failure::Local(err)),
            }
        }
        Ok(())
    }
}

/// Reads and drops up to `len` bytes from our pipe.
fn discard(pipe: &OwnedFd, len: usize) -> io::Result<usize> {
    let mut scratch = [0u8; 16 * 1024];
    let len = len.min(scratch.len());
    Ok(rustix::io::read(pipe, &mut scratch[..len])?)
}
