//! Elsewhere than Linux there is no zero-copy path: nothing is ever offered, so every
//! transfer takes the plain one. The types exist so callers need no `cfg` of their own.

use std::io;
use std::os::fd::OwnedFd;

use tokio::net::TcpStream;

use super::{Failure, Moved, ZeroCopyPath};

#[derive(Debug)]
enum Never {}

#[derive(Debug)]
pub struct ZeroCopySource(Never);

impl ZeroCopySource {
    pub fn new(_fd: OwnedFd) -> io::Result<Option<ZeroCopySource>> {
        Ok(None)
    }

    pub fn path(&self) -> ZeroCopyPath {
        match self.0 {}
    }

    pub(crate) async fn send_some(&mut self, _socket: &TcpStream) -> Result<Moved, Failure> {
        match self.0 {}
    }
}

#[derive(Debug, Clone)]
pub struct ZeroCopySink(std::sync::Arc<Never>);

impl ZeroCopySink {
    pub fn new(_fd: OwnedFd) -> io::Result<Option<ZeroCopySink>> {
        Ok(None)
    }

    pub fn path(&self) -> ZeroCopyPath {
        match *self.0 {}
    }

    pub(crate) fn connect(&self) -> Option<SinkPipe> {
        match *self.0 {}
    }
}

#[derive(Debug)]
pub(crate) struct SinkPipe(Never);

impl SinkPipe {
    pub(crate) async fn receive_some(&mut self, _socket: &TcpStream) -> Result<Moved, Failure> {
        match self.0 {}
    }
}
