//! How an emulated HDHomeRun network tuner is found and named: SiliconDust
//! UDP discovery ([`discovery`]: the packet format and what a tuner answers),
//! SSDP ([`ssdp`]: `M-SEARCH` parsing, search responses and `NOTIFY`
//! announcements) and DeviceIDs ([`device_id`]: the checksum Plex and
//! `hdhomerun_config` insist on). Bytes in, bytes out: the host binds the
//! sockets, paces the answers and keeps the device's settings.

mod device;
pub mod device_id;
pub mod discovery;
pub mod ssdp;

pub use device::DeviceInfo;
