//! A connected byte stream, plain TCP or TLS over TCP, split into the halves a connection's
//! actor reads and writes. Everything above this sees one kind of stream.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio_rustls::TlsStream;

/// How many queued buffers one vectored write takes.
const MAX_IOV: usize = 64;

pub(crate) enum Stream {
    Tcp(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Tcp(tcp) => tcp,
            Stream::Tls(tls) => tls.get_ref().0,
        }
    }

    pub(crate) fn local_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.tcp().local_addr()
    }

    pub(crate) fn peer_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.tcp().peer_addr()
    }

    pub(crate) fn set_nodelay(&self) {
        let _ = self.tcp().set_nodelay(true);
    }

    pub(crate) fn split(self) -> (ReadSide, WriteSide) {
        match self {
            Stream::Tcp(tcp) => {
                let (read, write) = tcp.into_split();
                (ReadSide::Tcp(read), WriteSide::Tcp(write))
            }
            Stream::Tls(tls) => {
                let (read, write) = tokio::io::split(*tls);
                (ReadSide::Tls(read), WriteSide::Tls(write))
            }
        }
    }
}

pub(crate) enum ReadSide {
    Tcp(OwnedReadHalf),
    Tls(ReadHalf<TlsStream<TcpStream>>),
}

/// Below this a quiet connection's empty buffer is dropped (see [`ReadSide::read_some`]).
const KEEP_BUFFER_ABOVE: usize = 4 * 1024;

impl ReadSide {
    /// Reads what is there into `buf`, reserving `size` first when it is full. `Ok(None)`: a
    /// spurious wake-up, nothing read. `Ok(Some(0))`: the peer finished. Cancel-safe: when
    /// another branch of a `select!` wins, nothing was read.
    ///
    /// Plain TCP waits for readiness before it allocates, so 10,000 quiet clients hold no read
    /// buffers; TLS has buffers of its own anyway.
    pub(crate) async fn read_some(
        &mut self,
        buf: &mut BytesMut,
        size: usize,
    ) -> io::Result<Option<usize>> {
        match self {
            ReadSide::Tcp(reader) => {
                reader.readable().await?;
                if buf.capacity() == buf.len() {
                    buf.reserve(size);
                }
                match reader.try_read_buf(buf) {
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                        // Readiness can be spurious (heaptrack showed every one of 10,000 idle
                        // clients waking once): a quiet connection keeps no buffer. A busy one
                        // keeps its large buffer; its next read comes soon.
                        if buf.is_empty() && buf.capacity() <= KEEP_BUFFER_ABOVE {
                            *buf = BytesMut::new();
                        }
                        Ok(None)
                    }
                    other => other.map(Some),
                }
            }
            ReadSide::Tls(reader) => {
                if buf.capacity() == buf.len() {
                    buf.reserve(size);
                }
                match reader.read_buf(buf).await {
                    // A peer that closes without TLS's close_notify (many do) has still closed.
                    Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => Ok(Some(0)),
                    other => other.map(Some),
                }
            }
        }
    }
}

pub(crate) enum WriteSide {
    Tcp(OwnedWriteHalf),
    Tls(WriteHalf<TlsStream<TcpStream>>),
}

impl AsyncWrite for WriteSide {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            WriteSide::Tcp(w) => Pin::new(w).poll_write(cx, buf),
            WriteSide::Tls(w) => Pin::new(w).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            WriteSide::Tcp(w) => Pin::new(w).poll_write_vectored(cx, bufs),
            WriteSide::Tls(w) => Pin::new(w).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            WriteSide::Tcp(w) => w.is_write_vectored(),
            WriteSide::Tls(w) => w.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            WriteSide::Tcp(w) => Pin::new(w).poll_flush(cx),
            WriteSide::Tls(w) => Pin::new(w).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            WriteSide::Tcp(w) => Pin::new(w).poll_shutdown(cx),
            WriteSide::Tls(w) => Pin::new(w).poll_shutdown(cx),
        }
    }
}

pub(crate) enum Written {
    Bytes(usize),
    /// Nothing was queued: what TLS buffered went out.
    Flushed,
}

/// Writes from the queue, or with nothing queued, flushes. One future for both, since each
/// needs the writer; cancel-safe, so losing a `select!` race loses nothing.
pub(crate) async fn write_some(
    writer: &mut WriteSide,
    queue: &VecDeque<Bytes>,
) -> io::Result<Written> {
    if queue.is_empty() {
        writer.flush().await?;
        return Ok(Written::Flushed);
    }
    let slices: Vec<IoSlice<'_>> = queue
        .iter()
        .take(MAX_IOV)
        .map(|b| IoSlice::new(b))
        .collect();
    let n = writer.write_vectored(&slices).await?;
    if n == 0 {
        return Err(io::ErrorKind::WriteZero.into());
    }
    Ok(Written::Bytes(n))
}
