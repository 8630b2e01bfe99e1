//! One signal that tells every part of a running simulator to stop: the
//! accept loop, idle keep-alive connections and bodies that hang on purpose.

use tokio::sync::watch;

/// Receiving side of the stop signal; cheap to clone into every connection.
#[derive(Clone, Debug)]
pub(crate) struct Shutdown(watch::Receiver<bool>);

/// Sending side, owned by the [`super::SimProvider`] handle. Dropping it also
/// counts as "stop".
pub(crate) type ShutdownTrigger = watch::Sender<bool>;

impl Shutdown {
    /// A new trigger and its receiver.
    pub(crate) fn new() -> (ShutdownTrigger, Shutdown) {
        let (tx, rx) = watch::channel(false);
        (tx, Shutdown(rx))
    }

    /// Resolves once stop was requested or the trigger was dropped.
    pub(crate) async fn wait(self) {
        let mut rx = self.0;
        let _ = rx.wait_for(|stop| *stop).await;
    }
}
