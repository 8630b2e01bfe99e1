//! Fuzzes the SiliconDust UDP discovery parser: any bytes must give a packet
//! or a typed error, and a parsed packet must re-encode and re-parse equal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use streamforge_hdhomerun::discovery::{message, Packet};

fuzz_target!(|data: &[u8]| {
    if let Ok(packet) = Packet::parse(data) {
        let bytes = packet.encode().expect("a parsed packet re-encodes");
        assert!(bytes.len() <= data.len(), "re-encoding never grows");
        assert_eq!(Packet::parse(&bytes).as_ref(), Ok(&packet));
        let _ = message::is_for_us(&packet, 0x1043_9EFD);
    }
});
